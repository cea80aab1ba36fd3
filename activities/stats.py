"""The numbers behind /stats/: aggregates over published activities only.

The one-dimensional charts are the listing's facet counts (so they equal the
listing's numbers by construction); the action line × SDG matrix and the
20-year view are intersections in the same facet index (activities/facets.py).
"""

from django.utils.translation import gettext as _

from entities.models import Entity
from reviews.models import ReviewCycle

from . import charts
from .caching import records
from .models import SDG, ActionLine, Region

TOP_ENTITIES = 20

# The charts of the page, in order; the keys are the CSV addresses.
CHARTS = ("action-line", "region", "entity-kind", "sdg", "year", "entity", "matrix")
TREND_CHARTS = ("per-year", "per-cycle")


def matrix_counts(filterset):
    """``{(action line id, SDG id): activities}`` for the filtered results, from
    the facet index. A top-level action line counts the activities under it or
    any sub-area (its bitmap holds them)."""
    index, selections = filterset.selections()
    within = index.intersection(list(selections.values()))
    sdgs = index.bitmaps["sdg"]
    result = {}
    for line in records(ActionLine):
        if line.parent_id:
            continue
        bitmap = index.bitmaps["action_line"].get(line.pk)
        if bitmap is None:
            continue
        in_line = within & bitmap
        for sdg_id, sdg in sdgs.items():
            if n := in_line.intersection_cardinality(sdg):
                result[(line.pk, sdg_id)] = n
    return result


def trend_counts(filterset):
    """Published activities per year and per cycle, across all years and cycles
    (the other filters apply), from the facet index."""
    index, selections = filterset.selections(without=("year", "cycle"))
    within = index.intersection(list(selections.values()))
    per_cycle = index.counts("cycle", within)
    cycles = (
        ReviewCycle.objects.filter(pk__in=list(per_cycle))
        .order_by("reporting_year", "slug")
        .values_list("pk", "slug", "title", "reporting_year")
    )
    return {
        "year": index.counts("year", within),
        "cycle": [(slug, title, year, per_cycle[pk]) for pk, slug, title, year in cycles],
    }


def _chart(slug, title, desc, headers, rows, svg):
    return {
        "slug": slug,
        "title": title,
        "desc": desc,
        "headers": headers,
        "rows": rows,
        "svg": svg,
    }


def _describe(rows, label=0):
    """A text alternative: the three largest values."""
    shown = sorted(rows, key=lambda r: -r[-1])[:3]
    top = "; ".join(f"{r[label]}: {r[-1]}" for r in shown if r[-1])
    return _("Largest values: %(top)s.") % {"top": top or "—"}


def _bars(slug, title, headers, rows, bars, *, label=0, label_width):
    """A bar chart of ``bars`` (label, count), with ``rows`` as its table."""
    desc = _describe(rows, label)
    svg = charts.bar_chart(title, desc, bars, label_width=label_width)
    return _chart(slug, title, desc, headers, rows, svg)


def _columns(slug, title, headers, rows):
    """A column chart of ``rows`` (year, count), which are also its table."""
    desc = _describe(rows)
    svg = charts.column_chart(title, desc, [tuple(r) for r in rows])
    return _chart(slug, title, desc, headers, rows, svg)


def stats_charts(filterset, only=None):
    """The charts of the statistics page, each with its table (headers, rows)."""
    counts = filterset.facet_counts()
    result = {}
    want = set(only or CHARTS)
    code, title_h, count_h = _("Code"), _("Title"), _("Activities")

    if "action-line" in want:
        rows = [
            [line.code, line.title, counts["action_line"].get(line.pk, 0)]
            for line in records(ActionLine)
            if not line.parent_id
        ]
        result["action-line"] = _bars(
            "action-line",
            _("Published activities by action line"),
            [code, title_h, count_h],
            rows,
            [(r[0], r[2]) for r in rows],
            label_width=50,
        )
    if "region" in want:
        rows = [[r.key, r.title, counts["region"].get(r.pk, 0)] for r in records(Region)]
        result["region"] = _bars(
            "region",
            _("Published activities by region"),
            [code, title_h, count_h],
            rows,
            [(r[1], r[2]) for r in rows],
            label=1,
            label_width=200,
        )
    if "entity-kind" in want:
        rows = [
            [value, str(label), counts["entity_kind"].get(value, 0)]
            for value, label in Entity.Kind.choices
            if counts["entity_kind"].get(value)
        ]
        result["entity-kind"] = _bars(
            "entity-kind",
            _("Published activities by kind of entity"),
            [code, title_h, count_h],
            rows,
            [(r[1], r[2]) for r in rows],
            label=1,
            label_width=200,
        )
    if "sdg" in want:
        rows = [[s.number, s.title, counts["sdg"].get(s.pk, 0)] for s in records(SDG)]
        result["sdg"] = _bars(
            "sdg",
            _("Published activities by Sustainable Development Goal"),
            [_("SDG"), title_h, count_h],
            rows,
            [(_("SDG %(number)s") % {"number": r[0]}, r[2]) for r in rows],
            label_width=60,
        )
    if "year" in want:
        rows = [[year, counts["year"][year]] for year in sorted(counts["year"])]
        result["year"] = _columns(
            "year", _("Published activities by year"), [_("Year"), count_h], rows
        )
    if "entity" in want:
        names = {e.pk: e for e in records(Entity)}
        ranked = sorted(
            ((n, names[pk]) for pk, n in counts["entity"].items() if pk in names and n),
            key=lambda item: (-item[0], item[1].acronym.lower()),
        )[:TOP_ENTITIES]
        rows = [[e.acronym, e.name, n] for n, e in ranked]
        result["entity"] = _bars(
            "entity",
            _("Top entities by published activities (lead or partner)"),
            [_("Acronym"), _("Name"), count_h],
            rows,
            [(r[0], r[2]) for r in rows],
            label_width=150,
        )
    if "matrix" in want:
        matrix = matrix_counts(filterset)
        lines = [line for line in records(ActionLine) if not line.parent_id]
        sdgs = records(SDG)
        cells = [[matrix.get((line.pk, s.pk), 0) for s in sdgs] for line in lines]
        rows = [[line.code, *cells[i]] for i, line in enumerate(lines)]
        pairs = sum(1 for row in cells for n in row if n)
        desc = _(
            "Rows are the action lines C1–C11, columns the 17 SDGs; each cell is the number "
            "of published activities linked to both. %(pairs)s pairs have at least one."
        ) % {"pairs": pairs}
        result["matrix"] = _chart(
            "matrix",
            _("Action lines × Sustainable Development Goals"),
            desc,
            [_("Action line"), *[str(s.number) for s in sdgs]],
            rows,
            charts.heat_map(
                _("Action lines × Sustainable Development Goals"),
                desc,
                [line.code for line in lines],
                [str(s.number) for s in sdgs],
                cells,
            ),
        )
    return [result[slug] for slug in CHARTS if slug in result]


def trend_charts(filterset, only=None):
    counts = trend_counts(filterset)
    want = set(only or TREND_CHARTS)
    result = []
    count_h = _("Activities")
    if "per-year" in want:
        rows = [[year, counts["year"][year]] for year in sorted(counts["year"])]
        result.append(
            _columns("per-year", _("Published activities per year"), [_("Year"), count_h], rows)
        )
    if "per-cycle" in want:
        rows = [[slug, title, year or "", n] for slug, title, year, n in counts["cycle"]]
        result.append(
            _bars(
                "per-cycle",
                _("Published activities per review cycle"),
                [_("Cycle"), _("Title"), _("Reporting year"), count_h],
                rows,
                [(r[1], r[3]) for r in rows],
                label=1,
                label_width=200,
            )
        )
    return result
