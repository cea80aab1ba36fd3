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
  (``is_postgresql``).

This is the only module that looks at the database's vendor.
"""

import functools
import re

from django.contrib.postgres.search import SearchQueryField
from django.db import connection, connections
from django.db.models import BooleanField, F, FloatField, Func, Q, Value
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
    annotated with ``search_rank`` (relevance, for the default order)."""
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
        return tuple(row[0] for row in cursor.fetchall())


def _search_postgresql(queryset, text):

    query = search_query(text)
    if query is None:  # only stop words or punctuation: nothing matches
        return queryset.none().annotate(search_rank=Value(0.0, output_field=FloatField()))
    tsquery = Cast(Value(query), output_field=SearchQueryField())
    # The stored, GIN-indexed vector, kept current by a trigger.
    matches = Func(
        F("search_vector"),
        tsquery,
        arg_joiner=" @@ ",
        template="(%(expressions)s)",
        output_field=BooleanField(),
    )
    rank = Func(F("search_vector"), tsquery, function="ts_rank", output_field=FloatField())
    return queryset.filter(matches).annotate(search_rank=rank)


def ranks_by_relevance():
    """Whether ``search`` annotates ``search_rank`` (the order when ``q`` is given)."""
    return is_postgresql()


# The facet index's rows ------------------------------------------------------------

# The facets read from the activity's own columns, and from its lists.
INDEX_COLUMNS = {
    "year": "year",
    "language": "language",
    "cycle": "cycle_id",
    "entity_kind": "entity__kind",
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
