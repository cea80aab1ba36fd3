import io
import json
import re
from collections import Counter
from pathlib import Path

import docx
import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone, translation
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml.ns import qn
from lxml import etree

from activities.importer import import_dataset
from activities.models import (
    ActionLine,
    ActionLineFacilitator,
    Activity,
    Reference,
    Region,
    Theme,
    Trend,
)
from entities.models import Entity
from reviews.models import ReviewCycle, Submission
from reviews.report import compile_report
from reviews.report_fidelity import trend_agreement
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


def real_outline(dataset, title="title_en", numerals=None):
    """The real report's headings (depth, number, title), every one of them, in
    the outline's order (chapter numbers as ``numerals`` maps them)."""

    def walk(nodes, depth):
        for node in nodes:
            number = node["number"]
            if depth == 1 and numerals and number:
                number = numerals[number]
            yield (depth, number, node[title])
            yield from walk(node.get("children", []), depth + 1)

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

    # All 46 headings, the trend headings of section I included although the
    # tracker holds none of their text.
    assert compiled == real_outline(dataset_2024)
    assert len(compiled) == 46


def test_report_2024_in_chinese_has_the_real_reports_chinese_headings(report_2024, dataset_2024):
    from django.utils import translation

    with translation.override("zh-hans"):
        report = compile_report(report_2024)
        compiled = [(s.level, s.display_number, s.title) for s in report.headings()]
        chapters = [s.heading for s in report.sections]

    numerals = {"I": "一", "II": "二", "III": "三", "IV": "四"}
    assert compiled == real_outline(dataset_2024, title="title_zh", numerals=numerals)
    assert chapters == ["导言", "一. 主要趋势", "二. 区域层面的落实和后续工作",
                        "三. 国际层面的落实和后续工作", "四. 结论和建议"]  # fmt: skip


def test_report_2024_shows_every_activity_once_under_its_section(report_2024, dataset_2024):
    source_ids = dict(Activity.objects.filter(cycle=report_2024).values_list("pk", "source_id"))

    report = compile_report(report_2024)

    shown = Counter((source_ids[pk], key) for pk, key in placements(report))
    expected = Counter((a["id"], a["section_key"]) for a in dataset_2024["activities"])
    assert shown == expected
    assert max(shown.values()) == 1


def test_report_2024_keeps_the_real_paragraph_numbers(report_2024, dataset_2024):
    report = compile_report(report_2024)

    numbers = [p.number for p in report.paragraphs()]
    gaps = [p.gap for s in report.headings() for p in s.paragraphs if p.origin == "gap"]
    covered = sorted(numbers + [n for first, last in gaps for n in range(first, last + 1)])
    by_paragraph = {}
    for activity in dataset_2024["activities"]:
        by_paragraph.setdefault(activity["paragraph"], set()).add(activity["id"])
    source_ids = dict(Activity.objects.filter(cycle=report_2024).values_list("pk", "source_id"))
    compiled = {
        p.number: {source_ids[s.activity_id] for s in p.sources} for p in report.paragraphs()
    }

    # 1..105 with nothing twice: what the tracker does not hold (section I,
    # section IV) stands as the original report's paragraphs, by number.
    assert covered == list(range(1, 106))
    assert gaps == [(2, 3), (4, 5), (6, 7), (8, 9), (10, 11), (12, 13), (99, 105)]
    assert {n: ids for n, ids in compiled.items() if ids} == by_paragraph
    gap = next(p for p in report.headings()[2].paragraphs)
    assert gap.text == (
        "Paragraphs 2–3 are not held in the tracker: see the original report, A/79/62–E/2024/12."
    )


def test_activity_page_gives_its_paragraph_in_the_published_report(client, report_2024):
    activity = Activity.objects.get(cycle=report_2024, source_id="A087")

    response = client.get(activity.get_absolute_url())

    page = reverse("reports:report-detail", args=[report_2024.slug])
    assert f'<a href="{page}#para-37">paragraph 37</a>' in response.content.decode()


def test_report_2024_notes_numbered_in_order_of_first_appearance(report_2024, dataset_2024):
    report = compile_report(report_2024)

    numbers = [note.number for note in report.notes]
    cited = {}
    for activity in dataset_2024["activities"]:
        for ref in activity["references"]:
            cited.setdefault(ref["footnote"], set()).add(ref["url"] or ref["symbol"])

    assert numbers == list(range(1, len(report.notes) + 1))
    assert first_citations(report) == numbers
    # One note for each of the real report's notes the activities cite, holding
    # all of that note's addresses and symbols; note 1 lists the contributors.
    assert sorted(sorted({*n.urls, *n.symbols}) for n in report.notes[1:]) == sorted(
        sorted(refs) for refs in cited.values()
    )
    assert len(report.notes) == 1 + len(cited)
    eclac = next(n for n in report.notes if any("48485-redes-5g" in u for u in n.urls))
    assert len(eclac.urls) == 6


def test_report_2024_cites_a_note_once_per_paragraph(report_2024):
    report = compile_report(report_2024)

    for paragraph in report.paragraphs():
        cited = [c.note for s in paragraph.sentences for c in s.citations]
        assert len(cited) == len(set(cited)), paragraph.number


def test_report_2024_introduction_counts_the_contributors_in_note_1(report_2024, dataset_2024):
    contributors = [e["acronym"] for e in dataset_2024["entities"] if e["contributed_to_report"]]

    report = compile_report(report_2024)

    introduction = report.sections[0]
    note = report.notes[0]
    assert introduction.key == "introduction"
    assert "information provided by 38 United Nations entities" in (introduction.paragraphs[0].text)
    assert introduction.paragraphs[0].sentences[0].citations[0].note == 1
    # The report's own order, the online compilation, when the addresses were read.
    assert [e.acronym for e in note.entities] == contributors
    assert note.text.startswith(
        "Association for Progressive Communications (APC), Council of Europe (CoE), "
        "Economic and Social Commission for Asia and the Pacific (ESCAP), "
    )
    assert note.urls == [dataset_2024["footnotes"][0]["urls"][0]]
    assert note.text.endswith(". Note: all web addresses in the notes were read in January 2023.")
    assert report.summary == [dataset_2024["report"]["summary_en"]]


def test_report_2024_chinese_note_1_keeps_the_order_and_the_chinese_short_names(report_2024):
    from django.utils import translation

    with translation.override("zh-hans"):
        report = compile_report(report_2024)

    text = report.notes[0].text
    assert text.startswith(
        "进步通信协会, 欧洲委员会, 亚洲及太平洋经济社会委员会(亚太经社会), "
        "西亚经济社会委员会(西亚经社会), 非洲经济委员会(非洲经委会), "
    )
    assert "联合国教育、科学及文化组织(教科文组织)" in text
    assert text.index("互联网名称与数字地址分配机构") < text.index("国际信息与通信处理联合会")


def test_report_2024_reproduces_its_paragraphs_without_labels(report_2024, dataset_2024):
    report = compile_report(report_2024)

    text = {p.number: p.text for p in report.paragraphs()}
    labelled = [p.number for p in report.paragraphs() if re.match(r"^[^.:]{3,120}\):", p.text)]

    # The real report's own words: no entity woven in where it named none.
    assert text[24].startswith("Action line facilitators review implementation annually")
    assert "(ITU)" not in text[24]
    assert labelled == []


def test_draft_paragraphs_name_their_entities_without_labels(dataset):
    from reviews.report_fidelity import without_sections

    cycle = import_dataset(without_sections(dataset)).cycle
    ReviewCycle.objects.filter(pk=cycle.pk).update(state="compiling")
    cycle.refresh_from_db()

    report = compile_report(cycle)

    unnamed = []
    for paragraph in report.paragraphs():
        for source in paragraph.sources:
            if not any(name.lower() in paragraph.text.lower() for name in source.entity.names):
                unnamed.append((paragraph.number, source.entity.acronym))
    labelled = [p.number for p in report.paragraphs() if re.match(r"^[^.:]{3,120}\):", p.text)]
    assert unnamed == []
    assert labelled == []


def test_report_2024_says_an_entitys_activities_in_one_sentence(report_2024):
    report = compile_report(report_2024)

    paragraph = next(p for p in report.paragraphs() if p.number == 37)

    assert paragraph.text.count("OECD adopted") == 1
    assert (
        "OECD adopted the Declaration on a Trusted, Sustainable and Inclusive Digital Future, "
        "based on respect for the rule of law, human rights and democratic values; published "
        "its digital security policy framework, Cybersecurity for Prosperity; a report on"
    ) in paragraph.text
    assert paragraph.text.endswith(
        "; and adopted a ministerial declaration on government access to personal data held "
        "by private sector entities."
    )


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
    references = list(body.iter(f"{W}footnoteReference"))
    numbered = [int(r.get(f"{W}id")) for r in references if not r.get(f"{W}customMarkFollows")]
    cross_references = [t.text for t in body.iter(f"{W}instrText") if "NOTEREF" in t.text]
    citations = sum(len(s.citations) for p in report.paragraphs() for s in p.sentences)
    # The cover's "*" note on the agenda comes first (id 1); then every note,
    # referenced once as a footnote, at its first citation, in order; later
    # citations point back to it.
    assert references[0].get(f"{W}customMarkFollows") == "1"
    assert "E/2023/1." in "".join(footnotes[2].itertext())
    assert ids == [1, *(note.number + 1 for note in report.notes)]
    assert numbered == [note.number + 1 for note in report.notes]
    assert len(cross_references) == citations - len(report.notes)
    assert "Association for Progressive Communications" in "".join(footnotes[3].itertext())


def test_report_word_file_is_a_un_document(report_2024):
    report = compile_report(report_2024)

    document = docx.Document(io.BytesIO(render_docx(report)))

    section = document.sections[0]
    cover = "\n".join(c.text for t in document.tables for row in t.rows for c in row.cells)
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    for field in (
        "A/79/62–E/2024/12",
        "General Assembly\nSeventy-ninth session",
        "Economic and Social Council\n2024 session\n27 July 2023–24 July 2024\n"
        "Agenda item 18 (b)*\nEconomic and environmental questions: science and technology "
        "for development",
        "Distr.: General\n5 February 2024\nOriginal: English",
        "Summary\nThe report, requested by ECOSOC resolution 2006/46",
    ):
        assert field in cover
    # Running header with the symbol (none on the cover); page numbers n/N.
    assert section.different_first_page_header_footer
    assert section.header.paragraphs[0].text == "A/79/62–E/2024/12"
    assert section.even_page_header.paragraphs[0].text == "A/79/62–E/2024/12"
    fields = [f.get(f"{W}instr") for f in section.footer._element.iter(f"{W}fldSimple")]
    assert fields == ["PAGE", "NUMPAGES"]
    # Plain styles: no theme fonts, black headings, Times New Roman.
    for style in ("Normal", "Title", "Heading 1", "Heading 2", "Heading 4"):
        element = document.styles[style].element
        fonts = element.find(f"{W}rPr/{W}rFonts")
        assert fonts.get(f"{W}ascii") == "Times New Roman", style
        assert not [a for a in fonts.attrib if "Theme" in a or "theme" in a], style
        color = element.find(f"{W}rPr/{W}color")
        assert color is None or color.get(f"{W}val") == "000000", style


def test_word_marks_of_two_notes_in_a_row_are_separated(people):
    cycle = tracker_cycle(state="open")
    submission = submission_in(cycle, "accepted", "ACC", people)
    activity = activity_of(submission, action_lines=["C1"], summary="ACC did one thing")
    Reference.objects.create(activity=activity, url="https://example.org/a", footnote_number=7)
    Reference.objects.create(activity=activity, url="https://example.org/b", footnote_number=8)

    report = compile_report(cycle)
    body = docx.Document(io.BytesIO(render_docx(report))).element.body

    paragraph = next(p for p in body.iter(f"{W}p") if "ACC did one thing" in "".join(p.itertext()))
    runs = [
        "mark" if r.find(f"{W}footnoteReference") is not None else r.findtext(f"{W}t")
        for r in paragraph.iter(f"{W}r")
    ]
    assert runs[-3:] == ["mark", ",", "mark"]


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


def test_report_2024_notes_link_document_symbols_to_the_un_in_the_page_language(
    client, report_2024
):
    symbols = [
        part.symbol
        for note in compile_report(report_2024).notes
        for part in note.parts
        if getattr(part, "symbol", "")
    ]
    client.cookies["django_language"] = "fr"

    html = client.get(reverse("reports:report-detail", args=[report_2024.slug])).content.decode()

    assert symbols
    assert (
        f'<a class="symbol" href="https://docs.un.org/fr/{symbols[0]}" '
        f'rel="noopener noreferrer" lang="en" dir="ltr">{symbols[0]}</a>'
    ) in html


def test_demo_2024_cycle_compiles_to_the_real_outline(dataset_2024, settings):
    settings.DEBUG = True  # the demo runs only there
    call_command("seed_demo", verbosity=0)

    report = compile_report(ReviewCycle.objects.get(slug="report-2024"))
    draft = compile_report(ReviewCycle.objects.get(slug="report-2025"))

    assert [(s.level, s.number, s.title) for s in report.headings()] == real_outline(dataset_2024)
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
    ("kind", "tags", "heading"),
    [
        # The activity's own report heading wins when it names a heading.
        ("un_specialized_agency", {"section_key": "c5", "regions": ["africa"]}, "c5"),
        ("un_specialized_agency", {"section_key": "nowhere", "action_lines": ["C2"]}, "c2"),
        # A regional commission's work in a region goes under it.
        ("un_regional_commission", {"regions": ["africa"], "action_lines": ["C4"]}, "africa"),
        ("un_regional_commission", {"regions": ["africa", "global"], "action_lines": ["C4"]}, "c4"),
        # Otherwise the action line whose words the text uses most.
        (
            "un_specialized_agency",
            {"action_lines": ["C2", "C7.e-health"], "summary": "ACC ran a health portal."},
            "c7_e_health",
        ),
        (
            "un_specialized_agency",
            {"action_lines": ["C2", "C7.e-health"], "summary": "ACC laid broadband networks."},
            "c2",
        ),
        ("un_specialized_agency", {"action_lines": ["C7"]}, "c7"),
        # A theme, when the text is about it.
        (
            "un_specialized_agency",
            {
                "themes": ["measurement"],
                "action_lines": ["C2"],
                "summary": "ACC measured connectivity with new indicators.",
            },
            "measurement",
        ),  # fmt: skip
        # Civil society describing itself: III.E; the WSIS Forum: III.D.
        (
            "civil_society",
            {"action_lines": ["C10"], "summary": "ACC is a network of rights groups."},
            "civil_society_business_partnerships",
        ),
        (
            "multistakeholder_forum",
            {"action_lines": ["C11"], "summary": "The WSIS Forum met in Geneva."},
            "multistakeholder_facilitation",
        ),
        ("un_specialized_agency", {}, "action_lines_and_un_entities"),
    ],
)
def test_activity_goes_under_its_heading(people, kind, tags, heading):
    cycle = tracker_cycle(state="open")
    cycle.trends.set(Trend.objects.all())
    submission = submission_in(cycle, "accepted", "ACC", people)
    Entity.objects.filter(pk=submission.entity_id).update(kind=kind)
    activity = activity_of(submission, **tags)

    report = compile_report(cycle)

    assert placements(report) == [(activity.pk, heading)]


def test_activity_of_a_body_goes_under_its_section(people):
    cycle = tracker_cycle(state="open")
    submission = submission_in(cycle, "accepted", "CSTD", people)
    activity = activity_of(submission, action_lines=["C11"])

    report = compile_report(cycle)

    assert placements(report) == [(activity.pk, "cstd")]


def test_same_entity_under_one_heading_makes_one_sentence(people):
    cycle = tracker_cycle(state="open")
    one = submission_in(cycle, "accepted", "ONE", people)
    two = submission_in(cycle, "accepted", "TWO", people)
    a = activity_of(one, summary="ONE published a report on access", action_lines=["C3"])
    b = activity_of(two, summary="TWO opened a library", action_lines=["C3"])
    c = activity_of(one, summary="ONE published a guide on open data.", action_lines=["C3"])
    d = activity_of(one, summary="ONE launched a portal.", action_lines=["C3"])

    report = compile_report(cycle)

    c3 = next(s for s in report.headings() if s.key == "c3")
    # One paragraph (short ones are merged), ONE's activities together, said once.
    assert [[src.activity_id for src in p.sources] for p in c3.paragraphs] == [
        [a.pk, c.pk, d.pk, b.pk]
    ]
    assert c3.paragraphs[0].text == (
        "ONE published a report on access; a guide on open data; and launched a portal. "
        "TWO opened a library."
    )


def test_short_paragraphs_on_unrelated_work_stay_apart(people):
    cycle = tracker_cycle(state="open")
    words = " ".join(["word"] * 25)
    for acronym in ("AAA", "BBB", "CCC"):
        submission = submission_in(cycle, "accepted", acronym, people)
        activity_of(submission, summary=f"{acronym} wrote {words}", action_lines=["C3"])

    report = compile_report(cycle)

    c3 = next(s for s in report.headings() if s.key == "c3")
    assert [p.entity.acronym for p in c3.paragraphs] == ["AAA", "BBB", "CCC"]


def test_very_short_paragraphs_merge_with_the_next_into_a_short_paragraph(people):
    cycle = tracker_cycle(state="open")
    lengths = {"AAA": 10, "BBB": 50, "CCC": 10, "DDD": 60, "EEE": 60}
    for acronym, n in lengths.items():
        submission = submission_in(cycle, "accepted", acronym, people)
        words = " ".join(["word"] * n)
        activity_of(submission, summary=f"{acronym} wrote {words}", action_lines=["C3"])

    report = compile_report(cycle)

    c3 = next(s for s in report.headings() if s.key == "c3")
    # AAA (12 words) joins BBB (52): 64 words. CCC (12) would make 74 words
    # with DDD, a full paragraph on unrelated work: it stays on its own, and
    # DDD and EEE are long enough.
    assert [[src.entity.acronym for src in p.sources] for p in c3.paragraphs] == [
        ["AAA", "BBB"],
        ["CCC"],
        ["DDD"],
        ["EEE"],
    ]


def test_joint_work_of_partners_makes_one_paragraph(people):
    cycle = tracker_cycle(state="open")
    words = " ".join(["word"] * 30)
    texts = {}
    for acronym in ("AAA", "BBB", "CCC"):
        submission = submission_in(cycle, "accepted", acronym, people)
        texts[acronym] = activity_of(
            submission, summary=f"{acronym} wrote {words}", action_lines=["C3"]
        )
    # CCC's work is joint with AAA's: AAA named as its partner.
    texts["CCC"].partners.add(texts["AAA"].entity)

    report = compile_report(cycle)

    c3 = next(s for s in report.headings() if s.key == "c3")
    assert [[src.entity.acronym for src in p.sources] for p in c3.paragraphs] == [
        ["AAA", "CCC"],
        ["BBB"],
    ]


def test_one_joint_activity_goes_with_the_partners_work(people):
    cycle = tracker_cycle(state="open")
    words = " ".join(["word"] * 30)
    first = submission_in(cycle, "accepted", "AAA", people)
    second = submission_in(cycle, "accepted", "BBB", people)
    own = [activity_of(first, summary=f"AAA wrote {words}", action_lines=["C3"]) for _ in "ab"]
    joint = activity_of(first, summary=f"AAA and BBB wrote {words}", action_lines=["C3"])
    partner = activity_of(second, summary=f"BBB wrote {words}", action_lines=["C3"])
    joint.partners.add(second.entity)

    report = compile_report(cycle)

    c3 = next(s for s in report.headings() if s.key == "c3")
    # AAA's other work stays its own paragraph; the joint activity is reported
    # with BBB's.
    assert [[src.activity_id for src in p.sources] for p in c3.paragraphs] == [
        [own[0].pk, own[1].pk],
        [joint.pk, partner.pk],
    ]


def test_long_joint_work_is_cut_into_paragraphs_of_about_ninety_words(people):
    cycle = tracker_cycle(state="open")
    words = " ".join(["word"] * 40)
    first = submission_in(cycle, "accepted", "AAA", people)
    second = submission_in(cycle, "accepted", "BBB", people)
    for _ in range(3):
        activity_of(first, summary=f"AAA wrote {words}", action_lines=["C3"])
    joint = activity_of(second, summary=f"BBB wrote {words}", action_lines=["C3"])
    joint.partners.add(first.entity)

    report = compile_report(cycle)

    c3 = next(s for s in report.headings() if s.key == "c3")
    assert [len(p.sources) for p in c3.paragraphs] == [2, 2]
    assert all(p.words <= 90 for p in c3.paragraphs)


def test_facilitator_comes_first_under_its_action_line(people):
    cycle = tracker_cycle(state="open")
    long_text = " ".join(["word"] * 70)
    first = submission_in(cycle, "accepted", "AAA", people)
    lead = submission_in(cycle, "accepted", "ZZZ", people)
    activity_of(first, summary=f"AAA did {long_text}", action_lines=["C5"])
    activity_of(lead, summary=f"ZZZ did {long_text}", action_lines=["C5"])
    ActionLineFacilitator.objects.create(
        action_line=ActionLine.objects.get(code="C5"),
        entity=lead.entity,
        source="https://example.org/facilitators",
    )

    report = compile_report(cycle)

    c5 = next(s for s in report.headings() if s.key == "c5")
    assert [p.entity.acronym for p in c5.paragraphs] == ["ZZZ", "AAA"]


def test_regional_commission_comes_first_under_its_region(people):
    cycle = tracker_cycle(state="open")
    long_text = " ".join(["word"] * 100)
    other = submission_in(cycle, "accepted", "AAA", people)
    commission = submission_in(cycle, "accepted", "ECA", people)
    Entity.objects.filter(pk=commission.entity_id).update(kind="un_regional_commission")
    Entity.objects.filter(pk=other.entity_id).update(kind="intergovernmental_organization")
    activity_of(other, summary=f"AAA did {long_text} in the region", regions=["africa"])
    activity_of(commission, summary=f"ECA did {long_text}", regions=["africa"])

    report = compile_report(cycle)

    africa = next(s for s in report.headings() if s.key == "africa")
    assert [p.entity.acronym for p in africa.paragraphs] == ["ECA", "AAA"]


def test_paragraph_names_an_entity_its_text_does_not(people):
    cycle = tracker_cycle(state="open")
    submission = submission_in(cycle, "accepted", "ABC", people, name="Alpha Beta Council")
    activity_of(submission, summary="A portal was launched", action_lines=["C3"])
    activity_of(submission, summary="We trained 300 librarians.", action_lines=["C4"])

    report = compile_report(cycle)

    texts = {s.key: s.paragraphs[0].text for s in report.headings() if s.paragraphs}
    assert texts["c3"] == "According to ABC, a portal was launched."
    assert texts["c4"] == "ABC trained 300 librarians."


def test_outline_framing_sentence_opens_its_heading(people):
    cycle = tracker_cycle(
        state="open",
        outline=[
            {
                "key": "international",
                "number": "III",
                "title_en": "International",
                "children": [
                    {
                        "key": "c3",
                        "number": "A",
                        "title_en": "Access",
                        "action_line": "C3",
                        "framing_en": "Access to information grew again",
                    }
                ],
            }
        ],
    )
    activity_of(
        submission_in(cycle, "accepted", "ACC", people),
        summary="ACC opened a library",
        action_lines=["C3"],
    )

    report = compile_report(cycle)

    c3 = next(s for s in report.headings() if s.key == "c3")
    assert c3.paragraphs[0].text == "Access to information grew again. ACC opened a library."


def test_one_note_per_place_of_citation(people):
    cycle = tracker_cycle(state="open")
    submission = submission_in(cycle, "accepted", "ACC", people)
    first = activity_of(submission, action_lines=["C1"], summary="ACC did one thing.")
    second = activity_of(submission, action_lines=["C2"], summary="ACC laid fibre.")
    third = activity_of(submission, action_lines=["C2"], summary="ACC laid cables.")
    ReferenceFactory(activity=first, url="https://example.org/a")
    ReferenceFactory(activity=first, url="", symbol="A/RES/78/132")
    ReferenceFactory(activity=second, url="https://example.org/b", position=0)
    ReferenceFactory(activity=third, url="https://example.org/a", position=0)
    ReferenceFactory(activity=third, url="", symbol="a/res/78/132 ", position=1)

    report = compile_report(cycle)

    # Note 1 lists the contributors; each place of citation has one note with
    # all its addresses and symbols: C1's sentence, and C2's one sentence
    # ("ACC laid fibre and cables") whose two clauses' references go together.
    assert [(n.number, n.urls, n.symbols) for n in report.notes] == [
        (1, [report.notes[0].urls[0]], []),
        (2, ["https://example.org/a"], ["A/RES/78/132"]),
        (3, ["https://example.org/b", "https://example.org/a"], ["a/res/78/132"]),
    ]
    cited = [[c.note for s in p.sentences for c in s.citations] for p in report.paragraphs()]
    assert cited == [[1], [2], [3]]
    assert report.paragraphs()[2].text == "ACC laid fibre and cables."


def test_same_references_cited_again_get_the_same_note(people):
    cycle = tracker_cycle(state="open")
    submission = submission_in(cycle, "accepted", "ACC", people)
    for line in ("C1", "C2"):
        activity = activity_of(submission, action_lines=[line], summary=f"ACC did {line}.")
        ReferenceFactory(activity=activity, url="https://example.org/same")

    report = compile_report(cycle)

    cited = [[c.note for s in p.sentences for c in s.citations] for p in report.paragraphs()]
    assert cited == [[1], [2], [2]]
    assert len(report.notes) == 2


def test_default_outline_has_every_heading_with_fixed_numbers(people):
    cycle = tracker_cycle(state="open")
    cycle.trends.set(Trend.objects.filter(key__in=["data_governance", "digital_inclusion"]))
    submission = submission_in(cycle, "accepted", "ACC", people)
    activity_of(submission, regions=["western_asia"], action_lines=["C4"])

    report = compile_report(cycle)

    headings = [s.heading for s in report.headings()]
    assert headings[:4] == [
        "Introduction",
        "I. Major trends",
        "A. Digital inclusion",
        "B. Data governance",
    ]
    assert headings[4:10] == [
        "II. Regional implementation and follow-up",
        "A. Africa",
        "B. Asia and the Pacific",
        "C. Western Asia",
        "D. Europe",
        "E. Latin America and the Caribbean",
    ]
    assert "(e) Building confidence and security in the use of ICTs (C5)" in headings
    assert headings[-1] == "IV. Conclusions and recommendations"
    assert report.headings()[1].title_zh == "主要趋势"


def test_published_report_leaves_out_empty_headings_but_keeps_the_numbers(people):
    cycle = tracker_cycle(state="open")
    activity_of(submission_in(cycle, "published", "PUB", people), regions=["europe"])
    ReviewCycle.objects.filter(pk=cycle.pk).update(state="published")
    cycle.refresh_from_db()

    report = compile_report(cycle)

    assert [s.heading for s in report.headings()] == [
        "Introduction",
        "I. Major trends",
        "II. Regional implementation and follow-up",
        "D. Europe",
        "III. International implementation and follow-up",
        "IV. Conclusions and recommendations",
    ]


def test_stored_outline_keeps_its_numbers_and_gains_the_missing_chapters(people):
    cycle = tracker_cycle(
        state="open",
        outline=[
            {"key": "intro", "number": None, "title_en": "Introduction", "title_zh": "导言"},
            {
                "key": "regional",
                "number": "II",
                "title_en": "Regional work",
                "children": [
                    {"key": "x_asia", "number": "B", "title_en": "Asia", "region": "asia_pacific"}
                ],
            },
        ],
    )
    submission = submission_in(cycle, "accepted", "ACC", people)
    Entity.objects.filter(pk=submission.entity_id).update(kind="un_regional_commission")
    regional = activity_of(submission, regions=["asia_pacific"], action_lines=["C2"])
    elsewhere = activity_of(submission, action_lines=["C5"])

    report = compile_report(cycle)

    headings = [s.heading for s in report.headings()]
    assert headings[:5] == [
        "Introduction",
        "I. Major trends",
        "II. Regional work",
        "B. Asia",
        "III. International implementation and follow-up",
    ]
    assert headings[-1] == "IV. Conclusions and recommendations"
    assert placements(report) == [(regional.pk, "x_asia"), (elsewhere.pk, "c5")]


def test_stored_outline_without_a_heading_for_an_activity_has_other_inputs(people):
    cycle = tracker_cycle(
        state="open",
        outline=[
            {"key": "trends", "number": "I", "title_en": "Trends"},
            {"key": "regional", "number": "II", "title_en": "Regions"},
            {"key": "international", "number": "III", "title_en": "International"},
            {"key": "conclusions", "number": "IV", "title_en": "Conclusions"},
        ],
    )
    elsewhere = activity_of(submission_in(cycle, "accepted", "ACC", people), regions=["europe"])
    cycle.outline[2]["key"] = "international_work"  # no longer a heading "international"
    cycle.save()

    report = compile_report(cycle)

    headings = [s.heading for s in report.headings()]
    assert headings[-2:] == ["Other inputs", "IV. Conclusions"]
    assert placements(report) == [(elsewhere.pk, "other")]


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
    assert texts["conclusion"] == ["We conclude.", "We recommend."]
    assert report.headings()[-1].heading == "IV. Conclusions and recommendations"
    assert [p.number for p in report.paragraphs()] == [1, 2, 3, 4, 5, 6]


def test_empty_cycle_has_all_four_chapters_waiting(db):
    cycle = tracker_cycle(state="planned")

    report = compile_report(cycle)

    assert [s.heading for s in report.sections] == [
        "Introduction",
        "I. Major trends",
        "II. Regional implementation and follow-up",
        "III. International implementation and follow-up",
        "IV. Conclusions and recommendations",
    ]
    assert "from information provided by 0 United Nations entities" in report.paragraphs()[0].text
    assert report.notes == []
    assert [bool(s.waiting) for s in report.sections] == [False, True, True, True, True]
    assert report.sections[4].waiting.startswith("Waiting for the secretariat's conclusions")


def test_waiting_chapters_show_in_the_draft_only(client, reviewer, people):
    cycle = tracker_cycle(state="open")
    activity_of(submission_in(cycle, "published", "PUB", people), regions=["europe"])
    client.force_login(reviewer)
    url = reverse("reports:report-detail", args=[cycle.slug])

    draft = client.get(url).content.decode()
    ReviewCycle.objects.filter(pk=cycle.pk).update(state="published")
    client.logout()
    published = client.get(url).content.decode()

    waiting = "Waiting for the secretariat&#x27;s conclusions"
    assert waiting in draft
    assert waiting not in published
    assert '<h2 id="sec-conclusion">IV. Conclusions and recommendations</h2>' in published


# --- Section I and IV from the answers ----------------------------------------------


ANSWERS = {
    "trends": (
        "Generative artificial intelligence spread quickly. ITU estimates that 67 per cent "
        "of people are online. We saw the gender divide persist.\n\nData protection laws "
        "multiplied."
    ),
    "achievements": "We did well.",
    "obstacles": "Funding for follow-up remained scarce. Few staff have the skills needed.",
}


def test_section_one_sorts_the_answers_under_the_cycles_trends(people):
    cycle = tracker_cycle(state="open")
    cycle.trends.set(Trend.objects.all())
    entity = EntityFactory(acronym="ITU", name_en="International Telecommunication Union")
    submission = SubmissionFactory(cycle=cycle, entity=entity)
    cycle.invited_entities.add(entity)
    move(
        submission, "accepted", contributor=people["manager"], reviewer=people["reviewer"],
        manager=people["manager"], answers=ANSWERS,
    )  # fmt: skip

    report = compile_report(cycle)

    under = {
        s.key: [sentence.text for p in s.paragraphs for sentence in p.sentences]
        for s in report.sections[1].walk()
    }
    assert under["artificial_intelligence"] == [
        "According to ITU, generative artificial intelligence spread quickly."
    ]
    # Figures first; every sentence names its entity.
    assert under["digital_inclusion"] == [
        "ITU estimates that 67 per cent of people are online.",
        "ITU saw the gender divide persist.",
    ]
    assert under["data_governance"] == ["According to ITU, data protection laws multiplied."]
    sentence = report.sections[1].children[1].paragraphs[0].sentences[0]
    assert sentence.source.submission_id == submission.pk
    assert sentence.source.question == "trends"
    assert report.sections[1].waiting == ""


def test_section_one_links_each_sentence_to_its_submission_for_the_secretariat(
    client, reviewer, people
):
    cycle = tracker_cycle(state="open")
    cycle.trends.set(Trend.objects.all())
    submission = submission_in(cycle, "accepted", "ITU", people)
    Submission.objects.filter(pk=submission.pk).update(answers=ANSWERS)
    client.force_login(reviewer)

    html = client.get(reverse("reports:report-detail", args=[cycle.slug])).content.decode()

    link = reverse("admin:reviews_submission_change", args=[submission.pk])
    assert f'<a href="{link}">ITU\'s answer on “trends”</a>' in html


def test_sorting_the_2024_trend_sentences_agrees_with_the_editors(db):
    data = json.loads((Path(__file__).parent / "data" / "section_i_2024.json").read_text())

    good, total = trend_agreement(data)

    # About three quarters at least (the rules give 56 of 61).
    assert (total, good / total >= 0.75) == (61, True)


def test_section_four_has_the_conclusions_and_in_the_draft_the_obstacles(people):
    cycle = tracker_cycle(state="open", conclusions="We conclude.")
    for acronym in ("AAA", "BBB"):
        submission = submission_in(cycle, "accepted", acronym, people)
        Submission.objects.filter(pk=submission.pk).update(answers=ANSWERS)

    draft = compile_report(cycle)
    ReviewCycle.objects.filter(pk=cycle.pk).update(state="published")
    cycle.refresh_from_db()

    section = draft.sections[4]
    (note,) = section.editor_notes
    assert [p.text for p in section.paragraphs] == ["We conclude."]
    assert note.title == "For the editor: the obstacles the contributors reported"
    assert [(label, [e.acronym for e in entities]) for label, entities, _s in note.groups] == [
        ("Funding and resources", ["AAA", "BBB"]),
        ("Capacity and skills", ["AAA", "BBB"]),
    ]
    assert compile_report(cycle).sections[4].editor_notes == []


def test_draft_in_chinese_says_how_much_is_still_in_english(client, reviewer, people):
    cycle = tracker_cycle(state="open")
    activity_of(submission_in(cycle, "accepted", "ACC", people), action_lines=["C3"])
    client.force_login(reviewer)

    html = client.get(
        reverse("reports:report-detail", args=[cycle.slug]), HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).content.decode()

    paragraph = re.search(r'<div class="report-para" id="para-2"([^>]*)>', html)
    assert paragraph.group(1) == ' lang="en" dir="ltr"'
    assert '<div class="report-para" id="para-1">' in html


def test_chinese_cover_marks_the_sessions_written_in_english(client, report_2024):
    with translation.override("zh-hans"):
        report = compile_report(report_2024)
        document = docx.Document(io.BytesIO(render_docx(report)))
    html = client.get(
        reverse("reports:report-detail", args=[report_2024.slug]), HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).content.decode()

    assert (report.cover.text_language, report.cover.foreign) == ("en", True)
    assert '<br><span lang="en">Seventy-ninth session</span>' in html
    assert (
        '<strong lang="en">Economic and environmental questions: science and technology for '
        "development</strong>"
    ) in html
    marked = [
        run.text
        for table in document.tables
        for cell in table._cells
        for paragraph in cell.paragraphs
        for run in paragraph.runs
        if run._element.find(".//" + qn("w:lang")) is not None
    ]
    assert "Seventy-ninth session" in marked
    assert "大会" not in marked


def test_english_cover_marks_nothing(report_2024):
    report = compile_report(report_2024)

    assert (report.cover.text_language, report.cover.foreign) == ("en", False)


# --- Queries ----------------------------------------------------------------------------


def big_cycle(size):
    """A published cycle with ``size`` published activities from 20 entities,
    each with two action lines, a region, a theme for every third, a partner
    (another of the entities) for every fourth and a reference for every second
    (one URL in ten cited twice)."""
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
    Activity.partners.through.objects.bulk_create(
        Activity.partners.through(activity=a, entity=entities[(i + 1) % 20])
        for i, a in enumerate(activities)
        if i % 4 == 0
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
    # 11 their partners, 12 references, 13 the action lines' facilitators, 14 whether
    # the cycle asks about mandates (the chapter on the recommendations).
    with django_assert_num_queries(14):
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
        title = next(p for p in document.paragraphs if p.style.name == "Title")
        assert title.text.startswith("Progress made in the implementation")
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
    fourth = [p.text for p in document.paragraphs if p.style.name == "Heading 4"]
    assert fourth[3] == "(d) Capacity building (C4)"
    assert len(fourth) == 11 + 3


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
