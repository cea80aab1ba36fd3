"""The paragraphs of the report the secretariat puts together: activities of a
cycle run in the tracker joined into one paragraph, kept whole by the compiler,
released back to the rules."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from activities.models import Activity
from reviews.models import ReviewCycle, TransitionNotAllowed
from reviews.report import compile_report, join_in_paragraph, release_from_paragraph

from .factories import ReviewCycleFactory
from .test_report import activity_of, submission_in, tracker_cycle

pytestmark = pytest.mark.django_db

WORDS = " ".join(["word"] * 25)


@pytest.fixture
def people(reviewer, manager):
    return {"reviewer": reviewer, "manager": manager}


@pytest.fixture
def cycle(people):
    """Three entities' short work under C3, which the rules keep apart."""
    cycle = tracker_cycle(state="open")
    for acronym in ("AAA", "BBB", "CCC"):
        submission = submission_in(cycle, "accepted", acronym, people)
        activity_of(
            submission,
            title=f"{acronym} work",
            summary=f"{acronym} wrote {WORDS}",
            action_lines=["C3"],
            section_key="c3",
        )
    return cycle


def of(cycle, *acronyms):
    return Activity.objects.filter(cycle=cycle, entity__acronym__in=acronyms).order_by("pk")


def groups(report, key="c3"):
    section = next(s for s in report.headings() if s.key == key)
    return [[src.entity.acronym for src in p.sources] for p in section.paragraphs]


def test_joined_activities_make_one_paragraph_the_rules_would_keep_apart(cycle, reviewer):
    assert groups(compile_report(cycle)) == [["AAA"], ["BBB"], ["CCC"]]

    assert join_in_paragraph(of(cycle, "AAA", "CCC"), by=reviewer) == 2

    report = compile_report(cycle)
    assert groups(report) == [["AAA", "CCC"], ["BBB"]]
    joined = next(s for s in report.headings() if s.key == "c3").paragraphs[0]
    assert "AAA wrote" in joined.text and "CCC wrote" in joined.text
    # Numbered with the others, 1..N through the document: the joining number
    # is not a paragraph number of the report.
    numbers = [p.number for p in report.paragraphs() if p.number is not None]
    assert numbers == list(range(1, len(numbers) + 1))
    assert joined.declared is None


def test_joining_confirms_the_heading_and_records_who_did_it(cycle, reviewer):
    join_in_paragraph(of(cycle, "AAA", "BBB"), by=reviewer)

    joined = list(of(cycle, "AAA", "BBB"))
    assert {a.source_paragraph for a in joined} == {1}
    assert all(a.section_confirmed for a in joined)
    assert all(a.history.first().history_user == reviewer for a in joined)
    assert of(cycle, "CCC").get().source_paragraph is None


def test_each_joining_makes_a_paragraph_of_its_own(cycle, reviewer, people):
    submission = submission_in(cycle, "accepted", "DDD", people)
    activity_of(submission, summary=f"DDD wrote {WORDS}", action_lines=["C3"], section_key="c3")

    join_in_paragraph(of(cycle, "AAA", "BBB"), by=reviewer)
    join_in_paragraph(of(cycle, "CCC", "DDD"), by=reviewer)

    assert groups(compile_report(cycle)) == [["AAA", "BBB"], ["CCC", "DDD"]]


def test_a_joined_paragraph_is_never_cut_nor_merged(people, reviewer):
    cycle = tracker_cycle(state="open")
    long_words = " ".join(["word"] * 80)
    for acronym, summary in (("AAA", long_words), ("BBB", long_words), ("CCC", "a few words")):
        submission = submission_in(cycle, "accepted", acronym, people)
        activity_of(
            submission, summary=f"{acronym} wrote {summary}", action_lines=["C3"], section_key="c3"
        )

    join_in_paragraph(of(cycle, "AAA", "BBB"), by=reviewer)

    # 160 words: the rules would cut a block of that length; CCC, very short,
    # would join its neighbour under the rules, but not a joined paragraph.
    assert groups(compile_report(cycle)) == [["AAA", "BBB"], ["CCC"]]


def test_released_activities_go_back_to_the_rules(cycle, reviewer):
    join_in_paragraph(of(cycle, "AAA", "CCC"), by=reviewer)

    assert release_from_paragraph(of(cycle, "AAA", "BBB", "CCC"), by=reviewer) == 2

    assert groups(compile_report(cycle)) == [["AAA"], ["BBB"], ["CCC"]]
    assert not of(cycle, "AAA", "CCC").filter(source_paragraph__isnull=False).exists()


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
def test_joining_role_by_role(request, cycle, role, allowed):
    user = request.getfixturevalue(role)
    user = user if not isinstance(user, AnonymousUser) else AnonymousUser()

    if allowed:
        join_in_paragraph(of(cycle, "AAA", "BBB"), by=user)
        release_from_paragraph(of(cycle, "AAA"), by=user)
        assert list(of(cycle, "AAA", "BBB").values_list("source_paragraph", flat=True)) == [
            None,
            1,
        ]
        return
    for step in (join_in_paragraph, release_from_paragraph):
        with pytest.raises(TransitionNotAllowed) as refused:
            step(of(cycle, "AAA", "BBB"), by=user)
        assert refused.value.message == (
            "Only the secretariat puts together the paragraphs of the report."
        )
    assert not of(cycle, "AAA", "BBB").filter(source_paragraph__isnull=False).exists()


def test_activities_under_different_headings_are_refused(cycle, reviewer):
    of(cycle, "BBB").update(section_key="c4")

    with pytest.raises(TransitionNotAllowed) as refused:
        join_in_paragraph(of(cycle, "AAA", "BBB"), by=reviewer)

    assert refused.value.message == (
        "The activities are under different report headings (c3, c4): "
        "put them under one heading first."
    )
    assert not of(cycle, "AAA", "BBB").filter(source_paragraph__isnull=False).exists()
    assert not of(cycle, "AAA").get().section_confirmed


def test_activities_of_two_cycles_are_refused(cycle, reviewer, people):
    other = ReviewCycleFactory(slug="report-2027", title="2027 report", state="open")
    activity_of(submission_in(other, "accepted", "EEE", people), section_key="c3")
    chosen = Activity.objects.filter(entity__acronym__in=["AAA", "EEE"])

    with pytest.raises(TransitionNotAllowed) as refused:
        join_in_paragraph(chosen, by=reviewer)

    assert refused.value.message == "The activities of one paragraph belong to one review cycle."
    assert not chosen.filter(source_paragraph__isnull=False).exists()


def test_a_published_reports_paragraphs_stay_as_they_are(cycle, reviewer):
    ReviewCycle.objects.filter(pk=cycle.pk).update(state=ReviewCycle.State.PUBLISHED)

    for step in (join_in_paragraph, release_from_paragraph):
        with pytest.raises(TransitionNotAllowed) as refused:
            step(of(cycle, "AAA", "BBB"), by=reviewer)
        assert refused.value.message == (
            "The report of 2026 report is published: its paragraphs stay as they are."
        )


def test_nothing_chosen_is_refused(cycle, reviewer):
    with pytest.raises(TransitionNotAllowed) as refused:
        join_in_paragraph(Activity.objects.none(), by=reviewer)

    assert refused.value.message == "Choose the activities of the paragraph."


def test_reviewer_joins_and_releases_in_the_admin(client, cycle, reviewer):
    client.force_login(reviewer)
    changelist = reverse("admin:activities_activity_changelist")
    chosen = list(of(cycle, "AAA", "CCC").values_list("pk", flat=True))

    joined = client.post(
        changelist, {"action": "join_paragraph", "_selected_action": chosen}, follow=True
    )
    page = client.get(changelist).content.decode()
    released = client.post(
        changelist, {"action": "release_paragraph", "_selected_action": chosen}, follow=True
    )

    assert [str(m) for m in joined.context["messages"]] == [
        "2 activities now make one paragraph of the report."
    ]
    assert "2026 report, joined paragraph 1" in page
    assert [str(m) for m in released.context["messages"]] == [
        "2 activities are back with the paragraph rules."
    ]
    assert not of(cycle, "AAA", "CCC").filter(source_paragraph__isnull=False).exists()


def test_a_refused_joining_in_the_admin_says_why(client, cycle, reviewer):
    of(cycle, "BBB").update(section_key="c4")
    client.force_login(reviewer)

    response = client.post(
        reverse("admin:activities_activity_changelist"),
        {
            "action": "join_paragraph",
            "_selected_action": list(of(cycle, "AAA", "BBB").values_list("pk", flat=True)),
        },
        follow=True,
    )

    messages = [(m.level_tag, str(m)) for m in response.context["messages"]]
    assert messages == [
        (
            "error",
            "The activities are under different report headings (c3, c4): "
            "put them under one heading first.",
        )
    ]
    assert not of(cycle, "AAA", "BBB").filter(source_paragraph__isnull=False).exists()
