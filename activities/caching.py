"""What the public pages cache, and when they forget it.

The reference records and anonymous visitors' whole pages and API lists
depend only on published work, so they are cached under a key that includes a
*generation* number, which any change the public could see moves on
(activities/signals.py). Old entries are never read again and expire by
themselves. Counts are not cached: the facet index computes them for every
page (activities/facets.py). The cache is Django's (local memory by default,
Redis when REDIS_URL is set, shared by all app processes).
"""

import hashlib
import secrets

from django.core.cache import cache
from django.db import transaction
from django.http import QueryDict

GENERATION_KEY = "activities:generation"
TIMEOUT = 60 * 60 * 24


def generation():
    value = cache.get(GENERATION_KEY)
    if value is None:
        cache.add(GENERATION_KEY, 1, timeout=None)
        value = cache.get(GENERATION_KEY, 1)
    return value


def invalidate():
    """Forget every cached count (something an activity shows may have changed)."""
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:
        cache.set(GENERATION_KEY, 2, timeout=None)


def published_work_changed():
    """What the public sees may have changed: forget the cached pages now (for
    this transaction's own reads) and again after commit (in case another
    process cached the old ones meanwhile)."""
    invalidate()
    transaction.on_commit(_committed)


def _committed():
    invalidate()


def _full_key(key, current=None):
    digest = hashlib.sha1(key.encode()).hexdigest()
    return f"activities:{current or generation()}:{digest}"


def cached(key, compute):
    # The generation is read once, before computing: what was computed from data
    # older than a change is stored under the generation before it, stale at once.
    full_key = _full_key(key)
    value = cache.get(full_key)
    if value is None:
        value = compute()
        cache.set(full_key, value, TIMEOUT)
    return value


def cached_many(keys, compute):
    """Like ``cached`` for several values in one round trip to the cache.

    ``keys`` maps names to cache keys; ``compute(names)`` returns the missing
    values by name, which are stored before everything is returned by name.
    """
    current = generation()  # read once, before computing, not once per key
    full = {name: _full_key(key, current) for name, key in keys.items()}
    found = cache.get_many(list(full.values()))
    values = {name: found[key] for name, key in full.items() if key in found}
    missing = [name for name in keys if name not in values]
    if missing:
        computed = compute(missing)
        cache.set_many({full[name]: computed[name] for name in missing}, TIMEOUT)
        values.update(computed)
    return values


def cached_value(key, current):
    """What ``store_value`` kept under ``key`` in generation ``current``, or None."""
    return cache.get(_full_key(key, current))


def store_value(key, value, current):
    """Keep ``value`` under ``key`` in generation ``current``: the one the caller
    read *before* computing the value. Storing it under the generation read
    afterwards could keep a page computed before a withdrawal as current."""
    cache.set(_full_key(key, current), value, TIMEOUT)


def normalise_query(request, names):
    """Keep only the recognised query parameters ``names``, each value once,
    empty values left out, in a stable order, and return that query string.

    The request is changed to match (``GET`` and the query string its pages
    echo), so what is computed for it depends on exactly what the cache key
    holds: unknown or repeated parameters cannot mint new entries.
    """
    pairs = sorted(
        {
            (name, value)
            for name, values in request.GET.lists()
            if name in names
            for value in values
            if value != ""
        }
    )
    query = QueryDict(mutable=True)
    for name, value in pairs:
        query.appendlist(name, value)
    query._mutable = False
    request.GET = query
    request.META["QUERY_STRING"] = query.urlencode()
    return request.META["QUERY_STRING"]


# This process's copy of each table's records: (token, records).
_records_here = {}


def records(model):
    """All records of a small reference table (action lines, regions, SDGs, themes,
    trends, entities), cached until the next change (signals move the generation).

    The cache holds them with a random token, and the token alone under a key
    of its own: while the cache's token is the one this process read them
    with, the process reuses its own copy (read-only, shared by its threads)
    rather than unpickling hundreds of records for every page. A change, or a
    cache emptied, gives a new token.
    """
    label = model._meta.label_lower
    current = generation()
    token_key = _full_key(f"records-token:{label}", current)
    token = cache.get(token_key)
    here = _records_here.get(label)
    if token is not None and here is not None and here[0] == token:
        return here[1]
    records_key = _full_key(f"records-with-token:{label}", current)
    value = cache.get(records_key)
    if value is None:
        value = (secrets.token_hex(8), list(model.objects.all()))
        if not cache.add(records_key, value, TIMEOUT):  # another process was first
            value = cache.get(records_key) or value
    cache.set(token_key, value[0], TIMEOUT)
    _records_here[label] = value
    return value[1]
