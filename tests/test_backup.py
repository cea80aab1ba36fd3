"""export_all and import_all: a backup restores an identical database."""

import datetime as dt
import json
import os
import signal

import pytest
from django.apps import apps
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.management import CommandError, call_command
from django.utils import timezone
from rest_framework.authtoken.models import Token

from activities.models import ActionLine, ActionLineFacilitator, Activity, Theme
from mandates.models import Addressee, Mandate, MandateUpdate, Resolution
from reviews.models import Comment, DeadlineExtension
from wsis_site.backup import HISTORY, MODELS, NOT_BACKED_UP

from .factories import ActivityFactory, ReferenceFactory, SubmissionFactory, UserFactory, move

threaded = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def backed_up_tables():
    """Every row of every backed-up table (content types by name, as they may be renumbered)."""
    tables = {}
    for label in MODELS + HISTORY:
        model = apps.get_model(label)
        rows = list(model._base_manager.order_by("pk").values())
        if label == "admin.LogEntry":
            names = dict(ContentType.objects.values_list("pk", "model"))
            for row in rows:
                row["content_type_id"] = names[row["content_type_id"]]
        tables[label] = rows
        for field in model._meta.many_to_many:
            through = field.remote_field.through
            tables[f"{label}.{field.name}"] = sorted(
                through.objects.values_list(*[f.attname for f in through._meta.fields[1:]])
            )
    return tables


@pytest.fixture
def lived_in(submission, contributor, other_contributor, reviewer, manager, entity_b):
    """A database with something in every table."""
    activity = ActivityFactory(
        submission=submission,
        entity=submission.entity,
        cycle=submission.cycle,
        status=Activity.Status.DRAFT,
        partners=[entity_b],
        action_lines=["C2", "C7.e-health"],
        regions=["africa"],
        themes=["internet_governance"],
        sdgs=[4, 9],
        title="Broadband, «pilots» — 宽带 — النطاق",
    )
    ReferenceFactory(activity=activity, url="", symbol="A/RES/78/132", label="Resolution")
    ReferenceFactory(activity=activity)
    move(submission, "published", contributor=contributor, reviewer=reviewer, manager=manager)
    Comment.objects.create(submission=submission, author=reviewer, body="Internal note")
    DeadlineExtension.objects.create(
        submission=submission,
        new_deadline=timezone.now() + dt.timedelta(days=3, microseconds=123457),
        granted_by=manager,
        reason="Holidays",
    )
    SubmissionFactory(cycle=submission.cycle, entity=entity_b)
    Token.objects.create(user=contributor)
    ActionLineFacilitator.objects.create(
        action_line=ActionLine.objects.get(code="C2"),
        entity=entity_b,
        source="https://www.itu.int/net/wsis/implementation/",
    )
    UserFactory(username="inactive", is_active=False)
    resolution = Resolution.objects.create(symbol="A/RES/80/173", title_en="Outcome")
    mandate = Mandate.objects.create(resolution=resolution, paragraph=23, summary_en="Access.")
    mandate.action_lines.set([ActionLine.objects.get(code="C3")])
    mandate.themes.set([Theme.objects.get(key="financing")])
    mandate.cycles.set([submission.cycle])
    Addressee.objects.create(mandate=mandate, label="all stakeholders", scope="all")
    update = MandateUpdate.objects.create(
        submission=submission, mandate=mandate, status="done", text="Done."
    )
    update.activities.set([activity])
    LogEntry.objects.create(
        user=manager,
        content_type=ContentType.objects.get_for_model(Activity),
        object_id=str(activity.pk),
        object_repr=str(activity),
        action_flag=CHANGE,
        change_message="Changed title.",
    )
    return activity


def test_every_table_is_backed_up_or_left_out_on_purpose():
    tables = {m._meta.label for m in apps.get_models() if not m._meta.proxy}

    assert tables - set(MODELS + HISTORY + NOT_BACKED_UP) == set()


@threaded
def test_export_flush_import_export_gives_the_same_file_and_database(tmp_path, lived_in):
    first, second = tmp_path / "first.json", tmp_path / "second.json"
    call_command("export_all", str(first), verbosity=0)
    before = backed_up_tables()

    call_command("flush", interactive=False, verbosity=0)
    assert not Activity.objects.exists()
    call_command("import_all", str(first), verbosity=0)
    call_command("export_all", str(second), verbosity=0)

    assert first.read_bytes() == second.read_bytes()
    assert backed_up_tables() == before
    records = json.loads(first.read_text(encoding="utf-8"))
    assert {r["model"] for r in records} >= {label.lower() for label in MODELS}
    user = next(
        r for r in records if r["model"] == "auth.user" and r["fields"]["username"] == "alice"
    )
    assert user["fields"]["password"].startswith("md5$")


@threaded
def test_the_restored_database_works(tmp_path, lived_in, client, contributor):
    path = tmp_path / "backup.json"
    call_command("export_all", str(path), verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    call_command("import_all", str(path), verbosity=0)

    logged_in = client.post(
        "/accounts/login/", {"username": "alice", "password": "a-long-test-password"}
    )
    # The sequences go on past the restored ids.
    created = ActivityFactory(title="After the restore")

    assert logged_in.status_code == 302
    assert created.pk > lived_in.pk
    assert client.get(lived_in.get_absolute_url()).status_code == 200


@threaded
def test_an_import_replaces_what_was_there(tmp_path, lived_in):
    path = tmp_path / "backup.json"
    call_command("export_all", str(path), verbosity=0)
    before = backed_up_tables()
    ActivityFactory(title="Written after the backup")
    lived_in.delete()

    call_command("import_all", str(path), verbosity=0)

    assert backed_up_tables() == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"not json", "not a JSON backup"),
        (b'{"model": "auth.user"}', "not a list of records"),
        (b'[{"model": "sessions.session", "pk": "x", "fields": {}}]', "record 1 is not one of"),
        (
            b'[{"model": "auth.user", "pk": 1, "fields": {"date_joined": "soon"}}]',
            "a record cannot be restored",
        ),
    ],
)
def test_a_file_that_is_not_a_backup_changes_nothing(tmp_path, lived_in, content, message):
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    before = backed_up_tables()

    with pytest.raises(CommandError, match=message):
        call_command("import_all", str(path), verbosity=0)

    assert backed_up_tables() == before


@threaded
def test_an_interrupted_import_changes_nothing(tmp_path, lived_in, monkeypatch):
    path = tmp_path / "backup.json"
    call_command("export_all", str(path), verbosity=0)
    ActivityFactory(title="Written after the backup")
    before = backed_up_tables()

    def interrupt_halfway(self, done, total):
        if done == total // 2:
            os.kill(os.getpid(), signal.SIGINT)

    monkeypatch.setattr("wsis_site.progress.Progress.__call__", interrupt_halfway)
    with pytest.raises(CommandError, match=r"Interrupted \(SIGINT\); nothing was changed."):
        call_command("import_all", str(path), verbosity=0)

    assert backed_up_tables() == before


@pytest.mark.django_db
def test_an_interrupted_export_leaves_no_file(tmp_path, lived_in, monkeypatch):
    path = tmp_path / "backup.json"

    def interrupt(self, done, total):
        if done == 3:
            os.kill(os.getpid(), signal.SIGINT)

    monkeypatch.setattr("wsis_site.progress.Progress.__call__", interrupt)
    with pytest.raises(CommandError, match=r"Interrupted \(SIGINT\); no file was written."):
        call_command("export_all", str(path), verbosity=0)

    assert list(tmp_path.iterdir()) == []
