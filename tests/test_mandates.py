"""The follow-up of the WSIS+20 outcome: mandates, who is asked, updates on them."""

import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from activities.models import ActionLine, ActionLineFacilitator
from mandates.loader import MandateFileError, load, read_file
from mandates.models import Addressee, Mandate, MandateUpdate, Resolution
from reviews.models import TransitionNotAllowed

from .factories import EntityFactory

MANDATES = "data/wsis20-mandates.json"
FACILITATORS = "data/action-line-facilitators.json"


@pytest.fixture
def named(db):
    return {
        "ITU": EntityFactory(
            acronym="ITU",
            name_en="International Telecommunication Union",
            kind="un_specialized_agency",
        ),
        "UNESCO": EntityFactory(acronym="UNESCO", name_en="UNESCO", kind="un_specialized_agency"),
        "UNGIS": EntityFactory(
            acronym="UNGIS", name_en="UN Group on the Information Society", kind="un_secretariat"
        ),
    }


@pytest.fixture
def loaded(named):
    load(read_file(MANDATES))
    load(read_file(FACILITATORS))
    return Resolution.objects.get(symbol="A/RES/80/173")


# --- Import ---------------------------------------------------------------------


def test_the_shared_file_imports_its_nine_paragraphs_with_who_is_asked(loaded):
    mandates = list(loaded.mandates.order_by("paragraph"))

    assert [m.paragraph for m in mandates] == [23, 24, 26, 28, 33, 39, 45, 67, 113]
    p67 = loaded.mandates.get(paragraph=67)
    assert p67.due_body == "CSTD, thirtieth session, 2027"
    assert [(a.label, a.scope, a.entity and a.entity.acronym) for a in p67.asked.all()] == [
        ("ITU (as secretariat of UNGIS)", "entity", "ITU"),
        ("WSIS action line facilitators", "facilitators", None),
        ("members of UNGIS", "entity", "UNGIS"),
    ]
    p26 = loaded.mandates.get(paragraph=26)
    assert [a.scope for a in p26.asked.all()] == ["kinds", "kinds", "kinds"]
    assert list(p26.action_lines.values_list("code", flat=True)) == ["C2"]
    assert list(p26.themes.values_list("key", flat=True)) == ["financing"]
    assert str(loaded.adopted_on) == "2025-12-17"


def test_importing_again_changes_nothing(loaded):
    before = list(Addressee.objects.order_by("pk").values_list("pk", flat=True))

    result = load(read_file(MANDATES))

    assert (result.created, result.updated, result.unchanged) == (0, 0, 9)
    assert list(Addressee.objects.order_by("pk").values_list("pk", flat=True)) == before
    assert load(read_file(FACILITATORS)).facilitators == 0


def test_facilitators_are_recorded_with_their_source(loaded):
    rows = ActionLineFacilitator.objects.filter(entity__acronym="UNESCO").order_by("position")

    assert [r.action_line.code for r in rows] == [
        "C3",
        "C7.e-learning",
        "C7.e-science",
        "C8",
        "C9",
        "C10",
    ]
    assert all(r.source.startswith("https://") for r in rows)


def test_a_changed_file_updates_the_paragraph(loaded, tmp_path):
    data = json.loads(Path(MANDATES).read_text())
    data["mandates"][0]["summary_en"] = "Changed."
    data["mandates"][0]["asked"] = ["governments"]
    path = tmp_path / "m.json"
    path.write_text(json.dumps(data))

    result = load(read_file(path))

    assert (result.created, result.updated, result.unchanged) == (0, 1, 8)
    p23 = Mandate.objects.get(paragraph=23)
    assert p23.summary_en == "Changed."
    assert [a.entity_kinds for a in p23.asked.all()] == [["government"]]


@pytest.mark.parametrize(
    "change, message",
    [
        ({"asked": ["the moon"]}, "paragraph 23: unknown addressee 'the moon'"),
        ({"action_lines": ["C99"]}, "paragraph 23: unknown action line C99"),
        ({"paragraph": "x"}, "mandate 1: 'paragraph' must be a positive whole number"),
        ({"asked": [{"label": "X", "entity": "NOPE"}]}, "paragraph 23: 'X': unknown entity"),
    ],
)
def test_a_bad_file_stops_with_one_line_and_changes_nothing(named, tmp_path, change, message):
    data = json.loads(Path(MANDATES).read_text())
    data["mandates"][0].update(change)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data))

    with pytest.raises(CommandError) as error:
        call_command("load_mandates", str(path), verbosity=0)

    assert str(error.value).startswith(message)
    assert "\n" not in str(error.value)
    assert Resolution.objects.count() == 0
    assert Mandate.objects.count() == 0


def test_a_file_that_is_no_json_is_refused(db, tmp_path):
    path = tmp_path / "x.json"
    path.write_text("{")

    with pytest.raises(MandateFileError, match="not valid JSON"):
        read_file(path)


def test_the_command_imports_both_files(named, capsys):
    call_command("load_mandates", MANDATES, FACILITATORS)

    out = capsys.readouterr().out
    assert "Mandates: 9 created, 0 updated, 0 unchanged" in out
    assert Mandate.objects.count() == 9
    assert ActionLineFacilitator.objects.count() == 14


# --- Who is asked -------------------------------------------------------------------


@pytest.fixture
def biennial(loaded, named):
    """An open biennial cycle that asks about every paragraph of the file, with
    ITU's and UNESCO's submissions started, and their focal points."""
    import datetime as dt

    from django.utils import timezone

    from .factories import ReviewCycleFactory, SubmissionFactory, UserFactory

    cycle = ReviewCycleFactory(
        slug="report-2027",
        title="2027 report",
        kind="biennial",
        state="open",
        reporting_year=2026,
        period_start=dt.date(2025, 1, 1),
        period_end=dt.date(2026, 12, 31),
        deadline=timezone.now() + dt.timedelta(days=30),
    )
    cycle.mandates.set(loaded.mandates.all())
    focal = {
        "ITU": UserFactory(username="focal-itu", entities=[named["ITU"]]),
        "UNESCO": UserFactory(username="focal-unesco", entities=[named["UNESCO"]]),
    }
    subs = {}
    for acronym in ("ITU", "UNESCO"):
        subs[acronym] = SubmissionFactory(cycle=cycle, entity=named[acronym])
        subs[acronym].start(by=focal[acronym])
    return {"cycle": cycle, "focal": focal, "submissions": subs, **named}


def paragraphs(submission):
    from mandates.models import mandates_for

    return [m.paragraph for m in mandates_for(submission)]


def test_a_contributor_sees_the_paragraphs_that_ask_their_entity(biennial):
    from .factories import SubmissionFactory

    government = EntityFactory(acronym="GOV", kind="government")
    ngo = EntityFactory(acronym="NGO", kind="civil_society")
    cycle = biennial["cycle"]

    # all stakeholders (23 24 28 33 39 45), named (67, ITU as UNGIS secretariat),
    # facilitators (67 and 113 ask any: ITU and UNESCO are), kinds (26: governments,
    # international organisations, private sector).
    assert paragraphs(biennial["submissions"]["ITU"]) == [23, 24, 26, 28, 33, 39, 45, 67, 113]
    assert paragraphs(biennial["submissions"]["UNESCO"]) == [23, 24, 26, 28, 33, 39, 45, 67, 113]
    assert paragraphs(SubmissionFactory(cycle=cycle, entity=government)) == [
        23, 24, 26, 28, 33, 39, 45,
    ]  # fmt: skip
    assert paragraphs(SubmissionFactory(cycle=cycle, entity=ngo)) == [23, 24, 28, 33, 39, 45]


def test_a_sub_area_paragraph_asks_the_facilitators_of_it_and_of_its_action_line(biennial):
    mandate = Mandate.objects.create(
        resolution=Resolution.objects.get(), paragraph=200, summary_en="X"
    )
    mandate.action_lines.set([ActionLine.objects.get(code="C7.e-learning")])
    Addressee.objects.create(mandate=mandate, label="facilitators", scope="facilitators")
    mandate = Mandate.objects.prefetch_related("asked", "action_lines").get(pk=mandate.pk)

    # UNESCO facilitates C7.e-learning; ITU co-facilitates C7 as a whole.
    assert mandate.concerns(biennial["UNESCO"], {ActionLine.objects.get(code="C7.e-learning").pk})
    assert mandate.concerns(biennial["ITU"], {ActionLine.objects.get(code="C7").pk})
    assert not mandate.concerns(biennial["ITU"], {ActionLine.objects.get(code="C2").pk})


# --- Writing an update -----------------------------------------------------------------


def p(number):
    return Mandate.objects.get(paragraph=number)


def test_a_focal_point_reports_on_a_paragraph_with_an_activity(biennial):
    from .factories import ActivityFactory

    submission = biennial["submissions"]["ITU"]
    activity = ActivityFactory(
        entity=biennial["ITU"], submission=submission, cycle=biennial["cycle"], status="draft"
    )

    update = MandateUpdate.write(
        submission,
        p(67),
        by=biennial["focal"]["ITU"],
        status="under_way",
        text="The task force met.",
        activities=[activity.pk],
    )

    assert (update.status, update.text) == ("under_way", "The task force met.")
    assert list(update.activities.all()) == [activity]
    assert update.history.count() == 1


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"status": "finished"}, "Choose a status"),
        ({"status": "done", "text": " "}, "Say in a few sentences what was done"),
        ({"status": "done", "text": "x" * 2001}, "Keep the update to 2000 characters"),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(biennial, kwargs, message):
    with pytest.raises(TransitionNotAllowed, match=message) as refused:
        MandateUpdate.write(
            biennial["submissions"]["ITU"], p(23), by=biennial["focal"]["ITU"], **kwargs
        )

    assert refused.value.code == "invalid"
    assert MandateUpdate.objects.count() == 0


def test_a_paragraph_the_cycle_does_not_ask_about_is_refused(biennial):
    biennial["cycle"].mandates.remove(p(23))

    with pytest.raises(TransitionNotAllowed, match="does not ask about paragraph 23"):
        MandateUpdate.write(
            biennial["submissions"]["ITU"],
            p(23),
            by=biennial["focal"]["ITU"],
            status="done",
            text="x",
        )
    assert MandateUpdate.objects.count() == 0


def test_a_paragraph_that_does_not_ask_the_entity_is_refused(biennial):
    from .factories import SubmissionFactory, UserFactory

    ngo = EntityFactory(acronym="NGO", kind="civil_society")
    user = UserFactory(username="ngo", entities=[ngo])
    submission = SubmissionFactory(cycle=biennial["cycle"], entity=ngo)
    submission.start(by=user)

    with pytest.raises(TransitionNotAllowed, match="Paragraph 67 does not ask NGO"):
        MandateUpdate.write(submission, p(67), by=user, status="done", text="x")
    assert MandateUpdate.objects.count() == 0


def test_another_submissions_activity_cannot_be_linked(biennial):
    from .factories import ActivityFactory

    theirs = ActivityFactory(
        entity=biennial["UNESCO"],
        submission=biennial["submissions"]["UNESCO"],
        cycle=biennial["cycle"],
        status="draft",
    )

    with pytest.raises(TransitionNotAllowed, match="Only activities of this submission"):
        MandateUpdate.write(
            biennial["submissions"]["ITU"],
            p(23),
            by=biennial["focal"]["ITU"],
            status="done",
            text="x",
            activities=[theirs.pk],
        )
    assert MandateUpdate.objects.count() == 0


def test_a_submitted_submission_is_no_longer_edited(biennial):
    submission = biennial["submissions"]["ITU"]
    submission.save_answers(
        {"trends": "T", "achievements": "A", "obstacles": "O"}, by=biennial["focal"]["ITU"]
    )
    submission.submit(by=biennial["focal"]["ITU"])

    with pytest.raises(TransitionNotAllowed, match="is submitted and can no longer be edited"):
        MandateUpdate.write(submission, p(23), by=biennial["focal"]["ITU"], status="done", text="x")
    assert MandateUpdate.objects.count() == 0
    submission.refresh_from_db()
    assert submission.state == "submitted"


def test_another_entitys_focal_point_may_not_write(biennial):
    with pytest.raises(TransitionNotAllowed) as refused:
        MandateUpdate.write(
            biennial["submissions"]["ITU"],
            p(23),
            by=biennial["focal"]["UNESCO"],
            status="done",
            text="x",
        )

    assert refused.value.code == "forbidden"
    assert MandateUpdate.objects.count() == 0


def test_a_stale_update_is_refused(biennial):
    import datetime as dt

    submission, focal = biennial["submissions"]["ITU"], biennial["focal"]["ITU"]
    first = MandateUpdate.write(submission, p(23), by=focal, status="under_way", text="One.")

    with pytest.raises(TransitionNotAllowed, match="Someone else saved this update"):
        MandateUpdate.write(
            submission,
            p(23),
            by=focal,
            status="done",
            text="Two.",
            seen_updated_at=first.updated_at - dt.timedelta(seconds=5),
        )
    first.refresh_from_db()
    assert (first.status, first.text) == ("under_way", "One.")


# --- The submission's page --------------------------------------------------------------


def update_url(submission, mandate):
    from django.urls import reverse

    return reverse(
        "mandate-updates:update",
        args=[submission.cycle.slug, submission.entity.acronym, mandate.pk],
    )


def test_the_submission_page_has_a_form_per_paragraph_and_saves_one(client, biennial):
    submission, focal = biennial["submissions"]["UNESCO"], biennial["focal"]["UNESCO"]
    client.force_login(focal)

    page = client.get(submission.get_absolute_url())
    response = client.post(
        update_url(submission, p(28)),
        {f"mandate-{p(28).pk}-status": "under_way", f"mandate-{p(28).pk}-text": "Begun."},
    )

    content = page.content.decode()
    assert content.count('action="/contribute/report-2027/UNESCO/mandates/') == 9
    assert "A/RES/80/173, paragraph 113" in content
    assert response.status_code == 302
    assert response["Location"] == submission.get_absolute_url() + "#mandates"
    update = MandateUpdate.objects.get()
    assert (update.mandate.paragraph, update.status, update.text) == (28, "under_way", "Begun.")


def test_a_form_error_is_shown_beside_its_field_and_saves_nothing(client, biennial):
    submission = biennial["submissions"]["UNESCO"]
    client.force_login(biennial["focal"]["UNESCO"])

    response = client.post(
        update_url(submission, p(28)),
        {f"mandate-{p(28).pk}-status": "done", f"mandate-{p(28).pk}-text": ""},
    )

    assert response.status_code == 400
    assert f'id="id_mandate-{p(28).pk}-text_error"' in response.content.decode()
    assert MandateUpdate.objects.count() == 0


def test_another_entitys_focal_point_gets_a_404(client, biennial):
    client.force_login(biennial["focal"]["UNESCO"])

    response = client.post(
        update_url(biennial["submissions"]["ITU"], p(23)),
        {f"mandate-{p(23).pk}-status": "done", f"mandate-{p(23).pk}-text": "x"},
    )

    assert response.status_code == 404
    assert MandateUpdate.objects.count() == 0
