"""Streamed CSV and JSON exports of a filtered activity queryset.

Rows are read in chunks (with their relations prefetched per chunk) and
written as they are read, so memory stays flat whatever the size.
"""

import csv
import itertools
import json

from django.db import connection

CHUNK = 2000

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
    """The same records, reading the arrays of ids and the cached reference records.

    Three queries per chunk of rows (the rows, their action lines, their
    references) instead of eight; what the record holds is the same.
    """
    from entities.models import Entity

    from .caching import records
    from .models import SDG, Region, Theme, Trend

    acronyms = {e.pk: e.acronym for e in records(Entity)}
    keys = {
        "regions": ({r.pk: r.key for r in records(Region)}, "region_ids"),
        "themes": ({t.pk: t.key for t in records(Theme)}, "theme_ids"),
        "trends": ({t.pk: t.key for t in records(Trend)}, "trend_ids"),
        "sdgs": ({s.pk: s.number for s in records(SDG)}, "sdg_ids"),
    }
    rows = (
        queryset.select_related("entity", "cycle")
        .prefetch_related("action_lines", "references")
        .iterator(chunk_size=CHUNK)
    )
    for activity in rows:
        record = {
            "id": activity.pk,
            "title": activity.title,
            "summary": activity.summary,
            "description": activity.description,
            "entity": activity.entity.acronym,
            # The lead comes first in entity_ids, then the partners.
            "partners": [acronyms[i] for i in activity.entity_ids[1:] if i in acronyms],
            "action_lines": [line.code for line in activity.action_lines.all()],
        }
        for name, (names, column) in keys.items():
            record[name] = [names[i] for i in getattr(activity, column) if i in names]
        record.update(
            {
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
                "published_at": activity.published_at.isoformat()
                if activity.published_at
                else None,
                "url": build_url(activity.get_absolute_url()),
            }
        )
        yield record


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
    for record in itertools.chain([first] if first else [], records):
        record["references"] = [r["url"] or r["symbol"] for r in record["references"]]
        row = []
        for name in FIELDS:
            value = record[name]
            if isinstance(value, list):
                value = "; ".join(str(v) for v in value)
            row.append(neutralise(value))
        yield writer.writerow(row)


def json_chunks(queryset, build_url, meta):
    """A JSON object: ``{"count": …, "filters": …, "results": [ … ]}``, streamed."""
    head = json.dumps({**meta, "results": []}, ensure_ascii=False)
    yield head[: -len("]}")]
    first = True
    for record in _records(queryset, build_url):
        yield ("" if first else ",") + "\n" + json.dumps(record, ensure_ascii=False)
        first = False
    yield "\n]}\n"
