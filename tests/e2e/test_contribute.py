"""A focal point's journey and the secretariat's, in a real browser."""

import pytest

from activities.models import Activity

from ..factories import ActivityFactory, move
from .conftest import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_contributor_journey_start_add_save_submit_change_resubmit(
    page, contributor, reviewer, manager, submission
):
    log_in(page, "alice")
    page.get_by_role("link", name="Contribute").click()
    page.get_by_role("link", name="2025 report").click()
    page.get_by_role("button", name="Start").click()
    page.get_by_text("Done: the submission is now draft.").wait_for()

    page.get_by_label("Trends").fill("More people online.")
    page.get_by_label("Achievements").fill("A new law.")
    page.get_by_label("Obstacles").fill("Money.")
    page.get_by_role("button", name="Save draft").click()
    page.get_by_text("Your answers are saved.").wait_for()

    page.get_by_role("link", name="Add an activity").click()
    page.get_by_label("Title (required)", exact=True).fill("Rural broadband pilots")
    page.get_by_label("Summary (required)").fill("Pilots connected 40 villages.")
    page.get_by_label("Year (required)").fill("2024")
    page.get_by_label("C2 Information and communication infrastructure").check()
    page.locator("#id_references-0-url").fill("https://example.org/pilots")
    page.locator("#id_references-1-symbol").fill("A/RES/78/132")
    page.get_by_role("button", name="Save the activity").click()
    page.get_by_text("The activity is saved.").wait_for()
    assert page.get_by_text("2 references").is_visible()

    page.get_by_role("button", name="Submit").click()
    page.get_by_text("Done: the submission is now submitted.").wait_for()

    submission.refresh_from_db()
    submission.take_up(by=reviewer)
    submission.request_changes(by=reviewer, comment="Which villages?")
    page.reload()
    assert page.get_by_text("Which villages?").first.is_visible()

    page.get_by_label("Achievements").fill("A new law; 40 villages in three provinces.")
    page.get_by_role("button", name="Save draft").click()
    page.get_by_text("Your answers are saved.").wait_for()
    page.get_by_role("button", name="Submit").click()
    page.get_by_text("Done: the submission is now submitted.").wait_for()

    submission.refresh_from_db()
    assert submission.state == "submitted"
    assert submission.answers["achievements"] == "A new law; 40 villages in three provinces."
    activity = Activity.objects.get(submission=submission)
    assert sorted(activity.references.values_list("url", "symbol")) == [
        ("", "A/RES/78/132"),
        ("https://example.org/pilots", ""),
    ]


def test_secretariat_journey_in_the_admin(
    page, browser, live_server, contributor, reviewer, manager, submission
):
    move(submission, "submitted", contributor=contributor, reviewer=reviewer, manager=manager)
    ActivityFactory(
        title="Rural broadband pilots",
        entity=submission.entity,
        submission=submission,
        cycle=submission.cycle,
        status="draft",
        action_lines=["C2"],
    )
    change_page = f"/admin/reviews/submission/{submission.pk}/change/"

    log_in(page, "rita")
    page.goto(change_page)
    page.get_by_role("button", name="Take up").click()
    page.get_by_label("Comment (required").fill("Which villages?")
    page.get_by_role("button", name="Request changes").click()
    page.get_by_text("Workflow — now: Changes requested").wait_for()

    submission.refresh_from_db()
    submission.submit(by=contributor)
    page.reload()
    page.get_by_role("button", name="Take up").click()
    page.get_by_role("button", name="Accept").click()
    page.get_by_role("button", name="Yes, accept").click()  # asked first, with the recipients
    page.get_by_text("Workflow — now: Accepted").wait_for()
    assert page.get_by_role("button", name="Publish").count() == 0  # a reviewer may not

    page.context.clear_cookies()
    log_in(page, "max")
    page.goto(change_page)
    page.get_by_role("button", name="Publish").click()
    page.get_by_role("button", name="Yes, publish").click()
    page.get_by_text("Workflow — now: Published").wait_for()

    page.context.clear_cookies()
    page.goto("/activities/?entity=ENTA")
    page.get_by_role("link", name="Rural broadband pilots").wait_for()
    submission.refresh_from_db()
    assert submission.state == "published"
