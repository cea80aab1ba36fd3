import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from wsis_site.settings import database_from_url, env_bool, env_rate


def load_settings(**env):
    """Import the settings in a fresh interpreter with exactly this environment."""
    clean = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG"}}
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import wsis_site.settings as s; print(s.DEBUG, s.SESSION_COOKIE_SECURE)",
        ],
        env={**clean, **env},
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
    )


def test_production_settings_refuse_to_start_without_a_secret_key():
    result = load_settings(DEBUG="false")

    assert result.returncode != 0
    assert "SECRET_KEY must be set in the environment when DEBUG is off." in result.stderr


def test_production_settings_refuse_to_start_without_the_sites_address(monkeypatch):
    monkeypatch.delenv("SITE_URL", raising=False)

    result = load_settings(SECRET_KEY="a-real-secret")

    assert result.returncode != 0
    assert result.stderr.strip().splitlines()[-1] == (
        "django.core.exceptions.ImproperlyConfigured: SITE_URL must be set in the environment "
        "when DEBUG is off: the address the links in e-mail start with, e.g. "
        "https://wsis.example.org."
    )


def test_sites_address_must_be_a_web_address():
    result = load_settings(SECRET_KEY="a-real-secret", SITE_URL="wsis.example.org")

    assert "SITE_URL='wsis.example.org' is not a web address" in result.stderr


def test_make_run_gives_the_site_the_address_of_its_port(tmp_path):
    # A stand-in for the virtual environment's python: it prints what it was run with.
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    fake = venv / "bin" / "python"
    fake.write_text('#!/bin/sh\necho "$SITE_URL $*"\n')
    fake.chmod(0o755)
    (venv / ".requirements").touch()
    env = {k: v for k, v in os.environ.items() if k != "SITE_URL"}

    result = subprocess.run(
        ["make", "-s", "run", "PORT=8123", f"VENV={venv}"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
    )

    assert result.stdout.splitlines()[-1] == (
        "http://127.0.0.1:8123 manage.py runserver 127.0.0.1:8123"
    ), result.stderr


def test_production_settings_with_a_secret_are_secure():
    result = load_settings(SECRET_KEY="a-real-secret")

    assert result.returncode == 0
    assert result.stdout.split() == ["False", "True"]


def test_debug_settings_start_without_a_secret():
    result = load_settings(DEBUG="true")

    assert result.stdout.split() == ["True", "False"]


@pytest.mark.parametrize(("raw", "expected"), [("true", True), ("0", False), ("Yes", True)])
def test_env_bool_reads_usual_spellings(monkeypatch, raw, expected):
    monkeypatch.setenv("SOME_FLAG", raw)

    assert env_bool("SOME_FLAG") is expected


def test_env_bool_rejects_nonsense(monkeypatch):
    monkeypatch.setenv("SOME_FLAG", "maybe")

    with pytest.raises(ImproperlyConfigured, match="SOME_FLAG='maybe' is not a boolean"):
        env_bool("SOME_FLAG")


def test_database_url_postgres_uses_the_postgresql_backend():
    config = database_from_url("postgres://wsis:pw@db.example:5433/wsis")

    assert (config["ENGINE"], config["NAME"], config["HOST"], config["PORT"]) == (
        "django.db.backends.postgresql",
        "wsis",
        "db.example",
        5433,
    )


def test_database_url_sqlite():
    config = database_from_url("sqlite:////tmp/x.sqlite3")

    assert (config["ENGINE"], config["NAME"]) == ("django.db.backends.sqlite3", "/tmp/x.sqlite3")


def test_no_page_refers_to_another_origin(client, db):
    response = client.get("/")

    assert b"https://" not in response.content.split(b"<body")[0]
    assert b'src="/static/' in response.content


@pytest.mark.parametrize("raw", ["60/minute", "5/s", "1000/day"])
def test_env_rate_reads_rates(monkeypatch, raw):
    monkeypatch.setenv("API_ANON_RATE", raw)

    assert env_rate("API_ANON_RATE", "60/minute") == raw


def test_env_rate_defaults_when_unset_or_empty(monkeypatch):
    monkeypatch.setenv("API_ANON_RATE", "")

    assert env_rate("API_ANON_RATE", "60/minute") == "60/minute"


@pytest.mark.parametrize("raw", ["sixty", "60", "60/fortnight", "/minute"])
def test_env_rate_rejects_nonsense(monkeypatch, raw):
    monkeypatch.setenv("API_ANON_RATE", raw)

    with pytest.raises(ImproperlyConfigured, match=f"API_ANON_RATE='{raw}' is not a rate"):
        env_rate("API_ANON_RATE", "60/minute")


@pytest.mark.parametrize(
    "name, raw, message",
    [
        ("REMINDER_DAYS", "14,seven", "REMINDER_DAYS='14,seven' should be whole numbers of days"),
        ("REMINDER_DAYS", "0", "REMINDER_DAYS='0' should be whole numbers of days"),
        ("LOG_LEVEL", "WARN", "LOG_LEVEL='WARN' is not one of DEBUG, INFO, WARNING"),
        ("TRUSTED_PROXIES", "one", "TRUSTED_PROXIES='one' is not a whole number."),
    ],
)
def test_a_mistyped_setting_is_one_readable_line(name, raw, message):
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        env={**os.environ, "DEBUG": "true", name: raw},
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
    )

    assert result.returncode != 0
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(f"Configuration error: {message}")


def test_reminder_days_and_log_level_are_read(monkeypatch):
    from wsis_site.settings import env_choice, env_days

    monkeypatch.setenv("REMINDER_DAYS", " 7, 14 ,2,7")
    monkeypatch.setenv("LOG_LEVEL", "info")

    assert env_days("REMINDER_DAYS", "14,7,2") == [14, 7, 2]
    assert env_choice("LOG_LEVEL", "WARNING", ("INFO", "WARNING")) == "INFO"
