"""The report heading of an activity: suggested when it is entered (one plain
function), confirmed or changed by the secretariat."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from activities.headings import HeadingFacts, suggest_heading
from activities.models import ActionLine, Activity, Region
from reviews.models import TransitionNotAllowed
from reviews.report import place_activity

from .factories import ActivityFactory, EntityFactory, ReviewCycleFactory, SubmissionFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("facts", "heading"),
    [
        (HeadingFacts("UNGIS", "un_secretariat", ["C11"]), "ungis"),
        (HeadingFacts("GA", "un_intergovernmental_body", ["C1"]), "ga_ecosoc"),
        (
            HeadingFacts(
                "GA",
                "un_intergovernmental_body",
                ["C11"],
                themes=["internet_governance"],
                text="The Assembly renewed the mandate of the Internet Governance Forum.",
            ),
            "internet_governance",
        ),
        (HeadingFacts("ECA", "un_regional_commission", ["C2"], regions=["africa"]), "africa"),
        (
            HeadingFacts("ECA", "un_regional_commission", ["C2"], regions=["africa", "global"]),
            "c2",
        ),
        (
            HeadingFacts(
                "AU",
                "intergovernmental_organization",
                ["C6"],
                regions=["africa"],
                text="A continental strategy for the region.",
            ),
            "africa",
        ),
        (
            HeadingFacts(
                "WHO", "un_specialized_agency", ["C3", "C7.e-health"], text="Health data."
            ),
            "c7_e_health",
        ),
        (
            HeadingFacts(
                "ITU",
                "un_specialized_agency",
                ["C2"],
                themes=["measurement"],
                text="New indicators and a statistical database.",
            ),
            "measurement",
        ),
        (
            HeadingFacts("ITU", "un_specialized_agency", ["C11"], text="The WSIS Forum met."),
            "multistakeholder_facilitation",
        ),
        (
            HeadingFacts(
                "APC", "civil_society", ["C10"], text="APC is a network of organizations."
            ),
            "civil_society_business_partnerships",
        ),
        (
            # A project of a civil society organization goes under its action line;
            # section III.E presents the organizations that describe themselves.
            HeadingFacts(
                "DIAL", "civil_society", ["C7.e-environment"], text="DIAL discussed climate action."
            ),
            "c7_e_environment",
        ),
        (
            HeadingFacts(
                "GSMA",
                "private_sector",
                ["C2"],
                text="GSMA, which represents mobile communications businesses, published research.",
            ),
            "civil_society_business_partnerships",
        ),
        (
            # "Rights" inside "human rights" is one phrase, scored once: freedom of
            # expression (C9) ties with it and C9 comes first.
            HeadingFacts(
                "CoE",
                "intergovernmental_organization",
                ["C9", "C10"],
                text="Work on freedom of expression and on human rights.",
            ),
            "c9",
        ),
        (
            # "Cooperation" inside "enhanced cooperation" counts for Internet
            # governance only.
            HeadingFacts(
                "GA",
                "un_intergovernmental_body",
                ["C11"],
                themes=["internet_governance"],
                text="The Assembly recalled the Tunis Agenda on enhanced cooperation.",
            ),
            "internet_governance",
        ),
        (HeadingFacts("X", "academia"), "action_lines_and_un_entities"),
    ],
)
def test_suggest_heading(facts, heading):
    assert suggest_heading(facts) == heading


@pytest.mark.parametrize(
    ("partner_kinds", "heading"),
    [
        ([], "cstd"),
        (["un_intergovernmental_body", "un_secretariat"], "cstd"),
        (["un_specialized_agency"], "c11"),
    ],
)
def test_bodys_work_with_agencies_goes_under_its_action_line(partner_kinds, heading):
    facts = HeadingFacts(
        "CSTD",
        "un_intergovernmental_body",
        ["C11"],
        text="Roadmaps for the review.",
        partner_kinds=partner_kinds,
    )

    assert suggest_heading(facts) == heading


def test_civil_society_work_in_one_region_goes_under_its_action_line():
    itself = HeadingFacts(
        "APC", "civil_society", ["C2"], regions=["global"], text="APC works with networks."
    )
    project = HeadingFacts(
        "APC", "civil_society", ["C2"], regions=["africa"], text="APC works with networks."
    )

    assert (suggest_heading(itself), suggest_heading(project)) == (
        "civil_society_business_partnerships",
        "c2",
    )


# Security and capacity score alike ("security", "capacity"): the text alone
# leaves it to the order of the action lines.
UNDECIDED = HeadingFacts(
    "OECD", "intergovernmental_organization", ["C4", "C5"], text="Security capacity."
)


@pytest.mark.parametrize(
    ("others", "heading"),
    [
        (None, "c4"),
        ({"c5": 1}, "c4"),  # one other activity is not the entity's heading
        ({"c5": 2}, "c5"),
        ({"c5": 2, "c4": 2}, "c4"),  # as many under its own best
        ({"c9": 3}, "c4"),  # a heading the activity cannot go under
    ],
)
def test_undecided_activity_goes_where_its_entitys_other_work_goes(others, heading):
    assert suggest_heading(UNDECIDED, others) == heading


def test_entitys_other_work_does_not_outweigh_a_whole_word():
    decided = HeadingFacts(
        "OECD",
        "intergovernmental_organization",
        ["C4", "C5"],
        text="Capacity-building and training courses on security.",
    )

    assert suggest_heading(decided, {"c5": 5}) == "c4"


def test_write_path_reads_the_entitys_other_activities(submission, contributor):
    submission.start(by=contributor)
    lines = list(ActionLine.objects.filter(code__in=["C4", "C5"]))
    for title in ("Cybersecurity outlook", "Cybersecurity index"):
        submission.save_activity(
            Activity(),
            by=contributor,
            values={"title": title, "summary": "Cybersecurity.", "year": 2024,
                    "action_lines": [lines[1]]},
        )  # fmt: skip

    undecided = submission.save_activity(
        Activity(),
        by=contributor,
        values={"title": "Projects", "summary": "Security capacity.", "year": 2024,
                "action_lines": lines},
    )  # fmt: skip

    undecided.refresh_from_db()
    assert (undecided.section_key, undecided.section_confirmed) == ("c5", False)


@pytest.fixture
def health(submission, contributor):
    """An activity on health, entered by entity A's focal point."""
    submission.start(by=contributor)
    activity = Activity(title="Telemedicine", summary="A health portal for rural clinics.")
    return submission.save_activity(
        activity,
        by=contributor,
        values={
            "title": "Telemedicine",
            "summary": "A health portal for rural clinics.",
            "year": 2024,
            "action_lines": list(ActionLine.objects.filter(code__in=["C2", "C7.e-health"])),
        },
    )


def test_write_path_suggests_the_heading_when_an_activity_is_entered(health):
    health.refresh_from_db()

    assert (health.section_key, health.section_confirmed) == ("c7_e_health", False)


def test_suggestion_follows_the_activity_until_it_is_confirmed(health, submission, contributor):
    submission.save_activity(
        health,
        by=contributor,
        values={
            "summary": "Broadband networks for rural clinics.",
            "action_lines": list(ActionLine.objects.filter(code__in=["C2", "C7.e-health"])),
        },
    )

    health.refresh_from_db()
    assert (health.section_key, health.section_confirmed) == ("c2", False)


def test_manager_choosing_a_heading_keeps_it(health, submission, manager, contributor):
    submission.save_activity(health, by=manager, values={"section_key": "c3"})
    submission.save_activity(
        health, by=contributor, values={"summary": "A health portal, now nationwide."}
    )

    health.refresh_from_db()
    assert (health.section_key, health.section_confirmed) == ("c3", True)


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("anonymous", False),
        ("contributor", False),
        ("other_contributor", False),
        ("reviewer", True),
        ("manager", True),
    ],
)
def test_placing_an_activity_role_by_role(request, health, role, allowed):
    user = request.getfixturevalue(role)
    before = Activity.objects.filter(pk=health.pk).values_list("section_key", "section_confirmed")

    if allowed:
        place_activity(health, "c3", by=user)
        health.refresh_from_db()
        assert (health.section_key, health.section_confirmed) == ("c3", True)
        assert health.history.first().history_user == user
        return
    with pytest.raises(TransitionNotAllowed) as refused:
        place_activity(
            health, "c3", by=user if not isinstance(user, AnonymousUser) else AnonymousUser()
        )
    assert (
        refused.value.message == "Only the secretariat chooses the report heading of an activity."
    )
    assert list(before) == [("c7_e_health", False)]


def test_placing_under_a_heading_the_report_has_not_is_refused(health, reviewer):
    with pytest.raises(TransitionNotAllowed) as refused:
        place_activity(health, "c99", by=reviewer)

    assert refused.value.message == "c99 is not a heading of this cycle's report."
    health.refresh_from_db()
    assert (health.section_key, health.section_confirmed) == ("c7_e_health", False)


def test_placing_with_no_heading_goes_back_to_the_suggestion(health, reviewer):
    place_activity(health, "c3", by=reviewer)

    place_activity(health, "", by=reviewer)

    health.refresh_from_db()
    assert (health.section_key, health.section_confirmed) == ("c7_e_health", False)


def test_compiled_report_follows_the_confirmed_heading(health, submission, reviewer, contributor):
    from reviews.report import compile_report

    submission.save_answers({"trends": "T", "achievements": "A", "obstacles": "O"}, by=contributor)
    submission.submit(by=contributor)
    submission.take_up(by=reviewer)
    submission.accept(by=reviewer)
    place_activity(health, "c3", by=reviewer)

    report = compile_report(submission.cycle)

    (paragraph,) = next(s for s in report.headings() if s.key == "c3").paragraphs
    assert [s.activity_id for s in paragraph.sources] == [health.pk]


def test_reviewer_confirms_suggested_headings_in_the_admin(client, reviewer, health):
    client.force_login(reviewer)

    response = client.post(
        reverse("admin:activities_activity_changelist"),
        {"action": "confirm_headings", "_selected_action": [health.pk]},
        follow=True,
    )

    assert [str(m) for m in response.context["messages"]] == ["1 report heading confirmed."]
    health.refresh_from_db()
    assert (health.section_key, health.section_confirmed) == ("c7_e_health", True)


def test_submission_page_offers_the_headings_of_the_cycle(client, reviewer, health, submission):
    client.force_login(reviewer)

    html = client.get(
        reverse("admin:reviews_submission_change", args=[submission.pk])
    ).content.decode()

    assert "Report headings of the activities" in html
    assert '<option value="c7_e_health" selected>' in html
    assert "III.F.1.e Building confidence and security in the use of ICTs (C5)</option>" in html


def test_reviewer_changes_a_heading_on_the_submission_page(client, reviewer, health, submission):
    client.force_login(reviewer)
    data = {
        "reviewer": "",
        "comments-TOTAL_FORMS": "0",
        "comments-INITIAL_FORMS": "0",
        "comments-2-TOTAL_FORMS": "0",
        "comments-2-INITIAL_FORMS": "0",
        "transitions-TOTAL_FORMS": "0",
        "transitions-INITIAL_FORMS": "0",
        "emails-TOTAL_FORMS": "0",
        "emails-INITIAL_FORMS": "0",
        "activities-TOTAL_FORMS": "1",
        "activities-INITIAL_FORMS": "1",
        "activities-0-id": str(health.pk),
        "activities-0-submission": str(submission.pk),
        "activities-0-section_key": "c3",
    }

    response = client.post(reverse("admin:reviews_submission_change", args=[submission.pk]), data)

    assert response.status_code == 302, response.context and response.context["errors"]
    health.refresh_from_db()
    assert (health.section_key, health.section_confirmed) == ("c3", True)


def test_imported_activity_without_a_section_gets_the_suggestion(db, dataset):
    from activities.importer import import_dataset

    record = dataset["activities"][0]
    del record["section_key"]
    dataset["activities"] = [record]

    cycle = import_dataset(dataset).cycle

    activity = Activity.objects.get(cycle=cycle)
    assert (activity.section_key, activity.section_confirmed) == ("africa", False)


def test_heading_choices_of_a_tracker_cycle_are_the_default_outline(db):
    from reviews.report import heading_choices

    cycle = ReviewCycleFactory(state="open")
    Region.objects.get(key="africa")

    choices = dict(heading_choices(cycle))

    assert choices["africa"] == "II.A Africa"
    assert choices["c7_e_health"] == "III.F.1.g E-health"
    assert choices["c5"] == "III.F.1.e Building confidence and security in the use of ICTs (C5)"
    assert "introduction" not in choices


def test_suggestion_reads_the_entity_kind(db):
    commission = EntityFactory(acronym="ESCWA", kind="un_regional_commission")
    cycle = ReviewCycleFactory(state="open")
    submission = SubmissionFactory(cycle=cycle, entity=commission)
    activity = ActivityFactory(
        entity=commission, submission=submission, cycle=cycle, regions=["western_asia"]
    )

    assert suggest_heading(activity.heading_facts()) == "western_asia"
