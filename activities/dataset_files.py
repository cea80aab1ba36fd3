"""The whole published dataset as files (CSV and JSON), so that "download
everything" is a file served with its length rather than a long stream.

The files are written after each change to published work (in a background
thread of the process that made the change, or by ``build_dataset_files``)
into ``PUBLIC_FILES_DIR``, each under a new name, and then swapped in by
replacing a small manifest in one step. The manifest says which version of
the public data (``PublicDataVersion``) a file holds; a file is served only
while that is still the database's version and its addresses were written for
the host asked, otherwise the export is streamed from the database as before.
So a file can be out of date for a moment, but is never served out of date.
"""

import contextlib
import fcntl
import json
import logging
import os
import tempfile
import threading
from pathlib import Path

from django.conf import settings
from django.db import connections
from django.dispatch import receiver

from . import exports
from .changes import read_version
from .facets import index_database, index_refreshed
from .filters import ActivityFilter

logger = logging.getLogger(__name__)

FORMATS = {
    "csv": ("wsis-activities.csv", "text/csv; charset=utf-8"),
    "json": ("wsis-activities.json", "application/json; charset=utf-8"),
}
MANIFEST = "dataset-files.json"
LOCK = ".dataset-files.lock"
# Room for the count of results at the head of the JSON file, filled in once
# the rows are written (JSON allows the blanks).
_COUNT_WIDTH = 20


def folder():
    return Path(settings.PUBLIC_FILES_DIR)


def _manifest():
    try:
        return json.loads((folder() / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _using():
    return index_database()


def open_current(kind, base_url):
    """``(file, size)`` of the whole-dataset file ``kind`` ("csv" or "json") if it
    holds the public data of now, written for ``base_url``; else None."""
    entry = _manifest().get(kind)
    if not entry or entry.get("base_url") != base_url:
        return None
    if (entry.get("version"), entry.get("token")) != tuple(read_version(_using())):
        return None
    try:
        handle = open(folder() / entry["name"], "rb")  # noqa: SIM115 (the response closes it)
    except OSError:
        return None
    return handle, os.fstat(handle.fileno()).st_size


def rebuild(base_url):
    """Write both files for the public data of now, with addresses under
    ``base_url`` (``https://host``), and swap them in. Returns the manifest, or
    None when another process is writing them at this moment."""
    target = folder()
    target.mkdir(parents=True, exist_ok=True)
    with open(target / LOCK, "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return None
        using = _using()
        # The version first: the rows read after it are at least that new, so a
        # change committed meanwhile only makes the files look out of date.
        version, token = read_version(using)
        filterset = ActivityFilter({})
        filterset.is_valid()
        queryset = filterset.qs.using(using)

        def build_url(path):
            return base_url + path

        manifest = {}
        for kind, (name, _content_type) in FORMATS.items():
            stem, suffix = name.rsplit(".", 1)
            final = f"{stem}.{version}.{token or 'initial'}.{suffix}"
            with tempfile.NamedTemporaryFile(
                "w", encoding="utf-8", newline="", dir=target, prefix=f".{stem}-", delete=False
            ) as handle:
                try:
                    rows = _write(kind, handle, queryset, build_url)
                except BaseException:
                    handle.close()
                    os.unlink(handle.name)
                    raise
            os.replace(handle.name, target / final)
            manifest[kind] = {
                "name": final,
                "version": version,
                "token": token,
                "base_url": base_url,
                "rows": rows,
                "size": (target / final).stat().st_size,
            }
        _replace(target / MANIFEST, json.dumps(manifest, indent=1))
        _remove_old(target, {entry["name"] for entry in manifest.values()})
        return manifest


def _write(kind, handle, queryset, build_url):
    """Write the file ``kind``; returns its number of records (None for the CSV,
    whose reader counts its own)."""
    if kind == "csv":
        handle.flush()
        for piece in exports.csv_lines(queryset, build_url):  # bytes, UTF-8
            handle.buffer.write(piece)
        handle.buffer.flush()
        return None
    handle.write(_COUNT_HEAD + " " * _COUNT_WIDTH)
    rows = 0
    chunks = exports.json_chunks(queryset, build_url, {"filters": {}})
    handle.write(", " + next(chunks)[1:])  # '{"count": …, "filters": {}, "results": ['
    for chunk in chunks:
        handle.write(chunk)
        rows += chunk.startswith((",\n{", "\n{"))
    handle.flush()
    with open(handle.name, "r+b") as raw:
        raw.seek(len(_COUNT_HEAD))
        raw.write(str(rows).encode().ljust(_COUNT_WIDTH))
    return rows


_COUNT_HEAD = '{"count": '


def _replace(path, text):
    with tempfile.NamedTemporaryFile(
        "w", encoding="utf-8", dir=path.parent, prefix=".manifest-", delete=False
    ) as handle:
        handle.write(text)
    os.replace(handle.name, path)


def _remove_old(target, keep):
    for name, _content_type in FORMATS.values():
        stem, suffix = name.rsplit(".", 1)
        for path in target.glob(f"{stem}.*.{suffix}"):
            if path.name not in keep:
                with contextlib.suppress(OSError):
                    path.unlink()  # a download under way keeps its open file


_pending = {"base_url": None, "thread": None}
_pending_lock = threading.Lock()


@receiver(index_refreshed)
def _index_refreshed(**kwargs):
    rebuild_soon()


def rebuild_soon(base_url=None):
    """Rebuild the files in a thread of this process, for ``base_url`` (by
    default the one the files were last written for; nothing if none yet).
    Off with ``WARM_CACHE_AFTER_CHANGES`` off (the tests)."""
    if not settings.WARM_CACHE_AFTER_CHANGES:
        return
    base_url = base_url or next(
        (entry["base_url"] for entry in _manifest().values() if entry.get("base_url")), None
    )
    if not base_url:
        return
    with _pending_lock:
        _pending["base_url"] = base_url
        if _pending["thread"] is not None:
            return
        _pending["thread"] = threading.Thread(
            target=_rebuild_pending, name="dataset-files", daemon=True
        )
        _pending["thread"].start()


def _rebuild_pending():
    try:
        while True:
            with _pending_lock:
                base_url = _pending["base_url"]
                _pending["base_url"] = None
                if base_url is None:
                    _pending["thread"] = None
                    return
            try:
                rebuild(base_url)
            except Exception:  # a streamed download is the only cost
                logger.exception("Writing the whole-dataset files failed")
    finally:
        connections.close_all()
