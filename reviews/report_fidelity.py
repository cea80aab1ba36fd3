"""How close a compiled report comes to the real one it was imported from.

``measure(report, dataset)`` compares a compiled report (``reviews.report``)
with the dataset of the real report (the format of data/wsis-report-2024.json)
and returns the figures an editor reads first: headings, paragraphs of
sections II–III and how many of the real ones come out as one paragraph of
their own, notes (split, missing, cited twice in one paragraph), activities
under the editors' heading, every activity's text present, and so on.
``without_sections(dataset)`` is the same dataset as a cycle run in the
tracker would hold it: no paragraph numbers, no report sections, no note
numbers. ``benchmarks/report_check.py`` prints both against the real report,
and ``tests/test_report_targets.py`` holds them to the targets.
"""

import copy
import random
import re
from types import SimpleNamespace

from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml.ns import qn

from activities.models import Activity, Trend

from .report_answers import AnswerSentence, sort_under_trends
from .report_prose import split_sentences

# The chapters whose paragraphs the activities make.
ACTIVITY_CHAPTERS = ("regional", "international")


def without_sections(dataset, suffix="/NOSECTIONS", seed=None, keep_headings=False):
    """A copy of ``dataset`` as its own report (another symbol), its activities
    stripped of what only the finished report knows: paragraph numbers,
    report sections and note numbers. With a ``seed``, the entities' work
    comes in another order (each entity's activities keep theirs), as it would
    in a cycle run in the tracker, where the file's order (the report's) is
    not known. With ``keep_headings``, each activity keeps the editors'
    heading (as if the secretariat had confirmed every heading as the editors
    chose it): what the paragraph rules reach at best with these headings."""
    data = copy.deepcopy(dataset)
    data["report"]["symbol"] = data["report"]["symbol"] + suffix
    if seed is not None:
        activities = data["activities"]
        order = list(dict.fromkeys(a["entities"][0] for a in activities))
        random.Random(seed).shuffle(order)
        position = {acronym: i for i, acronym in enumerate(order)}
        data["activities"] = sorted(activities, key=lambda a: position[a["entities"][0]])
    for activity in data.get("activities", []):
        activity.pop("paragraph", None)
        if not keep_headings:
            activity.pop("section_key", None)
        for ref in activity.get("references", []):
            ref.pop("footnote", None)
    return data


def _walk(nodes, depth=1):
    for node in nodes:
        yield node, depth
        yield from _walk(node.get("children", []), depth + 1)


def _chapter_paragraphs(report):
    """The numbered paragraphs of sections II and III."""
    found = []
    for top in report.sections:
        if top.key.startswith(ACTIVITY_CHAPTERS):
            found += [p for s in top.walk() for p in s.paragraphs if p.origin != "gap"]
    return found


def measure(report, dataset, cycle):
    """The figures of ``report`` (compiled from ``cycle``) against ``dataset``."""
    source_ids = dict(Activity.objects.filter(cycle=cycle).values_list("pk", "source_id"))
    records = {a["id"]: a for a in dataset.get("activities", [])}
    outline = dataset.get("outline", [])
    real_paragraphs = {}
    for record in records.values():
        if record.get("paragraph"):
            real_paragraphs.setdefault(record["paragraph"], set()).add(record["id"])

    paragraphs = _chapter_paragraphs(report)
    drafts = [frozenset(source_ids[s.activity_id] for s in p.sources) for p in paragraphs]
    own = sum(1 for ids in real_paragraphs.values() if frozenset(ids) in drafts)
    single = sum(1 for p in paragraphs if len(split_sentences(p.text)) == 1)
    bold = sum(1 for p in report.paragraphs() if re.match(r"^[^.:]{3,120}\([^)]+\):", p.text))

    placed = {}
    for section in report.headings():
        for paragraph in section.paragraphs:
            for source in paragraph.sources:
                placed[source_ids[source.activity_id]] = section.key
    editors = {i: r.get("section_key") for i, r in records.items()}
    agree = sum(1 for i, key in placed.items() if editors.get(i) and key == editors[i])

    # Every activity's text: the paragraph it is a source of ends its clause
    # with the last words of its summary (up to four, of the words after the
    # opening it shares with another source of the paragraph: that opening may
    # be said once for several activities, "ITU did A; B; and C").
    holders, sharing = {}, {}
    for p in report.paragraphs():
        ids = [source_ids[s.activity_id] for s in p.sources]
        for i in ids:
            holders[i] = p.text
            sharing[i] = [records[j]["summary_en"] for j in ids if j != i and j in records]
    missing_text = [
        i
        for i, r in records.items()
        if i not in holders or _tail(r["summary_en"], sharing[i]) not in holders[i]
    ]

    real_notes = {
        n["number"]: {*(n.get("urls") or []), *(n.get("symbols") or [])}
        for n in dataset.get("footnotes", [])
    }
    draft_notes = [set(n.urls) | set(n.symbols) for n in report.notes]
    split = sum(
        1
        for refs in real_notes.values()
        if len(refs) > 1 and sum(1 for d in draft_notes if d & refs) > 1
    )
    missing_notes = sum(
        1
        for number, refs in real_notes.items()
        if number > 1 and not any(d & refs for d in draft_notes)
    )
    twice = sum(
        1
        for p in report.paragraphs()
        if len([c.note for s in p.sentences for c in s.citations])
        != len({c.note for s in p.sentences for c in s.citations})
    )
    answers = sum(1 for p in report.paragraphs() for s in p.sentences if s.source)
    return {
        "headings": len(report.headings()),
        "real_headings": sum(1 for _n in _walk(outline)),
        "chapters": [s.heading for s in report.sections],
        "paragraphs": len(paragraphs),
        "real_paragraphs": len(real_paragraphs),
        "single_sentence": single,
        "bold_labels": bold,
        "own_paragraphs": own,
        "notes": len(report.notes),
        "real_notes": len(real_notes),
        "split_notes": split,
        "missing_notes": missing_notes,
        "cited_twice": twice,
        "answer_sentences": answers,
        "placed": len(placed),
        "under_editors_heading": agree,
        "activities": len(records),
        "missing_text": missing_text,
        "in_other_language": report.in_other_language(),
        "foreign_marked": sum(1 for p in report.paragraphs() if p.foreign),
    }


def _tail(summary, others):
    """The last words (at most four) of ``summary`` after the opening it shares
    with any of ``others``, without the final full stop."""
    words = summary.split()
    shared = 0
    for other in others:
        n = 0
        for a, b in zip(words, other.split(), strict=False):
            if a != b:
                break
            n += 1
        shared = max(shared, n)
    rest = words[shared:] or words
    return " ".join(rest[-4:]).rstrip(".")


def word_figures(document):
    """What a Word file (python-docx Document) has of a UN document's form."""

    section = document.sections[0]
    a4 = abs(section.page_width.mm - 210) < 1 and abs(section.page_height.mm - 297) < 1
    body = "\n".join(
        [p.text for p in document.paragraphs]
        + [c.text for t in document.tables for row in t.rows for c in row.cells]
    )
    footnotes = next(
        (
            r.target_part.blob.decode()
            for r in document.part.rels.values()
            if r.reltype == RT.FOOTNOTES
        ),
        "",
    )
    cover = [
        "General Assembly" in body and "session" in body,  # bodies and sessions
        "Agenda item" in body,
        "E/2023/1" in footnotes,  # the agenda item's note
        "Distr.: General" in body,
        "5 February 2024" in body,
        "Original: English" in body,
        "A/79/62–E/2024/12" in body,
    ]
    header = any(
        "A/79/62" in p.text
        for h in (section.header, section.even_page_header)
        for p in h.paragraphs
    )
    numbers = any(
        "PAGE" in (f.get(qn("w:instr")) or "")
        for f in section.footer._element.iter(qn("w:fldSimple"))
    )
    themed = False
    for style in document.styles:
        element = style.element
        for fonts in element.iter(qn("w:rFonts")):
            if any(k.endswith("Theme") for k in (a.split("}")[-1] for a in fonts.attrib)):
                themed = True
        for color in element.iter(qn("w:color")):
            if style.name.startswith(("Heading", "Title")) and color.get(qn("w:val")) not in (
                "000000",
                "auto",
            ):
                themed = True
    return {
        "page": "A4" if a4 else f"{section.page_width.mm:.0f}×{section.page_height.mm:.0f} mm",
        "cover": sum(cover),
        "header": "yes" if header else "no",
        "page_numbers": "yes" if numbers else "no",
        "themed": "yes" if themed else "no",
    }


def trend_agreement(data):
    """``(agreeing, total)``: how many sentences of a labelled section I (the
    format of tests/data/section_i_2024.json: paragraphs, each a ``trend`` and
    its ``sentences``) the rules sort under the trend its editors gave them,
    each paragraph read as one contributor's answer."""

    trends = list(Trend.objects.filter(key__in={p["trend"] for p in data["paragraphs"]}))
    entity = SimpleNamespace(pk=0, acronym="X", name_en="X")
    good = total = 0
    for i, paragraph in enumerate(data["paragraphs"]):
        sentences = [
            AnswerSentence(text, entity, i, "trends", "en", False, (0, n))
            for n, text in enumerate(paragraph["sentences"])
        ]
        by_trend, _unsorted = sort_under_trends(sentences, trends)
        good += len(by_trend.get(paragraph["trend"], []))
        total += len(sentences)
    return good, total
