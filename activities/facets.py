"""The facet index: one compressed bitmap (pyroaring) of published activity ids
per facet value, held in each app process. Every count of the public's pages
and API asks it.

* It holds **published ids only**, so nothing unpublished can be counted
  through it. A combination of filters is an intersection of unions of
  bitmaps; all facets of a page are a handful of cardinalities (milliseconds at
  a million activities, the same code on every database).
* It stays **current in every process**: each change to published work moves
  the version of the public data (``PublicDataVersion``) in its own
  transaction and notes which activities it touched (``PublicDataChange``,
  see activities/changes.py). Each request that counts compares the
  process's version with the database's (one query) and, if they differ,
  patches the changed ids (or rebuilds, when the change says "anything", or
  the changes since are no longer all there).
* It starts quickly: built lazily on the first count, or loaded from the
  snapshot that the last build or refresh wrote (``PUBLIC_FILES_DIR``), then
  patched forward like any other.

The page's own rows (twenty, in order) are still read from the database.
"""

import logging
import os
import pickle
import tempfile
import threading
import time
from pathlib import Path

from django.conf import settings
from django.db import connections, router
from django.dispatch import Signal, receiver
from pyroaring import BitMap

from .changes import changes_since, public_data_committed, read_version
from .db import index_groups
from .models import Activity

logger = logging.getLogger(__name__)

# The facets and what their bitmaps are keyed by.
FACETS = (
    "action_line",  # ActionLine id (a parent holds its sub-areas' activities too)
    "region",  # Region id
    "sdg",  # SDG id
    "theme",  # Theme id
    "trend",  # Trend id
    "entity",  # Entity id, lead or partner
    "entity_kind",  # the lead entity's kind
    "year",
    "language",
    "cycle",  # ReviewCycle id
    "paragraph",  # the paragraph of its report (source_paragraph), for the default order only
)
SNAPSHOT_NAME = "facet-index.pickle"
SNAPSHOT_FORMAT = 2
MAX_PATCH = 20_000  # changed activities beyond which rebuilding is the quicker


def _bitmap(values):
    bitmap = BitMap(values)
    bitmap.run_optimize()
    return bitmap


class FacetIndex:
    """The bitmaps at one version of the public data. Never changed once made
    (``patched`` makes another), so requests in several threads can read it."""

    def __init__(self, everything, bitmaps, version, token):
        self.everything = everything
        self.bitmaps = bitmaps  # {facet: {key: BitMap}}
        self.version = version
        self.token = token

    def __len__(self):
        return len(self.everything)

    def select(self, facet, keys):
        """The activities with any of ``keys`` in ``facet``."""
        maps = self.bitmaps[facet]
        found = [maps[key] for key in keys if key in maps]
        if not found:
            return BitMap()
        return BitMap.union(*found) if len(found) > 1 else found[0]

    def counts(self, facet, within):
        """``{key: activities}`` of ``facet`` among the activities ``within``."""
        return {
            key: n
            for key, bitmap in self.bitmaps[facet].items()
            if (n := within.intersection_cardinality(bitmap))
        }

    def intersection(self, selections):
        """The published activities in every one of ``selections`` (bitmaps)."""
        if not selections:
            return self.everything
        ordered = sorted(selections, key=len)
        return BitMap.intersection(*ordered) if len(ordered) > 1 else ordered[0]

    def window(self, within, start, stop, nulls_last):
        """The ids of ``within`` (a bitmap of published ids) from ``start`` to
        ``stop`` in the listing's default order: year (newest first), the
        paragraph of its report, id. Activities without a paragraph come after
        those with one (``nulls_last``, PostgreSQL) or before them (SQLite), as
        the database orders them. A few cardinalities and one intersection per
        year, whatever the page: the page's query then reads just these rows.
        """
        years = self.bitmaps["year"]
        paragraphs = self.bitmaps["paragraph"]
        found, position = [], 0
        for year in sorted(years, reverse=True):
            if position >= stop:
                break
            size = within.intersection_cardinality(years[year])
            if position + size <= start:
                position += size
                continue
            in_year = within & years[year]
            groups, numbered = [], BitMap()
            for paragraph in sorted(paragraphs):
                if group := in_year & paragraphs[paragraph]:
                    groups.append(group)
                    numbered |= group
            rest = in_year - numbered
            groups = [*groups, rest] if nulls_last else [rest, *groups]
            for group in groups:
                size = len(group)
                if position + size > start and position < stop:
                    found.extend(group[max(0, start - position) : min(size, stop - position)])
                position += size
        return found

    def windows(self, parts, start, stop, nulls_last):
        """``window`` over ``parts`` (bitmaps of published ids, one after the
        other: a search's title matches, then the rest), each in the default order."""
        found, position = [], 0
        for part in parts:
            if position >= stop:
                break
            size = len(part)
            if position + size > start:
                found.extend(
                    self.window(part, max(0, start - position), stop - position, nulls_last)
                )
            position += size
        return found

    @classmethod
    def build(cls, activities, version, token):
        """From the rows of ``activities`` (the published queryset)."""
        ids, groups = index_groups(activities)
        bitmaps = {
            facet: {key: _bitmap(values) for key, values in groups.get(facet, {}).items()}
            for facet in FACETS
        }
        return cls(_bitmap(ids), bitmaps, version, token)

    def patched(self, changed, activities, version, token):
        """Another index, with the activities ``changed`` (ids) as ``activities``
        (the published queryset) now has them; the rest shared with this one."""
        changed = BitMap(changed)
        fresh = FacetIndex.build(activities.filter(pk__in=list(changed)), version, token)
        bitmaps = {}
        for facet in FACETS:
            keyed = dict(self.bitmaps[facet])
            for key, bitmap in self.bitmaps[facet].items():
                if bitmap.intersect(changed):
                    keyed[key] = bitmap - changed
            for key, added in fresh.bitmaps[facet].items():
                keyed[key] = keyed[key] | added if key in keyed else added
            bitmaps[facet] = {key: bitmap for key, bitmap in keyed.items() if bitmap}
        everything = (self.everything - changed) | fresh.everything
        return FacetIndex(everything, bitmaps, version, token)

    def dumps(self):
        return pickle.dumps(
            {
                "format": SNAPSHOT_FORMAT,
                "version": self.version,
                "token": self.token,
                "everything": self.everything.serialize(),
                "bitmaps": {
                    facet: {key: bitmap.serialize() for key, bitmap in keyed.items()}
                    for facet, keyed in self.bitmaps.items()
                },
            },
            protocol=pickle.HIGHEST_PROTOCOL,
        )

    @classmethod
    def loads(cls, data):
        # Only ever a file this application wrote itself, in its own folder.
        state = pickle.loads(data)  # noqa: S301
        if state.get("format") != SNAPSHOT_FORMAT:
            raise ValueError("an older snapshot format")
        return cls(
            BitMap.deserialize(state["everything"]),
            {
                facet: {key: BitMap.deserialize(b) for key, b in keyed.items()}
                for facet, keyed in state["bitmaps"].items()
            },
            state["version"],
            state["token"],
        )


_state = {"index": None, "snapshot_tried": False}
_lock = threading.RLock()


def _published(using):
    return Activity.objects.using(using).published()


def index_database():
    """Where the index and the whole-dataset files read from: the primary."""
    return router.db_for_write(Activity)


def current():
    """The index at the database's current version of the public data: this
    process's, patched or rebuilt first if the database has moved on."""
    # Always the primary: a replica's lag would make processes that read both
    # rebuild back and forth between two versions.
    using = index_database()
    version, token = read_version(using)
    index = _state["index"]
    if index is not None and (index.version, index.token) == (version, token):
        return index
    with _lock:
        index = _state["index"]
        if index is None and not _state["snapshot_tried"]:
            _state["snapshot_tried"] = True
            index = load_snapshot()
        if index is not None and (index.version, index.token) != (version, token):
            changed = changes_since(using, index.version, index.token, version)
            if changed is None or len(changed) > MAX_PATCH:
                index = None
            elif changed:
                index = index.patched(changed, _published(using), version, token)
            else:
                index = FacetIndex(index.everything, index.bitmaps, version, token)
        if index is None:
            index = FacetIndex.build(_published(using), version, token)
        _state["index"] = index
        return index


def reset():
    """Forget this process's index (the next count loads or builds it)."""
    with _lock:
        _state["index"] = None
        _state["snapshot_tried"] = False


def snapshot_path():
    return Path(settings.PUBLIC_FILES_DIR) / SNAPSHOT_NAME


def save_snapshot(index=None):
    """Write the index (this process's current one) for processes that start
    later, replacing the old snapshot at once."""
    index = index or current()
    folder = Path(settings.PUBLIC_FILES_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=folder, prefix=".facet-index-", delete=False) as handle:
        handle.write(index.dumps())
        temporary = handle.name
    os.replace(temporary, folder / SNAPSHOT_NAME)
    return index


def load_snapshot():
    try:
        data = snapshot_path().read_bytes()
    except OSError:
        return None
    try:
        return FacetIndex.loads(data)
    except Exception:  # a damaged or older file: build instead
        logger.warning("The facet index snapshot %s cannot be read; building", snapshot_path())
        return None


# After changes: the snapshot and the whole-dataset files ---------------------------

REFRESH_DELAY = 2  # seconds without changes first: a publication saves many rows
_refreshing = {"due": 0.0, "thread": None}
_refreshing_lock = threading.Lock()


# Sent after ``refresh`` wrote the snapshot: the whole-dataset files follow.
index_refreshed = Signal()


def refresh():
    """Bring this process's index up to date and write its snapshot (for the
    processes that start later), then have the whole-dataset files rebuilt."""
    save_snapshot(current())
    index_refreshed.send(sender=FacetIndex)


@receiver(public_data_committed)
def _public_data_committed(**kwargs):
    refresh_soon()


def refresh_soon():
    """``refresh`` in a thread of this process once changes have stopped for
    REFRESH_DELAY seconds (``WARM_CACHE_AFTER_CHANGES``; off in the tests)."""
    if not settings.WARM_CACHE_AFTER_CHANGES:
        return
    with _refreshing_lock:
        _refreshing["due"] = time.monotonic() + REFRESH_DELAY
        if _refreshing["thread"] is not None:
            return  # the thread waits for the new due time, or refreshes again
        _refreshing["thread"] = threading.Thread(
            target=_refresh_when_quiet, name="facet-index-refresh", daemon=True
        )
        _refreshing["thread"].start()


def _refresh_when_quiet():
    try:
        while True:
            with _refreshing_lock:
                due = _refreshing["due"]
            if (wait := due - time.monotonic()) > 0:
                time.sleep(wait)
                continue
            try:
                refresh()
            except Exception:  # a slower first request later is the only cost
                logger.exception("Refreshing the facet index failed")
            with _refreshing_lock:
                if _refreshing["due"] == due:  # nothing changed while refreshing
                    _refreshing["thread"] = None
                    return
    finally:
        connections.close_all()  # this thread's own connections
