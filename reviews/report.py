"""Compile the Secretary-General's report from a review cycle.

``compile_report(cycle)`` returns a :class:`Report`, a tree of plain
dataclasses shaped like the real report (A/79/62-E/2024/12): the cover; a
summary; the introduction; I. major trends; II. regional implementation; III.
international implementation (A.–E., F.1 the action lines C1–C11 with C7 by
sub-area, F.2 the themes); IV. conclusions and recommendations. Nothing here
knows about HTML or Word: the renderings (``reviews.report_render``) and the
templates read the tree, generically: sections, numbered paragraphs of
sentences with their notes, and, in a draft, what a chapter waits for and the
notes for the editor.

The chapters
    Every report has the chapters of ``CHAPTERS``, always, with fixed numbers
    (I–IV; 一–四 in Chinese), whether or not they have content yet; in a draft
    a chapter with nothing yet says what it is waiting for. Each chapter is
    built by its builder (``ChapterBuilder``): its default sub-headings and its
    own content (the introduction's standard paragraph and note 1, section I
    from the answers on trends, section IV from the cycle's conclusions and, in
    the draft, the digest of the answers on obstacles). A further chapter is
    one more builder in ``CHAPTERS``.

What goes in
    While the cycle is not published, the draft holds the activities and
    answers of the cycle's accepted and published submissions. Once it is
    published its report is public, so only published submissions and their
    published activities go in.

Which entities "contributed" (the count in the introduction and note 1)
    Entities whose submission is included and that were invited to the cycle
    or answered its questions, in the report's order (``contributor_order``,
    then by English name).

The outline
    A cycle that kept the outline of an imported report uses its headings,
    numbers and order (titles in the active language where the outline has
    them, else English). A cycle run in the tracker gets the default outline,
    equal in shape to the 2024 report's, built from the reference data and the
    cycle's trends, numbered in full: a heading's number never depends on
    which other headings have content. A draft shows every heading; a
    published report leaves out the empty ones below the chapters.

Where each activity goes (``_Placer``)
    Under its report heading (``section_key``: the editors' or the
    secretariat's choice, or the suggestion made when it was entered), else
    where ``activities.headings.suggest_heading`` puts it. Within a heading, an
    imported report's paragraphs are reproduced as they were declared; the
    other activities come facilitator first (the heading's action line
    facilitators, or the regional commissions under a region), then the others
    in the order their work came in; one entity's activities make one
    paragraph in the report's style (``report_prose``), joint work stays with
    the partner's (``_joint_blocks``), and neighbouring paragraphs merge up to
    about 90 words when they share an entity or the first is very short
    (``_merges``; 170 under a region and under III.A–F.1, which the report
    gives one paragraph each).

Numbers
    Paragraphs are numbered 1..N through the document. An imported report's
    declared paragraph numbers are kept, and those the tracker does not hold
    (its section I, say) are shown as such, so that an activity's paragraph is
    the one its report gave it. Notes are numbered in order of first
    appearance: one note for each place of citation, holding all its addresses
    and symbols (an imported report's notes as it numbered them), cited once
    per paragraph.

Fixed wording (headings of the default outline, the standard sentences, the
cover, note 1) goes through gettext, so the compiled report is in the active
language wherever a translation exists; text that contributors wrote stays in
its own language and says so (``Paragraph.language``).
"""

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, Max, OuterRef
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import get_language, gettext, ngettext
from django.utils.translation import gettext_lazy as _

from activities.caching import cached
from activities.headings import (
    CIVIL_SOCIETY_HEADING,
    FACILITATORS_HEADING,
    FALLBACK_HEADING,
    MULTISTAKEHOLDER_HEADING,
    REGIONAL_COMMISSION,
    HeadingFacts,
    line_key,
    suggest_heading,
)
from activities.models import (
    ActionLine,
    ActionLineFacilitator,
    Activity,
    Reference,
    Region,
    Theme,
    Trend,
)
from wsis_site.errors import TransitionNotAllowed
from wsis_site.multilingual import field_suffix

from . import report_answers
from .models import ReviewCycle, Submission
from .report_prose import (
    attribute,
    join_clauses,
    join_openings,
    names_entity,
    normalise,
    shared_opening,
    subject_pattern,
    text_language,
)

OTHER_KEY = "other"
FALLBACK_HEADINGS = (FALLBACK_HEADING, "international")
REPORT_TITLE_ZH = "信息社会世界峰会成果在区域和国际两级落实和后续工作方面取得的进展"
# Paragraph lengths (words): neighbouring paragraphs of a heading that share an
# entity merge while one is shorter than SHORT and the two stay within MERGED; a
# paragraph shorter than TINY merges with the next whatever it is about, within
# TINY_MERGED (the report joins short entries on unrelated work into a short
# paragraph, not into one of full length); under a region and III.A–F.1 (one
# paragraph each in the report) they merge within DIGEST. A block longer than
# LONG is cut into even parts within MERGED.
SHORT, MERGED, DIGEST, LONG, TINY, TINY_MERGED = 60, 90, 170, 120, 25, 70
# Headings the report gives one digest paragraph: the regions and III.A–F.1.
DIGEST_HEADINGS = {
    "ungis",
    "ga_ecosoc",
    "cstd",
    MULTISTAKEHOLDER_HEADING,
    CIVIL_SOCIETY_HEADING,
    FACILITATORS_HEADING,
}
CHINESE_NUMERALS = {"I": "一", "II": "二", "III": "三", "IV": "四", "V": "五", "VI": "六"}
LIST_SEPARATORS = {"ar": "، "}
# Languages whose editions print the masthead (distribution, date, languages)
# in their own words; the others print it in English, as the United Nations does.
MASTHEAD_LANGUAGES = ("en", "fr", "es")
KNOWN_BODIES = {
    "General Assembly": _("General Assembly"),
    "Economic and Social Council": _("Economic and Social Council"),
    "Commission on Science and Technology for Development": _(
        "Commission on Science and Technology for Development"
    ),
}


# --- The tree -------------------------------------------------------------------


@dataclass
class EntityRef:
    pk: int
    acronym: str
    name: str
    short: str = ""
    names: tuple = ()  # every name a text may use for it
    name_en: str = ""

    @property
    def label(self):
        """``Name (ACRONYM)``; the name alone when it already holds the acronym."""
        if not self.name:
            return self.acronym
        if self.acronym in self.name:
            return self.name
        return f"{self.name} ({self.acronym})"


@dataclass
class Citation:
    """A note cited in the text; ``occurrence`` counts the note's citations so far."""

    note: int
    occurrence: int

    @property
    def first(self):
        return self.occurrence == 1


@dataclass
class AnswerSource:
    """Where a sentence of section I or of the digest came from."""

    submission_id: int
    entity: EntityRef
    question: str


@dataclass
class Sentence:
    """A piece of a paragraph's text with the notes cited at its end: a
    sentence, or one clause of "ITU did A; B; and C" (one per activity)."""

    text: str
    citations: list = field(default_factory=list)
    activity_id: int | None = None
    source: AnswerSource | None = None


@dataclass
class Source:
    """Where a paragraph came from: one activity and the submission it came with."""

    activity_id: int
    activity_title: str
    submission_id: int | None
    submission_state: str
    entity: EntityRef


@dataclass
class Paragraph:
    """A numbered paragraph.

    ``origin``: ``activities`` (compiled from ``sources``), ``answers`` (the
    contributors' answers), ``standard`` (the introduction's standard
    sentence), ``cycle`` (text the secretariat wrote on the cycle) or ``gap``
    (paragraphs ``gap[0]``–``gap[1]`` of an imported report that the tracker
    does not hold). ``language`` is the language of the text.
    """

    number: int | None
    sentences: list
    origin: str = "activities"
    entity: EntityRef | None = None
    sources: list = field(default_factory=list)
    language: str = "en"
    gap: tuple | None = None
    declared: int | None = None  # the number an imported report gave it
    foreign: bool = False  # in another language than the report's

    @property
    def text(self):
        return " ".join(s.text for s in self.sentences)

    @property
    def words(self):
        return len(self.text.split())


@dataclass
class EditorNote:
    """Material for the editor, in the draft only (never numbered or public):
    ``groups`` are (label, [entity refs], [sentences])."""

    title: str
    groups: list


@dataclass
class Section:
    key: str
    number: str | None
    title: str
    title_zh: str
    level: int
    paragraphs: list = field(default_factory=list)
    children: list = field(default_factory=list)
    chapter: bool = False
    waiting: str = ""  # what an empty chapter waits for (draft only)
    editor_notes: list = field(default_factory=list)  # draft only
    language: str = "en"  # of the title
    declared: list = field(default_factory=list)  # an imported outline's own paragraph numbers
    foreign: bool = False  # the title is in another language than the report's

    @property
    def display_number(self):
        if self.number and self.level == 1 and field_suffix() == "zh":
            return CHINESE_NUMERALS.get(self.number, self.number)
        return self.number

    @property
    def heading(self):
        """The heading as printed: ``I. Major trends``, ``(a) … (C1)``, ``E-health``."""
        number = self.display_number
        if not number:
            return self.title
        if number.startswith("("):
            return f"{number} {self.title}"
        return f"{number}. {self.title}"

    @property
    def anchor(self):
        return f"sec-{self.key}"

    @property
    def is_empty(self):
        return not self.paragraphs and all(c.is_empty for c in self.children)

    def walk(self):
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass
class NoteRef:
    url: str = ""
    symbol: str = ""
    label: str = ""


@dataclass
class Note:
    """A note: ``parts`` in order, each text (``str``) or a reference (``NoteRef``)."""

    number: int
    parts: list = field(default_factory=list)
    entities: list = field(default_factory=list)

    @property
    def references(self):
        return [p for p in self.parts if isinstance(p, NoteRef)]

    @property
    def urls(self):
        return [r.url for r in self.references if r.url]

    @property
    def symbols(self):
        return [r.symbol for r in self.references if r.symbol]

    @property
    def text(self):
        out = []
        for part in self.parts:
            if isinstance(part, NoteRef):
                out.append(", ".join(x for x in (part.label, part.symbol, part.url) if x))
            else:
                out.append(part)
        return "".join(out)


@dataclass
class Contribution:
    """Where one entity's inputs were used: paragraph numbers, in order."""

    entity: EntityRef
    paragraphs: list
    activity_count: int
    contributor: bool


@dataclass
class Cover:
    """The cover as the United Nations prints it. ``bodies`` are (body, [lines]);
    the masthead (distribution, date, languages) is in ``masthead_language``."""

    symbol: str
    bodies: list
    agenda_item: str
    agenda_title: str
    agenda_note: str
    distribution: str
    date: str
    language_name: str
    original_language_name: str
    masthead_language: str
    # The language the cycle's cover fields (sessions, dates, agenda title) are
    # written in, and whether it is not the report's: those lines are then marked.
    text_language: str = "en"
    foreign: bool = False


@dataclass
class Report:
    slug: str
    cycle_title: str
    symbol: str
    date: object
    is_draft: bool
    document_type: str
    title: str
    title_zh: str
    summary: list
    sections: list
    notes: list
    contributors: list
    contributions: list
    submissions_included: int
    submissions_pending: int
    activity_count: int
    compiled_at: object
    language: str = "en"
    summary_language: str = "en"
    cover: Cover | None = None
    source_language: str = "en"

    def headings(self):
        """Every heading, in document order."""
        return [s for top in self.sections for s in top.walk()]

    @property
    def symbol_display(self):
        return display_symbol(self.symbol)

    @property
    def summary_foreign(self):
        return not same_language(self.summary_language, self.language)

    @property
    def language_share(self):
        """The draft's sentence on how much is still in the language it was
        written in ("" when everything is in the report's language)."""
        still, total = self.in_other_language()
        if not still:
            return ""
        return gettext(
            "%(still)s of %(total)s paragraphs (%(percent)s %%) are still in the language they "
            "were written in, not in the language of this draft; they are marked as such."
        ) % {"still": still, "total": total, "percent": round(100 * still / total)}

    def paragraphs(self):
        """The numbered paragraphs (not the gaps), in document order."""
        return [p for s in self.headings() for p in s.paragraphs if p.origin != "gap"]

    def paragraph_of_activity(self):
        return {src.activity_id: p.number for p in self.paragraphs() for src in p.sources}

    def in_other_language(self):
        """The paragraphs (and summary parts) whose text is not in the report's
        language, and how many there are in all: ``(still, total)``."""
        paragraphs = self.paragraphs()
        total = len(paragraphs) + len(self.summary)
        still = sum(1 for p in paragraphs if not same_language(p.language, self.language))
        if not same_language(self.summary_language, self.language):
            still += len(self.summary)
        return still, total


def same_language(a, b):
    return (a or "en").split("-")[0].lower() == (b or "en").split("-")[0].lower()


# --- The outline ----------------------------------------------------------------


@dataclass
class _Node:
    key: str
    number: str | None
    title: str
    title_zh: str
    trend: str = ""
    region: str = ""
    action_line: str = ""
    theme: str = ""
    children: list = field(default_factory=list)
    declared: list = field(default_factory=list)  # own paragraph numbers (imported)
    framing: str = ""
    language: str = "en"

    def walk(self, depth=1):
        yield self, depth
        for child in self.children:
            yield from child.walk(depth + 1)


def _numbers(value):
    if not isinstance(value, list):
        return []
    return [n for n in value if isinstance(n, int) and not isinstance(n, bool) and n > 0]


def _stored_outline(outline):
    """The nodes of an imported report's outline, read defensively."""
    suffix = field_suffix()

    def read(items):
        nodes = []
        for item in items or []:
            if not isinstance(item, dict) or not item.get("key"):
                continue
            number = item.get("number")
            children = read(item.get("children"))
            below = {n for child in children for n in _all_declared(child)}
            if "own_paragraphs" in item:
                own = _numbers(item.get("own_paragraphs"))
            else:
                own = [n for n in _numbers(item.get("paragraphs")) if n not in below]
            title = item.get(f"title_{suffix}") or item.get("title_en") or item["key"]
            nodes.append(
                _Node(
                    key=str(item["key"]),
                    number=str(number) if number not in (None, "") else None,
                    title=str(title),
                    title_zh=str(item.get("title_zh") or ""),
                    trend=str(item.get("trend_key") or ""),
                    region=str(item.get("region") or ""),
                    action_line=str(item.get("action_line") or ""),
                    theme=str(item.get("theme") or ""),
                    children=children,
                    declared=own,
                    framing=str(item.get(f"framing_{suffix}") or item.get("framing_en") or ""),
                    language=translation.get_language() if item.get(f"title_{suffix}") else "en",
                )
            )
        return nodes

    return read(outline)


def _all_declared(node):
    yield from node.declared
    for child in node.children:
        yield from _all_declared(child)


def _node(key, title, title_zh, children=(), **kinds):
    return _Node(
        key=key,
        number=None,
        title=str(title),
        title_zh=title_zh,
        children=list(children),
        language=get_language() or "en",
        **kinds,
    )


def _trend_nodes(taxonomy):
    return [
        _Node(key=t.key, number=None, title=t.title, title_zh=t.title_zh, trend=t.key)
        for t in taxonomy.trends.values()
        if t.in_cycle
    ]


def _region_nodes(taxonomy):
    return [
        _Node(key=r.key, number=None, title=r.title, title_zh=r.title_zh, region=r.key)
        for r in taxonomy.regions.values()
        if r.key != "global"
    ]


def _international_nodes(taxonomy):
    lines = [line for line in taxonomy.action_lines.values() if line.parent_id is None]
    line_nodes = []
    for line in lines:
        subs = [
            _Node(
                key=line_key(sub.code),
                number=None,
                title=sub.title,
                title_zh=sub.title_zh,
                action_line=sub.code,
            )
            for sub in taxonomy.action_lines.values()
            if sub.parent_id == line.pk
        ]
        line_nodes.append(
            _Node(
                key=line_key(line.code),
                number=None,
                title=f"{line.title} ({line.code})",
                title_zh=f"{line.title_zh} ({line.code})" if line.title_zh else "",
                action_line=line.code,
                children=subs,
            )
        )
    themes = [
        _Node(key=t.key, number=None, title=t.title, title_zh=t.title_zh, theme=t.key)
        for t in taxonomy.themes.values()
    ]
    return [
        _node("ungis", _("United Nations Group on the Information Society"), "联合国信息社会小组"),
        _node(
            "ga_ecosoc",
            _("General Assembly and Economic and Social Council"),
            "大会和经济及社会理事会",
        ),
        _node(
            "cstd",
            _("Commission on Science and Technology for Development"),
            "科学和技术促进发展委员会",
        ),
        _node(
            MULTISTAKEHOLDER_HEADING,
            _("Facilitation and coordination of multi-stakeholder implementation"),
            "便利和协调多利益攸关方落实工作",
        ),
        _node(
            CIVIL_SOCIETY_HEADING,
            _("Civil society, business and multi-stakeholder partnerships"),
            "民间社会、企业和多利益攸关方伙伴关系",
        ),
        _node(
            FALLBACK_HEADING,
            _("Action lines and selected implementation activities of United Nations entities"),
            "行动方针和联合国实体的若干落实活动",
            [
                _node(
                    FACILITATORS_HEADING,
                    _("Implementation of action lines"),
                    "行动方针的落实",
                    line_nodes,
                ),
                _node("themes", _("Implementation of themes"), "主题的落实", themes),
            ],
        ),
    ]


@dataclass
class ChapterBuilder:
    """One chapter of every report: its key (``key`` or a key starting so in an
    imported outline), its title, its default sub-headings, the content it
    adds itself (``fill(section, context)``) and what it says it waits for
    when empty (``waiting(context)``, in the draft)."""

    key: str
    title: Callable
    title_zh: str
    numbered: bool
    children: Callable = lambda taxonomy: []
    fill: Callable = lambda section, context: None
    waiting: Callable = lambda context: ""
    # Whether the cycle's report has this chapter at all (the chapter on a
    # resolution's recommendations, which mandates/report.py adds before the
    # conclusions: only when the cycle asks about mandates).
    applies: Callable = lambda cycle: True


def _fill_introduction(section, context):
    section.paragraphs += _introduction(context)


def _fill_trends(section, context):
    """Section I: the sentences of the answers on trends, under the cycle's
    trend headings (those that fit none at the head of the chapter)."""
    sentences = context.answer_sentences("trends")
    trends = [t for t in context.taxonomy.trends.values() if t.in_cycle]
    by_trend, unsorted = report_answers.sort_under_trends(sentences, trends)
    headings = {}
    for child in section.walk():
        if child.key in by_trend:
            headings[child.key] = child
        elif child.key in context.placer.by["trend"].values():
            trend = next(k for k, v in context.placer.by["trend"].items() if v == child.key)
            headings.setdefault(trend, child)
    for trend, found in by_trend.items():
        target = headings.get(trend)
        if target is None:
            unsorted += found
            continue
        target.paragraphs += _answer_paragraphs(found)
    section.paragraphs[0:0] = _answer_paragraphs(report_answers.figures_first(unsorted))


def _waiting_trends(context):
    if not context.cycle.questions_for("trends"):
        return gettext(
            "This cycle asks no question on trends (a question with the key “trends”), "
            "so this chapter has nothing to be drafted from."
        )
    if not any(t.in_cycle for t in context.taxonomy.trends.values()):
        return gettext(
            "Waiting for the contributors' answers on trends, and for the cycle's trends "
            "(“Trends of section I” in the cycle's page of the admin)."
        )
    return ngettext(
        "Waiting for the contributors' answers on trends: none of the %(count)s submission "
        "included so far answers that question.",
        "Waiting for the contributors' answers on trends: none of the %(count)s submissions "
        "included so far answers that question.",
        len(context.included),
    ) % {"count": len(context.included)}


def _waiting_regional(context):
    return gettext("Waiting for activities that the rules or the secretariat place in a region.")


def _waiting_international(context):
    return gettext("Waiting for activities at the international level.")


def _fill_conclusions(section, context):
    """Section IV: the cycle's conclusions; in the draft, under them, a digest
    of the answers on obstacles for the editor."""
    section.paragraphs += _text_paragraphs(context.cycle.conclusions, context)
    if context.is_draft:
        sentences = context.answer_sentences("obstacles")
        if sentences:
            section.editor_notes.append(
                EditorNote(
                    title=gettext("For the editor: the obstacles the contributors reported"),
                    groups=report_answers.obstacle_digest(sentences),
                )
            )


def _waiting_conclusions(context):
    return gettext(
        "Waiting for the secretariat's conclusions and recommendations (the cycle's "
        "“Conclusions and recommendations” in the admin)."
    )


CHAPTERS = [
    ChapterBuilder(
        "intro", lambda: _("Introduction"), "导言", numbered=False, fill=_fill_introduction
    ),
    ChapterBuilder(
        "trends",
        lambda: _("Major trends"),
        "主要趋势",
        numbered=True,
        children=_trend_nodes,
        fill=_fill_trends,
        waiting=_waiting_trends,
    ),
    ChapterBuilder(
        "regional",
        lambda: _("Regional implementation and follow-up"),
        "区域层面的落实和后续工作",
        numbered=True,
        children=_region_nodes,
        waiting=_waiting_regional,
    ),
    ChapterBuilder(
        "international",
        lambda: _("International implementation and follow-up"),
        "国际层面的落实和后续工作",
        numbered=True,
        children=_international_nodes,
        waiting=_waiting_international,
    ),
    ChapterBuilder(
        "conclusion",
        lambda: _("Conclusions and recommendations"),
        "结论和建议",
        numbered=True,
        fill=_fill_conclusions,
        waiting=_waiting_conclusions,
    ),
]


def _chapter_of(node):
    return next((c for c in CHAPTERS if node.key.startswith(c.key)), None)


def _outline(cycle, taxonomy):
    """The top-level nodes: the stored outline's, with any missing chapter
    added where it belongs, or the default outline, numbered in full."""
    stored = _stored_outline(cycle.outline) if cycle.outline else []
    nodes = []
    for builder in CHAPTERS:
        if not builder.applies(cycle):
            continue
        found = next((n for n in stored if n.key.startswith(builder.key)), None)
        if found is None:
            found = _node(
                "introduction" if builder.key == "intro" else builder.key,
                builder.title(),
                builder.title_zh,
                builder.children(taxonomy),
            )
            if not stored:
                _number_children(found.children, 2)
        nodes.append(found)
    # Headings of an imported outline that are no chapter keep their place.
    for i, node in enumerate(stored):
        if _chapter_of(node) is None:
            before = next(
                (n for n in stored[i + 1 :] if _chapter_of(n) is not None and n in nodes), None
            )
            nodes.insert(nodes.index(before) if before else len(nodes), node)
    numbered = [n for n in nodes if (_chapter_of(n) or CHAPTERS[1]).numbered]
    for i, node in enumerate(numbered, start=1):
        if node.number is None or not stored:
            node.number = _roman(i)
    return nodes


def _number_children(nodes, depth):
    """I., A., 1., (a) and, below that, no number (C7's sub-areas)."""
    for i, node in enumerate(nodes, start=1):
        node.number = _heading_number(depth, i)
        _number_children(node.children, depth + 1)


def _roman(n):
    numerals = [(10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")]
    out = ""
    for value, letters in numerals:
        while n >= value:
            out += letters
            n -= value
    return out


def _letters(n):
    out = ""
    while n:
        n, rest = divmod(n - 1, 26)
        out = chr(ord("a") + rest) + out
    return out


def _heading_number(depth, i):
    if depth == 2:
        return _letters(i).upper()
    if depth == 3:
        return str(i)
    if depth == 4:
        return f"({_letters(i)})"
    return None


def heading_choices(cycle):
    """``[(key, label)]``: the headings of the cycle's report an activity can go
    under (for the secretariat's choice), in document order, each labelled with
    its numbers and title ("III.F.1.e Building confidence … (C5)")."""
    taxonomy = _load_taxonomy(cycle)
    choices = []

    def walk(node, numbers):
        if node.number:
            numbers = [*numbers, node.number.strip("()")]
        label = f"{'.'.join(numbers)} {node.title}" if numbers else node.title
        choices.append((node.key, label))
        for child in node.children:
            walk(child, numbers)

    for node in _outline(cycle or ReviewCycle(), taxonomy):
        if not node.key.startswith(("intro", "conclusion", "recommendations")):
            walk(node, [])
    return choices


def place_activity(activity, section_key, *, by):
    """Put ``activity`` under the report heading ``section_key`` (one of its
    cycle's headings), as the secretariat's choice: the suggestion is no longer
    made for it. An empty key goes back to the suggestion.

    Refused, changing nothing, with TransitionNotAllowed (``forbidden``: only
    the secretariat places activities; ``invalid``: not a heading of the cycle's
    report).
    """
    if not by.has_perm("activities.place_activity", activity):
        raise TransitionNotAllowed(
            _("Only the secretariat chooses the report heading of an activity."),
            code="forbidden",
        )
    if section_key and section_key not in dict(heading_choices(activity.cycle)):
        raise TransitionNotAllowed(
            _("%(key)s is not a heading of this cycle's report.") % {"key": section_key},
            code="invalid",
        )
    with transaction.atomic():
        locked = Activity.objects.select_for_update().select_related("entity").get(pk=activity.pk)
        locked.section_confirmed = bool(section_key)
        locked.section_key = section_key or suggest_heading(
            locked.heading_facts(), locked.entity_headings()
        )
        locked.updated_by = by
        locked._history_user = by
        locked.save(update_fields=["section_key", "section_confirmed", "updated_at", "updated_by"])
    activity.section_key, activity.section_confirmed = locked.section_key, locked.section_confirmed
    return activity


def join_in_paragraph(activities, *, by):
    """Make one paragraph of the report of ``activities`` (of one cycle, under
    one heading), as the secretariat's grouping: the compiled report keeps them
    together in one paragraph, whatever the rules would do, until they are
    released (``release_from_paragraph``), and their heading is confirmed.
    Their ``source_paragraph`` becomes a number no other activity of the cycle
    has. Returns the number of activities joined.

    Refused, changing nothing, with TransitionNotAllowed (``forbidden``: only
    the secretariat puts paragraphs together; ``invalid``: no activities,
    several cycles or headings, or the cycle's report already published).
    """
    chosen = _grouped(activities, by)
    with transaction.atomic():
        cycle = _unpublished_cycle(chosen)
        locked = list(Activity.objects.select_for_update().filter(pk__in=[a.pk for a in chosen]))
        headings = sorted({a.section_key for a in locked})
        if "" in headings:
            raise TransitionNotAllowed(
                _("Some of the activities have no report heading yet: choose it first."),
                code="invalid",
            )
        if len(headings) != 1:
            raise TransitionNotAllowed(
                _(
                    "The activities are under different report headings (%(headings)s): "
                    "put them under one heading first."
                )
                % {"headings": ", ".join(headings)},
                code="invalid",
            )
        taken = Activity.objects.filter(cycle=cycle).aggregate(n=Max("source_paragraph"))["n"]
        number = (taken or 0) + 1
        for activity in locked:
            activity.source_paragraph = number
            activity.section_confirmed = True
            _save_grouping(activity, by, "section_confirmed")
    return len(locked)


def release_from_paragraph(activities, *, by):
    """Give ``activities`` back to the paragraph rules (``join_in_paragraph``
    undone; an imported report's own paragraphs too). Returns how many were in
    a paragraph of their own. Refused as ``join_in_paragraph`` is."""
    chosen = _grouped(activities, by)
    with transaction.atomic():
        _unpublished_cycle(chosen)
        locked = Activity.objects.select_for_update().filter(
            pk__in=[a.pk for a in chosen], source_paragraph__isnull=False
        )
        released = 0
        for activity in locked:
            activity.source_paragraph = None
            _save_grouping(activity, by)
            released += 1
    return released


def _grouped(activities, by):
    chosen = list(activities)
    if not chosen:
        raise TransitionNotAllowed(_("Choose the activities of the paragraph."), code="invalid")
    if not all(by.has_perm("activities.place_activity", a) for a in chosen):
        raise TransitionNotAllowed(
            _("Only the secretariat puts together the paragraphs of the report."),
            code="forbidden",
        )
    if len({a.cycle_id for a in chosen}) != 1 or chosen[0].cycle_id is None:
        raise TransitionNotAllowed(
            _("The activities of one paragraph belong to one review cycle."), code="invalid"
        )
    return chosen


def _unpublished_cycle(chosen):
    cycle = ReviewCycle.objects.select_for_update().get(pk=chosen[0].cycle_id)
    if cycle.state == ReviewCycle.State.PUBLISHED:
        raise TransitionNotAllowed(
            _("The report of %(cycle)s is published: its paragraphs stay as they are.")
            % {"cycle": cycle.title},
            code="invalid",
        )
    return cycle


def _save_grouping(activity, by, *fields):
    activity.updated_by = by
    activity._history_user = by
    activity.save(update_fields=["source_paragraph", *fields, "updated_at", "updated_by"])


# --- Reading the cycle ------------------------------------------------------------


@dataclass
class _Taxonomy:
    action_lines: dict
    themes: dict
    trends: dict
    regions: dict


def _load_taxonomy(cycle):
    """The reference data (four queries)."""
    return _Taxonomy(
        action_lines={a.pk: a for a in ActionLine.objects.order_by("position", "code")},
        themes={t.pk: t for t in Theme.objects.order_by("position", "key")},
        trends={
            t.pk: t
            for t in Trend.objects.annotate(
                in_cycle=Exists(
                    ReviewCycle.trends.through.objects.filter(
                        reviewcycle_id=cycle.pk if cycle else None, trend_id=OuterRef("pk")
                    )
                )
            ).order_by("position", "key")
        },
        regions={r.pk: r for r in Region.objects.order_by("position", "key")},
    )


def _load(cycle):
    """Everything the report needs, in a fixed number of queries (thirteen).

    The many-to-many links are read from their join tables with the activity
    selection as a subquery, so the number of queries does not grow with the
    number of activities and no parameter list grows either.
    """
    taxonomy = _load_taxonomy(cycle)  # 1-4
    submissions = {
        s.pk: s
        for s in Submission.objects.filter(cycle=cycle)
        .select_related("entity")
        .annotate(
            invited=Exists(
                ReviewCycle.invited_entities.through.objects.filter(
                    reviewcycle_id=cycle.pk, entity_id=OuterRef("entity_id")
                )
            )
        )
        .order_by("pk")
    }  # 5
    selected = Activity.objects.filter(
        submission__cycle=cycle, submission__state__in=_included_states(cycle)
    )
    if cycle.state == ReviewCycle.State.PUBLISHED:
        selected = selected.filter(status=Activity.Status.PUBLISHED)
    activities = list(selected.select_related("entity").order_by("pk"))  # 6
    ids = selected.values("pk")

    def links(relation, column, objects):
        found = {}
        rows = (
            getattr(Activity, relation)
            .through.objects.filter(activity_id__in=ids)
            .values_list("activity_id", column)
        )
        for activity_id, pk in rows:
            found.setdefault(activity_id, []).append(objects[pk])
        return found

    relations = {
        "action_lines": links("action_lines", "actionline_id", taxonomy.action_lines),  # 7
        "themes": links("themes", "theme_id", taxonomy.themes),  # 8
        "trends": links("trends", "trend_id", taxonomy.trends),  # 9
        "regions": links("regions", "region_id", taxonomy.regions),  # 10
    }
    # The entities an activity names as partners: joint work under one heading
    # stays in one paragraph (``_joint_blocks``).
    partners = {}
    for activity_id, entity_id in Activity.partners.through.objects.filter(
        activity_id__in=ids
    ).values_list("activity_id", "entity_id"):  # 11
        partners.setdefault(activity_id, set()).add(entity_id)
    for activity in activities:
        activity.partner_ids = frozenset(partners.get(activity.pk, ()))
    references = {}
    for ref in Reference.objects.filter(activity_id__in=ids).order_by(
        "activity_id", "position", "id"
    ):  # 12
        references.setdefault(ref.activity_id, []).append(ref)
    facilitators = {}
    # Lead facilitators before co-facilitators ("lead" sorts after "co").
    for line_id, entity_id in ActionLineFacilitator.objects.order_by(
        "action_line_id", "-role", "position", "id"
    ).values_list("action_line_id", "entity_id"):  # 13
        facilitators.setdefault(line_id, []).append(entity_id)
    return taxonomy, submissions, activities, relations, references, facilitators


def _included_states(cycle):
    if cycle.state == ReviewCycle.State.PUBLISHED:
        return [Submission.State.PUBLISHED]
    return [Submission.State.ACCEPTED, Submission.State.PUBLISHED]


# --- Placing activities -----------------------------------------------------------


class _Placer:
    """Finds each activity's heading in the outline."""

    def __init__(self, nodes, taxonomy):
        self.keys = {}
        self.order = {}
        self.nodes = {}
        self.by = {"trend": {}, "region": {}, "action_line": {}, "theme": {}}
        for top in nodes:
            for node, _depth in top.walk():
                self.order.setdefault(node.key, len(self.order))
                self.keys.setdefault(node.key, node.key)
                self.nodes.setdefault(node.key, node)
                for kind in self.by:
                    value = getattr(node, kind)
                    if value:
                        self.by[kind].setdefault(value, node.key)
                        # A heading key may also name the trend, region or theme
                        # itself, or the action line's own key (c7_e_health).
                        self.keys.setdefault(value, node.key)
                        if kind == "action_line":
                            self.keys.setdefault(line_key(value), node.key)
        self.parent_codes = {
            line.code: taxonomy.action_lines[line.parent_id].code
            for line in taxonomy.action_lines.values()
            if line.parent_id
        }

    def place(self, activity, relations):
        """The key of the heading an activity appears under, or None: its report
        heading when that names a heading of this outline, else the suggestion
        of ``activities.headings`` (made now, from what the compiler read), else
        the nearest heading this outline has."""
        key = activity.section_key
        if key and key in self.keys:
            return self.keys[key]
        facts = HeadingFacts(
            entity_acronym=activity.entity.acronym,
            entity_kind=activity.entity.kind,
            action_lines=[line.code for line in relations["action_lines"].get(activity.pk, [])],
            regions=[r.key for r in relations["regions"].get(activity.pk, [])],
            themes=[t.key for t in relations["themes"].get(activity.pk, [])],
            trends=[t.key for t in relations["trends"].get(activity.pk, [])],
            text=" ".join((activity.title, activity.summary, activity.description)),
        )
        suggested = suggest_heading(facts)
        if suggested in self.keys:
            return self.keys[suggested]
        for code in facts.action_lines:
            for candidate in (code, self.parent_codes.get(code)):
                if candidate and candidate in self.by["action_line"]:
                    return self.by["action_line"][candidate]
        for fallback in FALLBACK_HEADINGS:
            if fallback in self.keys:
                return self.keys[fallback]
        return None


# --- Writing ------------------------------------------------------------------------


def _entity_ref(entity):
    names = (
        entity.acronym,
        entity.name_en,
        entity.short_name_en,
        entity.name,
        entity.short_name_zh,
        entity.name_zh,
    )
    # A name with a bracketed addition ("Brazilian Internet Steering Committee
    # (Comitê Gestor …)") is also written without it.
    names += tuple(re.sub(r"\s*\([^)]*\)\s*$", "", n or "") for n in names)
    return EntityRef(
        pk=entity.pk,
        acronym=entity.acronym,
        name=entity.name,
        short=entity.short_name_en or entity.acronym,
        names=tuple(n for n in dict.fromkeys(names) if n),
        name_en=entity.name_en,
    )


def _note_entity(entity):
    """An entity as note 1 lists it: its name in the report's language, with its
    short name (Chinese) or acronym in brackets where the name does not hold it."""
    if field_suffix() == "zh":
        short = entity.short_name_zh
        name = entity.name_zh or entity.name_en
        return f"{name}({short})" if short and short not in name else name
    if entity.acronym in entity.name or entity.acronym == entity.name:
        return entity.name
    return f"{entity.name} ({entity.acronym})"


class _Context:
    """What the chapter builders read: the cycle, the included submissions in the
    report's order, the outline's placer."""

    def __init__(self, cycle, taxonomy, submissions, placer, is_draft):
        self.cycle = cycle
        self.taxonomy = taxonomy
        self.placer = placer
        self.is_draft = is_draft
        order = {
            acronym.lower(): i
            for i, acronym in enumerate(cycle.contributor_order or [])
            if isinstance(acronym, str)
        }
        self.position = lambda ref: (
            order.get(ref.acronym.lower(), len(order)),
            ref.name_en.lower(),
        )
        states = _included_states(cycle)
        self.included = sorted(
            (s for s in submissions.values() if s.state in states),
            key=lambda s: self.position(_entity_ref(s.entity)),
        )
        self.contributors = [
            s.entity for s in self.included if s.invited or (s.answers and any(s.answers.values()))
        ]

    def answer_sentences(self, use):
        keys = self.cycle.questions_for(use)
        pairs = [(s, _entity_ref(s.entity)) for s in self.included]
        return report_answers.answer_sentences(
            pairs, keys, self.position, default_language=self.cycle.original_language or "en"
        )


def _answer_paragraphs(sentences):
    """Sentences of the answers as paragraphs of about MERGED words, one language each."""
    paragraphs = []
    for sentence in sentences:
        piece = Sentence(
            text=sentence.text,
            source=AnswerSource(sentence.submission_id, sentence.entity, sentence.question),
        )
        last = paragraphs[-1] if paragraphs else None
        if (
            last is not None
            and same_language(last.language, sentence.language)
            and last.words + len(sentence.text.split()) <= MERGED
        ):
            last.sentences.append(piece)
            continue
        paragraphs.append(
            Paragraph(number=None, sentences=[piece], origin="answers", language=sentence.language)
        )
    return paragraphs


def _split_text(text):
    """Paragraphs of a text part: separated by blank lines."""
    return [" ".join(p.split()) for p in re.split(r"\n\s*\n", text or "") if p.strip()]


def _text_paragraphs(text, context):
    default = context.cycle.original_language or "en"
    return [
        Paragraph(
            number=None,
            sentences=[Sentence(text=part)],
            origin="cycle",
            language=text_language(part, default),
        )
        for part in _split_text(text)
    ]


def _introduction(context):
    count = len(context.contributors)
    text = ngettext(
        "This report was prepared by the secretariat of the United Nations Conference on "
        "Trade and Development (UNCTAD) pursuant to Economic and Social Council resolution "
        "2006/46, from information provided by %(count)s United Nations entity, international "
        "organization or other stakeholder in response to a letter from the Secretary-General "
        "of UNCTAD requesting their views on trends, achievements and obstacles in the "
        "implementation of the outcomes of the World Summit on the Information Society.",
        "This report was prepared by the secretariat of the United Nations Conference on "
        "Trade and Development (UNCTAD) pursuant to Economic and Social Council resolution "
        "2006/46, from information provided by %(count)s United Nations entities, "
        "international organizations and other stakeholders in response to a letter from "
        "the Secretary-General of UNCTAD requesting their views on trends, achievements and "
        "obstacles in the implementation of the outcomes of the World Summit on the "
        "Information Society.",
        count,
    ) % {"count": formats.number_format(count)}
    first = Sentence(text=text)
    if context.contributors:
        first.pending = [("contributors", _note_1(context))]
    sentences = [first]
    period = context.cycle.period_text()
    if period:
        sentences.append(
            Sentence(
                text=gettext("It summarizes developments and activities %(period)s.")
                % {"period": period}
            )
        )
    language = get_language() or "en"
    paragraphs = [Paragraph(number=None, sentences=sentences, origin="standard", language=language)]
    return paragraphs + _text_paragraphs(context.cycle.introduction, context)


def _note_1(context):
    """Note 1 as the report has it: the contributors in the report's order, the
    online compilation of their inputs, and when the notes' addresses were read."""
    separator = LIST_SEPARATORS.get(field_suffix(), ", ")
    entities = separator.join(_note_entity(e) for e in context.contributors)
    cycle = context.cycle
    url = cycle.inputs_url or _listing_url(cycle)
    read = cycle.urls_accessed or cycle.report_date or timezone.now().date()
    parts = [gettext("%(entities)s. See ") % {"entities": entities}, NoteRef(url=url)]
    parts.append(
        gettext(". Note: all web addresses in the notes were read in %(month)s.")
        % {"month": formats.date_format(read, "YEAR_MONTH_FORMAT")}
    )
    return parts


def _listing_url(cycle):

    path = reverse("activities:activity-list") + f"?cycle={cycle.slug}"
    return settings.SITE_URL.rstrip("/") + path if getattr(settings, "SITE_URL", "") else path


def _default_summary(cycle):
    period = cycle.period_text()
    if period:
        return gettext(
            "The present report, requested by Economic and Social Council resolution 2006/46, "
            "informs the Commission on Science and Technology for Development about the "
            "implementation of the outcomes of the World Summit on the Information Society, "
            "highlighting major developments and activities of stakeholders %(period)s."
        ) % {"period": period}
    return gettext(
        "The present report, requested by Economic and Social Council resolution 2006/46, "
        "informs the Commission on Science and Technology for Development about the "
        "implementation of the outcomes of the World Summit on the Information Society."
    )


# --- Paragraphs of activities ---------------------------------------------------------


def _single_sentence(text):
    return not re.search(r"[.!?]\s+[A-Z]", text.rstrip(".!? "))


def _compose_run(run, entity, weave=True):
    """One entity's consecutive activities as pieces of text, one per activity,
    each with the number of the sentence it is part of: those that begin with
    the entity as subject become one sentence ("ITU did A; B; and C"), as do
    those that begin alike; a text that never names the entity gets it woven
    in (``weave``)."""
    pattern = subject_pattern(entity.names)
    items = [(a, normalise(a.summary or a.title)) for a in run]
    pieces = []
    i = 0
    while i < len(items):
        activity, text = items[i]
        match = pattern.match(text) if pattern and _single_sentence(text) else None
        if match:
            j = i + 1
            predicates = [text[match.end() :]]
            while j < len(items) and _single_sentence(items[j][1]):
                following = pattern.match(items[j][1])
                if not following:
                    break
                predicates.append(items[j][1][following.end() :])
                j += 1
            if len(predicates) > 1:
                subject = text[: match.end()].strip()
                clauses = join_clauses(subject, predicates, activity.language)
                pieces += [(clause, items[i + k][0], i) for k, clause in enumerate(clauses)]
                i = j
                continue
        if _single_sentence(text):
            j = i + 1
            while (
                j < len(items)
                and _single_sentence(items[j][1])
                and shared_opening([t for _a, t in items[i : j + 1]])
            ):
                j += 1
            if j - i > 1:
                clauses = join_openings([t for _a, t in items[i:j]], activity.language)
                pieces += [(clause, items[i + k][0], i) for k, clause in enumerate(clauses)]
                i = j
                continue
        pieces.append((text, activity, i))
        i += 1
    if weave and not any(names_entity(text, entity.names) for text, _a, _s in pieces):
        text, activity, n = pieces[0]
        pieces[0] = (attribute(text, entity.short, entity.names, activity.language), activity, n)
    return pieces


def _paragraph_of(group, context, references, submissions, as_declared=False):
    """A paragraph of a group of activities (in order; several entities allowed);
    ``as_declared``: an imported report's own paragraph, which keeps its number
    and names whom it names."""
    sentences, sources = [], []
    runs = []
    for activity in group:
        if runs and runs[-1][0].entity_id == activity.entity_id:
            runs[-1].append(activity)
        else:
            runs.append([activity])
    for run in runs:
        entity = _entity_ref(run[0].entity)
        # An imported report's own paragraph names whom it names.
        pieces = _compose_run(run, entity, weave=not as_declared)
        for k, (text, activity, n) in enumerate(pieces):
            sentence = Sentence(text=text, activity_id=activity.pk)
            # A sentence is one place of citation: its clauses' references
            # make one note, at its end.
            ends = k + 1 == len(pieces) or pieces[k + 1][2] != n
            clause_activities = [a for _t, a, m in pieces if m == n]
            sentence.pending = _note_keys(
                activity, references, loose=ends, together=clause_activities
            )
            sentences.append(sentence)
    for activity in group:
        submission = submissions.get(activity.submission_id)
        sources.append(
            Source(
                activity_id=activity.pk,
                activity_title=activity.title,
                submission_id=activity.submission_id,
                submission_state=submission.get_state_display() if submission else "",
                entity=_entity_ref(submission.entity if submission else activity.entity),
            )
        )
    return Paragraph(
        number=None,
        sentences=sentences,
        entity=_entity_ref(group[0].entity),
        sources=sources,
        language=group[0].language or "en",
        declared=group[0].source_paragraph if as_declared else None,
    )


def _words(activities):
    return sum(len((a.summary or a.title).split()) for a in activities)


def _leading_entities(node, context, facilitators):
    """Entities that come first under a heading: the heading's action line
    facilitators (a C7 sub-area's own, else C7's), or the regional commissions
    under a region."""
    if node.action_line:
        codes = {line.code: line for line in context.taxonomy.action_lines.values()}
        line = codes.get(node.action_line)
        while line is not None:
            found = facilitators.get(line.pk)
            if found:
                return {entity_id: i for i, entity_id in enumerate(found)}
            line = context.taxonomy.action_lines.get(line.parent_id)
    return {}


def _joint_blocks(activities, rank):
    """The activities of a heading in blocks, best ranked first: one entity's
    work together, and joint work (an activity naming as partner an entity with
    work under the same heading) with the partner's. An entity whose work here
    is mostly joint is reported with its partner's as a whole; a single joint
    activity of an entity with other work goes with the partner's (the
    best-ranked one). Within a block, entities by rank, each entity's
    activities in the order they came in."""
    ordered = sorted(activities, key=lambda a: (rank(a.entity_id, a.entity), a.pk))
    entities = {}
    for activity in ordered:
        entities.setdefault(activity.entity_id, activity.entity)
    root = {entity_id: entity_id for entity_id in entities}

    def find(entity_id):
        while root[entity_id] != entity_id:
            entity_id = root[entity_id]
        return entity_id

    def partners_here(activity):
        found = activity.partner_ids & entities.keys() - {activity.entity_id}
        return sorted(found, key=lambda e: rank(e, entities[e]))

    counts, joint = {}, {}
    for activity in ordered:
        counts[activity.entity_id] = counts.get(activity.entity_id, 0) + 1
        if partners_here(activity):
            joint[activity.entity_id] = joint.get(activity.entity_id, 0) + 1
    home = {}
    for activity in ordered:
        partners = partners_here(activity)
        if not partners:
            continue
        if 2 * joint[activity.entity_id] > counts[activity.entity_id]:
            for partner in partners:
                found, joined = find(activity.entity_id), find(partner)
                if found != joined:
                    root[joined] = found
        else:
            home[activity.pk] = partners[0]
    blocks = {}
    for activity in ordered:
        block = blocks.setdefault(find(home.get(activity.pk, activity.entity_id)), {})
        block.setdefault(activity.entity_id, []).append(activity)
    found = []
    for block in blocks.values():
        groups = sorted(block.items(), key=lambda item: rank(item[0], entities[item[0]]))
        found.append([a for _entity_id, group in groups for a in group])
    return sorted(found, key=lambda block: min(rank(a.entity_id, a.entity) for a in block))


def _cut(block):
    """A block longer than LONG words in consecutive parts of about equal
    length, as few as keep each within about MERGED words."""
    total = _words(block)
    if total <= LONG:
        return [block]
    target = total / math.ceil(total / MERGED)
    parts, part = [], []
    for activity in block:
        if part and _words(part) + _words([activity]) / 2 > target:
            parts.append(part)
            part = []
        part.append(activity)
    parts.append(part)
    return parts


def _entities_of(activities):
    return {a.entity_id for a in activities} | {p for a in activities for p in a.partner_ids}


def _merges(last, chunk, digest):
    """Does ``chunk`` join the paragraph ``last`` before it? Under a region and
    III.A–F.1 (one digest paragraph each) while the two stay within DIGEST
    words. Elsewhere within MERGED words, when one of the two is shorter than
    SHORT and they share an entity (as lead or partner), or within TINY_MERGED
    words when ``last`` is shorter than TINY: the editors join related work,
    join a very short entry with its neighbour into a paragraph that stays
    short, and leave short paragraphs on unrelated work as they are."""
    words = _words(last) + _words(chunk)
    if digest:
        return _words(last) < DIGEST and words <= DIGEST
    if words > MERGED:
        return False
    related = bool(_entities_of(last) & _entities_of(chunk))
    short = _words(last) < SHORT or _words(chunk) < SHORT
    return (related and short) or (_words(last) < TINY and words <= TINY_MERGED)


def _activity_paragraphs(node, activities, context, references, submissions, facilitators):
    """The paragraphs of a heading: an imported report's declared paragraphs as
    they were, then the other activities by the rules (module docstring). In a
    cycle run in the tracker, the paragraphs the secretariat put together
    (``join_in_paragraph``) stay whole and take their place among the others
    by their best-ranked entity."""
    imported = bool(context.cycle.outline)
    declared = {}
    rest = []
    for activity in activities:
        if activity.source_paragraph:
            declared.setdefault(activity.source_paragraph, []).append(activity)
        else:
            rest.append(activity)
    if imported:
        paragraphs = [
            _paragraph_of(declared[n], context, references, submissions, as_declared=True)
            for n in sorted(declared)
        ]
        if not rest:
            return paragraphs
    else:
        paragraphs = []
    leading = _leading_entities(node, context, facilitators)
    regional = bool(node.region)
    first_seen = {}
    for activity in rest if imported else activities:
        first_seen.setdefault(activity.entity_id, activity.pk)

    def rank(entity_id, entity):
        if entity_id in leading:
            return (0, leading[entity_id], 0)
        if regional and entity.kind == REGIONAL_COMMISSION:
            return (0, len(leading), first_seen[entity_id])
        return (1, 0, first_seen[entity_id])

    chunks = [part for block in _joint_blocks(rest, rank) for part in _cut(block)]
    digest = regional or node.key in DIGEST_HEADINGS
    merged = []
    for chunk in chunks:
        last = merged[-1] if merged else None
        if (
            last is not None
            and same_language(last[0].language, chunk[0].language)
            and _merges(last, chunk, digest)
        ):
            last.extend(chunk)
        else:
            merged.append(list(chunk))
    if not imported and declared:
        # Stable: the rules' order among their own paragraphs is kept.
        merged += [declared[n] for n in sorted(declared)]
        merged.sort(key=lambda group: min(rank(a.entity_id, a.entity) for a in group))
    paragraphs += [_paragraph_of(group, context, references, submissions) for group in merged]
    return paragraphs


def _ref_key(ref):
    if ref.url.strip():
        return ("url", ref.url.strip())
    return ("symbol", " ".join(ref.symbol.split()).upper())


def _note_keys(activity, references, loose=True, together=()):
    """The notes a piece of text cites: where an imported report numbered its
    notes, one per number; the other references of the sentence (``together``:
    the activities of its clauses) as one note, at its last piece (``loose``),
    a place of citation."""
    keys = []
    for ref in references.get(activity.pk, []):
        if ref.footnote_number and (("footnote", ref.footnote_number), None) not in keys:
            keys.append((("footnote", ref.footnote_number), None))
    if loose:
        refs = [
            ref
            for other in (together or [activity])
            for ref in references.get(other.pk, [])
            if not ref.footnote_number
        ]
        if refs:
            keys.append((("place", tuple(dict.fromkeys(_ref_key(r) for r in refs))), refs))
    return keys


def _note_parts(refs):
    parts = []
    seen = set()
    for ref in refs:
        key = _ref_key(ref)
        if key in seen:
            continue
        seen.add(key)
        if parts:
            parts.append("; ")
        parts.append(NoteRef(url=ref.url.strip(), symbol=ref.symbol.strip(), label=ref.label))
    parts.append(".")
    return parts


def _cite(report_sections, references):
    """Number the notes in order of first appearance, each cited once per
    paragraph, at the last piece of text citing it."""
    footnotes = {}
    for refs in references.values():
        for ref in refs:
            if ref.footnote_number:
                footnotes.setdefault(ref.footnote_number, []).append(ref)
    notes, by_key, occurrences = [], {}, {}
    for section in (s for top in report_sections for s in top.walk()):
        for paragraph in section.paragraphs:
            last = {}
            for i, sentence in enumerate(paragraph.sentences):
                for key, _value in getattr(sentence, "pending", []):
                    last[key] = i
            for i, sentence in enumerate(paragraph.sentences):
                for key, value in getattr(sentence, "pending", []):
                    if last[key] != i:
                        continue
                    note = by_key.get(key)
                    if note is None:
                        if key == "contributors":
                            parts, entities = value, []
                        elif key[0] == "footnote":
                            parts, entities = _note_parts(footnotes[key[1]]), []
                        else:
                            parts, entities = _note_parts(value), []
                        note = Note(number=len(notes) + 1, parts=parts, entities=entities)
                        notes.append(note)
                        by_key[key] = note
                    occurrences[note.number] = occurrences.get(note.number, 0) + 1
                    sentence.citations.append(Citation(note.number, occurrences[note.number]))
                sentence.pending = []
    return notes


# --- Numbering ----------------------------------------------------------------------


def _number(sections):
    """Number the paragraphs: an imported report's declared numbers where every
    paragraph has one (those it declares but the tracker does not hold become
    gaps), else 1..N in document order."""
    headings = [s for top in sections for s in top.walk()]
    if _number_as_declared(headings):
        return
    n = 0
    for section in headings:
        section.paragraphs = [p for p in section.paragraphs if p.origin != "gap"]
        for paragraph in section.paragraphs:
            n += 1
            paragraph.number = n


def _number_as_declared(headings):
    if not any(p.declared for s in headings for p in s.paragraphs):
        return False
    plan = []
    for section in headings:
        own = sorted(section.declared)
        taken = {p.declared for p in section.paragraphs if p.declared}
        free = [n for n in own if n not in taken]
        numbered = []
        for paragraph in section.paragraphs:
            if paragraph.declared:
                numbered.append((paragraph.declared, paragraph))
            elif free:
                numbered.append((free.pop(0), paragraph))
            else:
                return False
        numbered += [(n, None) for n in free]
        numbered.sort(key=lambda pair: pair[0])
        plan.append((section, numbered))
    sequence = [n for _s, numbered in plan for n, _p in numbered]
    if sequence != sorted(set(sequence)):
        return False
    for section, numbered in plan:
        paragraphs = []
        for number, paragraph in numbered:
            if paragraph is not None:
                paragraph.number = number
                paragraphs.append(paragraph)
            elif (
                paragraphs
                and paragraphs[-1].origin == "gap"
                and paragraphs[-1].gap[1] == number - 1
            ):
                paragraphs[-1].gap = (paragraphs[-1].gap[0], number)
            else:
                paragraphs.append(
                    Paragraph(number=number, sentences=[], origin="gap", gap=(number, number))
                )
        section.paragraphs = paragraphs
    return True


# --- Compiling ----------------------------------------------------------------------


def _cover(cycle):
    language = get_language() or "en"
    masthead = next((m for m in MASTHEAD_LANGUAGES if same_language(m, language)), "en")
    bodies = []
    for line in (cycle.bodies or "").splitlines():
        line = " ".join(line.split())
        if not line:
            continue
        body, _sep, rest = line.partition(",")
        body = body.strip()
        lines = []
        rest = rest.strip()
        dates = re.search(r"\(([^)]*)\)\s*$", rest)
        if dates:
            rest = rest[: dates.start()].strip()
        if rest:
            lines.append(rest[:1].upper() + rest[1:])
        if dates:
            lines.append(re.sub(r"\s+-\s+", "–", dates.group(1)))
        bodies.append((str(KNOWN_BODIES.get(body, body)), lines))
    names = dict(_languages())
    with translation.override(masthead):
        date = _un_date(cycle.report_date) if cycle.report_date else ""
        language_name = str(names.get(_language_code(language), ""))
        original = str(names.get(cycle.original_language or "en", ""))
        try:
            distribution = str(ReviewCycle.Distribution(cycle.distribution).label)
        except ValueError:
            distribution = cycle.distribution
    written = " ".join([*(line for _body, lines in bodies for line in lines), cycle.agenda_title])
    written_in = text_language(written, cycle.original_language or "en")
    return Cover(
        symbol=cycle.symbol,
        bodies=bodies,
        agenda_item=cycle.agenda_item,
        agenda_title=cycle.agenda_title,
        agenda_note=cycle.agenda_note,
        distribution=distribution,
        date=date,
        language_name=language_name,
        original_language_name=original,
        masthead_language=masthead,
        text_language=written_in,
        foreign=bool(written.strip()) and not same_language(written_in, language),
    )


def _languages():

    return settings.LANGUAGES


def _language_code(language):
    codes = [code for code, _name in _languages()]
    if language in codes:
        return language
    return next((c for c in codes if same_language(c, language)), "en")


def _un_date(date):
    """A date as the United Nations' mastheads print it: "5 February 2024"."""
    language = get_language() or "en"
    if same_language(language, "es"):
        return formats.date_format(date, r"j \d\e F \d\e Y")
    return formats.date_format(date, "j F Y")


def compile_report(cycle):
    """Compile the report of ``cycle`` into a :class:`Report` (fourteen queries; four
    more for the chapter on the recommendations when the cycle asks about mandates).

    See the module docstring for what goes in and how the outline is chosen,
    and ``activities.headings`` for where each activity goes.
    """
    taxonomy, submissions, activities, relations, references, facilitators = _load(cycle)
    nodes = _outline(cycle, taxonomy)
    placer = _Placer(nodes, taxonomy)
    is_draft = cycle.state != ReviewCycle.State.PUBLISHED
    context = _Context(cycle, taxonomy, submissions, placer, is_draft)
    context.references = references

    placed = {}
    ordered = sorted(activities, key=lambda a: (a.source_paragraph or 0, a.pk))
    for activity in ordered:
        key = placer.place(activity, relations) or OTHER_KEY
        placed.setdefault(key, []).append(activity)
    if OTHER_KEY in placed and OTHER_KEY not in placer.keys:
        other = _node(OTHER_KEY, _("Other inputs"), "其他投入")
        conclusions = next(i for i, n in enumerate(nodes) if n.key.startswith("conclusion"))
        nodes.insert(conclusions, other)

    def build(node, depth):
        section = Section(
            key=node.key,
            number=node.number,
            title=node.title,
            title_zh=node.title_zh,
            level=depth,
            chapter=depth == 1 and _chapter_of(node) is not None,
            language=node.language,
            declared=list(node.declared),
        )
        section.paragraphs += _activity_paragraphs(
            node, placed.get(node.key, []), context, references, submissions, facilitators
        )
        if node.framing and section.paragraphs:
            section.paragraphs[0].sentences.insert(0, Sentence(text=normalise(node.framing)))
        section.children = [build(child, depth + 1) for child in node.children]
        builder = _chapter_of(node) if depth == 1 else None
        if builder is not None:
            builder.fill(section, context)
        return section

    sections = [build(node, 1) for node in nodes]
    _number(sections)
    notes = _cite(sections, references)
    for node, section in zip(nodes, sections, strict=True):
        builder = _chapter_of(node)
        if is_draft and builder is not None and section.is_empty:
            section.waiting = builder.waiting(context)
        if not is_draft:
            section.children = _prune(section.children)

    summary = _split_text(cycle.summary)
    report = Report(
        slug=cycle.slug,
        cycle_title=cycle.title,
        symbol=cycle.symbol,
        date=cycle.report_date,
        is_draft=is_draft,
        document_type=gettext("Report of the Secretary-General"),
        title=gettext(
            "Progress made in the implementation of and follow-up to the outcomes of the "
            "World Summit on the Information Society at the regional and international levels"
        ),
        title_zh=REPORT_TITLE_ZH,
        summary=summary or [_default_summary(cycle)],
        sections=sections,
        notes=notes,
        contributors=[_entity_ref(e) for e in context.contributors],
        contributions=[],
        submissions_included=len(context.included),
        submissions_pending=sum(
            1
            for s in submissions.values()
            if s.state not in (*_included_states(cycle), Submission.State.DECLINED)
        ),
        activity_count=len(activities),
        compiled_at=timezone.now(),
        language=get_language() or "en",
        summary_language=(
            text_language(" ".join(summary), cycle.original_language or "en")
            if summary
            else get_language() or "en"
        ),
        cover=_cover(cycle),
        source_language=cycle.original_language or "en",
    )
    for heading in report.headings():
        heading.foreign = not same_language(heading.language, report.language)
        for paragraph in heading.paragraphs:
            if paragraph.origin == "gap":
                paragraph.sentences = [Sentence(text=gap_text(report.symbol, paragraph.gap))]
                paragraph.language = report.language
            paragraph.foreign = not same_language(paragraph.language, report.language)
    if report.notes and report.notes[0].parts and context.contributors:
        report.notes[0].entities = list(report.contributors)
    report.contributions = _contributions(report, context.included, report.contributors)
    return report


def display_symbol(symbol):
    """The symbol as printed: two symbols joined by an en dash (A/79/62–E/2024/12)."""
    return (symbol or "").replace("-E/", "–E/").replace(" - ", "–")


def gap_text(symbol, gap):
    """What stands for paragraphs of an imported report that the tracker does not hold."""
    first, last = gap
    if first == last:
        text = gettext("Paragraph %(number)s is not held in the tracker") % {"number": first}
    else:
        text = gettext("Paragraphs %(first)s–%(last)s are not held in the tracker") % {
            "first": first,
            "last": last,
        }
    if symbol:
        return text + gettext(": see the original report, %(symbol)s.") % {
            "symbol": display_symbol(symbol)
        }
    return text + "."


def _prune(sections):
    """Leave out headings without content (a published report's, below the chapters)."""
    kept = []
    for section in sections:
        section.children = _prune(section.children)
        if section.paragraphs or section.children:
            kept.append(section)
    return kept


def _contributions(report, included, contributors):
    """Per entity whose submission is in the report: the paragraphs its inputs became."""
    used = {}
    counts = {}
    for paragraph in report.paragraphs():
        for source in paragraph.sources:
            numbers = used.setdefault(source.entity.pk, [])
            if paragraph.number not in numbers:
                numbers.append(paragraph.number)
            counts[source.entity.pk] = counts.get(source.entity.pk, 0) + 1
        for sentence in paragraph.sentences:
            if sentence.source is not None:
                numbers = used.setdefault(sentence.source.entity.pk, [])
                if paragraph.number not in numbers:
                    numbers.append(paragraph.number)
    contributor_pks = {e.pk for e in contributors}
    entities = {s.entity.pk: _entity_ref(s.entity) for s in included}
    rows = [
        Contribution(
            entity=entity,
            paragraphs=sorted(used.get(pk, [])),
            activity_count=counts.get(pk, 0),
            contributor=pk in contributor_pks,
        )
        for pk, entity in entities.items()
        if pk in used or pk in contributor_pks
    ]
    return sorted(rows, key=lambda c: (c.entity.name.lower(), c.entity.acronym.lower()))


def report_paragraph_numbers(cycle):
    """``{activity id: paragraph number}`` in the cycle's published report,
    cached until published work changes (for the activities' public pages)."""

    if cycle is None or cycle.state != ReviewCycle.State.PUBLISHED:
        return {}
    return cached(
        f"report-paragraphs:{cycle.pk}:{cycle.updated_at.isoformat()}",
        lambda: compile_report(cycle).paragraph_of_activity(),
    )
