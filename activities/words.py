"""The word index: what a search (``q``) finds, from bitmaps held in each app
process beside the facet index, rather than from every row of the activities
holding the words (558,747 rows of a 1 GB table for "digital" at a million).

* For each word (lexeme) of the published activities' stored search vectors
  (PostgreSQL's, built in each activity's language, with pairs of Chinese
  characters; see activities/db.py), one compressed bitmap of the activities
  holding it, and one of those holding it in their **title**. Words in fewer
  than ``MIN_DOCS`` activities are left out and asked of the database when a
  query has them (its GIN index finds so few rows at once).
* A query is the database's own reading of ``q`` (``db.search_query``: every
  language's configuration, Chinese as phrases of pairs), evaluated over the
  bitmaps: ``&`` an intersection, ``|`` a union, ``!`` a difference. A phrase
  (``<->``) is first the intersection of its words, and these candidates are
  then checked by the database (at most ``MAX_CHECKED``; more, and the database
  searches as it would without the index).
* **Relevance** is where the words are: the activities matching in their title
  alone first, then the rest, each part in the listing's usual order. The
  database orders a search the same way (``search_tier``) when it is the one
  searching, so the order never depends on which of the two answered.
* **Exact at every version** of the public data: the activities changed since
  the version the index was made at (``changes_since``) are searched in the
  database, by their ids, and their bitmaps' bits ignored; the index is then
  brought forward in the background (or at once where nothing runs in the
  background, as in the tests). Unpublished work is never in it, and every
  result is intersected with the facet index's published activities anyway.
* Made from the database in ranges of ids (about 20 s at a million), written
  as a snapshot (``PUBLIC_FILES_DIR/word-index.pickle``) that processes start
  from; ``build_dataset_files`` writes it, and after each change the process
  that refreshes the facet index patches and writes it again. Until a process
  has it, its searches are answered by the database.

SQLite has no search vectors: there a search is plain containment, without
this index (``db.has_word_index``).
"""

import contextlib
import fcntl
import logging
import os
import pickle
import re
import tempfile
import threading
from pathlib import Path

from django.conf import settings
from django.db import connections
from django.dispatch import receiver
from pyroaring import BitMap

from . import db
from .changes import changes_since, read_version
from .facets import index_database, index_refreshed
from .models import Activity

logger = logging.getLogger(__name__)

MIN_DOCS = 20  # words in fewer activities are asked of the database
MAX_STALE = 5_000  # changed activities a search checks in the database itself
MAX_PATCH = 20_000  # changed activities beyond which the index is made again
MAX_CHECKED = 20_000  # candidates of a phrase checked in the database
CHUNK = 100_000  # ids read at a time when making the index
SNAPSHOT_NAME = "word-index.pickle"
SNAPSHOT_FORMAT = 2
LOCK_NAME = ".word-index.lock"


# Queries ------------------------------------------------------------------------------

_TOKEN = re.compile(
    r"\s*(?:(?P<lexeme>'(?:[^'\\]|''|\\.)*')(?P<flags>:[*A-Da-d]+)?"
    r"|(?P<phrase><(?:-|\d+)>)|(?P<op>[&|!()]))"
)


class QuerySyntaxError(ValueError):
    pass


def parse(query):
    """The tree of a tsquery text as PostgreSQL prints it: ``("word", lexeme,
    text)`` (``text`` as written, with any ``:*`` or weights, and lexeme None
    when it has them), ``("not", node)``, ``("and" | "or", [nodes])``,
    ``("phrase", [nodes], [operators])`` (``<->``, ``<2>``…).
    Operators bind as in PostgreSQL: ``!``, then ``<->``, then ``&``, then ``|``."""
    tokens, position = [], 0
    query = query.rstrip()
    while position < len(query):
        match = _TOKEN.match(query, position)
        if match is None or match.end() == position:
            raise QuerySyntaxError(query)
        position = match.end()
        tokens.append(match)
    tokens.append(None)
    at = [0]

    def peek(kind, value=None):
        token = tokens[at[0]]
        return (
            token is not None
            and token.group(kind) is not None
            and (value is None or token.group(kind) == value)
        )

    def take():
        at[0] += 1
        return tokens[at[0] - 1]

    def alternatives():
        nodes = [conjunction()]
        while peek("op", "|"):
            take()
            nodes.append(conjunction())
        return nodes[0] if len(nodes) == 1 else ("or", nodes)

    def conjunction():
        nodes = [phrase()]
        while peek("op", "&"):
            take()
            nodes.append(phrase())
        return nodes[0] if len(nodes) == 1 else ("and", nodes)

    def phrase():
        nodes, operators = [negation()], []
        while peek("phrase"):
            operators.append(take().group("phrase"))
            nodes.append(negation())
        return nodes[0] if len(nodes) == 1 else ("phrase", nodes, operators)

    def negation():
        if peek("op", "!"):
            take()
            return ("not", negation())
        if peek("op", "("):
            take()
            node = alternatives()
            if not peek("op", ")"):
                raise QuerySyntaxError(query)
            take()
            return node
        if peek("lexeme"):
            token = take()
            quoted = token.group("lexeme")
            text = quoted + (token.group("flags") or "")
            lexeme = re.sub(r"''|\\(.)", lambda m: m.group(1) or "'", quoted[1:-1])
            return ("word", None if token.group("flags") else lexeme, text)
        raise QuerySyntaxError(query)

    node = alternatives()
    if tokens[at[0]] is not None:
        raise QuerySyntaxError(query)
    return node


class Match:
    """What a search found: the published activities matching (``ids``) and
    those of them matching in their title alone (``titles``), as bitmaps."""

    def __init__(self, ids, titles):
        self.ids = ids
        self.titles = titles

    def tiers(self, within):
        """``within`` (a bitmap of results) in the order of relevance: the title
        matches, then the rest."""
        first = within & self.titles
        return [first, within - first]


class _Unsupported(Exception):
    """A query the bitmaps cannot answer quickly: a negation inside a phrase, or a
    phrase whose words many activities hold."""


class _Evaluation:
    def __init__(self, index, published, tree):
        self.index = index
        self.published = published
        # The words the index leaves out (rare, or with ":*"): asked of the
        # database together, in one query.
        asked = list(dict.fromkeys(text for lexeme, text in _words(tree) if not self.has(lexeme)))
        found = db.word_matches(published, asked)
        self.asked = {
            text: (BitMap(ids), BitMap(titles))
            for text, (ids, titles) in zip(asked, found, strict=True)
        }

    def has(self, lexeme):
        return lexeme is not None and lexeme in self.index.words

    def __call__(self, node):
        kind = node[0]
        if kind == "word":
            return self.word(node)
        if kind == "not":
            ids, titles = self(node[1])
            everything = self.index.everything
            return everything - ids, everything - titles
        parts = [self(child) for child in node[1]]
        if kind == "or":
            return BitMap.union(*[p[0] for p in parts]), BitMap.union(*[p[1] for p in parts])
        candidates = BitMap.intersection(*[p[0] for p in parts])
        if kind == "phrase":
            # The bitmaps know which words an activity holds, not where: its
            # candidates (those holding every word) are checked by the database.
            if _has_negation(node) or len(candidates) > MAX_CHECKED:
                raise _Unsupported
            if not candidates:
                return candidates, candidates
            [(ids, titles)] = db.word_matches(db.among(self.published, candidates), [_text(node)])
            return BitMap(ids), BitMap(titles)
        return candidates, BitMap.intersection(*[p[1] for p in parts])

    def word(self, node):
        _kind, lexeme, text = node
        if self.has(lexeme):
            return self.index.words[lexeme], self.index.titles.get(lexeme, _EMPTY)
        return self.asked[text]


def _words(node):
    """The ``(lexeme, text)`` of each word of a node of ``parse``."""
    if node[0] == "word":
        return [node[1:]]
    if node[0] == "not":
        return _words(node[1])
    return [word for child in node[1] for word in _words(child)]


def _text(node):
    """The tsquery text of a node of ``parse``."""
    kind = node[0]
    if kind == "word":
        return node[2]
    if kind == "not":
        return f"!( {_text(node[1])} )"
    if kind == "phrase":
        text = f"( {_text(node[1][0])} )"
        for operator, child in zip(node[2], node[1][1:], strict=True):
            text += f" {operator} ( {_text(child)} )"
        return text
    joiner = " & " if kind == "and" else " | "
    return joiner.join(f"( {_text(child)} )" for child in node[1])


_EMPTY = BitMap()


def _has_negation(node):
    if node[0] == "not":
        return True
    return node[0] != "word" and any(_has_negation(child) for child in node[1])


# The index ------------------------------------------------------------------------------


def _bitmap(values):
    bitmap = BitMap(values)
    bitmap.run_optimize()
    return bitmap


def _published(using):
    return Activity.objects.using(using).published()


def _postings(activities, words, titles):
    """Add the words of ``activities`` (a queryset) to ``words`` and ``titles``,
    a range of ids at a time."""
    low, high = db.id_bounds(activities)
    if low is None:
        return
    for start in range(low, high + 1, CHUNK):
        chunk = activities.filter(pk__gte=start, pk__lt=start + CHUNK)
        for lexeme, ids, title_ids in db.word_postings(chunk):
            for into, found in ((words, ids), (titles, title_ids)):
                if found:
                    if lexeme in into:
                        into[lexeme] |= BitMap(found)
                    else:
                        into[lexeme] = BitMap(found)


class WordIndex:
    """The word bitmaps at one version of the public data. Never changed once
    made (``patched`` makes another), so requests in several threads read it."""

    def __init__(self, everything, words, titles, version, token):
        self.everything = everything  # the published activities at this version
        self.words = words  # {lexeme: BitMap}
        self.titles = titles  # {lexeme: BitMap}, the same words in titles
        self.version = version
        self.token = token
        self._changes = {}

    def __len__(self):
        return len(self.words)

    @classmethod
    def build(cls, activities, version, token):
        """From the stored search vectors of ``activities`` (the published)."""
        words, titles = {}, {}
        _postings(activities, words, titles)
        words = {w: b for w, b in words.items() if len(b) >= MIN_DOCS}
        titles = {w: b for w, b in titles.items() if w in words}
        for bitmap in (*words.values(), *titles.values()):
            bitmap.run_optimize()
        everything = _bitmap(db.ids_of(activities))
        return cls(everything, words, titles, version, token)

    def patched(self, changed, activities, version, token):
        """Another index, with the activities ``changed`` (ids) as ``activities``
        (the published) now have them; the rest shared with this one."""
        changed = BitMap(changed)
        fresh = activities.filter(pk__in=list(changed))
        added, added_titles = {}, {}
        _postings(fresh, added, added_titles)
        words, titles = {}, {}
        for into, old, new in ((words, self.words, added), (titles, self.titles, added_titles)):
            for lexeme, bitmap in old.items():
                if bitmap.intersect(changed):
                    bitmap = bitmap - changed
                if lexeme in new:
                    bitmap = bitmap | new[lexeme]
                if bitmap:
                    into[lexeme] = bitmap
        # A word new to the index: all its activities, if it is common now.
        new = [w for w, ids in added.items() if w not in self.words and len(ids) >= MIN_DOCS]
        found = db.word_matches(activities, [_quoted(lexeme) for lexeme in new])
        for lexeme, (ids, in_titles) in zip(new, found, strict=True):
            words[lexeme] = _bitmap(ids)
            if in_titles:
                titles[lexeme] = _bitmap(in_titles)
        everything = (self.everything - changed) | BitMap(db.ids_of(fresh))
        return WordIndex(everything, words, titles, version, token)

    def changes(self, using, version, token):
        """The ids changed since this index's version up to ``(version,
        token)``, as a bitmap; None when that cannot be told."""
        if (self.version, self.token) == (version, token):
            return _EMPTY
        key = (version, token)
        if key not in self._changes:
            changed = changes_since(using, self.version, self.token, version)
            self._changes = {key: None if changed is None else BitMap(changed)}
        return self._changes[key]

    def write(self, handle):
        """To the file ``handle``: a header (pickled), then each bitmap's bytes,
        so that reading it back never holds the whole file in memory."""
        parts = [
            (w, b.serialize(), self.titles[w].serialize() if w in self.titles else b"")
            for w, b in self.words.items()
        ]
        header = {
            "format": SNAPSHOT_FORMAT,
            "version": self.version,
            "token": self.token,
            "everything": self.everything.serialize(),
            "words": [(w, len(ids), len(titles)) for w, ids, titles in parts],
        }
        pickle.dump(header, handle, protocol=pickle.HIGHEST_PROTOCOL)
        for _word, ids, titles in parts:
            handle.write(ids)
            handle.write(titles)

    @classmethod
    def read(cls, handle):
        # Only ever a file this application wrote itself, in its own folder.
        header = pickle.load(handle)  # noqa: S301
        if header.get("format") != SNAPSHOT_FORMAT:
            raise ValueError("an older snapshot format")
        words, titles = {}, {}
        for word, size, title_size in header["words"]:
            words[word] = BitMap.deserialize(_exactly(handle, size))
            if title_size:
                titles[word] = BitMap.deserialize(_exactly(handle, title_size))
        if handle.read(1):
            raise ValueError("more than the snapshot")
        return cls(
            BitMap.deserialize(header["everything"]),
            words,
            titles,
            header["version"],
            header["token"],
        )


def _exactly(handle, size):
    data = handle.read(size)
    if len(data) != size:
        raise ValueError("a snapshot cut short")
    return data


def _quoted(lexeme):
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


def search(index, text, facet_index, using):
    """What ``text`` finds among the published activities at the facet index's
    version, from the word ``index``: a ``Match``, or None when the index cannot
    tell quickly (too much changed since it was made, or a phrase with too many
    candidates) and the database should search."""
    query = db.search_query(text)
    if query is None:  # only stop words or signs
        return Match(BitMap(), BitMap())
    stale = index.changes(using, facet_index.version, facet_index.token)
    if stale is None or len(stale) > MAX_STALE:
        return None
    published = _published(using)
    try:
        tree = parse(query)
        ids, titles = _Evaluation(index, published, tree)(tree)
    except (_Unsupported, QuerySyntaxError):
        return None
    if stale:  # their bits are from before they changed: the database says
        [(found, in_titles)] = db.word_matches(db.among(published, stale), [query])
        ids = (ids - stale) | BitMap(found)
        titles = (titles - stale) | BitMap(in_titles)
    ids &= facet_index.everything
    return Match(ids, titles & ids)  # ("!x" matches in a title without x, not always overall)


# This process's index ---------------------------------------------------------------------

_state = {"index": None, "snapshot_tried": False, "thread": None, "saved": None}
_lock = threading.RLock()  # the state
_update_lock = threading.Lock()  # one update at a time in this process


def matches(text, facet_index):
    """What ``text`` finds (a ``Match``) at ``facet_index``'s version, from this
    process's word index; None when the database should search (no word index on
    this database, or not yet in this process, or behind and being updated)."""
    if not db.has_word_index():
        return None
    using = index_database()
    index = _state["index"] or load()
    if index is None or (index.version, index.token) != (facet_index.version, facet_index.token):
        update_soon()
        index = _state["index"]  # updated at once where nothing runs in the background
    if index is None:
        return None
    return search(index, text, facet_index, using)


def load():
    """This process's index from the snapshot, when it has none yet (as a worker
    starts); the first search makes it if there is no snapshot."""
    with _lock:
        if _state["index"] is None and not _state["snapshot_tried"]:
            _state["snapshot_tried"] = True
            _state["index"] = load_snapshot()
        return _state["index"]


def current():
    """This process's word index, or None."""
    return _state["index"]


def reset():
    """Forget this process's index (the next search loads or makes it)."""
    with _lock:
        _state["index"] = None
        _state["snapshot_tried"] = False
        _state["saved"] = None


def update():
    """Bring this process's index to the database's version: patched with what
    changed, or taken from a newer snapshot, or made again; then written as the
    snapshot. One process at a time makes it (a lock file), so processes
    started together make it once and the others load it."""
    using = index_database()
    with _update_lock, _file_lock():
        version, token = read_version(using)
        published = _published(using)
        index = _state["index"]
        changed = None if index is None else index.changes(using, version, token)
        if changed is None or len(changed) > MAX_PATCH:
            snapshot = load_snapshot()
            if snapshot is not None:
                index, changed = snapshot, snapshot.changes(using, version, token)
        if index is None or changed is None or len(changed) > MAX_PATCH:
            index = WordIndex.build(published, version, token)
        elif changed:
            index = index.patched(changed, published, version, token)
        elif (index.version, index.token) != (version, token):
            index = WordIndex(index.everything, index.words, index.titles, version, token)
        with _lock:
            _state["index"] = index
        _save_snapshot(index)
        return index


def update_soon():
    """``update`` in a thread of this process (at once when nothing runs in the
    background, ``WARM_CACHE_AFTER_CHANGES`` off, as in the tests)."""
    if not settings.WARM_CACHE_AFTER_CHANGES:
        update()
        return
    with _lock:
        if _state["thread"] is not None:
            return
        _state["thread"] = threading.Thread(target=_update_now, name="word-index", daemon=True)
        _state["thread"].start()


def _update_now():
    try:
        update()
    except Exception:  # searches go to the database meanwhile
        logger.exception("Updating the word index failed")
    finally:
        with _lock:
            _state["thread"] = None
        connections.close_all()  # this thread's own connections


@receiver(index_refreshed)
def _index_refreshed(**kwargs):
    """After a change, in the thread that refreshed the facet index: bring the
    word index forward too and write its snapshot."""
    if db.has_word_index():
        update()


# The snapshot ----------------------------------------------------------------------------


def snapshot_path():
    return Path(settings.PUBLIC_FILES_DIR) / SNAPSHOT_NAME


@contextlib.contextmanager
def _file_lock():
    folder = Path(settings.PUBLIC_FILES_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / LOCK_NAME, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _save_snapshot(index):
    """Write ``index`` for processes that start later, replacing the old
    snapshot at once (unless this process wrote this version already)."""
    if _state["saved"] == (index.version, index.token):
        return
    folder = Path(settings.PUBLIC_FILES_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=folder, prefix=".word-index-", delete=False) as handle:
        index.write(handle)
        temporary = handle.name
    os.replace(temporary, folder / SNAPSHOT_NAME)
    _state["saved"] = (index.version, index.token)


def load_snapshot():
    try:
        handle = open(snapshot_path(), "rb")  # noqa: SIM115 (closed below)
    except OSError:
        return None
    try:
        with handle:
            return WordIndex.read(handle)
    except Exception:  # a damaged or older file: made again instead
        logger.warning("The word index snapshot %s cannot be read; making it", snapshot_path())
        return None
