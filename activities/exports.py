"""Streamed CSV and JSON exports of a filtered activity queryset.

Rows are read in chunks (with their relations prefetched per chunk) and
written as they are read, so memory stays flat whatever the size. On
PostgreSQL the CSV lines are written by the database itself (``copy_query``,
``COPY … TO STDOUT``), byte for byte what the Python writer makes of the same
rows.
"""

import contextlib
import csv
import io
import itertools
import json
import queue
import re
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
    """The CSV file as UTF-8 bytes, in pieces of many lines. The first rows are
    read before anything is yielded, so that a database error surfaces while
    the view can still answer with an error instead of a truncated file.

    On PostgreSQL the database writes the lines itself (``_copied_lines``:
    Python would spend more on each row than the database does), byte for byte
    what the Python writer (``_written_lines``) makes of the same rows; the
    tests compare the two.
    """
    if db.is_postgresql(connections[queryset.db]):
        pieces = _copied_lines(queryset, build_url)
    else:
        pieces = _written_lines(queryset, build_url)
    first = next(pieces, b"")
    # "\ufeff" so that spreadsheet programs read the file as UTF-8.
    yield ("\ufeff" + _header()).encode() + first
    yield from pieces


def _header():
    buffer = io.StringIO()
    csv.writer(buffer).writerow(FIELDS)
    return buffer.getvalue()


def _written_lines(queryset, build_url):
    """The CSV lines of ``queryset``'s rows (after the header), written by
    Python's ``csv`` module, in pieces of LINES_PER_WRITE lines."""
    if db.is_postgresql(connections[queryset.db]):
        rows = _records_from_arrays(queryset, build_url, cells=True)
    else:
        rows = map(_cells, _records(queryset, build_url))
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) == LINES_PER_WRITE:
            writer.writerows(batch)
            batch = []
            yield _take(buffer).encode()
    writer.writerows(batch)
    if text := _take(buffer):
        yield text.encode()


def _copied_lines(queryset, build_url):
    """PostgreSQL: the CSV lines of ``queryset``'s rows, written by the database
    (``COPY (SELECT …) TO STDOUT``), in pieces of LINES_PER_WRITE lines."""
    sql, params = copy_query(queryset, build_url)
    return db.copy_csv_lines(sql, params, queryset.db, LINES_PER_WRITE)


# The columns of the filtered queryset that copy_query's cells read (as ``a``).
_COPY_COLUMNS = (
    "id",
    "title",
    "summary",
    "description",
    "entity_id",
    "entity_ids",
    "theme_ids",
    "trend_ids",
    "region_ids",
    "sdg_ids",
    "year",
    "activity_type",
    "implementation",
    "language",
    "status",
    "cycle_id",
    "published_at",
)


def _neutralised_sql(text):
    """SQL: ``neutralise`` of the text ``text`` as the csv module writes it (the
    empty text as no value: COPY would quote an empty text, the csv module
    does not). ``ascii()`` gives the code of the first character, 0 for none."""
    codes = ", ".join(str(ord(c)) for c in sorted(_FORMULA_START))
    return f"CASE WHEN ascii({text}) IN ({codes}) THEN '''' || {text} ELSE nullif({text}, '') END"


def copy_query(queryset, build_url):
    """PostgreSQL: the SQL (and its parameters) whose rows, written by COPY as
    CSV, are the CSV rows the Python writer makes of ``queryset``: the same
    cells, from the same cached reference records, in the queryset's own order
    (its query is the subquery ``a``, read in its order).

    The lists come from the activity's own arrays of ids (the partners: the
    entities after the lead), the action lines and the references from their
    tables. Names are read by id from arrays passed as parameters; a list of
    several is sorted by the rank of its names among the records, a list of
    one (the common case) needs no subquery.
    """
    _convert, acronyms, cycles, (before, after) = _lookups(build_url)
    values = []

    def param(value, cast):
        """A parameter's mark; the marks become %s, in the order of the text."""
        values.append(value)
        return f"(<{len(values) - 1}>::{cast})"

    def by_id(names, cast="text"):
        """SQL template (``{}``: the id) of a name by id, from a parameter."""
        if not names:
            return f"NULL::{cast}"
        low = min(names)
        array = [None] * (max(names) - low + 1)
        for pk, name in names.items():
            array[pk - low] = name
        return f"{param(array, cast + '[]')}[{{}} - {low - 1}]"  # arrays count from 1

    def ranked(model, key):
        """SQL templates of a name by id, of the same neutralised (for a list of
        one) and of its rank, from the cached records."""
        rows = records(model)
        names = {row.pk: str(getattr(row, key)) for row in rows}
        ranks = {row.pk: n for n, row in enumerate(rows)}
        neutral = {pk: neutralise(name) or None for pk, name in names.items()}
        return by_id(names), by_id(neutral), by_id(ranks, "int")

    def joined(template):
        return f"(SELECT {_neutralised_sql('s')} FROM (SELECT {template}) t (s))"

    def listed(array, model, key, start=1):
        """The cell of a list: the names of the ids in ``array`` from its
        ``start``-th on, in the records' order, joined by "; ", neutralised."""
        name, first, rank = ranked(model, key)
        several = joined(
            f"string_agg({name.format('i')}, '; ' ORDER BY {rank.format('i')})"
            f" FROM unnest({array}[{start}:]) i"
        )
        return (
            f"CASE WHEN cardinality({array}) < {start} THEN NULL"
            f" WHEN cardinality({array}) = {start} THEN {first.format(f'{array}[{start}]')}"
            f" ELSE {several} END"
        )

    line_name, _first, line_rank = ranked(ActionLine, "code")
    line = "l.actionline_id"
    reference_order = ", ".join(
        "r." + Reference._meta.get_field(name.lstrip("-")).column + " DESC" * name.startswith("-")
        for name in Reference._meta.ordering
    )
    entity = by_id({pk: neutralise(name) or None for pk, name in acronyms.items()})
    cycle = by_id({pk: neutralise(name) or None for pk, name in cycles.items()})
    cells = [
        "a.id",
        _neutralised_sql("a.title"),
        _neutralised_sql("a.summary"),
        _neutralised_sql("a.description"),
        entity.format("a.entity_id"),
        listed("a.entity_ids", Entity, "acronym", start=2),
        joined(
            f"string_agg({line_name.format(line)}, '; ' ORDER BY {line_rank.format(line)})"
            f" FROM {Activity.action_lines.through._meta.db_table} l WHERE l.activity_id = a.id"
        ),
        listed("a.theme_ids", Theme, "key"),
        listed("a.trend_ids", Trend, "key"),
        listed("a.region_ids", Region, "key"),
        listed("a.sdg_ids", SDG, "number"),
        "a.year",
        _neutralised_sql("a.activity_type"),
        _neutralised_sql("a.implementation"),
        _neutralised_sql("a.language"),
        joined(
            f"string_agg(coalesce(nullif(r.url, ''), r.symbol), '; ' ORDER BY {reference_order})"
            f" FROM {Reference._meta.db_table} r WHERE r.activity_id = a.id"
        ),
        _neutralised_sql("a.status"),
        cycle.format("a.cycle_id"),
        # isoformat() of the time in UTC: with microseconds only if there are some.
        "to_char(a.published_at AT TIME ZONE 'UTC', CASE WHEN date_trunc('second', "
        'a.published_at) = a.published_at THEN \'YYYY-MM-DD"T"HH24:MI:SS"+00:00"\' '
        'ELSE \'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"\' END)',
        f"{param(before, 'text')} || a.id || {param(after, 'text')}",
    ]
    params = []

    def mark(match):
        params.append(values[int(match[1])])
        return "%s"

    select = re.sub(r"<(\d+)>", mark, ", ".join(cells))
    inner, inner_params = queryset.values_list(*_COPY_COLUMNS).query.sql_with_params()
    # The cells' parameters come first in the text, then the subquery's.
    return (
        f"SELECT {select} FROM ({inner}) a ({', '.join(_COPY_COLUMNS)})",
        [*params, *inner_params],
    )


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
