"""The pages work under the Content-Security-Policy: a real Chromium reports no violation.

Public pages, the contributor's pages, the API docs and the admin are opened
in headless Chromium with the site's policy on; every violation the browser
reports (the ``securitypolicyviolation`` event and the console) fails the test.
They run with the other browser tests (tests/e2e/conftest.py: the same browser and
live server, skipped or failed the same way when Chromium is missing), in tabs
that keep the policy on.
"""

import pytest

from activities.models import Activity

from ..factories import ActivityFactory, SubmissionFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PASSWORD = "a-long-test-password"
RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__violations.push(
    `${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
});
"""


class Visitor:
    """A browser tab that collects every policy violation and script error."""

    def __init__(self, browser, base):
        self.base = base
        self.context = browser.new_context()  # the policy on, unlike the journeys' tabs
        self.page = self.context.new_page()
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
def visitor(browser, live_server):
    """A tab on the live server with the policy on; closed after the test."""
    tab = Visitor(browser, live_server.url)
    yield tab
    tab.context.close()


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


def test_public_pages_and_api_docs_break_no_policy(site, visitor):

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


def test_contributor_pages_break_no_policy(site, visitor):
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


def test_admin_pages_break_no_policy(site, visitor):
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
