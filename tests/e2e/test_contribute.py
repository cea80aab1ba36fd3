"""A focal point's journey and the secretariat's, in a real browser."""

import pytest

from activities.models import Activity

from ..factories import ActivityFactory, move
from .conftest import SHOTS, axe_violations, log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def shot(tab, name):
    """A picture of the page as the contributor sees it now (test-artifacts/shots)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=SHOTS / f"contribute-{name}.png", full_page=True)


def assert_axe_clean(tab, name, found):
    if violations := axe_violations(tab):
        found[name] = violations


def test_contributor_journey_start_add_save_submit_change_resubmit(
    page, contributor, reviewer, manager, submission, entity_b
):
    found = {}
    log_in(page, "alice")
    page.get_by_role("link", name="Contribute").click()
    page.get_by_role("link", name="2025 report").click()
    page.get_by_role("button", name="Start").click()
    page.get_by_text("The submission was started; it is now a draft.").wait_for()

    # The questions say what is asked; the typed answers survive a direct submit.
    assert page.get_by_text(
        "What were the main trends in the implementation of the WSIS outcomes during 2024?"
    ).is_visible()
    page.get_by_label("Trends").fill("More people online.")
    page.get_by_label("Achievements").fill("A new law.")
    page.get_by_label("Obstacles").fill("Money.")
    assert_axe_clean(page, "submission, draft", found)
    shot(page, "answers")
    page.get_by_role("button", name="Review and submit").click()
    page.get_by_role("heading", name="Review and confirm").wait_for()
    assert page.get_by_text("A new law.").is_visible()
    assert_axe_clean(page, "review and confirm", found)
    shot(page, "review-and-confirm")
    page.get_by_role("button", name="Submit to the secretariat").click()
    page.get_by_text("The submission was sent to the secretariat.").wait_for()
    assert page.get_by_role("heading", name="What happens next").is_visible()
    assert page.get_by_text("A receipt was sent by e-mail to alice@example.org").is_visible()
    assert_axe_clean(page, "submitted, what happens next", found)
    shot(page, "what-happens-next")
    submission.refresh_from_db()
    assert (submission.state, submission.answers["achievements"]) == ("submitted", "A new law.")

    # Recall, asked first, brings it back to draft.
    page.get_by_role("link", name="Recall to change it…").click()
    page.get_by_role("button", name="Recall to draft").click()
    page.get_by_text("The submission was recalled: it is a draft again").wait_for()

    # Autosave: typed text is saved without a button.
    page.get_by_label("Obstacles").fill("Money and staff.")
    page.get_by_text("Your answers are saved.").wait_for()
    submission.refresh_from_db()
    assert submission.answers["obstacles"] == "Money and staff."

    page.get_by_role("link", name="Add an activity").click()
    assert page.get_by_label("Year (required)").input_value() == "2024"
    assert page.get_by_text("---------").count() == 0
    page.get_by_label("Title (required)", exact=True).fill("Rural broadband pilots")
    page.get_by_label("Summary (required)").fill("Pilots connected 40 villages.")
    page.get_by_label("C2 Information and communication infrastructure").check()
    page.get_by_label("Filter the entities").fill("entb")
    assert page.get_by_text("Shown: 1").is_visible()
    partner = page.get_by_role("checkbox", name="ENTB", exact=False)
    partner.focus()
    page.keyboard.press("Space")  # the keyboard alone
    assert partner.is_checked()
    assert_axe_clean(page, "activity form, partners filtered", found)
    shot(page, "activity-form-partners")
    page.locator("#id_references-0-url").fill("https://example.org/pilots")
    page.locator("#id_references-1-symbol").fill("A/RES/78-132 bad")
    page.get_by_role("button", name="Save the activity").click()
    page.get_by_text("A symbol is the body's letters and parts separated by slashes").wait_for()
    page.locator("#id_references-1-symbol").fill("A/RES/78/132")
    page.get_by_role("button", name="Save the activity").click()
    page.get_by_text("The activity is saved.").wait_for()
    assert page.get_by_text("2 references").is_visible()

    page.get_by_role("button", name="Review and submit").click()
    page.get_by_role("button", name="Submit to the secretariat").click()
    page.get_by_text("The submission was sent to the secretariat.").wait_for()
    assert page.locator(".card-meta").first.inner_text().startswith("2024 · Submitted ·")

    submission.refresh_from_db()
    submission.take_up(by=reviewer)
    submission.request_changes(by=reviewer, comment="Which villages?")
    page.reload()
    request = page.get_by_role("region", name="The secretariat asks for changes")
    assert request.get_by_text("Which villages?").is_visible()
    assert_axe_clean(page, "changes requested", found)
    shot(page, "changes-requested")

    page.get_by_label("Achievements").fill("A new law; 40 villages in three provinces.")
    page.get_by_role("button", name="Review and resubmit").click()
    page.get_by_role("button", name="Resubmit to the secretariat").click()
    page.get_by_text("The submission was sent to the secretariat.").wait_for()

    assert found == {}
    submission.refresh_from_db()
    assert submission.state == "submitted"
    assert submission.answers["achievements"] == "A new law; 40 villages in three provinces."
    assert list(submission.transitions.values_list("action", flat=True)) == [
        "start",
        "submit",
        "recall",
        "submit",
        "take_up",
        "request_changes",
        "submit",
    ]
    activity = Activity.objects.get(submission=submission)
    assert [p.acronym for p in activity.partners.all()] == ["ENTB"]
    assert sorted(activity.references.values_list("url", "symbol")) == [
        ("", "A/RES/78/132"),
        ("https://example.org/pilots", ""),
    ]


def test_contributor_declines_with_a_reason(page, contributor, submission):
    log_in(page, "alice")
    page.goto(submission.get_absolute_url())
    page.get_by_role("link", name="Decline the call…").click()
    page.get_by_role("button", name="Decline the call").click()
    page.get_by_text("Say why your entity declines (the secretariat will see it).").wait_for()
    submission.refresh_from_db()
    assert submission.state == "invited"
    assert axe_violations(page) == []
    shot(page, "decline")

    page.get_by_label("Why does your entity decline?").fill("No WSIS work this year.")
    page.get_by_role("button", name="Decline the call").click()
    page.get_by_text("The entity declined the call. The secretariat sees your reason.").wait_for()

    submission.refresh_from_db()
    assert submission.state == "declined"
    assert submission.transitions.get().comment == "No WSIS work this year."


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
