"""Streamed CSV and JSON exports of a filtered activity queryset.

Rows are read in chunks (with their relations prefetched per chunk) and
written as they are read, so memory stays flat whatever the size.
"""

import contextlib
import csv
import io
import itertools
import json
import queue
import threading

from django.contrib.postgres.expressions import ArraySubquery
from django.db import connections, transaction
from django.db.models import OuterRef, TextField
from django.db.models.functions import Cast, JSONObject
from psycopg.types.datetime import TimestamptzLoader

from entities.models import Entity
from reviews.models import ReviewCycle

from . import db
from .caching import records
from .models import SDG, ActionLine, Activity, Reference, Region, Theme, Trend

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
    """An activity as a plain dict with public keys (codes, acronyms), never ids of taxonomy.

    The definition of an exported record, from a model instance. The exports
    write the same without model instances (``_records``; the tests compare).
    """
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
    """``activity_record`` of each activity, without model instances."""
    if db.is_postgresql():
        return _records_from_arrays(queryset, build_url)
    return _records_joined(queryset, build_url)


def _lookups(build_url):
    """What turns ids into a record's public keys, from the cached reference
    records: for each list, a function from ids to keys in the records' usual
    order (as the relations list them); the entities' acronyms; the cycles'
    slugs; and every activity's address, from one reverse() rather than a
    million."""

    def ordered(model, key):
        rows = records(model)
        rank = {row.pk: n for n, row in enumerate(rows)}
        value = {row.pk: getattr(row, key) for row in rows}
        return lambda ids: [value[i] for i in sorted((i for i in ids if i in rank), key=rank.get)]

    convert = {
        "partners": ordered(Entity, "acronym"),
        "action_lines": ordered(ActionLine, "code"),
        "themes": ordered(Theme, "key"),
        "trends": ordered(Trend, "key"),
        "regions": ordered(Region, "key"),
        "sdgs": ordered(SDG, "number"),
    }
    acronyms = {e.pk: e.acronym for e in records(Entity)}
    cycles = dict(ReviewCycle.objects.values_list("pk", "slug"))
    marker = 2**62
    url = build_url(Activity(pk=marker).get_absolute_url()).split(str(marker))
    return convert, acronyms, cycles, url


def _records_joined(queryset, build_url):
    """Any database: the rows as values, their relations read per chunk of rows
    from the join tables (seven queries a chunk), no model instances."""

    convert, acronyms, cycles, (before, after) = _lookups(build_url)
    relations = Activity.join_tables()
    rows = queryset.values_list(
        "id",
        "title",
        "summary",
        "description",
        "entity_id",
        "year",
        "activity_type",
        "implementation",
        "language",
        "status",
        "cycle_id",
        "published_at",
    ).iterator(chunk_size=CHUNK)
    while chunk := list(itertools.islice(rows, CHUNK)):
        ids = [row[0] for row in chunk]
        related = {}
        for name, (through, column) in relations.items():
            related[name] = lists = {}
            for activity_id, value in through.objects.filter(activity_id__in=ids).values_list(
                "activity_id", column
            ):
                lists.setdefault(activity_id, []).append(value)
        references = {}
        for activity_id, url, symbol, label in (
            Reference.objects.filter(activity_id__in=ids)
            .order_by("activity_id", *Reference._meta.ordering)
            .values_list("activity_id", "url", "symbol", "label")
        ):
            references.setdefault(activity_id, []).append(
                {"url": url or None, "symbol": symbol or None, "label": label}
            )
        for (
            pk,
            title,
            summary,
            description,
            entity_id,
            year,
            activity_type,
            implementation,
            language,
            status,
            cycle_id,
            published_at,
        ) in chunk:
            record = {
                "id": pk,
                "title": title,
                "summary": summary,
                "description": description,
                "entity": acronyms.get(entity_id),
            }
            for name, keys in convert.items():
                record[name] = keys(related[name].get(pk, ()))
            record.update(
                {
                    "year": year,
                    "activity_type": activity_type,
                    "implementation": implementation,
                    "language": language,
                    "references": references.get(pk, []),
                    "status": status,
                    "cycle": cycles.get(cycle_id),
                    "published_at": published_at.isoformat() if published_at else None,
                    "url": f"{before}{pk}{after}",
                }
            )
            yield record


def _records_from_arrays(queryset, build_url, cells=False):
    """The same records in ONE streamed query, with no model instances; with
    ``cells``, the CSV rows instead (what ``_cells`` makes of each record).

    The row carries its arrays of ids (read against the cached reference
    records), its action lines from the join table and its references as JSON,
    so that a million rows cost one pass of a server-side cursor. The cursor is
    read raw (the ORM's per-value converters cost more than the rest of a row)
    and inside a transaction: outside one, PostgreSQL would compute the whole
    result before sending its first row (a cursor WITH HOLD).
    """

    convert, acronyms, cycles, (before, after) = _lookups(build_url)
    # The lead comes first in entity_ids, then the partners.
    partners = convert["partners"]
    convert["partners"] = lambda ids: partners(ids[1:])
    if cells:
        lists = {name: _by_text(lambda ids, f=f: _cell(f(ids))) for name, f in convert.items()}
    else:
        lists = {name: _by_text(f) for name, f in convert.items()}

    def as_text(expression):
        return Cast(expression, TextField())

    selection = queryset.annotate(
        entity_ids_text=as_text("entity_ids"),
        line_ids_text=as_text(
            ArraySubquery(
                Activity.action_lines.through.objects.filter(activity_id=OuterRef("pk")).values(
                    "actionline_id"
                )
            )
        ),
        theme_ids_text=as_text("theme_ids"),
        trend_ids_text=as_text("trend_ids"),
        region_ids_text=as_text("region_ids"),
        sdg_ids_text=as_text("sdg_ids"),
        reference_list=ArraySubquery(
            Reference.objects.filter(activity_id=OuterRef("pk"))
            .order_by(*Reference._meta.ordering)
            .values(json=JSONObject(url="url", symbol="symbol", label="label"))
        ),
    ).values_list(
        "id",
        "title",
        "summary",
        "description",
        "entity_id",
        "entity_ids_text",
        "line_ids_text",
        "theme_ids_text",
        "trend_ids_text",
        "region_ids_text",
        "sdg_ids_text",
        "year",
        "activity_type",
        "implementation",
        "language",
        "reference_list",
        "status",
        "cycle_id",
        "published_at",
    )
    sql, params = selection.query.sql_with_params()
    database = selection.db
    with transaction.atomic(using=database), connections[database].chunked_cursor() as cursor:
        # psycopg's own loader for timestamps (in C; the connection's time zone is
        # UTC) rather than Django's, written in Python.
        cursor.cursor.adapters.register_loader("timestamptz", TimestamptzLoader)
        cursor.execute(sql, params)
        for rows in _read_ahead(cursor):
            yield from _from_rows(rows, acronyms, lists, cycles, before, after, cells)


def _read_ahead(cursor):
    """The cursor's rows, chunk by chunk, the next chunk read by a thread while
    this one is written: the database works while Python does.

    At most two chunks wait in memory. If the reader stops early (a client
    gone), the thread is told to stop and is waited for before the cursor
    closes; an error in the thread is raised here.
    """
    chunks = queue.Queue(maxsize=2)
    stop = threading.Event()

    def read():
        try:
            while not stop.is_set():
                rows = cursor.fetchmany(CHUNK)
                chunks.put(rows)
                if not rows:
                    return
        except BaseException as exc:  # handed over to the reader
            chunks.put(exc)

    thread = threading.Thread(target=read, name="export-read-ahead", daemon=True)
    thread.start()
    try:
        while True:
            rows = chunks.get()
            if isinstance(rows, BaseException):
                raise rows
            if not rows:
                return
            yield rows
    finally:
        stop.set()
        while thread.is_alive():
            # Make room, should the thread be waiting to put a chunk.
            with contextlib.suppress(queue.Empty):
                chunks.get(timeout=0.1)
        thread.join()


def _by_text(convert):
    """``convert`` for arrays of ids read as text (``{3,7}``), remembering each
    answer: a million rows hold few distinct arrays, and text is quicker to
    read than arrays."""
    seen = {}

    def get(text):
        value = seen.get(text)
        if value is None:
            ids = [int(i) for i in text[1:-1].split(",")] if len(text) > 2 else []
            value = seen[text] = convert(ids)
        return value

    return get


def _from_rows(rows, acronyms, lists, cycles, before, after, cells=False):
    """The records of the export query's rows; with ``cells``, the CSV rows that
    ``_cells`` would make of them."""
    partners, lines = lists["partners"], lists["action_lines"]
    themes, trends, regions, sdgs = (
        lists["themes"],
        lists["trends"],
        lists["regions"],
        lists["sdgs"],
    )
    risky = _FORMULA_CHARACTERS
    for (
        pk,
        title,
        summary,
        description,
        entity_id,
        entity_ids,
        line_ids,
        theme_ids,
        trend_ids,
        region_ids,
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
        # In the order of FIELDS. The lists are shared between rows: whoever
        # changes one must copy it first.
        values = [
            pk,
            title,
            summary,
            description,
            acronyms.get(entity_id),
            partners(entity_ids),
            lines(line_ids),
            themes(theme_ids),
            trends(trend_ids),
            regions(region_ids),
            sdgs(sdg_ids),
            year,
            activity_type,
            implementation,
            language,
            map(json.loads, references),  # JSON text, read raw
            status,
            cycles.get(cycle_id),
            published_at.isoformat() if published_at else None,
            f"{before}{pk}{after}",
        ]
        if cells:
            values[_REFERENCES] = "; ".join([r["url"] or r["symbol"] for r in values[_REFERENCES]])
            # neutralise(), inlined: this runs for every cell of a million rows.
            yield [
                "'" + value if value.__class__ is str and value and value[0] in risky else value
                for value in values
            ]
        else:
            values[_REFERENCES] = [
                {"url": r["url"] or None, "symbol": r["symbol"] or None, "label": r["label"]}
                for r in values[_REFERENCES]
            ]
            yield dict(zip(FIELDS, values, strict=True))


_REFERENCES = FIELDS.index("references")


# Cells starting with these characters are read as formulas by spreadsheets.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """Make a cell safe to open in a spreadsheet (no formula injection)."""
    text = "" if value is None else str(value)
    if text.startswith(_FORMULA_START):
        return "'" + text
    return text


def csv_lines(queryset, build_url):
    """The CSV file, in pieces of many lines. The first rows are read before
    anything is yielded, so that a database error surfaces while the view can
    still answer with an error instead of a truncated file."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    if db.is_postgresql():
        rows = _records_from_arrays(queryset, build_url, cells=True)
    else:
        rows = map(_cells, _records(queryset, build_url))
    first = next(rows, None)
    writer.writerow(FIELDS)
    # "\ufeff" so that spreadsheet programs read the file as UTF-8.
    yield "\ufeff" + _take(buffer)
    batch = [first] if first else []
    for row in rows:
        batch.append(row)
        if len(batch) == LINES_PER_WRITE:
            writer.writerows(batch)
            batch = []
            yield _take(buffer)
    writer.writerows(batch)
    yield _take(buffer)


def _cells(record):
    """A record as a CSV row: lists joined with "; ", references by address or
    symbol, every cell safe to open in a spreadsheet."""
    row = []
    for name in FIELDS:
        value = record[name]
        if name == "references":
            value = [r["url"] or r["symbol"] for r in value]
        row.append(_cell(value))
    return row


def _cell(value):
    if isinstance(value, list):
        value = "; ".join(map(str, value))
    elif value is None or isinstance(value, int):
        return value  # written as is: empty, or digits
    return neutralise(value)


_FORMULA_CHARACTERS = frozenset(_FORMULA_START)


def _take(buffer):
    """What the buffer holds, emptying it."""
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


def json_chunks(queryset, build_url, meta):
    """A JSON object: ``{"count": …, "filters": …, "results": [ … ]}``, streamed."""
    head = json.dumps({**meta, "results": []}, ensure_ascii=False)
    yield head[: -len("]}")]
    first = True
    for record in _records(queryset, build_url):
        yield ("" if first else ",") + "\n" + json.dumps(record, ensure_ascii=False)
        first = False
    yield "\n]}\n"
