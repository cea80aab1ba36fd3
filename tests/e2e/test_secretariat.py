"""The secretariat's journey in the admin as it is now, in a real browser: the home,
inviting a focal point, reminders after their recipients, review, acceptance and
publication; axe-core on each admin page of it."""

import datetime as dt
import re

import pytest
from django.core import mail
from django.utils import timezone

from activities.models import Activity

from ..factories import (
    ActivityFactory,
    EntityFactory,
    ReferenceFactory,
    ReviewCycleFactory,
    SubmissionFactory,
    move,
)
from .conftest import SHOTS, axe_violations, log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def waiting(contributor, reviewer, manager, submission, open_cycle, entity_b):
    """Entity A has submitted (answers, an activity with references); entity B is
    invited without a focal point; a late call's entity is overdue, unreachable too."""
    move(
        submission,
        "submitted",
        contributor=contributor,
        reviewer=reviewer,
        manager=manager,
        answers={"trends": "More people online.", "achievements": "A law.", "obstacles": "Money."},
    )
    activity = ActivityFactory(
        title="Rural broadband pilots",
        entity=submission.entity,
        submission=submission,
        cycle=submission.cycle,
        status="draft",
        action_lines=["C2"],
    )
    ReferenceFactory(activity=activity, url="https://example.org/pilots", label="Pilot report")
    ReferenceFactory(activity=activity, url="", symbol="A/RES/78/132")
    SubmissionFactory(cycle=open_cycle, entity=entity_b)
    late_cycle = ReviewCycleFactory(
        slug="late-call",
        title="Late call",
        state="open",
        deadline=timezone.now() - dt.timedelta(days=2),
    )
    SubmissionFactory(cycle=late_cycle, entity=EntityFactory(acronym="LATE", name_en="Late"))
    return submission


class Axe:
    """Runs axe-core on each page it is given and keeps what it finds, by page."""

    def __init__(self):
        self.found = {}

    def check(self, page, name):
        page.wait_for_load_state("load")
        if violations := axe_violations(page):
            self.found[name] = violations

    def report(self):
        return "\n".join(
            f"{name}: {v['impact']} {v['id']} ({v['help']}) at {v['targets']}"
            for name, violations in self.found.items()
            for v in violations
        )


def shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / f"admin-{name}.png", full_page=True)


def result_row(page, acronym):
    return page.locator("#result_list tbody tr").filter(
        has=page.get_by_role("link", name=acronym, exact=True)
    )


def switch_user(page, username):
    page.context.clear_cookies()
    log_in(page, username)


def test_secretariat_journey_from_home_to_publication(page, waiting, contributor):
    axe = Axe()
    page.set_viewport_size({"width": 1366, "height": 768})

    # The manager lands on the secretariat's home.
    log_in(page, "max")
    page.wait_for_url(re.compile(r"/admin/$"))
    page.get_by_role("heading", name="Submitted, not yet taken up: 1").wait_for()
    assert page.get_by_role("heading", name="Overdue: 1 submission in the open calls").is_visible()
    unreachable = page.get_by_role("heading", name="Invited, without a focal point: 2 entities")
    assert unreachable.is_visible()
    counts = page.locator("table.home-counts")
    assert counts.get_by_role("columnheader", name="Submitted").is_visible()
    assert counts.get_by_role("row", name=re.compile("^2025 report")).is_visible()
    axe.check(page, "home (manager)")
    shot(page, "home")

    # Invites a focal point for entity B, from the home's list of the unreachable.
    page.get_by_role("row", name=re.compile("^ENTB")).get_by_role(
        "link", name="Invite a focal point"
    ).click()
    page.get_by_label("Name").fill("Ana María Díaz")
    page.get_by_label("E-mail address").fill("ana@example.org")
    assert page.get_by_label("Entity").input_value() == str(
        waiting.cycle.invited_entities.get(acronym="ENTB").pk
    )
    axe.check(page, "invite a focal point")
    page.get_by_role("button", name="Send the invitation").click()
    page.locator(".messagelist").wait_for()
    invitation = [m for m in mail.outbox if m.to == ["ana@example.org"]]
    assert len(invitation) == 1
    assert re.search(r"http://\S+/accounts/password/reset/\S+", invitation[0].body)

    # Reminds the two that have not sent, after seeing who receives them.
    page.goto("/admin/reviews/submission/")
    axe.check(page, "submission list")
    breadcrumbs = page.evaluate(
        """async () => {
            const r = await axe.run('div.breadcrumbs', {runOnly: ['color-contrast']});
            return [r.passes.length, r.violations.length, r.incomplete.length];
        }"""
    )
    assert breadcrumbs[0] == 1 and breadcrumbs[1:] == [0, 0], breadcrumbs
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
    for acronym in ("ENTB", "LATE"):
        result_row(page, acronym).get_by_role("checkbox").check()
    page.get_by_label("Action:").select_option("remind")
    page.get_by_role("button", name="Go").click()
    page.get_by_text("1 e-mail will be sent.").wait_for()
    flagged = page.locator(".no-recipient-row")
    assert flagged.count() == 1
    assert flagged.get_by_text("Not sent: no recipient").is_visible()
    assert flagged.get_by_role("rowheader").inner_text().startswith("LATE")
    assert page.get_by_text("1 not sent: no recipient.").is_visible()
    before = len(mail.outbox)
    axe.check(page, "reminder recipients")
    shot(page, "reminder-recipients")
    page.get_by_role("button", name="Send the reminders").click()
    page.get_by_text("1 e-mail sent.").wait_for()
    assert [m.to for m in mail.outbox[before:]] == [["ana@example.org"]]

    # A reviewer: no machinery on the admin's index.
    switch_user(page, "rita")
    page.wait_for_url(re.compile(r"/admin/$"))
    apps = page.locator("#content-main").inner_text()
    for machinery in ("Axes", "Access attempts", "Auth Token", "Tokens", "Groups"):
        assert machinery.lower() not in apps.lower(), machinery
    axe.check(page, "home (reviewer)")

    # Takes up entity A's submission, reads it inline, asks for changes.
    page.get_by_role("row", name=re.compile("^ENTA")).get_by_role("link", name="ENTA").click()
    page.get_by_role("heading", name="What the entity sent").wait_for()
    sent = page.locator(".submitted-panel")
    assert sent.get_by_text("More people online.").is_visible()
    assert sent.get_by_text("Rural broadband pilots").is_visible()
    assert sent.get_by_text("https://example.org/pilots").is_visible()
    assert sent.get_by_text("A/RES/78/132").is_visible()
    axe.check(page, "submission (submitted)")
    page.get_by_role("button", name="Take up").click()
    page.get_by_text("You took up this submission; it is now under review.").wait_for()
    page.get_by_label("Comment (required").fill("Which villages?")
    page.get_by_role("button", name="Request changes").click()
    page.get_by_text("Workflow — now: Changes requested").wait_for()

    # The entity answers and sends it again.
    waiting.refresh_from_db()
    waiting.save_answers(
        {
            "trends": "More people online.",
            "achievements": "A law; 40 villages.",
            "obstacles": "Money.",
        },
        by=contributor,
    )
    waiting.submit(by=contributor)

    page.reload()
    page.get_by_text("Round 2: changed since changes were requested").wait_for()
    assert page.locator(".word-diff ins", has_text="40 villages").first.is_visible()
    axe.check(page, "submission (resubmitted)")
    shot(page, "resubmitted")
    page.get_by_role("button", name="Take up").click()
    page.get_by_role("button", name="Accept").click()
    page.get_by_role("button", name="Yes, accept").wait_for()
    assert page.get_by_text("alice@example.org").is_visible()
    axe.check(page, "confirm accept")
    page.get_by_role("button", name="Yes, accept").click()
    page.get_by_text("Workflow — now: Accepted").wait_for()
    assert page.get_by_role("button", name="Publish").count() == 0  # a reviewer may not

    # The manager publishes, after confirming what becomes public.
    switch_user(page, "max")
    page.goto(f"/admin/reviews/submission/{waiting.pk}/change/")
    page.get_by_role("button", name="Publish").click()
    page.get_by_text("Rural broadband pilots").first.wait_for()
    axe.check(page, "confirm publish")
    shot(page, "confirm-publish")
    page.get_by_role("button", name="Yes, publish").click()
    page.get_by_text("Workflow — now: Published").wait_for()

    # The public sees it.
    page.context.clear_cookies()
    page.goto("/activities/?entity=ENTA")
    page.get_by_role("link", name="Rural broadband pilots").click()
    page.get_by_role("heading", level=1, name="Rural broadband pilots").wait_for()
    waiting.refresh_from_db()
    assert waiting.state == "published"
    assert Activity.objects.get(submission=waiting).status == "published"
    assert axe.found == {}, axe.report()


def test_admin_lists_fit_1366_pixels(page, waiting, manager):
    for n in range(12):
        ActivityFactory(
            title=f"A long activity title about rural connectivity and digital skills, part {n}",
            entity=EntityFactory(acronym=f"UN-HABITAT{n}"),
            source_paragraph=40 + n,
            cycle=waiting.cycle,
            action_lines=["C2", "C4", "C7.e-health", "C7.e-learning"],
        )
    page.set_viewport_size({"width": 1366, "height": 768})
    log_in(page, "max")
    page.wait_for_url(re.compile(r"/admin/$"))

    widths = {}
    for name, url in (
        ("submissions", "/admin/reviews/submission/?cycle=all"),
        ("activities", "/admin/activities/activity/"),
    ):
        page.goto(url)
        page.locator("#result_list").wait_for()
        widths[name] = page.evaluate(
            """() => [document.documentElement.scrollWidth,
                      document.querySelector('.results').scrollWidth,
                      document.querySelector('.results').clientWidth,
                      [...document.querySelectorAll('#result_list thead th')].map(
                          th => th.innerText.trim() + ' ' + Math.round(th.offsetWidth))]"""
        )
        shot(page, f"{name}-1366")
    assert {name: w[0] <= 1366 and w[1] <= w[2] for name, w in widths.items()} == {
        "submissions": True,
        "activities": True,
    }, widths
    overdue = page.goto("/admin/reviews/submission/?cycle=all")
    assert overdue.ok
    assert page.locator("#result_list img[src*='icon-no']").count() == 0
    assert page.locator("#result_list .overdue-flag").count() == 1  # the late call's
