"""A focal point reports on a paragraph of the resolution; once published, the public sees it."""

import pytest

from mandates.models import Addressee, Mandate, MandateUpdate, Resolution

from ..factories import ActivityFactory, move
from .conftest import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_a_focal_point_reports_on_a_paragraph_and_the_public_sees_it_once_published(
    page, contributor, reviewer, manager, submission
):
    resolution = Resolution.objects.create(symbol="A/RES/80/173", title_en="Outcome")
    mandate = Mandate.objects.create(
        resolution=resolution, paragraph=24, summary_en="Include the underserved."
    )
    Addressee.objects.create(mandate=mandate, label="all stakeholders", scope="all")
    mandate.cycles.add(submission.cycle)
    move(submission, "draft", contributor=contributor, reviewer=reviewer, manager=manager)
    submission.save_answers({"trends": "T", "achievements": "A", "obstacles": "O"}, by=contributor)
    ActivityFactory(
        title="Village connectivity plan",
        entity=submission.entity,
        submission=submission,
        cycle=submission.cycle,
        status="draft",
    )

    log_in(page, "alice")
    page.goto(submission.get_absolute_url())
    form = page.locator("#mandates form")
    form.get_by_label("Status").select_option("done")
    form.get_by_role("button", name="Save paragraph 24").click()
    page.get_by_text("Say in a few sentences what was done").first.wait_for()
    assert MandateUpdate.objects.count() == 0

    form = page.locator("#mandates form")
    form.get_by_label("Update").fill("The plan names the villages left behind.")
    form.get_by_label("Village connectivity plan").check()
    form.get_by_role("button", name="Save paragraph 24").click()
    page.get_by_text("Your update on paragraph 24 is saved.").wait_for()

    page.goto("/mandates/")
    assert page.get_by_text("The plan names the villages left behind.").count() == 0

    submission.refresh_from_db()
    submission.submit(by=contributor)
    submission.take_up(by=reviewer)
    submission.accept(by=reviewer)
    submission.publish(by=manager)
    page.goto("/mandates/")
    assert page.get_by_text("The plan names the villages left behind.").is_visible()
    assert page.get_by_role("link", name="Village connectivity plan").is_visible()
