"""Production settings, headers, log-in lock-out, password rules and the API token guard."""

import os
import re
import secrets
import subprocess
import sys

import pytest
from axes.models import AccessAttempt
from django.conf import settings as django_settings
from django.contrib.auth.forms import SetPasswordForm
from django.core import mail
from django.core.cache import cache
from django.core.management import call_command
from django.utils import translation
from rest_framework.authtoken.models import Token

from .factories import ActivityFactory

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-password"


def production_env(**extra):
    clean = {
        k: v
        for k, v in os.environ.items()
        # (the browser tests allow async-unsafe calls in this process; production never)
        if k
        not in {"SECRET_KEY", "DEBUG", "ALLOWED_HOSTS", "DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    return {
        **clean,
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "wsis.example.org",
        "DATABASE_URL": "sqlite:////tmp/wsis-check-deploy.sqlite3",
        **extra,
    }


# --- Production settings ---------------------------------------------------------


def test_check_deploy_passes_without_a_warning():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env=production_env(),
        cwd=django_settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout.strip() == "System check identified no issues (0 silenced)."


def test_production_cookies_are_secure_http_only_and_end_with_the_browser():
    names = [
        "SESSION_COOKIE_SECURE",
        "SESSION_COOKIE_HTTPONLY",
        "CSRF_COOKIE_SECURE",
        "CSRF_COOKIE_HTTPONLY",
        "LANGUAGE_COOKIE_SECURE",
        "SESSION_EXPIRE_AT_BROWSER_CLOSE",
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_HSTS_PRELOAD",
        "DEBUG",
    ]
    code = "import wsis_site.settings as s; print(" + ", ".join(f"s.{n}" for n in names) + ")"
    result = subprocess.run(
        [sys.executable, "-c", code],
        env=production_env(),
        cwd=django_settings.BASE_DIR,
        capture_output=True,
        text=True,
    )

    assert dict(zip(names, result.stdout.split(), strict=True)) == {
        **dict.fromkeys(names, "True"),
        "DEBUG": "False",
    }


def test_headers_deny_frames_and_other_origins(client):
    response = client.get("/", secure=True)

    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    policy = {
        part.split()[0]: part.split()[1:] for part in response["Content-Security-Policy"].split(";")
    }
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["default-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]


@pytest.mark.parametrize("path", ["/", "/activities/", "/api/activities/", "/api/docs/", "/admin/"])
def test_every_kind_of_response_carries_the_policy(client, path):
    response = client.get(path)

    assert "script-src 'self';" in response["Content-Security-Policy"]
    assert "unsafe" not in response["Content-Security-Policy"]


INLINE_SCRIPT = re.compile(rb"<script(?![^>]*\bsrc=)[^>]*>", re.I)
EVENT_HANDLER = re.compile(rb"<[^>]+\son[a-z]+\s*=", re.I)
INLINE_STYLE = re.compile(rb"<style[\s>]|\sstyle\s*=", re.I)


@pytest.fixture
def pages(client, manager, submission, contributor):
    """The HTML of a sample of pages: public, contributor, admin, API docs, lock-out."""
    activity = ActivityFactory(action_lines=["C2"])
    urls = [
        "/",
        "/activities/",
        f"/activities/{activity.pk}/",
        "/entities/",
        f"/entities/{activity.entity.acronym}/",
        "/accounts/login/",
        "/accounts/password/reset/",
        "/api/docs/",
        "/admin/login/",
    ]
    found = {url: client.get(url).content for url in urls}
    client.force_login(contributor)
    for url in ["/contribute/", "/contribute/report-2025/ENTA/", "/accounts/profile/"]:
        found[url] = client.get(url).content
    client.force_login(manager)
    for url in [
        "/admin/",
        "/admin/reviews/submission/",
        f"/admin/reviews/submission/{submission.pk}/change/",
    ]:
        found[url] = client.get(url).content
    return found


def test_our_pages_have_no_inline_script_handler_or_style(pages):
    offending = {
        url: [m.group(0)[:80] for m in pattern.finditer(html)]
        for url, html in pages.items()
        for pattern in (INLINE_SCRIPT, EVENT_HANDLER, INLINE_STYLE)
        if pattern.search(html)
    }

    assert offending == {}


def test_errors_show_no_debug_page(client, settings):
    settings.DEBUG = False

    response = client.get("/no/such/page/")

    assert response.status_code == 404
    assert b"URLconf" not in response.content
    assert b"Traceback" not in response.content


# --- Log-in lock-out ------------------------------------------------------------------


def fail_logins(client, url, username, times, address="10.0.0.1"):
    for _ in range(times):
        response = client.post(
            url, {"username": username, "password": "wrong"}, REMOTE_ADDR=address
        )
        assert response.status_code in (200, 429)
    return response


LOGIN_PAGES = ["/accounts/login/", "/admin/login/"]


@pytest.mark.parametrize("url", LOGIN_PAGES)
def test_an_account_is_locked_after_five_failures_from_one_address(client, url, manager):
    fail_logins(client, url, manager.username, 5, address="10.0.1.1")

    there = client.post(
        url, {"username": manager.username, "password": PASSWORD}, REMOTE_ADDR="10.0.1.1"
    )
    elsewhere = client.post(
        url, {"username": manager.username, "password": PASSWORD}, REMOTE_ADDR="10.0.2.1"
    )

    assert there.status_code == 429
    assert "Too many failed log-ins" in there.content.decode()
    assert "blocked for 30 minutes" in there.content.decode()
    assert elsewhere.status_code == 302  # the owner, at their own desk


@pytest.mark.parametrize("url", LOGIN_PAGES)
def test_nobody_locks_someone_else_out_from_other_addresses(client, url, manager):
    for n in range(20):
        fail_logins(client, url, manager.username, 1, address=f"10.0.1.{n}")

    response = client.post(
        url, {"username": manager.username, "password": PASSWORD}, REMOTE_ADDR="10.0.2.1"
    )

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(manager.pk)


@pytest.mark.parametrize("url", LOGIN_PAGES)
def test_an_address_trying_many_accounts_is_locked_at_the_higher_cap(
    client, url, manager, settings
):
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 12
    for n in range(11):
        fail_logins(client, url, f"nobody{n}", 1, address="10.0.3.3")
    still_open = client.post(
        url, {"username": manager.username, "password": PASSWORD}, REMOTE_ADDR="10.0.3.3"
    )
    client.logout()
    fail_logins(client, url, "nobody-else", 1, address="10.0.3.3")

    locked = client.post(
        url, {"username": manager.username, "password": PASSWORD}, REMOTE_ADDR="10.0.3.3"
    )
    elsewhere = client.post(
        url, {"username": manager.username, "password": PASSWORD}, REMOTE_ADDR="10.0.3.4"
    )

    assert still_open.status_code == 302
    assert locked.status_code == 429
    assert "Too many failed log-ins" in locked.content.decode()
    assert elsewhere.status_code == 302


def test_behind_a_trusted_proxy_clients_are_told_apart_by_forwarded_for(
    client, contributor, settings
):
    settings.TRUSTED_PROXIES = 1
    for _ in range(5):
        client.post(
            "/accounts/login/",
            {"username": contributor.username, "password": "wrong"},
            REMOTE_ADDR="10.9.9.9",  # the load balancer
            HTTP_X_FORWARDED_FOR="192.0.2.1",
        )

    attacker = client.post(
        "/accounts/login/",
        {"username": contributor.username, "password": PASSWORD},
        REMOTE_ADDR="10.9.9.9",
        HTTP_X_FORWARDED_FOR="192.0.2.1",
    )
    owner = client.post(
        "/accounts/login/",
        {"username": contributor.username, "password": PASSWORD},
        REMOTE_ADDR="10.9.9.9",
        HTTP_X_FORWARDED_FOR="198.51.100.7",
    )

    assert (attacker.status_code, owner.status_code) == (429, 302)
    assert "Too many failed log-ins" in attacker.content.decode()
    assert client.session["_auth_user_id"] == str(contributor.pk)


@pytest.mark.parametrize(
    "env, expected",
    [
        ({}, "0 0"),
        ({"SECURE_PROXY_SSL_HEADER_ENABLED": "true"}, "1 1"),
        ({"SECURE_PROXY_SSL_HEADER_ENABLED": "true", "TRUSTED_PROXIES": "2"}, "2 2"),
    ],
)
def test_one_trusted_proxy_setting_serves_the_lock_out_and_the_throttles(env, expected):
    import subprocess
    import sys

    from django.conf import settings as django_settings

    code = (
        "import wsis_site.settings as s; print(s.TRUSTED_PROXIES, s.REST_FRAMEWORK['NUM_PROXIES'])"
    )
    keep = {k: v for k, v in os.environ.items() if "PROX" not in k}
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**keep, "DEBUG": "true", **env},
        cwd=django_settings.BASE_DIR,
        capture_output=True,
        text=True,
    )

    assert result.stdout.strip() == expected, result.stderr


@pytest.mark.parametrize("url", LOGIN_PAGES)
def test_a_very_long_username_is_one_more_failure_not_an_error(client, url):
    response = client.post(url, {"username": "x" * 5000, "password": "wrong"})

    assert response.status_code == 200
    assert AccessAttempt.objects.get().username == "x" * 255


def test_four_failures_then_success_resets_the_count(client, contributor):
    fail_logins(client, "/accounts/login/", contributor.username, 4)
    ok = client.post(
        "/accounts/login/",
        {"username": contributor.username, "password": PASSWORD},
        REMOTE_ADDR="10.0.0.1",
    )
    client.logout()
    fail_logins(client, "/accounts/login/", contributor.username, 4)
    again = client.post(
        "/accounts/login/",
        {"username": contributor.username, "password": PASSWORD},
        REMOTE_ADDR="10.0.0.1",
    )

    assert (ok.status_code, again.status_code) == (302, 302)
    assert client.session["_auth_user_id"] == str(contributor.pk)
    assert not AccessAttempt.objects.filter(
        username=contributor.username, failures_since_start__gte=5
    ).exists()


def test_a_forged_forwarded_for_header_does_not_dodge_the_lock(client, contributor):
    for n in range(5):
        client.post(
            "/accounts/login/",
            {"username": contributor.username, "password": "wrong"},
            REMOTE_ADDR="10.0.4.4",
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n}",
        )

    response = client.post(
        "/accounts/login/",
        {"username": contributor.username, "password": PASSWORD},
        REMOTE_ADDR="10.0.4.4",
        HTTP_X_FORWARDED_FOR="192.0.2.99",
    )

    assert response.status_code == 429
    assert "Too many failed log-ins" in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.fixture
def back_to_english():
    """A request in another language leaves it active in this thread; undo that."""
    yield
    translation.activate("en")


def test_the_lock_out_page_is_translated(client, back_to_english, contributor):
    fail_logins(client, "/accounts/login/", contributor.username, 5)

    response = client.post(
        "/accounts/login/",
        {"username": contributor.username, "password": "wrong"},
        REMOTE_ADDR="10.0.0.1",
        HTTP_ACCEPT_LANGUAGE="fr",
    )

    assert response.status_code == 429
    assert '<html lang="fr"' in response.content.decode()
    assert "Too many failed log-ins" not in response.content.decode()


def test_a_manager_lifts_a_lock_out_in_the_admin(client, contributor, manager):
    fail_logins(client, "/accounts/login/", contributor.username, 5)
    attempt = AccessAttempt.objects.get(username=contributor.username)

    client.force_login(manager)
    listing = client.get("/admin/axes/accessattempt/")
    lifted = client.post(f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"})
    client.logout()
    response = client.post(
        "/accounts/login/",
        {"username": contributor.username, "password": PASSWORD},
        REMOTE_ADDR="10.0.0.9",
    )

    assert contributor.username in listing.content.decode()
    assert lifted.status_code == 302
    assert response.status_code == 302


def test_reviewers_cannot_see_or_lift_lock_outs(client, contributor, reviewer):
    fail_logins(client, "/accounts/login/", contributor.username, 5)
    attempt = AccessAttempt.objects.get(username=contributor.username)
    client.force_login(reviewer)

    listing = client.get("/admin/axes/accessattempt/")
    lifting = client.post(f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"})

    assert (listing.status_code, lifting.status_code) == (403, 403)
    assert AccessAttempt.objects.filter(pk=attempt.pk).exists()


def test_the_axes_reset_command_lifts_every_lock_out(client, contributor):
    fail_logins(client, "/accounts/login/", contributor.username, 5)

    call_command("axes_reset", verbosity=0)
    response = client.post(
        "/accounts/login/",
        {"username": contributor.username, "password": PASSWORD},
        REMOTE_ADDR="10.0.0.1",
    )

    assert response.status_code == 302
    assert not AccessAttempt.objects.exists()


# --- Passwords and sessions --------------------------------------------------------------


@pytest.mark.parametrize("password", ["short1", "password123", "12345678901234", "alice-example"])
def test_weak_passwords_are_refused(contributor, password):
    contributor.email = "alice-example@example.org"
    form = SetPasswordForm(contributor, {"new_password1": password, "new_password2": password})

    assert not form.is_valid()
    assert form.errors["new_password2"]


def test_password_reset_does_not_reveal_which_addresses_exist(client, contributor):
    known = client.post("/accounts/password/reset/", {"email": contributor.email})
    sent = list(mail.outbox)
    unknown = client.post("/accounts/password/reset/", {"email": "nobody@example.org"})

    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    assert [m.to for m in sent] == [[contributor.email]]
    assert len(mail.outbox) == 1


def test_a_login_session_ends_with_the_browser_and_after_a_working_day(client, contributor):
    client.post("/accounts/login/", {"username": contributor.username, "password": PASSWORD})
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME]

    assert cookie["max-age"] == ""
    assert cookie["expires"] == ""
    assert cookie["httponly"] is True
    assert client.session.get_expiry_age() == 8 * 60 * 60
    assert client.session.get_expire_at_browser_close() is True


# --- The API's token ----------------------------------------------------------------------


@pytest.fixture
def clean_cache():
    cache.clear()
    yield
    cache.clear()


def test_a_bad_token_answers_401(client, clean_cache):
    response = client.get("/api/activities/", HTTP_AUTHORIZATION="Token " + "0" * 40)

    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid token."}


def test_many_bad_tokens_from_one_address_are_refused_for_a_while(client, clean_cache, contributor):
    good = Token.objects.create(user=contributor).key
    for n in range(20):
        client.get("/api/activities/", HTTP_AUTHORIZATION=f"Token {n:040d}", REMOTE_ADDR="10.9.9.9")

    refused = client.get(
        "/api/activities/", HTTP_AUTHORIZATION=f"Token {good}", REMOTE_ADDR="10.9.9.9"
    )
    elsewhere = client.get(
        "/api/activities/", HTTP_AUTHORIZATION=f"Token {good}", REMOTE_ADDR="10.9.9.10"
    )

    assert refused.status_code == 429
    assert refused.json()["detail"].startswith(
        "Too many invalid tokens from your address; try again later."
    )
    assert refused["Retry-After"] == "900"
    assert elsewhere.status_code == 200
