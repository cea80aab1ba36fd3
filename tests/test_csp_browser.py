"""The pages work under the Content-Security-Policy: a real Chromium reports no violation.

Public pages, the contributor's pages, the API docs and the admin are opened
in headless Chromium with the site's policy on; every violation the browser
reports (the ``securitypolicyviolation`` event and the console) fails the test.
Skipped where Playwright or Chromium is not installed.
"""

import os
import threading
import time

import pytest

from activities.models import Activity

from .browser import CHROMIUM, CHROMIUM_ARGS
from .factories import ActivityFactory, SubmissionFactory

playwright_api = pytest.importorskip("playwright.sync_api")

# A pytest process of its own (`make test` runs `-m csp` after the rest): two
# Playwright instances cannot share one process's event loop, and after the whole
# suite the live server's static files were found missing.
pytestmark = [
    pytest.mark.csp,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Chromium is not installed"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PASSWORD = "a-long-test-password"
RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__violations.push(
    `${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
});
"""


@pytest.fixture
def plain_server(settings):
    """A server started for this test, so that its middleware reads this test's settings
    (plain HTTP; pytest-django's own live server is started once, before them)."""
    from django.contrib.staticfiles.handlers import StaticFilesHandler
    from django.db import connections
    from django.test.testcases import LiveServerThread

    settings.ALLOWED_HOSTS = ["localhost"]
    shared = {
        conn.alias: conn
        for conn in connections.all()
        if conn.vendor == "sqlite" and conn.is_in_memory_db()
    }
    for conn in shared.values():
        conn.inc_thread_sharing()
    before = set(threading.enumerate())
    # Static files from the apps' folders (as in development), not from a
    # collectstatic that a fresh clone has not run.
    thread = LiveServerThread("localhost", StaticFilesHandler, connections_override=shared)
    thread.daemon = True
    thread.start()
    thread.is_ready.wait()
    if thread.error:
        raise thread.error
    thread.url = f"http://localhost:{thread.port}"
    yield thread
    thread.terminate()
    # The threads that served the browser close their database connections
    # once the browser is gone; wait for them, so the test database can be dropped.
    deadline = time.monotonic() + 10
    while set(threading.enumerate()) - before and time.monotonic() < deadline:
        time.sleep(0.05)
    for conn in shared.values():
        conn.dec_thread_sharing()


@pytest.fixture
def browser():
    # Tests ask for it after the data they need: while Playwright's event loop
    # runs, the ORM would open a connection of its own that nobody closes.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # the ORM is used beside Playwright's loop
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class Visitor:
    """A browser tab that collects every policy violation and script error."""

    def __init__(self, browser, base):
        self.base = base
        self.page = browser.new_context().new_page()
        self.page.add_init_script(RECORD_VIOLATIONS)
        self.problems = []
        self.page.on(
            "console",
            lambda msg: (
                self.problems.append(f"console: {msg.text}")
                if "Content Security Policy" in msg.text
                or (msg.type == "error" and not msg.text.startswith("Failed to load resource"))
                else None
            ),
        )
        self.page.on("pageerror", lambda exc: self.problems.append(f"script error: {exc}"))
        self.page.on("response", self.check_response)

    def check_response(self, response):
        # The browser asks for /favicon.ico by itself where a page names no icon.
        if response.status >= 400 and not response.url.endswith("/favicon.ico"):
            self.problems.append(f"{response.status} {response.url}")

    def visit(self, path, wait_for=None):
        response = self.page.goto(self.base + path, wait_until="networkidle")
        assert response.status < 400, (path, response.status)
        assert response.headers["content-security-policy"].startswith("default-src 'self'")
        if wait_for:
            self.page.wait_for_selector(wait_for, timeout=15000)
        violations = self.page.evaluate("window.__violations")
        self.problems.extend(f"{path}: {v}" for v in violations)

    def log_in(self, path, username):
        self.visit(path)
        self.page.fill("input[name=username]", username)
        self.page.fill("input[name=password]", PASSWORD)
        self.page.click("[type=submit]")
        self.page.wait_for_load_state("networkidle")


@pytest.fixture
def site(open_cycle, entity_a, contributor, manager):
    open_cycle.state = "open"
    open_cycle.save()
    submission = SubmissionFactory(
        cycle=open_cycle,
        entity=entity_a,
        state="draft",
        answers={"trends": "T", "achievements": "A", "obstacles": "O"},
    )
    draft = ActivityFactory(
        entity=entity_a, submission=submission, cycle=open_cycle, status=Activity.Status.DRAFT
    )
    published = ActivityFactory(entity=entity_a, action_lines=["C7.e-health"], regions=["africa"])
    return {"submission": submission, "draft": draft, "published": published}


def test_public_pages_and_api_docs_break_no_policy(site, plain_server, browser):
    visitor = Visitor(browser, plain_server.url)

    for path in [
        "/",
        "/activities/",
        "/activities/?action_line=C7&region=africa",
        f"/activities/{site['published'].pk}/",
        "/entities/",
        "/entities/ENTA/",
        "/accounts/login/",
        "/accounts/password/reset/",
    ]:
        visitor.visit(path)
    visitor.visit("/api/docs/", wait_for=".swagger-ui .opblock")

    assert visitor.problems == [], "\n".join(visitor.problems)


def test_contributor_pages_break_no_policy(site, plain_server, browser):
    visitor = Visitor(browser, plain_server.url)
    visitor.log_in("/accounts/login/", "alice")
    base = site["submission"].get_absolute_url()

    for path in [
        "/contribute/",
        base,
        f"{base}activities/new/",
        f"{base}activities/{site['draft'].pk}/",
        "/accounts/profile/",
    ]:
        visitor.visit(path)

    assert visitor.problems == [], "\n".join(visitor.problems)


def test_admin_pages_break_no_policy(site, plain_server, browser):
    visitor = Visitor(browser, plain_server.url)
    visitor.log_in("/admin/login/", "max")
    submission = site["submission"]

    for path in [
        "/admin/",
        "/admin/reviews/submission/",
        "/admin/reviews/submission/?state__exact=draft",
        f"/admin/reviews/submission/{submission.pk}/change/",
        f"/admin/reviews/submission/{submission.pk}/history/",
        "/admin/reviews/reviewcycle/",
        f"/admin/reviews/reviewcycle/{submission.cycle.pk}/change/",
        f"/admin/reviews/reviewcycle/{submission.cycle.pk}/dashboard/",
        "/admin/reviews/reviewcycle/add/",
        "/admin/activities/activity/",
        f"/admin/activities/activity/{site['draft'].pk}/change/",
        "/admin/entities/entity/",
        "/admin/auth/user/",
        "/admin/auth/user/add/",
        "/admin/reviews/sentemail/",
        "/admin/axes/accessattempt/",
    ]:
        visitor.visit(path)

    assert visitor.problems == [], "\n".join(visitor.problems)
