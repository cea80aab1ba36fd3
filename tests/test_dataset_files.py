"""The whole published dataset as files, and exports that always finish."""

import csv
import io
import json
import runpy

import pytest
from django.conf import settings
from django.http import FileResponse

from activities import dataset_files, facets
from activities.models import Activity

from .conftest import close_streamed
from .factories import ActivityFactory, ReferenceFactory

pytestmark = pytest.mark.django_db

CSV, JSON = "/activities/export.csv", "/activities/export.json"
BASE = "http://testserver"


@pytest.fixture(autouse=True)
def own_folder(settings, tmp_path):
    settings.PUBLIC_FILES_DIR = tmp_path / "files"


@pytest.fixture
def published():
    first = ActivityFactory(title="Broadband", regions=["africa"], sdgs=[9])
    ReferenceFactory(activity=first)
    ActivityFactory(title="Open data", language="fr")
    ActivityFactory(title="Hidden draft", status=Activity.Status.DRAFT)
    return first


def body(response):
    if response.streaming:
        content = b"".join(response.streaming_content)
        close_streamed(response)
        return content
    return response.content


def is_file(response):
    return isinstance(response, FileResponse) and "Content-Length" in response


def streamed(client, url):
    """The export as streamed from the database (no file yet)."""
    response = client.get(url)
    assert response.streaming and not is_file(response)
    return body(response)


def test_the_files_hold_what_the_streamed_exports_hold(client, published):
    expected_csv, expected_json = streamed(client, CSV), streamed(client, JSON)

    manifest = dataset_files.rebuild(BASE)
    response = client.get(CSV)

    assert is_file(response)
    assert int(response["Content-Length"]) == manifest["csv"]["size"]
    assert body(response) == expected_csv
    assert 'filename="wsis-activities.csv"' in response["Content-Disposition"]
    served = json.loads(body(client.get(JSON)))
    assert served == json.loads(expected_json)
    assert served["count"] == manifest["json"]["rows"] == 2
    assert b"Hidden draft" not in expected_csv + expected_json


def test_a_file_is_never_served_once_published_work_changed(client, published):
    dataset_files.rebuild(BASE)

    published.status, published.published_at = Activity.Status.DRAFT, None
    published.save()  # withdrawn
    response = client.get(CSV)

    assert not is_file(response)
    rows = list(csv.reader(io.StringIO(body(response).decode("utf-8-sig"))))
    assert [row[1] for row in rows[1:]] == ["Open data"]


def test_filtered_exports_and_other_hosts_are_streamed(client, published):
    dataset_files.rebuild(BASE)

    assert not is_file(client.get(CSV, {"region": "africa"}))
    assert not is_file(client.get(CSV, secure=True))  # https://testserver: other links
    assert is_file(client.get(CSV))


def test_rebuilding_swaps_the_files_and_removes_the_old_ones(client, published):
    first = dataset_files.rebuild(BASE)
    ActivityFactory(title="Third")

    second = dataset_files.rebuild(BASE)

    folder = settings.PUBLIC_FILES_DIR
    names = sorted(p.name for p in folder.glob("wsis-activities.*"))
    assert names == sorted([second["csv"]["name"], second["json"]["name"]])
    assert first["csv"]["name"] != second["csv"]["name"]
    assert json.loads(body(client.get(JSON)))["count"] == 3


def test_the_command_writes_the_files(client, published, capsys):
    from django.core.management import call_command

    call_command("build_dataset_files", "--base-url", BASE)

    assert is_file(client.get(CSV))
    assert "2 activities" in capsys.readouterr().out


def test_the_command_refuses_a_bad_base_url():
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="base URL"):
        call_command("build_dataset_files", "--base-url", "ftp://x/")


def test_a_cut_json_export_is_not_valid_json(client, published):
    content = streamed(client, JSON)

    with pytest.raises(json.JSONDecodeError):
        json.loads(content[: len(content) // 2])


def test_gunicorn_settings_keep_long_streams_alive(monkeypatch):
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    config = runpy.run_path(str(settings.BASE_DIR / "gunicorn.conf.py"))

    # The sync worker is killed after `timeout` of any one request; gthread's main
    # thread keeps the worker alive while another streams.
    assert config["worker_class"] == "gthread"
    assert config["threads"] >= 2
    assert config["workers"] >= 1
    assert config["graceful_timeout"] >= 60


def test_the_snapshot_lives_beside_the_files(published):
    facets.save_snapshot()

    assert facets.snapshot_path().parent == settings.PUBLIC_FILES_DIR
    assert facets.load_snapshot().everything == facets.current().everything
