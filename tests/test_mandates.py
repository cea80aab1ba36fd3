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


# --- What the public sees ------------------------------------------------------------------


def move_to(biennial, acronym, state, **updates):
    """Report on paragraphs (number -> (status, text)), then move the submission on."""
    from django.contrib.auth.models import Group

    from reviews.rules import MANAGERS, REVIEWERS

    from .factories import UserFactory

    submission, focal = biennial["submissions"][acronym], biennial["focal"][acronym]
    for number, (status, text) in updates.items():
        MandateUpdate.write(submission, p(int(number[1:])), by=focal, status=status, text=text)
    reviewer = biennial.get("reviewer") or UserFactory(username="rev", groups=[REVIEWERS])
    manager = biennial.get("manager") or UserFactory(username="man", groups=[MANAGERS])
    biennial["reviewer"], biennial["manager"] = reviewer, manager
    assert Group.objects.filter(name=MANAGERS).exists()
    path = {"draft": [], "submitted": ["submit"], "accepted": ["submit", "take_up", "accept"]}
    path["published"] = [*path["accepted"], "publish"]
    submission.save_answers({"trends": "T", "achievements": "A", "obstacles": "O"}, by=focal)
    for step in path[state]:
        who = {"submit": focal, "take_up": reviewer, "accept": reviewer, "publish": manager}[step]
        getattr(submission, step)(by=who)
    return submission


@pytest.fixture
def reported(biennial):
    """ITU published (¶23 done, ¶67 under way), UNESCO accepted (¶28), its secret kept."""
    move_to(biennial, "ITU", "published", p23=("done", "ITU did it."), p67=("under_way", "Met."))
    move_to(biennial, "UNESCO", "accepted", p28=("under_way", "UNESCO's unpublished work."))
    return biennial


def test_the_public_page_shows_published_updates_only(client, reported):
    content = client.get("/mandates/").content.decode()

    assert "ITU did it." in content
    assert "UNESCO&#x27;s unpublished work." not in content
    assert "UNESCO" not in content.split("paragraph 28")[1].split("paragraph 33")[0]
    assert "1 of 1 asked entities reported" in content  # ¶23: ITU, the one published


def test_the_public_api_shows_published_updates_only(client, reported):
    mandates = client.get("/api/mandates/?page_size=100").json()["results"]
    updates = client.get("/api/mandate-updates/").json()

    texts = [u["text"] for m in mandates for c in m["cycles"] for u in c["updates"]]
    assert sorted(texts) == ["ITU did it.", "Met."]
    assert [u["text"] for u in updates["results"]] == ["ITU did it.", "Met."]
    assert {m["paragraph"]: m["light"] for m in mandates}[23] == "reported"
    assert {m["paragraph"]: m["light"] for m in mandates}[28] == "due"


@pytest.mark.parametrize(
    "who, sees", [("focal-unesco", True), ("focal-itu", False), ("rev", True), (None, False)]
)
def test_an_unpublished_update_is_seen_by_its_entity_and_the_secretariat(
    client, reported, who, sees
):
    from django.contrib.auth import get_user_model

    if who:
        client.force_login(get_user_model().objects.get(username=who))

    texts = [u["text"] for u in client.get("/api/mandate-updates/").json()["results"]]

    assert ("UNESCO's unpublished work." in texts) is sees
    # The public page never shows it, whoever asks.
    assert "unpublished work" not in client.get("/mandates/").content.decode()


def test_filters_by_entity_status_and_action_line(client, reported):
    def shown(query):
        return [m["paragraph"] for m in client.get(f"/api/mandates/?{query}").json()["results"]]

    assert shown("status=done") == [23]
    assert shown("action_line=C7") == [33, 45]  # C7.e-business, C7.e-environment
    assert shown("light=reported") == [23, 67]
    # Asked by name or role (67, 113) or as everyone; 26 asks kinds ITU is one of.
    assert shown("entity=ITU&page_size=100") == [23, 24, 26, 28, 33, 39, 45, 67, 113]


@pytest.mark.parametrize("query", ["action_line=C99", "entity=NOPE", "status=finished"])
def test_a_bad_filter_is_a_400_naming_it(client, reported, query):
    name = query.split("=")[0]

    page = client.get(f"/mandates/?{query}")
    api = client.get(f"/api/mandates/?{query}")

    assert page.status_code == api.status_code == 400
    assert list(api.json()) == [name]
    assert "Some of the filters could not be used" in page.content.decode()


def test_statistics_count_published_updates(client, reported):
    from mandates.followup import follow_up, statistics

    stats = statistics(follow_up())

    assert {k: n for k, _label, n in stats["by_light"]} == {
        "reported": 2,
        "due": 7,
        "none": 0,
    }
    assert {k: n for k, _label, n in stats["by_status"]} == {
        "not_started": 0, "under_way": 1, "done": 1, "not_applicable": 0,
    }  # fmt: skip
    assert [(r["line"].code, r["mandates"], r["updates"]) for r in stats["by_line"]] == [
        ("C2", 2, 0), ("C3", 1, 1), ("C7", 2, 0), ("C8", 2, 0),
    ]  # fmt: skip
    assert client.get("/mandates/stats/").status_code == 200


@pytest.mark.parametrize("n", [1, 3])
def test_the_page_and_the_api_take_a_fixed_number_of_queries(
    client, django_assert_num_queries, reported, n
):
    keep = list(Mandate.objects.order_by("paragraph").values_list("pk", flat=True)[:n])
    Mandate.objects.exclude(pk__in=keep).exclude(updates__isnull=False).delete()
    MandateUpdate.objects.exclude(mandate__in=keep).delete()
    Mandate.objects.exclude(pk__in=keep).delete()
    assert Mandate.objects.count() == n

    # 1 the action lines (the filters' choices), 2 mandates, 3 who is asked (with the
    # entities named), 4 action lines, 5 themes, 6 the announced cycles, 7 the published
    # updates with their entities, 8 their published activities, 9 the facilitators,
    # 10 the published submissions of the cycles; 11 resolutions (the page's heading).
    with django_assert_num_queries(11):
        page = client.get("/mandates/")
    with django_assert_num_queries(10):
        api = client.get("/api/mandates/")
    # 1 the count, 2 the updates with their submissions, 3 their activities.
    with django_assert_num_queries(3):
        updates = client.get("/api/mandate-updates/")

    assert page.content.decode().count('class="card mandate"') == n
    assert api.json()["count"] == n
    assert updates.json()["count"] == 1  # ITU on ¶23, in both selections


# --- The report -------------------------------------------------------------------------


def chapter(report):
    return next(s for s in report.sections if s.key == "recommendations")


def test_the_draft_reports_paragraph_by_paragraph_from_the_included_updates(reported):
    from reviews.report import compile_report

    report = compile_report(reported["cycle"])

    numbers = [s.number for s in report.sections if s.chapter and s.number]
    section = chapter(report)
    by_paragraph = {c.title.split(":")[0]: c for c in section.children}
    assert numbers == ["I", "II", "III", "IV", "V"]
    assert section.heading == "IV. Implementation of the resolution's recommendations"
    assert "in 2025 and 2026" in section.paragraphs[0].text
    assert [p.text for p in by_paragraph["Paragraph 23"].paragraphs] == [
        "International Telecommunication Union (ITU) reported that the work is done. ITU did it."
    ]
    # Accepted: in the draft, named.
    assert by_paragraph["Paragraph 28"].paragraphs[0].text.startswith("UNESCO reported")
    note = section.editor_notes[0]
    assert [label for label, _e, _s in note.groups] == [
        "Paragraph 24", "Paragraph 26", "Paragraph 33", "Paragraph 39", "Paragraph 45",
        "Paragraph 113",
    ]  # fmt: skip


def test_the_published_report_has_the_published_updates_and_no_editors_note(reported):
    from reviews.report import compile_report

    cycle = reported["cycle"]
    cycle.close(by=reported["manager"])
    cycle.publish(by=reported["manager"])

    section = chapter(compile_report(cycle))

    texts = [p.text for c in section.children for p in c.paragraphs]
    assert all("UNESCO" not in t for t in texts)
    assert any("ITU did it." in t for t in texts)
    assert section.editor_notes == []


def test_a_cycle_without_mandates_keeps_its_four_chapters(report_2024):
    from reviews.report import compile_report

    report = compile_report(report_2024)

    assert [s.number for s in report.sections if s.chapter and s.number] == ["I", "II", "III", "IV"]
    assert all(s.key != "recommendations" for s in report.sections)


def test_the_report_chapter_adds_four_queries(reported, django_assert_num_queries):
    from reviews.report import compile_report

    # The fourteen of every report, and the chapter's mandates, who they ask, the
    # included updates and their activities.
    with django_assert_num_queries(18):
        compile_report(reported["cycle"])


def test_the_period_words_follow_the_cadence(db):
    import datetime as dt

    from reviews.models import ReviewCycle

    def words(start, end, year=None):
        return ReviewCycle(
            period_start=dt.date(start, 1, 1) if start else None,
            period_end=dt.date(end, 12, 31) if end else None,
            reporting_year=year,
        ).period_text()

    assert words(2025, 2025) == "in 2025"
    assert words(2025, 2026) == "in 2025 and 2026"
    assert words(2023, 2025) == "from 2023 to 2025"
    assert words(None, None, 2023) == "in 2023"
    assert words(None, None) == ""


def test_the_demo_has_a_biennial_cycle_with_updates_in_several_states(db, settings):
    settings.DEBUG = True
    call_command("seed_demo", verbosity=0)
    call_command("seed_demo", verbosity=0)

    from reviews.models import ReviewCycle

    cycle = ReviewCycle.objects.get(slug="report-2027")
    states = set(
        MandateUpdate.objects.filter(submission__cycle=cycle).values_list(
            "submission__state", flat=True
        )
    )
    assert cycle.kind == "biennial"
    assert cycle.mandates.count() == 9
    assert states == {"published", "accepted", "submitted", "draft"}
    assert MandateUpdate.objects.count() == 8
