"""Streamed CSV and JSON exports of a filtered activity queryset.

Rows are read in chunks (with their relations prefetched per chunk) and
written as they are read, so memory stays flat whatever the size.
"""

import csv
import itertools
import json

from django.db import connection

CHUNK = 2000
LINES_PER_WRITE = 500  # one write to the client per so many CSV lines, not one per line

FIELDS = [
    "id",
    "title",
    "summary",
    "description",
    "entity",
    "partners",
    "action_lines",
    "themes",
    "trends",
    "regions",
    "sdgs",
    "year",
    "activity_type",
    "implementation",
    "language",
    "references",
    "status",
    "cycle",
    "published_at",
    "url",
]


def activity_record(activity, build_url):
    """An activity as a plain dict with public keys (codes, acronyms), never ids of taxonomy."""
    return {
        "id": activity.pk,
        "title": activity.title,
        "summary": activity.summary,
        "description": activity.description,
        "entity": activity.entity.acronym,
        "partners": [e.acronym for e in activity.partners.all()],
        "action_lines": [line.code for line in activity.action_lines.all()],
        "themes": [t.key for t in activity.themes.all()],
        "trends": [t.key for t in activity.trends.all()],
        "regions": [r.key for r in activity.regions.all()],
        "sdgs": [s.number for s in activity.sdgs.all()],
        "year": activity.year,
        "activity_type": activity.activity_type,
        "implementation": activity.implementation,
        "language": activity.language,
        "references": [
            {"url": r.url or None, "symbol": r.symbol or None, "label": r.label}
            for r in activity.references.all()
        ],
        "status": activity.status,
        "cycle": activity.cycle.slug if activity.cycle else None,
        "published_at": activity.published_at.isoformat() if activity.published_at else None,
        "url": build_url(activity.get_absolute_url()),
    }


def _records(queryset, build_url):
    if connection.vendor == "postgresql":
        yield from _records_from_arrays(queryset, build_url)
        return
    for activity in queryset.with_export_data().iterator(chunk_size=CHUNK):
        yield activity_record(activity, build_url)


def _records_from_arrays(queryset, build_url):
    """The same records in ONE streamed query, with no model instances.

    The row carries its arrays of ids (read against the cached reference
    records), its action lines from the join table and its references as JSON,
    so that a million rows cost one pass of a server-side cursor.
    """
    from django.contrib.postgres.expressions import ArraySubquery
    from django.db.models import OuterRef
    from django.db.models.functions import JSONObject

    from entities.models import Entity
    from reviews.models import ReviewCycle

    from .caching import records
    from .models import SDG, ActionLine, Activity, Reference, Region, Theme, Trend

    acronyms = {e.pk: e.acronym for e in records(Entity)}
    # Action lines in their usual order (that of the cached records).
    lines = {line.pk: (n, line.code) for n, line in enumerate(records(ActionLine))}
    keys = (
        {r.pk: r.key for r in records(Region)},
        {t.pk: t.key for t in records(Theme)},
        {t.pk: t.key for t in records(Trend)},
        {s.pk: s.number for s in records(SDG)},
    )
    cycles = dict(ReviewCycle.objects.values_list("pk", "slug"))
    # Every activity's address, from one reverse() rather than a million.
    marker = 2**62
    before, after = build_url(Activity(pk=marker).get_absolute_url()).split(str(marker))

    rows = (
        queryset.annotate(
            line_ids=ArraySubquery(
                Activity.action_lines.through.objects.filter(activity_id=OuterRef("pk")).values(
                    "actionline_id"
                )
            ),
            reference_list=ArraySubquery(
                Reference.objects.filter(activity_id=OuterRef("pk"))
                .order_by(*Reference._meta.ordering)
                .values(json=JSONObject(url="url", symbol="symbol", label="label"))
            ),
        )
        .values_list(
            "id",
            "title",
            "summary",
            "description",
            "entity_id",
            "entity_ids",
            "line_ids",
            "region_ids",
            "theme_ids",
            "trend_ids",
            "sdg_ids",
            "year",
            "activity_type",
            "implementation",
            "language",
            "reference_list",
            "status",
            "cycle_id",
            "published_at",
        )
        .iterator(chunk_size=CHUNK)
    )
    regions, themes, trends, sdgs = keys
    for (
        pk,
        title,
        summary,
        description,
        entity_id,
        entity_ids,
        line_ids,
        region_ids,
        theme_ids,
        trend_ids,
        sdg_ids,
        year,
        activity_type,
        implementation,
        language,
        references,
        status,
        cycle_id,
        published_at,
    ) in rows:
        yield {
            "id": pk,
            "title": title,
            "summary": summary,
            "description": description,
            "entity": acronyms.get(entity_id),
            # The lead comes first in entity_ids, then the partners.
            "partners": [acronyms[i] for i in entity_ids[1:] if i in acronyms],
            "action_lines": [code for _, code in sorted(lines[i] for i in line_ids)],
            "themes": [themes[i] for i in theme_ids if i in themes],
            "trends": [trends[i] for i in trend_ids if i in trends],
            "regions": [regions[i] for i in region_ids if i in regions],
            "sdgs": [sdgs[i] for i in sdg_ids if i in sdgs],
            "year": year,
            "activity_type": activity_type,
            "implementation": implementation,
            "language": language,
            "references": [
                {"url": r["url"] or None, "symbol": r["symbol"] or None, "label": r["label"]}
                for r in references
            ],
            "status": status,
            "cycle": cycles.get(cycle_id),
            "published_at": published_at.isoformat() if published_at else None,
            "url": f"{before}{pk}{after}",
        }


# Cells starting with these characters are read as formulas by spreadsheets.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """Make a cell safe to open in a spreadsheet (no formula injection)."""
    text = "" if value is None else str(value)
    if text.startswith(_FORMULA_START):
        return "'" + text
    return text


class _Echo:
    def write(self, value):
        return value


def csv_lines(queryset, build_url):
    """The CSV file, line by line. The first rows are read before anything is
    yielded, so that a database error surfaces while the view can still answer
    with an error instead of a truncated file."""
    writer = csv.writer(_Echo())
    records = _records(queryset, build_url)
    first = next(records, None)
    yield "\ufeff"  # so that spreadsheet programs read the file as UTF-8
    yield writer.writerow(FIELDS)
    lines = []
    for record in itertools.chain([first] if first else [], records):
        record["references"] = [r["url"] or r["symbol"] for r in record["references"]]
        row = []
        for name in FIELDS:
            value = record[name]
            if isinstance(value, list):
                value = "; ".join(str(v) for v in value)
            row.append(neutralise(value))
        lines.append(writer.writerow(row))
        if len(lines) == LINES_PER_WRITE:
            yield "".join(lines)
            lines = []
    yield "".join(lines)


def json_chunks(queryset, build_url, meta):
    """A JSON object: ``{"count": …, "filters": …, "results": [ … ]}``, streamed."""
    head = json.dumps({**meta, "results": []}, ensure_ascii=False)
    yield head[: -len("]}")]
    first = True
    for record in _records(queryset, build_url):
        yield ("" if first else ",") + "\n" + json.dumps(record, ensure_ascii=False)
        first = False
    yield "\n]}\n"
