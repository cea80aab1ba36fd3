"""Streamed CSV and JSON exports of a filtered activity queryset.

Rows are read in chunks (with their relations prefetched per chunk) and
written as they are read, so memory stays flat whatever the size.
"""

import csv
import itertools
import json

CHUNK = 500

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
    for activity in queryset.with_export_data().iterator(chunk_size=CHUNK):
        yield activity_record(activity, build_url)


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
