"""The report's chapter on the implementation of the resolution's
recommendations (a builder of ``reviews.report.CHAPTERS``).

Only in the report of a cycle that asks about mandates, before the
conclusions. One heading per paragraph the cycle asks about, in the
resolution's order; under it, one report paragraph per included update (the
cycle's accepted and published submissions; once the cycle is published, its
published ones), naming the entity — the entities the paragraph names first,
then the action line's facilitators, then the others in the report's order —
its status, and its text, with the notes of the activities it links to. In the
draft, the paragraphs nobody reported on are listed for the editor.
"""

from dataclasses import dataclass

from django.db.models import Prefetch
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from activities.models import Activity
from reviews import report as reviews_report
from reviews.report import (
    AnswerSource,
    ChapterBuilder,
    EditorNote,
    Paragraph,
    Section,
    Sentence,
    _entity_ref,
    _heading_number,
    _ref_key,
)
from reviews.report_prose import text_language

from .models import MandateUpdate

KEY = "recommendations"

STATUS_SENTENCES = {
    "under_way": lambda: gettext("%(entity)s reported that the work is under way."),
    "done": lambda: gettext("%(entity)s reported that the work is done."),
    "not_started": lambda: gettext("%(entity)s reported that the work has not started."),
    "not_applicable": lambda: gettext(
        "%(entity)s reported that the paragraph does not apply to it."
    ),
}


@dataclass
class _Asked:
    """Who a paragraph asks, as the editor's note lists it."""

    acronym: str


def applies(cycle):
    """The cycle asks about mandates (one query)."""
    return cycle.pk is not None and cycle.mandates.exists()


def fill(section, context):
    """The chapter's content (four queries)."""
    cycle = context.cycle
    mandates = list(
        cycle.mandates.select_related("resolution")
        .prefetch_related("asked")
        .order_by("resolution__adopted_on", "resolution_id", "paragraph")
    )  # 1, 2
    updates = {}
    for update in (
        MandateUpdate.objects.included_in_report(cycle)
        .select_related("submission__entity")
        .prefetch_related(
            Prefetch("activities", queryset=Activity.objects.only("pk", "submission_id"))
        )
    ):  # 3, 4
        updates.setdefault(update.mandate_id, []).append(update)
    language = get_language() or "en"
    default = cycle.original_language or "en"
    symbols = ", ".join(dict.fromkeys(m.resolution.symbol for m in mandates))
    period = cycle.period_text()
    intro = gettext(
        "This chapter reports, paragraph by paragraph, on the implementation of the "
        "recommendations of %(symbols)s that the present cycle asked about, from what the "
        "entities reported."
    ) % {"symbols": symbols}
    if period:
        intro = gettext(
            "This chapter reports, paragraph by paragraph, on the implementation of the "
            "recommendations of %(symbols)s that the present cycle asked about, from what the "
            "entities reported %(period)s."
        ) % {"symbols": symbols, "period": period}
    section.paragraphs.append(
        Paragraph(
            number=None, sentences=[Sentence(text=intro)], origin="standard", language=language
        )
    )
    references = getattr(context, "references", {})
    absent = []
    for i, mandate in enumerate(mandates, start=1):
        named = [a.entity_id for a in mandate.asked.all() if a.entity_id]
        found = sorted(
            updates.get(mandate.pk, []),
            key=lambda u: (
                u.submission.entity_id not in named,
                context.position(_entity_ref(u.submission.entity)),
            ),
        )
        child = Section(
            key=f"{KEY}-{mandate.pk}",
            number=_heading_number(2, i),
            title=gettext("Paragraph %(paragraph)s: %(summary)s")
            % {"paragraph": mandate.paragraph, "summary": mandate.summary.rstrip(".")},
            title_zh="",
            level=2,
            language=language,
        )
        for update in found:
            ref = _entity_ref(update.submission.entity)
            source = AnswerSource(
                update.submission_id,
                ref,
                gettext("paragraph %(paragraph)s") % {"paragraph": mandate.paragraph},
            )
            sentences = [
                Sentence(
                    text=STATUS_SENTENCES[update.status]() % {"entity": ref.label},
                    source=source,
                )
            ]
            text = " ".join(update.text.split())
            if text:
                sentences.append(Sentence(text=text, source=source))
            refs = [r for a in update.activities.all() for r in references.get(a.pk, [])]
            if refs:
                sentences[-1].pending = [
                    (("place", tuple(dict.fromkeys(_ref_key(r) for r in refs))), refs)
                ]
            child.paragraphs.append(
                Paragraph(
                    number=None,
                    sentences=sentences,
                    origin="answers",
                    entity=ref,
                    language=text_language(text, default) if text else language,
                )
            )
        if not found:
            absent.append(
                (
                    gettext("Paragraph %(paragraph)s") % {"paragraph": mandate.paragraph},
                    [_Asked("; ".join(a.label for a in mandate.asked.all()))],
                    [],
                )
            )
        section.children.append(child)
    if context.is_draft and absent:
        section.editor_notes.append(
            EditorNote(
                title=gettext(
                    "For the editor: the paragraphs asked about that no included contribution "
                    "reports on yet"
                ),
                groups=absent,
            )
        )


CHAPTER = ChapterBuilder(
    KEY,
    lambda: _("Implementation of the resolution's recommendations"),
    "决议建议的落实情况",
    numbered=True,
    fill=fill,
    applies=applies,
)


def register():
    """Add the chapter to every report, before the conclusions (once)."""
    chapters = reviews_report.CHAPTERS
    if CHAPTER not in chapters:
        conclusions = next(i for i, c in enumerate(chapters) if c.key == "conclusion")
        chapters.insert(conclusions, CHAPTER)
