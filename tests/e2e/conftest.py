"""Browser tests: Playwright driving the system's Chromium against pytest-django's live server.

They need Chromium (Debian: ``apt-get install chromium``) and axe-core (``npm install`` in the
project folder). Where either is missing they are skipped with a message saying what to install;
with ``WSIS_REQUIRE_E2E=1`` (set by CI) a missing browser is a failure instead.
"""

import os
import shutil
from pathlib import Path

import pytest
from django.conf import settings

from ..browser import CHROMIUM, CHROMIUM_ARGS

# Playwright's sync API runs an event loop in the test's thread; the ORM calls the
# tests and the live server make are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

AXE_JS = settings.BASE_DIR / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = settings.BASE_DIR / "test-artifacts"
# Screenshots of the changed pages, for a reviewer's eyes (outside the repository).
SHOTS = Path(os.environ.get("WSIS_SHOTS", settings.BASE_DIR / "test-artifacts" / "shots"))


def _missing():
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright is not installed (pip install -r requirements-dev.txt)"
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        return f"Chromium is not at {CHROMIUM} (Debian: apt-get install chromium)"
    if not AXE_JS.exists():
        return "axe-core is not installed (run npm install in the project folder)"
    return None


def serialized_contents():
    """The test databases' serialized contents, which the transactional tests restore
    from, by alias; the connections of this context are closed (see below)."""
    from django.db import connections

    connections.close_all()  # no connection of the old context is left open
    return {
        alias: connections[alias].__dict__["_test_serialized_contents"]
        for alias in connections
        if "_test_serialized_contents" in connections[alias].__dict__
    }


def restore_serialized_contents(saved):
    """Starting Playwright's sync API leaves this thread in another context, where
    Django's connections (context-local) are new objects, without the serialized
    contents: every transactional test after the first browser test then found the
    reference data gone. Give them to the connections of the new context."""
    from django.db import connections

    for alias, contents in saved.items():
        connections[alias]._test_serialized_contents = contents


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    # Keep each phase's report on the test, so that the page fixture knows it failed.
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def browser():
    missing = _missing()
    if missing:
        if os.environ.get("WSIS_REQUIRE_E2E") == "1":
            pytest.fail(f"Browser tests are required here, but: {missing}", pytrace=False)
        pytest.skip(f"Browser tests skipped: {missing}")
    from playwright.sync_api import sync_playwright

    saved = serialized_contents()
    with sync_playwright() as playwright:
        restore_serialized_contents(saved)
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def live_server(request):
    """pytest-django's live server, speaking plain HTTP.

    The security middleware reads its settings when the server starts, so they are
    changed around the server's whole life (one module), not per test; cookies marked
    Secure would never come back over HTTP.
    """
    from django.test import override_settings
    from pytest_django.live_server_helper import LiveServer

    plain_http = override_settings(
        SECURE_SSL_REDIRECT=False,
        SECURE_HSTS_SECONDS=0,
        SESSION_COOKIE_SECURE=False,
        CSRF_COOKIE_SECURE=False,
    )
    with plain_http:
        server = LiveServer(os.environ.get("DJANGO_LIVE_TEST_SERVER_ADDRESS", "localhost"))
        yield server
        server.stop()


@pytest.fixture
def live_settings(settings):
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    settings.ACTIVITIES_PER_PAGE = 5
    return settings


@pytest.fixture
def page(request, browser, live_server, live_settings):
    """A fresh browser tab on the live server; screenshots into test-artifacts/ on failure."""
    # The Content-Security-Policy forbids injected scripts such as axe-core; the
    # policy itself is tested in tests/e2e/test_csp.py.
    context = browser.new_context(
        base_url=live_server.url, locale="en-GB", accept_downloads=True, bypass_csp=True
    )
    context.set_default_timeout(10_000)
    tab = context.new_page()
    yield tab
    failed = any(
        getattr(request.node, f"rep_{when}", None) and getattr(request.node, f"rep_{when}").failed
        for when in ("setup", "call")
    )
    if failed:
        ARTIFACTS.mkdir(exist_ok=True)
        tab.screenshot(path=ARTIFACTS / f"{request.node.name}.png", full_page=True)
    context.close()


def axe_violations(tab):
    """The serious and critical violations axe-core finds on the page as it is now."""
    tab.add_script_tag(path=str(AXE_JS))
    result = tab.evaluate("async () => await axe.run(document)")
    return [
        {
            "id": violation["id"],
            "impact": violation["impact"],
            "help": violation["help"],
            "targets": [node["target"] for node in violation["nodes"]][:5],
        }
        for violation in result["violations"]
        if violation["impact"] in ("serious", "critical")
    ]


def log_in(tab, username, password="a-long-test-password"):
    tab.goto("/accounts/login/")
    tab.get_by_label("Username").fill(username)
    tab.get_by_label("Password").fill(password)
    tab.get_by_role("button", name="Log in", exact=True).last.click()
