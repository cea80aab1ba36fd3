import io
from collections import Counter

import docx
import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from lxml import etree

from activities.models import ActionLine, Activity, Reference, Region, Theme, Trend
from reviews.models import ReviewCycle, Submission
from reviews.report import compile_report
from reviews.report_render import DOCX_CONTENT_TYPE, render_docx, render_markdown

from .factories import (
    ActivityFactory,
    EntityFactory,
    ReferenceFactory,
    ReviewCycleFactory,
    SubmissionFactory,
    move,
)

pytestmark = pytest.mark.django_db

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


# --- Helpers --------------------------------------------------------------------


def outline_with_content(dataset, title="title_en"):
    """The real report's headings (depth, number, title) that hold an activity,
    plus the introduction, in the outline's order."""
    used = {a["section_key"] for a in dataset["activities"]}

    def walk(nodes, depth):
        for node in nodes:
            below = list(walk(node.get("children", []), depth + 1))
            if node["key"] in used or below or node["key"] == "introduction":
                yield (depth, node["number"], node[title])
                yield from below

    return list(walk(dataset["outline"], 1))


def placements(report):
    """(activity pk, heading key) for every activity the report shows."""
    return [
        (source.activity_id, section.key)
        for section in report.headings()
        for paragraph in section.paragraphs
        for source in paragraph.sources
    ]


def first_citations(report):
    """Note numbers in the order the text first cites them."""
    seen = []
    for paragraph in report.paragraphs():
        for sentence in paragraph.sentences:
            for citation in sentence.citations:
                if citation.note not in seen:
                    seen.append(citation.note)
    return seen


def tracker_cycle(state="open", **kwargs):
    """A cycle run in the tracker (no stored outline)."""
    return ReviewCycleFactory(slug="report-2026", title="2026 report", state=state, **kwargs)


def submission_in(cycle, state, acronym, people, name=None):
    """A submission of ``acronym`` to ``cycle``, driven to ``state``; people = personas."""
    entity = EntityFactory(acronym=acronym, name_en=name or f"Entity {acronym}")
    submission = SubmissionFactory(cycle=cycle, entity=entity)
    cycle.invited_entities.add(entity)
    manager = people["manager"]
    return move(
        submission, state, contributor=manager, reviewer=people["reviewer"], manager=manager
    )


def activity_of(submission, **kwargs):
    published = submission.state == Submission.State.PUBLISHED
    kwargs.setdefault("status", "published" if published else "draft")
    return ActivityFactory(
        entity=submission.entity, submission=submission, cycle=submission.cycle, **kwargs
    )


@pytest.fixture
def people(reviewer, manager):
    return {"reviewer": reviewer, "manager": manager}


# --- The 2024 report, compiled from its dataset (golden tests) -------------------


def test_report_2024_outline_equals_the_real_outline(report_2024, dataset_2024):
    report = compile_report(report_2024)

    compiled = [(s.level, s.number, s.title) for s in report.headings()]

    assert compiled == outline_with_content(dataset_2024)


def test_report_2024_in_chinese_has_the_real_reports_chinese_headings(report_2024, dataset_2024):
    from django.utils import translation

    with translation.override("zh-hans"):
        report = compile_report(report_2024)

    compiled = [(s.level, s.number, s.title) for s in report.headings()]
    assert compiled == outline_with_content(dataset_2024, title="title_zh")
    assert compiled[0][2] == "导言"


def test_report_2024_shows_every_activity_once_under_its_section(report_2024, dataset_2024):
    source_ids = dict(Activity.objects.filter(cycle=report_2024).values_list("pk", "source_id"))

    report = compile_report(report_2024)

    shown = Counter((source_ids[pk], key) for pk, key in placements(report))
    expected = Counter((a["id"], a["section_key"]) for a in dataset_2024["activities"])
    assert shown == expected
    assert max(shown.values()) == 1


def test_report_2024_numbers_paragraphs_continuously(report_2024):
    report = compile_report(report_2024)

    numbers = [p.number for p in report.paragraphs()]

    assert numbers == list(range(1, len(numbers) + 1))


def test_report_2024_notes_numbered_in_order_of_first_appearance(report_2024, dataset_2024):
    report = compile_report(report_2024)

    numbers = [note.number for note in report.notes]
    urls = [note.url for note in report.notes if note.url]
    symbols = [note.symbol for note in report.notes if note.symbol]
    cited = {
        ref["url"] or ref["symbol"]
        for activity in dataset_2024["activities"]
        for ref in activity["references"]
    }

    assert numbers == list(range(1, len(report.notes) + 1))
    assert first_citations(report) == numbers
    assert len(urls) == len(set(urls))
    assert len(symbols) == len(set(symbols))
    assert cited <= set(urls) | set(symbols)
    # Note 1 lists the contributors; every reference cited twice or more
    # in the dataset still gets a single note.
    assert len(report.notes) == 1 + len(cited)


def test_report_2024_introduction_counts_the_contributors_in_note_1(report_2024, dataset_2024):
    contributors = [e["acronym"] for e in dataset_2024["entities"] if e["contributed_to_report"]]

    report = compile_report(report_2024)

    introduction = report.sections[0]
    assert introduction.key == "introduction"
    assert "information provided by 38 United Nations entities" in (introduction.paragraphs[0].text)
    assert introduction.paragraphs[0].sentences[0].citations[0].note == 1
    assert sorted(e.acronym for e in report.notes[0].entities) == sorted(contributors)
    assert report.summary == [dataset_2024["report"]["summary_en"]]


def test_report_2024_each_paragraph_names_its_entity(report_2024):
    report = compile_report(report_2024)

    unnamed = [
        p.number
        for p in report.paragraphs()
        if p.entity
        and not (p.lead or p.entity.acronym in p.text or p.entity.name.lower() in p.text.lower())
    ]

    assert unnamed == []


def test_report_2024_word_file_has_the_outline_as_heading_styles(report_2024):
    report = compile_report(report_2024)

    document = docx.Document(io.BytesIO(render_docx(report)))

    headings = [
        (p.style.name, p.text) for p in document.paragraphs if p.style.name.startswith("Heading")
    ]
    assert headings == [(f"Heading {s.level}", s.heading) for s in report.headings()]
    assert {"Heading 1", "Heading 2", "Heading 3"} <= {style for style, _ in headings}


def test_report_2024_word_notes_are_real_footnotes(report_2024):
    report = compile_report(report_2024)

    document = docx.Document(io.BytesIO(render_docx(report)))

    part = next(r.target_part for r in document.part.rels.values() if r.reltype == RT.FOOTNOTES)
    footnotes = etree.fromstring(part.blob).findall(f"{W}footnote")
    ids = [int(f.get(f"{W}id")) for f in footnotes if int(f.get(f"{W}id")) > 0]
    body = document.element.body
    references = [int(r.get(f"{W}id")) for r in body.iter(f"{W}footnoteReference")]
    cross_references = [t.text for t in body.iter(f"{W}instrText") if "NOTEREF" in t.text]
    citations = sum(len(s.citations) for p in report.paragraphs() for s in p.sentences)
    assert ids == [note.number for note in report.notes]
    # Each note is referenced once as a footnote, at its first citation;
    # later citations point back to it.
    assert references == [note.number for note in report.notes]
    assert len(cross_references) == citations - len(report.notes)
    assert "Contributing entities:" in "".join(footnotes[2].itertext())


def test_report_2024_page_links_the_notes(client, report_2024):
    report = compile_report(report_2024)

    response = client.get(reverse("reports:report-detail", args=[report_2024.slug]))

    html = response.content.decode()
    assert response.status_code == 200
    for note in report.notes:
        assert f'<li id="note-{note.number}" value="{note.number}">' in html
        assert f'href="#note-{note.number}" id="noteref-{note.number}-1"' in html
        assert f'href="#noteref-{note.number}-1"' in html
    assert '<h2 id="sec-regional">II. Regional implementation and follow-up</h2>' in html


def test_demo_2024_cycle_compiles_to_the_real_outline(dataset_2024, settings):
    settings.DEBUG = True  # the demo runs only there
    call_command("seed_demo", verbosity=0)

    report = compile_report(ReviewCycle.objects.get(slug="report-2024"))
    draft = compile_report(ReviewCycle.objects.get(slug="report-2025"))

    assert [(s.level, s.number, s.title) for s in report.headings()] == outline_with_content(
        dataset_2024
    )
    # The open cycle's draft: WHO's accepted and ECA's published submission.
    assert {c.entity.acronym for c in draft.contributions} == {"ECA", "WHO"}
    assert draft.is_draft


# --- What goes in -------------------------------------------------------------------


def test_draft_holds_only_accepted_and_published_work(people):
    cycle = tracker_cycle(state="open")
    shown = {}
    for state in ("draft", "submitted", "under_review", "accepted", "published"):
        submission = submission_in(cycle, state, state.upper().replace("_", ""), people)
        shown[state] = activity_of(submission, action_lines=["C5"]).pk

    report = compile_report(cycle)

    in_report = {pk for pk, _key in placements(report)}
    assert in_report == {shown["accepted"], shown["published"]}
    assert report.submissions_included == 2
    assert report.submissions_pending == 3


def test_published_report_leaves_out_an_accepted_submission(people):
    cycle = tracker_cycle(state="open")
    published = activity_of(submission_in(cycle, "published", "PUB", people))
    accepted = activity_of(submission_in(cycle, "accepted", "ACC", people))
    ReviewCycle.objects.filter(pk=cycle.pk).update(state="published")
    cycle.refresh_from_db()

    report = compile_report(cycle)

    assert {pk for pk, _key in placements(report)} == {published.pk}
    assert accepted.status == "draft"
    assert [e.acronym for e in report.contributors] == ["PUB"]


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("anonymous", 404),
        ("contributor", 404),
        ("other_contributor", 404),
        ("reviewer", 200),
        ("manager", 200),
    ],
)
@pytest.mark.parametrize("page", ["report-detail", "report-docx", "report-contributions"])
def test_open_cycle_report_is_only_for_the_secretariat(client, request, people, role, status, page):
    cycle = tracker_cycle(state="open")
    activity_of(submission_in(cycle, "accepted", "ACC", people), title="Secret work")
    user = request.getfixturevalue(role)
    if not isinstance(user, AnonymousUser):
        client.force_login(user)

    response = client.get(reverse(f"reports:{page}", args=[cycle.slug]))

    assert response.status_code == status
    if status == 200:
        assert "no-store" in response["Cache-Control"]
    if status == 200 and page == "report-detail":
        assert "Draft — not public." in response.content.decode()
    if status == 404:
        assert b"Secret work" not in response.content


@pytest.mark.parametrize("role", ["anonymous", "contributor", "reviewer"])
def test_published_report_is_public(client, request, report_2024, role):
    user = request.getfixturevalue(role)
    if not isinstance(user, AnonymousUser):
        client.force_login(user)

    page = client.get(reverse("reports:report-detail", args=[report_2024.slug]))
    word = client.get(reverse("reports:report-docx", args=[report_2024.slug]))

    assert page.status_code == 200
    assert "Draft — not public." not in page.content.decode()
    assert word["Content-Type"] == DOCX_CONTENT_TYPE
    assert word["Content-Disposition"] == 'attachment; filename="report-2024.docx"'


def test_report_list_shows_drafts_to_the_secretariat_only(client, report_2024, manager):
    draft = tracker_cycle(state="open")

    public = client.get(reverse("reports:report-list"))
    client.force_login(manager)
    secretariat = client.get(reverse("reports:report-list"))

    assert list(public.context["published"]) == [report_2024]
    assert public.context["drafts"] is None
    assert draft.title not in public.content.decode()
    assert list(secretariat.context["drafts"]) == [draft]


def test_site_navigation_links_the_reports(client, db):
    response = client.get(reverse("home"))

    assert f'<a href="{reverse("reports:report-list")}">Reports</a>' in response.content.decode()


# --- Placing and grouping -------------------------------------------------------------


@pytest.mark.parametrize(
    ("tags", "heading"),
    [
        ({"section_key": "c5", "regions": ["africa"]}, "c5"),
        ({"section_key": "not_a_heading", "action_lines": ["C2"]}, "c2"),
        ({"regions": ["africa"], "action_lines": ["C4"]}, "africa"),
        ({"regions": ["europe", "asia_pacific"]}, "asia_pacific"),
        ({"regions": ["africa", "global"], "action_lines": ["C4"]}, "c4"),
        ({"themes": ["internet_governance"], "action_lines": ["C1"]}, "internet_governance"),
        ({"action_lines": ["C9", "C7.e-health"]}, "c7_e_health"),
        ({"action_lines": ["C7"]}, "c7"),
        ({"trends": ["digital_inclusion"]}, "digital_inclusion"),
        ({}, "action_lines_and_un_entities"),
    ],
)
def test_activity_goes_under_its_primary_heading(people, tags, heading):
    cycle = tracker_cycle(state="open")
    cycle.trends.set(Trend.objects.all())
    submission = submission_in(cycle, "accepted", "ACC", people)
    activity = activity_of(submission, **tags)

    report = compile_report(cycle)

    assert placements(report) == [(activity.pk, heading)]


def test_activity_of_a_body_goes_under_its_section(people):
    cycle = tracker_cycle(state="open")
    submission = submission_in(cycle, "accepted", "CSTD", people)
    activity = activity_of(submission, action_lines=["C11"])

    report = compile_report(cycle)

    assert placements(report) == [(activity.pk, "cstd")]


def test_same_entity_under_one_heading_makes_one_paragraph(people):
    cycle = tracker_cycle(state="open")
    one = submission_in(cycle, "accepted", "ONE", people)
    two = submission_in(cycle, "accepted", "TWO", people)
    a = activity_of(one, summary="ONE did a", action_lines=["C3"])
    b = activity_of(two, summary="TWO did b", action_lines=["C3"])
    c = activity_of(one, summary="ONE did c", action_lines=["C3"])

    report = compile_report(cycle)

    c3 = next(s for s in report.headings() if s.key == "c3")
    assert [[src.activity_id for src in p.sources] for p in c3.paragraphs] == [
        [a.pk, c.pk],
        [b.pk],
    ]
    assert c3.paragraphs[0].text == "ONE did a. ONE did c."
    assert c3.paragraphs[0].lead == ""


def test_paragraph_names_an_entity_its_text_does_not(people):
    cycle = tracker_cycle(state="open")
    submission = submission_in(cycle, "accepted", "ABC", people, name="Alpha Beta Council")
    activity_of(submission, summary="A portal was launched", action_lines=["C3"])

    report = compile_report(cycle)

    paragraph = report.paragraphs()[-1]
    assert paragraph.lead == "Alpha Beta Council (ABC)"
    assert paragraph.text == "Alpha Beta Council (ABC): A portal was launched."


def test_same_url_or_symbol_cited_twice_gets_one_note(people):
    cycle = tracker_cycle(state="open")
    submission = submission_in(cycle, "accepted", "ACC", people)
    first = activity_of(submission, action_lines=["C1"])
    second = activity_of(submission, action_lines=["C2"])
    ReferenceFactory(activity=first, url="https://example.org/a")
    ReferenceFactory(activity=first, url="", symbol="A/RES/78/132")
    ReferenceFactory(activity=second, url="https://example.org/b", position=0)
    ReferenceFactory(activity=second, url="https://example.org/a", position=1)
    ReferenceFactory(activity=second, url="", symbol="a/res/78/132 ", position=2)

    report = compile_report(cycle)

    assert [(n.number, n.url or n.symbol) for n in report.notes] == [
        (1, ""),  # the contributors
        (2, "https://example.org/a"),
        (3, "A/RES/78/132"),
        (4, "https://example.org/b"),
    ]
    cited = [[c.note for s in p.sentences for c in s.citations] for p in report.paragraphs()]
    assert cited == [[1], [2, 3], [4, 2, 3]]


def test_default_outline_uses_the_cycles_trends_and_numbers_what_is_left(people):
    cycle = tracker_cycle(state="open")
    cycle.trends.set(Trend.objects.filter(key__in=["data_governance", "digital_inclusion"]))
    submission = submission_in(cycle, "accepted", "ACC", people)
    activity_of(submission, section_key="data_governance")
    activity_of(submission, section_key="digital_inclusion")
    activity_of(submission, regions=["western_asia"])
    activity_of(submission, themes=["measurement"])

    report = compile_report(cycle)

    assert [s.heading for s in report.headings()] == [
        "Introduction",
        "I. Major trends",
        "A. Digital inclusion",
        "B. Data governance",
        "II. Regional implementation and follow-up",
        "A. Western Asia",
        "III. International implementation and follow-up",
        "A. Action lines and selected implementation activities of United Nations entities",
        "1. Implementation of themes",
        "(a) Measuring information and communications technologies for development",
    ]
    assert report.headings()[1].title_zh == "主要趋势"


def test_stored_outline_keeps_its_numbers_and_drops_nothing(people):
    cycle = tracker_cycle(
        state="open",
        outline=[
            {"key": "intro", "number": None, "title_en": "Introduction", "title_zh": "导言"},
            {
                "key": "regions",
                "number": "II",
                "title_en": "Regional work",
                "children": [
                    {"key": "x_asia", "number": "B", "title_en": "Asia", "region": "asia_pacific"}
                ],
            },
        ],
    )
    submission = submission_in(cycle, "accepted", "ACC", people)
    regional = activity_of(submission, regions=["asia_pacific"], action_lines=["C2"])
    elsewhere = activity_of(submission, action_lines=["C5"])

    report = compile_report(cycle)

    assert [s.heading for s in report.headings()] == [
        "Introduction",
        "II. Regional work",
        "B. Asia",
        "Other inputs",
    ]
    assert placements(report) == [(regional.pk, "x_asia"), (elsewhere.pk, "other")]


def test_cycle_text_parts_go_where_they_belong(people):
    cycle = tracker_cycle(
        state="open",
        summary="The summary.",
        introduction="First added paragraph.\n\nSecond added paragraph.",
        conclusions="We conclude.\n\nWe recommend.",
    )
    activity_of(submission_in(cycle, "accepted", "ACC", people), action_lines=["C1"])

    report = compile_report(cycle)

    texts = {s.key: [p.text for p in s.paragraphs] for s in report.headings()}
    assert report.summary == ["The summary."]
    assert texts["introduction"][1:] == ["First added paragraph.", "Second added paragraph."]
    assert texts["conclusions"] == ["We conclude.", "We recommend."]
    assert report.headings()[-1].heading == "II. Conclusions and recommendations"
    assert [p.number for p in report.paragraphs()] == [1, 2, 3, 4, 5, 6]


def test_empty_cycle_compiles_to_the_introduction_alone(db):
    cycle = tracker_cycle(state="planned")

    report = compile_report(cycle)

    assert [s.key for s in report.headings()] == ["introduction"]
    assert "from information provided by 0 United Nations entities" in report.paragraphs()[0].text
    assert report.notes == []


# --- Queries ----------------------------------------------------------------------------


def big_cycle(size):
    """A published cycle with ``size`` published activities from 20 entities,
    each with two action lines, a region, a theme for every third and a
    reference for every second (one URL in ten cited twice)."""
    cycle = ReviewCycleFactory(slug=f"big-{size}", state="published")
    entities = [EntityFactory(acronym=f"E{i:02d}") for i in range(20)]
    cycle.invited_entities.set(entities)
    now = timezone.now()
    submissions = Submission.objects.bulk_create(
        Submission(cycle=cycle, entity=e, state="published", published_at=now) for e in entities
    )
    activities = Activity.objects.bulk_create(
        Activity(
            title=f"Activity {i}",
            summary=f"Entity {i % 20} did thing {i}",
            entity=entities[i % 20],
            submission=submissions[i % 20],
            cycle=cycle,
            year=2024,
            status="published",
            published_at=now,
        )
        for i in range(size)
    )
    lines = list(ActionLine.objects.order_by("position"))
    regions = list(Region.objects.all())
    themes = list(Theme.objects.all())
    through = Activity.action_lines.through
    through.objects.bulk_create(
        through(activity=a, actionline=lines[(i + k) % len(lines)])
        for i, a in enumerate(activities)
        for k in (0, 3)
    )
    Activity.regions.through.objects.bulk_create(
        Activity.regions.through(activity=a, region=regions[i % len(regions)])
        for i, a in enumerate(activities)
    )
    Activity.themes.through.objects.bulk_create(
        Activity.themes.through(activity=a, theme=themes[i % len(themes)])
        for i, a in enumerate(activities)
        if i % 3 == 0
    )
    Reference.objects.bulk_create(
        Reference(activity=a, url=f"https://example.org/{i % (size // 10 or 1) if i % 10 else i}")
        for i, a in enumerate(activities)
        if i % 2 == 0
    )
    return cycle


@pytest.mark.parametrize("size", [1, 1000])
def test_compiling_takes_a_fixed_number_of_queries(django_assert_num_queries, size):
    cycle = big_cycle(size)

    # 1 action lines, 2 themes, 3 regions, 4 trends (with "in this cycle"),
    # 5 submissions with their entities (and "invited"), 6 activities with
    # their lead entities, 7–10 the activities' action lines, themes, trends
    # and regions (join tables, the activity selection as a subquery),
    # 11 references.
    with django_assert_num_queries(11):
        report = compile_report(cycle)

    assert len(placements(report)) == size
    assert len(report.contributors) == 20


# --- Command, admin, provenance ---------------------------------------------------------


@pytest.mark.parametrize("fmt", ["docx", "html", "md"])
def test_command_writes_each_format(report_2024, tmp_path, capsys, fmt):
    path = tmp_path / f"report.{fmt}"

    call_command("compile_report", "report-2024", "--format", fmt, "-o", str(path))

    out = capsys.readouterr().out
    assert out.startswith(f"Wrote {path} ({fmt}): the published report of report-2024, ")
    if fmt == "docx":
        document = docx.Document(str(path))
        assert document.paragraphs[2].text.startswith("Progress made in the implementation")
    else:
        text = path.read_text(encoding="utf-8")
        assert "Regional implementation and follow-up" in text
        assert ("[^1]" if fmt == "md" else 'href="#note-1"') in text


def test_command_takes_the_format_from_the_file_name(report_2024, tmp_path):
    path = tmp_path / "report.md"

    call_command("compile_report", "report-2024", "-o", str(path), stdout=io.StringIO())

    assert path.read_text(encoding="utf-8").startswith("# Progress made")


def test_command_fails_cleanly_on_an_unknown_cycle(report_2024):
    with pytest.raises(CommandError) as excinfo:
        call_command("compile_report", "report-1999", "--format", "md")

    assert str(excinfo.value) == "No review cycle named 'report-1999' (known: report-2024)."


def test_command_refuses_word_to_the_terminal(report_2024):
    with pytest.raises(CommandError) as excinfo:
        call_command("compile_report", "report-2024", "--format", "docx")

    assert "give -o FILE.docx" in str(excinfo.value)


@pytest.mark.parametrize("role", ["reviewer", "manager"])
def test_admin_action_downloads_the_draft_as_word(client, request, people, role):
    cycle = tracker_cycle(state="open")
    activity_of(submission_in(cycle, "accepted", "ACC", people), action_lines=["C4"])
    client.force_login(request.getfixturevalue(role))

    response = client.post(
        reverse("admin:reviews_reviewcycle_changelist"),
        {"action": "download_report", "_selected_action": [cycle.pk]},
    )

    assert response["Content-Type"] == DOCX_CONTENT_TYPE
    assert response["Content-Disposition"] == 'attachment; filename="report-2026-draft.docx"'
    document = docx.Document(io.BytesIO(response.content))
    assert [p.text for p in document.paragraphs if p.style.name == "Heading 4"] == [
        "(a) Capacity building (C4)"
    ]


def test_admin_action_asks_for_one_cycle(client, manager, report_2024):
    other = tracker_cycle(state="open")
    client.force_login(manager)

    response = client.post(
        reverse("admin:reviews_reviewcycle_changelist"),
        {"action": "download_report", "_selected_action": [report_2024.pk, other.pk]},
        follow=True,
    )

    assert [str(m) for m in response.context["messages"]] == [
        "Choose one cycle to download its report."
    ]


def test_draft_paragraphs_link_to_their_activity_and_submission(client, reviewer, people):
    cycle = tracker_cycle(state="open")
    submission = submission_in(cycle, "accepted", "ACC", people)
    activity = activity_of(submission, action_lines=["C6"])
    client.force_login(reviewer)

    html = client.get(reverse("reports:report-detail", args=[cycle.slug])).content.decode()
    hidden = client.get(
        reverse("reports:report-detail", args=[cycle.slug]), {"sources": "off"}
    ).content.decode()

    activity_url = reverse("admin:activities_activity_change", args=[activity.pk])
    submission_url = reverse("admin:reviews_submission_change", args=[submission.pk])
    assert f'<a href="{activity_url}">{activity.title}</a>' in html
    assert f'<a href="{submission_url}">' in html
    assert activity_url not in hidden


def test_public_page_shows_no_sources(client, report_2024):
    activity = Activity.objects.filter(cycle=report_2024).first()

    html = client.get(reverse("reports:report-detail", args=[report_2024.slug])).content.decode()

    assert reverse("admin:activities_activity_change", args=[activity.pk]) not in html
    assert "/admin/" not in html


def test_contributions_page_lists_paragraphs_per_entity(client, report_2024):
    report = compile_report(report_2024)
    expected = {}
    for paragraph in report.paragraphs():
        for source in paragraph.sources:
            numbers = expected.setdefault(source.entity.acronym, [])
            if paragraph.number not in numbers:
                numbers.append(paragraph.number)

    response = client.get(reverse("reports:report-contributions", args=[report_2024.slug]))

    rows = {row.entity.acronym: row for row in response.context["report"].contributions}
    assert {acronym: row.paragraphs for acronym, row in rows.items() if row.paragraphs} == (
        expected
    )
    # Contributors that the text never names are listed too.
    assert rows["UPU"].paragraphs == []
    assert rows["UPU"].contributor
    html = response.content.decode()
    page = reverse("reports:report-detail", args=[report_2024.slug])
    for number in rows["ECA"].paragraphs:
        assert f'<a href="{page}#para-{number}" aria-label="Paragraph {number}">' in html


def test_markdown_has_headings_paragraphs_and_notes(report_2024):
    report = compile_report(report_2024)

    text = render_markdown(report)

    assert "\n## II. Regional implementation and follow-up\n" in text
    assert "\n#### 1. Implementation of action lines\n" in text
    assert f"\n[^{len(report.notes)}]: " in text
