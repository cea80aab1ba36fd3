"""What differs between the databases for activities, in one place.

Everything here is chosen by the database's vendor; the rest of the code asks
these functions and never looks at the vendor itself.

* Full-text search: on PostgreSQL the stored vector, built with the text
  search configuration of each activity's language (``english``, ``french``,
  ``spanish``, ``russian``, ``arabic``; ``simple`` otherwise) plus character
  bigrams of its Chinese characters (see migration ``activities/0011``); a
  query matches through every configuration at once, and Chinese words as
  phrases of bigrams. SQLite: every word must appear (plain containment).
* The facet index's loading (activities/facets.py): on PostgreSQL one pass
  over the activities' own arrays of ids; elsewhere the join tables.
* Filters on many-to-many relations (``with_any``): on PostgreSQL the
  activity's own GIN-indexed array of ids; elsewhere the join table.
* Which fast path the exports, ``generate_synthetic`` (COPY), the array
  field's column type and the PostgreSQL-only migrations take
  (``is_postgresql``); the CSV export's lines as PostgreSQL writes them
  (``copy_csv_lines``: ``COPY (SELECT …) TO STDOUT``).

This is the only module that looks at the database's vendor.
"""

import contextlib
import functools
import re
import tempfile

from django.contrib.postgres.search import SearchQueryField
from django.db import connection, connections
from django.db.models import BooleanField, Case, F, Func, IntegerField, Max, Min, Q, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast

# Han characters (CJK unified ideographs, extension A, compatibility).
CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_RUN = re.compile(f"[{CJK}]+")

# The configurations a query goes through on PostgreSQL: those of the languages
# PostgreSQL has one for, and "simple" (every other language, names, codes).
SEARCH_CONFIGS = ("english", "french", "spanish", "russian", "arabic", "simple")
MAX_WORDS = 20


def is_postgresql(using=None):
    """Whether ``using`` (a connection; the default one if None) is PostgreSQL."""
    return (using or connection).vendor == "postgresql"


def with_any(queryset, array_field, ids, otherwise):
    """``queryset`` narrowed to the activities whose ``array_field`` holds one of
    ``ids``, on PostgreSQL (the arrays are GIN-indexed and kept by triggers);
    elsewhere ``otherwise(queryset)``, which filters through the join table."""
    if is_postgresql():
        return queryset.filter(**{f"{array_field}__overlap": list(ids)})
    return otherwise(queryset)


def cjk_bigrams(text):
    """The overlapping pairs of Han characters of each run in ``text`` (a run of
    one character gives that character), as the database indexes them."""
    grams = []
    for run in _CJK_RUN.findall(text or ""):
        if len(run) == 1:
            grams.append(run)
        else:
            grams.extend(run[i : i + 2] for i in range(len(run) - 1))
    return grams


def search(queryset, text):
    """``queryset`` narrowed to the activities matching ``text``; on PostgreSQL
    annotated with ``search_tier`` (relevance: 0 for the words in the title, 1
    otherwise, for the default order)."""
    text = (text or "").strip()
    if not text:
        return queryset
    if is_postgresql():
        return _search_postgresql(queryset, text)
    return _search_containment(queryset, text)


def _search_containment(queryset, text):
    for word in text.split()[:MAX_WORDS]:
        queryset = queryset.filter(
            Q(title__icontains=word) | Q(summary__icontains=word) | Q(description__icontains=word)
        )
    return queryset


def search_query(text):
    """The PostgreSQL query (tsquery text) for ``text``: its words, in web-search
    syntax, through every configuration, each distinct reading once (so that
    the planner sees one alternative where the configurations agree); and each
    run of Chinese characters as a phrase of its bigrams. All parts must match.
    None when nothing is left to search for."""
    parts = []
    words = _CJK_RUN.sub(" ", text).strip()
    if words:
        readings = _readings(" ".join(words.split()[:MAX_WORDS]))
        if readings:
            parts.append("( " + " | ".join(f"( {reading} )" for reading in readings) + " )")
    for run in _CJK_RUN.findall(text)[:MAX_WORDS]:
        grams = [_lexeme(gram) for gram in cjk_bigrams(run)]
        if len(run) == 1:
            # One character: as a word of its own, or the start of a pair.
            parts.append(f"( {grams[0]} | {grams[0]}:* )")
        else:
            parts.append("( " + " <-> ".join(grams) + " )")
    return " & ".join(parts) or None


def _lexeme(text):
    return "'" + text.replace("'", "''") + "'"


@functools.lru_cache(maxsize=2048)
def _readings(words):
    """The distinct, non-empty tsquery texts of ``words`` in each configuration
    (what the database's parsers and dictionaries make of them; always the same
    for the same words, hence remembered)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT q FROM (SELECT websearch_to_tsquery(c::regconfig, %s)::text AS q "
            "FROM unnest(%s::text[]) AS c) s WHERE q <> '' ORDER BY q",
            [words, list(SEARCH_CONFIGS)],
        )
        return tuple(_whole_words(row[0]) for row in cursor.fetchall())


# A hyphenated word as the parsers read it: the whole, then each of its parts at
# the next positions ("e-government": 'e-govern' <-> 'e' <-> 'govern'). The whole
# alone finds the same activities, without reading positions (the word index can
# then answer it; see activities/words.py). Left as it is when other words follow
# in a phrase, or when a part was dropped (a stop word: '<2>').
_COMPOUND = re.compile(r"'((?:[^']|'')*?-(?:[^']|'')*)'((?: <-> '(?:[^']|'')*')+)(?!\s*<)")


def _whole_words(reading):
    def whole(match):
        if match.group(2).count(" <-> ") == match.group(1).count("-") + 1:
            return f"'{match.group(1)}'"
        return match.group(0)

    return _COMPOUND.sub(whole, reading)


def _search_postgresql(queryset, text):

    query = search_query(text)
    if query is None:  # only stop words or punctuation: nothing matches
        return queryset.none().annotate(search_tier=Value(1, output_field=IntegerField()))
    tsquery = Cast(Value(query), output_field=SearchQueryField())
    # The stored, GIN-indexed vector, kept current by a trigger.
    matches = Func(
        F("search_vector"),
        tsquery,
        arg_joiner=" @@ ",
        template="(%(expressions)s)",
        output_field=BooleanField(),
    )
    return queryset.filter(matches).annotate(search_tier=_title_tier(tsquery))


def _title_tier(tsquery):
    """0 when the words match in the title alone, 1 otherwise: the relevance a
    search is ordered by (then the listing's usual order), the same that the
    word index (activities/words.py) computes with its title bitmaps."""
    in_title = Func(
        Func(F("search_vector"), Value("{a}"), function="ts_filter"),
        tsquery,
        arg_joiner=" @@ ",
        template="(%(expressions)s)",
        output_field=BooleanField(),
    )
    return Case(When(in_title, then=Value(0)), default=Value(1), output_field=IntegerField())


def nulls_last():
    """Whether an ascending order puts NULL last (PostgreSQL) or first (SQLite)."""
    return is_postgresql()


def ids_of(queryset):
    """The ids of ``queryset``'s rows. On PostgreSQL as one array (hundreds of
    thousands for a common word: one value to read, no row objects);
    elsewhere row by row."""
    queryset = queryset.order_by()
    if not is_postgresql(connections[queryset.db]):
        return list(queryset.values_list("id", flat=True))
    if queryset.query.is_empty():
        return []
    sql, params = queryset.values("id").query.sql_with_params()
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(f"SELECT array_agg(id) FROM ({sql}) s", params)
        return cursor.fetchone()[0] or []


def among(queryset, ids):
    """``queryset`` narrowed to the ``ids`` (many: one array on PostgreSQL, whose
    rows are then found by their primary key)."""

    if is_postgresql(connections[queryset.db]):
        text = "{" + ",".join(map(str, ids)) + "}"
        return queryset.filter(pk__in=RawSQL("SELECT unnest(%s::bigint[])", [text]))
    return queryset.filter(pk__in=list(ids))


def ranks_by_relevance():
    """Whether ``search`` annotates ``search_tier`` (the order when ``q`` is given)."""
    return is_postgresql()


# The facet index's rows ------------------------------------------------------------

# The facets read from the activity's own columns, and from its lists.
INDEX_COLUMNS = {
    "year": "year",
    "language": "language",
    "cycle": "cycle_id",
    "entity_kind": "entity__kind",
    "paragraph": "source_paragraph",
}
INDEX_LISTS = {
    "action_line": "action_lines",
    "region": "regions",
    "sdg": "sdgs",
    "theme": "themes",
    "trend": "trends",
    "entity": "entities",
}
_ARRAYS = {
    "action_line": "action_line_ids",
    "region": "region_ids",
    "sdg": "sdg_ids",
    "theme": "theme_ids",
    "trend": "trend_ids",
    "entity": "entity_ids",
}


def index_groups(activities):
    """For the facet index: the ids of ``activities`` (a queryset), and for each
    facet ``{key: [activity ids]}``. ``action_line`` holds each sub-area's
    activities under its parent too; ``entity`` the lead and the partners.

    PostgreSQL groups the ids itself (``array_agg``), from the activities' own
    arrays of ids (migration 0007); elsewhere the rows and the join tables are
    grouped here.
    """
    if is_postgresql():
        return _groups_aggregated(activities)
    return _groups_joined(activities)


def _groups_aggregated(activities):

    base = activities.order_by()
    database = activities.db
    groups = {}
    with connections[database].cursor() as cursor:
        sql, params = base.values("id").query.sql_with_params()
        cursor.execute(f"SELECT array_agg(id) FROM ({sql}) s", params)
        ids = cursor.fetchone()[0] or []
        for facet, column in INDEX_COLUMNS.items():
            sql, params = base.values_list("id", column).query.sql_with_params()
            cursor.execute(
                f"SELECT v, array_agg(i) FROM ({sql}) s (i, v) WHERE v IS NOT NULL GROUP BY v",
                params,
            )
            groups[facet] = dict(cursor.fetchall())
        for facet, column in _ARRAYS.items():
            sql, params = base.values_list("id", column).query.sql_with_params()
            cursor.execute(
                f"SELECT v, array_agg(i) FROM ({sql}) s (i, a), unnest(s.a) v GROUP BY v",
                params,
            )
            groups[facet] = dict(cursor.fetchall())
    return ids, groups


def _groups_joined(activities):
    Activity = activities.model
    base = activities.order_by()
    ids_query = base.values("id")
    groups = {facet: {} for facet in (*INDEX_COLUMNS, *INDEX_LISTS)}
    ids = []
    columns = list(INDEX_COLUMNS.items())
    for row in base.values_list("id", "entity_id", *INDEX_COLUMNS.values()).iterator(10_000):
        ids.append(row[0])
        groups["entity"].setdefault(row[1], []).append(row[0])
        for (facet, _column), value in zip(columns, row[2:], strict=True):
            if value is not None:
                groups[facet].setdefault(value, []).append(row[0])
    tables = Activity.join_tables()
    parents = dict(
        Activity.action_lines.field.related_model.objects.filter(parent__isnull=False).values_list(
            "pk", "parent_id"
        )
    )
    for facet, name in INDEX_LISTS.items():
        through, column = tables["partners" if name == "entities" else name]
        target = groups[facet]
        rows = through.objects.filter(activity_id__in=ids_query).values_list("activity_id", column)
        for activity_id, value in rows.iterator(10_000):
            target.setdefault(value, []).append(activity_id)
            if facet == "action_line" and value in parents:
                target.setdefault(parents[value], []).append(activity_id)
    # A parent named with one of its sub-areas, a lead also among the partners:
    # once each (the bitmaps would take them once anyway).
    return ids, groups


# The CSV export's lines, written by the database -----------------------------------


def copy_csv_lines(sql, params, using, lines_per_piece):
    """The rows of the query ``sql`` as CSV lines (``COPY … TO STDOUT WITH (FORMAT
    csv)``), in pieces of ``lines_per_piece`` lines (bytes, UTF-8), each line
    ended by ``\\r\\n`` as Python's ``csv`` module ends them.

    The server sends one message per row, ended by ``\\n`` (a field's own line
    breaks are inside its quotes), so the end of each message is the end of a
    line. Rows are read as the server writes them: memory holds one piece.

    While the COPY runs, the connection can do nothing else. Should anything
    else use it before the last line is read (another query of the same
    request or test), the rest of the rows is first set aside in a temporary
    file, from which the pieces then come. An error mid-way is raised (as
    Django's database errors), never swallowed; closing the generator early
    cancels the statement.
    """
    connection = connections[using]
    connection.ensure_connection()
    copying = contextlib.ExitStack()
    state = {"file": None, "error": None}

    def set_aside(execute, sql, params, many, context):
        if state["file"] is None and state["error"] is None:
            state["file"] = rest = tempfile.TemporaryFile()  # noqa: SIM115 (closed below)
            try:
                with copying:
                    for row in copy:
                        rest.write(row[:-1])
                        rest.write(b"\r\n")
            except BaseException as exc:
                state["error"] = exc  # for the export too, not only this query
                raise
            rest.seek(0)
        return execute(sql, params, many, context)

    try:
        with copying:
            copying.enter_context(connection.wrap_database_errors)
            cursor = copying.enter_context(connection.cursor())
            copy = copying.enter_context(
                cursor.cursor.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)", params)
            )
            connection.execute_wrappers.append(set_aside)
            try:
                read = copy.read
                batch = []
                add = batch.append
                while state["file"] is None and (row := read()):
                    add(row[:-1])
                    if len(batch) == lines_per_piece:
                        add(b"")
                        yield b"\r\n".join(batch)
                        batch.clear()
                if batch:
                    add(b"")
                    yield b"\r\n".join(batch)
            finally:
                connection.execute_wrappers.remove(set_aside)
        if state["error"] is not None:
            raise state["error"]
        if rest := state["file"]:
            while piece := rest.read(1 << 20):
                yield piece
    finally:
        if state["file"] is not None:
            state["file"].close()


# The word index's rows (activities/words.py) ----------------------------------------


def has_word_index():
    """Whether searches can use the word index: it is made of the stored search
    vectors, which only PostgreSQL has (SQLite searches by containment)."""
    return is_postgresql()


def id_bounds(queryset):
    """The lowest and highest id of ``queryset``'s rows, or (None, None)."""
    bounds = queryset.order_by().aggregate(low=Min("id"), high=Max("id"))
    return bounds["low"], bounds["high"]


def word_postings(queryset):
    """For the word index: each word (lexeme) of the stored search vectors of
    ``queryset``'s activities, with the ids holding it anywhere and the ids
    holding it in the title (weight A; None when none), as
    ``[(lexeme, ids, title_ids), …]``. The caller reads a range of ids at a time."""
    sql, params = queryset.order_by().values("id", "search_vector").query.sql_with_params()
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(
            "SELECT w.lexeme, array_agg(s.id), "
            "array_agg(s.id) FILTER (WHERE 'A' = ANY(w.weights)) "
            f"FROM ({sql}) s, unnest(s.search_vector) w GROUP BY w.lexeme",
            params,
        )
        return cursor.fetchall()


def word_matches(queryset, queries):
    """For each of ``queries`` (tsquery texts, see ``search_query``), the ids of
    ``queryset``'s activities whose search vector matches it, and those of them
    matching in the title alone: a list of pairs of lists, in one query (each
    query found through the GIN index)."""
    if not queries:
        return []
    sql, params = queryset.order_by().values("id", "search_vector").query.sql_with_params()
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(
            "SELECT q.n, array_agg(s.id), "
            "array_agg(s.id) FILTER (WHERE ts_filter(s.search_vector, '{a}') @@ q.q) "
            f"FROM ({sql}) s JOIN unnest(CAST(%s AS tsquery[])) WITH ORDINALITY q (q, n) "
            "ON s.search_vector @@ q.q GROUP BY q.n",
            [*params, list(queries)],
        )
        found = {n: (ids, title_ids or []) for n, ids, title_ids in cursor.fetchall()}
    return [found.get(n, ([], [])) for n in range(1, len(queries) + 1)]
