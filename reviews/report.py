"""Compile the Secretary-General's report from a review cycle.

``compile_report(cycle)`` returns a :class:`Report`, a tree of plain
dataclasses shaped like the real report (A/79/62-E/2024/12): a summary; the
introduction; I. major trends; II. regional implementation; III. international
implementation (A.–E., F.1 the action lines C1–C11 with C7 by sub-area, F.2 the
themes); IV. conclusions and recommendations. Paragraphs are numbered
continuously through the document and references become notes numbered in
order of first appearance. Nothing here knows about HTML or Word: the
renderings (``reviews.report_render``) and the templates read the tree.

What goes in
    While the cycle is not published, the draft holds the activities of the
    cycle's accepted and published submissions. Once the cycle is published
    its report is public, so only published submissions and their published
    activities go in: an accepted submission the secretariat has not published
    yet never reaches the public.

Which entities "contributed" (the count in the introduction and note 1)
    Entities whose submission is included and that were invited to the cycle
    or answered its questions. An imported report gives a published submission
    to every entity that leads an activity, but only the entities the dataset
    lists as contributors were invited, so the count is the report's own.

The outline
    A cycle that kept the outline of an imported report uses its headings,
    numbers and order (English titles from ``title_en``, Chinese kept in
    ``title_zh``). A cycle run in the tracker gets the default outline, equal
    in shape to the 2024 report's, built from the reference data: the cycle's
    trends, the five regions, the action lines and the themes; its headings
    are numbered after empty ones are left out.

Fixed wording (headings of the default outline, the introduction's standard
sentence, the default summary) goes through gettext, so the compiled report is
in the active language wherever a translation exists.
"""

import re
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from activities.models import ActionLine, Activity, Reference, Region, Theme, Trend
from wsis_site.multilingual import field_suffix

from .models import ReviewCycle, Submission

# The bodies sections III.A–C report on; their own activities go under them.
BODY_HEADINGS = {"UNGIS": "ungis", "GA": "ga_ecosoc", "ECOSOC": "ga_ecosoc", "CSTD": "cstd"}
# Where an activity goes when nothing else places it, most specific first.
FALLBACK_HEADINGS = ("action_lines_and_un_entities", "international")
OTHER_KEY = "other"
REPORT_TITLE_ZH = "信息社会世界峰会成果在区域和国际两级落实和后续工作方面取得的进展"


# --- The tree -------------------------------------------------------------------


@dataclass
class EntityRef:
    pk: int
    acronym: str
    name: str

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
class Sentence:
    text: str
    citations: list = field(default_factory=list)
    activity_id: int | None = None


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

    ``origin`` is ``activities`` (compiled from ``sources``), ``standard`` (the
    introduction's standard sentence) or ``cycle`` (text the secretariat wrote
    on the cycle). ``lead`` names the entity at the start when the text itself
    does not.
    """

    number: int
    sentences: list
    origin: str = "activities"
    entity: EntityRef | None = None
    lead: str = ""
    sources: list = field(default_factory=list)

    @property
    def text(self):
        body = " ".join(s.text for s in self.sentences)
        return f"{self.lead}: {body}" if self.lead else body


@dataclass
class Section:
    key: str
    number: str | None
    title: str
    title_zh: str
    level: int
    paragraphs: list = field(default_factory=list)
    children: list = field(default_factory=list)

    @property
    def heading(self):
        """The heading as printed: ``I. Major trends``, ``(a) … (C1)``, ``E-health``."""
        if not self.number:
            return self.title
        if self.number.startswith("("):
            return f"{self.number} {self.title}"
        return f"{self.number}. {self.title}"

    @property
    def anchor(self):
        return f"sec-{self.key}"

    def walk(self):
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass
class Note:
    """A note: a reference (``url`` and/or ``symbol``, ``label``) or plain ``text``."""

    number: int
    text: str = ""
    url: str = ""
    symbol: str = ""
    label: str = ""
    entities: list = field(default_factory=list)


@dataclass
class Contribution:
    """Where one entity's inputs were used: paragraph numbers, in order."""

    entity: EntityRef
    paragraphs: list
    activity_count: int
    contributor: bool


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

    def headings(self):
        """Every heading, in document order."""
        return [s for top in self.sections for s in top.walk()]

    def paragraphs(self):
        return [p for s in self.headings() for p in s.paragraphs]


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

    def walk(self, depth=1):
        yield self, depth
        for child in self.children:
            yield from child.walk(depth + 1)


def _stored_outline(outline):
    """The nodes of an imported report's outline, read defensively."""

    def read(items):
        nodes = []
        for item in items or []:
            if not isinstance(item, dict) or not item.get("key"):
                continue
            number = item.get("number")
            nodes.append(
                _Node(
                    key=str(item["key"]),
                    number=str(number) if number not in (None, "") else None,
                    # The heading in the active language when the outline has it
                    # (the dataset carries English and Chinese), else English.
                    title=str(
                        item.get(f"title_{field_suffix()}") or item.get("title_en") or item["key"]
                    ),
                    title_zh=str(item.get("title_zh") or ""),
                    trend=str(item.get("trend_key") or ""),
                    region=str(item.get("region") or ""),
                    action_line=str(item.get("action_line") or ""),
                    theme=str(item.get("theme") or ""),
                    children=read(item.get("children")),
                )
            )
        return nodes

    return read(outline)


def _fixed(key, title, title_zh, children=()):
    return _Node(key=key, number=None, title=title, title_zh=title_zh, children=list(children))


def _default_outline(taxonomy):
    """The 2024 report's shape, from the reference data and the cycle's trends."""
    lines = [line for line in taxonomy.action_lines.values() if line.parent_id is None]
    line_nodes = []
    for line in lines:
        subs = [
            _Node(
                key=_line_key(sub.code),
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
                key=_line_key(line.code),
                number=None,
                title=f"{line.title} ({line.code})",
                title_zh=f"{line.title_zh} ({line.code})" if line.title_zh else "",
                action_line=line.code,
                children=subs,
            )
        )
    return [
        _fixed("introduction", _("Introduction"), "导言"),
        _fixed(
            "trends",
            _("Major trends"),
            "主要趋势",
            [
                _Node(key=t.key, number=None, title=t.title, title_zh=t.title_zh, trend=t.key)
                for t in taxonomy.trends.values()
                if t.in_cycle
            ],
        ),
        _fixed(
            "regional",
            _("Regional implementation and follow-up"),
            "区域层面的落实和后续工作",
            [
                _Node(key=r.key, number=None, title=r.title, title_zh=r.title_zh, region=r.key)
                for r in taxonomy.regions.values()
                if r.key != "global"
            ],
        ),
        _fixed(
            "international",
            _("International implementation and follow-up"),
            "国际层面的落实和后续工作",
            [
                _fixed(
                    "ungis",
                    _("United Nations Group on the Information Society"),
                    "联合国信息社会小组",
                ),
                _fixed(
                    "ga_ecosoc",
                    _("General Assembly and Economic and Social Council"),
                    "大会和经济及社会理事会",
                ),
                _fixed(
                    "cstd",
                    _("Commission on Science and Technology for Development"),
                    "科学和技术促进发展委员会",
                ),
                _fixed(
                    "multistakeholder_facilitation",
                    _("Facilitation and coordination of multi-stakeholder implementation"),
                    "便利和协调多利益攸关方落实工作",
                ),
                _fixed(
                    "civil_society_business_partnerships",
                    _("Civil society, business and multi-stakeholder partnerships"),
                    "民间社会、企业和多利益攸关方伙伴关系",
                ),
                _fixed(
                    "action_lines_and_un_entities",
                    _(
                        "Action lines and selected implementation activities of "
                        "United Nations entities"
                    ),
                    "行动方针和联合国实体的若干落实活动",
                    [
                        _fixed(
                            "action_lines",
                            _("Implementation of action lines"),
                            "行动方针的落实",
                            line_nodes,
                        ),
                        _fixed(
                            "themes",
                            _("Implementation of themes"),
                            "主题的落实",
                            [
                                _Node(
                                    key=t.key,
                                    number=None,
                                    title=t.title,
                                    title_zh=t.title_zh,
                                    theme=t.key,
                                )
                                for t in taxonomy.themes.values()
                            ],
                        ),
                    ],
                ),
            ],
        ),
        _fixed("conclusions", _("Conclusions and recommendations"), "结论和建议"),
    ]


def _line_key(code):
    """``C7.e-health`` → ``c7_e_health``, the keys the 2024 outline uses."""
    return re.sub(r"[^a-z0-9]+", "_", code.lower())


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
    """I., A., 1., (a) and, below that, no number (C7's sub-areas)."""
    if depth == 1:
        return _roman(i)
    if depth == 2:
        return _letters(i).upper()
    if depth == 3:
        return str(i)
    if depth == 4:
        return f"({_letters(i)})"
    return None


def _renumber(sections, depth=1):
    """Number the default outline's headings once the empty ones are gone."""
    numbered = [s for s in sections if depth > 1 or s.key != "introduction"]
    for i, section in enumerate(numbered, start=1):
        section.number = _heading_number(depth, i)
    for section in sections:
        _renumber(section.children, depth + 1)


# --- Reading the cycle ------------------------------------------------------------


@dataclass
class _Taxonomy:
    action_lines: dict
    themes: dict
    trends: dict
    regions: dict


def _load(cycle):
    """Everything the report needs, in a fixed number of queries (eleven).

    The many-to-many links are read from their join tables with the activity
    selection as a subquery, so the number of queries does not grow with the
    number of activities and no parameter list grows either.
    """
    taxonomy = _Taxonomy(
        action_lines={a.pk: a for a in ActionLine.objects.order_by("position", "code")},
        themes={t.pk: t for t in Theme.objects.order_by("position", "key")},
        trends={
            t.pk: t
            for t in Trend.objects.annotate(
                in_cycle=Exists(
                    ReviewCycle.trends.through.objects.filter(
                        reviewcycle_id=cycle.pk, trend_id=OuterRef("pk")
                    )
                )
            ).order_by("position", "key")
        },
        regions={r.pk: r for r in Region.objects.order_by("position", "key")},
    )
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
    }
    selected = Activity.objects.filter(
        submission__cycle=cycle, submission__state__in=_included_states(cycle)
    )
    if cycle.state == ReviewCycle.State.PUBLISHED:
        selected = selected.filter(status=Activity.Status.PUBLISHED)
    activities = list(selected.select_related("entity").order_by("pk"))
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
        "action_lines": links("action_lines", "actionline_id", taxonomy.action_lines),
        "themes": links("themes", "theme_id", taxonomy.themes),
        "trends": links("trends", "trend_id", taxonomy.trends),
        "regions": links("regions", "region_id", taxonomy.regions),
    }
    references = {}
    for ref in Reference.objects.filter(activity_id__in=ids).order_by(
        "activity_id", "position", "id"
    ):
        references.setdefault(ref.activity_id, []).append(ref)
    return taxonomy, submissions, activities, relations, references


def _included_states(cycle):
    if cycle.state == ReviewCycle.State.PUBLISHED:
        return [Submission.State.PUBLISHED]
    return [Submission.State.ACCEPTED, Submission.State.PUBLISHED]


# --- Placing activities -----------------------------------------------------------


class _Placer:
    """Finds each activity's primary heading."""

    def __init__(self, nodes, taxonomy):
        self.keys = {}
        self.order = {}
        self.by = {"trend": {}, "region": {}, "action_line": {}, "theme": {}}
        for top in nodes:
            for node, _depth in top.walk():
                self.order.setdefault(node.key, len(self.order))
                self.keys.setdefault(node.key, node.key)
                for kind in self.by:
                    value = getattr(node, kind)
                    if value:
                        self.by[kind].setdefault(value, node.key)
                        # A section key may also name the trend, region or theme itself.
                        self.keys.setdefault(value, node.key)
        self.line_codes = {line.pk: line.code for line in taxonomy.action_lines.values()}
        self.parent_codes = {
            line.code: self.line_codes.get(line.parent_id)
            for line in taxonomy.action_lines.values()
        }

    def place(self, activity, relations):
        """The key of the heading an activity appears under, or None.

        1. Its ``section_key``, when that names a heading of the outline (or
           the trend, region or theme a heading is for).
        2. The bodies of sections III.A–C: activities led by UNGIS, the
           General Assembly, ECOSOC or the CSTD go under their heading.
        3. A region other than "global": the regional heading of its first
           region, in the report's order, provided no region is "global"
           (work spanning the globe is not regional).
        4. A theme: the heading of its first theme.
        5. An action line: the heading of its first action line in C1–C11
           order; a C7 sub-area goes under its own heading, else under C7.
        6. A trend of the cycle: that trend's heading in section I.
        7. Otherwise III.F (action lines and United Nations entities), or III
           when the outline has no F; failing both, the caller puts it under
           "Other inputs" before the conclusions, so nothing is ever dropped.

        Themes come before action lines because nearly every activity carries
        action lines while a theme is a deliberate choice; regions come first
        because section II is about where the work happened. With their
        section keys removed, rules 2–7 put 152 of the 2024 report's 271
        activities where its editors did, more than any other order of 3–5.
        """
        key = activity.section_key
        if key and key in self.keys:
            return self.keys[key]
        body = BODY_HEADINGS.get(activity.entity.acronym)
        if body and body in self.keys:
            return body
        regions = relations["regions"].get(activity.pk, [])
        if regions and not any(r.key == "global" for r in regions):
            placed = [self.by["region"][r.key] for r in regions if r.key in self.by["region"]]
            if placed:
                return min(placed, key=self.order.__getitem__)
        for theme in sorted(relations["themes"].get(activity.pk, []), key=_position):
            if theme.key in self.by["theme"]:
                return self.by["theme"][theme.key]
        for line in sorted(relations["action_lines"].get(activity.pk, []), key=_position):
            for code in (line.code, self.parent_codes.get(line.code)):
                if code and code in self.by["action_line"]:
                    return self.by["action_line"][code]
        for trend in sorted(relations["trends"].get(activity.pk, []), key=_position):
            if trend.key in self.by["trend"]:
                return self.by["trend"][trend.key]
        for fallback in FALLBACK_HEADINGS:
            if fallback in self.keys:
                return fallback
        return None


def _position(term):
    return (term.position, getattr(term, "code", "") or getattr(term, "key", ""))


def _activity_order(activity):
    # Imported activities keep the source report's order; the tracker's own
    # follow the entities' acronyms.
    paragraph = activity.source_paragraph
    if paragraph is not None:
        return (0, paragraph, "", activity.pk)
    return (1, 0, activity.entity.acronym.lower(), activity.pk)


# --- Writing ------------------------------------------------------------------------


class _Writer:
    """Numbers paragraphs and notes in document order."""

    def __init__(self):
        self.paragraph_count = 0
        self.notes = []
        self.note_keys = {}
        self.occurrences = {}

    def number(self):
        self.paragraph_count += 1
        return self.paragraph_count

    def cite(self, note):
        self.occurrences[note.number] = self.occurrences.get(note.number, 0) + 1
        return Citation(note=note.number, occurrence=self.occurrences[note.number])

    def new_note(self, **values):
        note = Note(number=len(self.notes) + 1, **values)
        self.notes.append(note)
        return note

    def note_for(self, ref):
        """The note for a reference; the same URL or symbol cited again gets the same note."""
        keys = []
        if ref.url.strip():
            keys.append(("url", ref.url.strip()))
        if ref.symbol.strip():
            keys.append(("symbol", " ".join(ref.symbol.split()).upper()))
        note = next((self.note_keys[k] for k in keys if k in self.note_keys), None)
        if note is None:
            note = self.new_note(url=ref.url.strip(), symbol=ref.symbol.strip(), label=ref.label)
        for key in keys:
            self.note_keys.setdefault(key, note)
        return note


def _entity_ref(entity):
    return EntityRef(pk=entity.pk, acronym=entity.acronym, name=entity.name)


def _sentence(text):
    text = " ".join((text or "").split())
    if text and text[-1] not in ".!?…。":
        text += "."
    return text


def _names_entity(text, entity):
    """Does the text already name the entity (acronym, name or short name)?"""
    if re.search(rf"(?<![\w-]){re.escape(entity.acronym)}(?![\w-])", text):
        return True
    lowered = text.lower()
    names = {entity.name, entity.name_en, entity.short_name_en}
    return any(name and name.lower() in lowered for name in names)


def _split(text):
    """Paragraphs of a text part: separated by blank lines."""
    return [" ".join(p.split()) for p in re.split(r"\n\s*\n", text or "") if p.strip()]


def compile_report(cycle):
    """Compile the report of ``cycle`` into a :class:`Report` (eleven queries).

    See the module docstring for what goes in and how the outline is chosen,
    and ``_Placer.place`` for where each activity goes.
    """
    taxonomy, submissions, activities, relations, references = _load(cycle)
    stored = bool(cycle.outline)
    nodes = _stored_outline(cycle.outline) if stored else _default_outline(taxonomy)
    if not any(n.key.startswith("intro") for n in nodes):
        nodes.insert(0, _fixed("introduction", _("Introduction"), "导言"))
    if not any(n.key.startswith("conclusion") for n in nodes):
        nodes.append(_fixed("conclusions", _("Conclusions and recommendations"), "结论和建议"))

    placer = _Placer(nodes, taxonomy)
    placed = {}
    for activity in sorted(activities, key=_activity_order):
        key = placer.place(activity, relations) or OTHER_KEY
        placed.setdefault(key, []).append(activity)
    if OTHER_KEY in placed and OTHER_KEY not in placer.keys:
        other = _fixed(OTHER_KEY, _("Other inputs"), "其他投入")
        conclusions = next(i for i, n in enumerate(nodes) if n.key.startswith("conclusion"))
        nodes.insert(conclusions, other)

    included = [s for s in submissions.values() if s.state in _included_states(cycle)]
    contributors = sorted(
        (_entity_ref(s.entity) for s in included if s.invited or s.answers),
        key=lambda e: (e.name.lower(), e.acronym.lower()),
    )
    writer = _Writer()

    def build(node, depth):
        section = Section(
            key=node.key,
            number=node.number,
            title=node.title,
            title_zh=node.title_zh,
            level=depth,
        )
        if node.key.startswith("intro"):
            section.paragraphs += _introduction(cycle, contributors, writer)
        if node.key.startswith("conclusion"):
            section.paragraphs += _text_paragraphs(cycle.conclusions, writer)
        section.paragraphs += _activity_paragraphs(
            placed.get(node.key, []), submissions, references, writer
        )
        section.children = [build(child, depth + 1) for child in node.children]
        return section

    sections = [build(node, 1) for node in nodes]
    sections = _prune(sections)
    if not stored:
        _renumber(sections)

    report = Report(
        slug=cycle.slug,
        cycle_title=cycle.title,
        symbol=cycle.symbol,
        date=cycle.report_date,
        is_draft=cycle.state != ReviewCycle.State.PUBLISHED,
        document_type=_("Report of the Secretary-General"),
        title=_(
            "Progress made in the implementation of and follow-up to the outcomes of the "
            "World Summit on the Information Society at the regional and international levels"
        ),
        title_zh=REPORT_TITLE_ZH,
        summary=_split(cycle.summary) or [_default_summary(cycle)],
        sections=sections,
        notes=writer.notes,
        contributors=contributors,
        contributions=[],
        submissions_included=len(included),
        submissions_pending=sum(
            1
            for s in submissions.values()
            if s.state not in (*_included_states(cycle), Submission.State.DECLINED)
        ),
        activity_count=len(activities),
        compiled_at=timezone.now(),
    )
    report.contributions = _contributions(report, included, contributors)
    return report


def _prune(sections):
    """Leave out headings without content."""
    kept = []
    for section in sections:
        section.children = _prune(section.children)
        if section.paragraphs or section.children:
            kept.append(section)
    return kept


def _default_summary(cycle):
    if cycle.reporting_year:
        return _(
            "The present report, requested by Economic and Social Council resolution 2006/46, "
            "informs the Commission on Science and Technology for Development about the "
            "implementation of the outcomes of the World Summit on the Information Society, "
            "highlighting major developments and activities of stakeholders in %(year)s."
        ) % {"year": cycle.reporting_year}
    return _(
        "The present report, requested by Economic and Social Council resolution 2006/46, "
        "informs the Commission on Science and Technology for Development about the "
        "implementation of the outcomes of the World Summit on the Information Society."
    )


def _introduction(cycle, contributors, writer):
    count = len(contributors)
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
    ) % {"count": count}
    sentences = [Sentence(text=text)]
    if contributors:
        note = writer.new_note(
            text=_("Contributing entities: %(entities)s.")
            % {"entities": ", ".join(e.label for e in contributors)},
            entities=list(contributors),
        )
        sentences[0].citations.append(writer.cite(note))
    if cycle.reporting_year:
        sentences.append(
            Sentence(
                text=_("It summarizes developments and activities in %(year)s.")
                % {"year": cycle.reporting_year}
            )
        )
    paragraphs = [Paragraph(number=writer.number(), sentences=sentences, origin="standard")]
    return paragraphs + _text_paragraphs(cycle.introduction, writer)


def _text_paragraphs(text, writer):
    return [
        Paragraph(number=writer.number(), sentences=[Sentence(text=part)], origin="cycle")
        for part in _split(text)
    ]


def _activity_paragraphs(activities, submissions, references, writer):
    """One paragraph per entity under a heading, at its first activity's place."""
    groups = {}
    for activity in activities:
        groups.setdefault(activity.entity_id, []).append(activity)
    paragraphs = []
    for group in groups.values():
        entity = group[0].entity
        paragraph = Paragraph(number=writer.number(), sentences=[], entity=_entity_ref(entity))
        for activity in group:
            sentence = Sentence(
                text=_sentence(activity.summary or activity.title), activity_id=activity.pk
            )
            for ref in references.get(activity.pk, []):
                note = writer.note_for(ref)
                if all(c.note != note.number for c in sentence.citations):
                    sentence.citations.append(writer.cite(note))
            paragraph.sentences.append(sentence)
            submission = submissions.get(activity.submission_id)
            paragraph.sources.append(
                Source(
                    activity_id=activity.pk,
                    activity_title=activity.title,
                    submission_id=activity.submission_id,
                    submission_state=submission.get_state_display() if submission else "",
                    entity=_entity_ref(submission.entity if submission else entity),
                )
            )
        if not _names_entity(paragraph.sentences[0].text, entity):
            paragraph.lead = paragraph.entity.label
        paragraphs.append(paragraph)
    return paragraphs


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
    contributor_pks = {e.pk for e in contributors}
    entities = {s.entity.pk: _entity_ref(s.entity) for s in included}
    rows = [
        Contribution(
            entity=entity,
            paragraphs=used.get(pk, []),
            activity_count=counts.get(pk, 0),
            contributor=pk in contributor_pks,
        )
        for pk, entity in entities.items()
        if pk in used or pk in contributor_pks
    ]
    return sorted(rows, key=lambda c: (c.entity.name.lower(), c.entity.acronym.lower()))
