"""A whole-tracker backup as one JSON file, and its restore.

The file is in the format of Django's ``dumpdata`` (a list of
``{"model", "pk", "fields"}``), with primary keys kept and references to users,
groups, permissions and content types written by their natural keys, so that
it restores into a freshly migrated database. Timestamps keep their
microseconds, and many-to-many lists are sorted, so that exporting the same
database twice gives the same file, byte for byte.

A restore replaces the content of every table below in one transaction: the
database ends up holding exactly what the file holds, or, if anything goes
wrong, exactly what it held before.
"""

import datetime as dt
import json
import os
import tempfile

from django.apps import apps
from django.core import serializers
from django.core.management.color import no_style
from django.db import connection, transaction

from activities.changes import published_work_changed

# In the order they are written and read: what is referred to comes first.
MODELS = [
    "auth.Group",
    "auth.User",
    "authtoken.Token",
    "entities.Entity",
    "entities.Membership",
    "activities.ActionLine",
    "activities.Theme",
    "activities.Trend",
    "activities.Region",
    "activities.SDG",
    "activities.ActionLineFacilitator",
    "reviews.ReviewCycle",
    "reviews.Submission",
    "activities.Activity",
    "activities.Reference",
    "reviews.DeadlineExtension",
    "reviews.Comment",
    "reviews.Transition",
    "reviews.SentEmail",
    "mandates.Resolution",
    "mandates.Mandate",
    "mandates.Addressee",
    "mandates.MandateUpdate",
    "admin.LogEntry",
]
HISTORY = [
    "entities.HistoricalEntity",
    "activities.HistoricalActivity",
    "reviews.HistoricalSubmission",
    "mandates.HistoricalMandateUpdate",
]
# Tables left out on purpose: rebuilt by `migrate` (permissions, content
# types), short-lived (sessions, failed log-ins), or the version of the public
# data and its log of changes, which a restore moves on by itself.
NOT_BACKED_UP = [
    "activities.PublicDataVersion",
    "activities.PublicDataChange",
    "auth.Permission",
    "contenttypes.ContentType",
    "sessions.Session",
    "axes.AccessAttempt",
    "axes.AccessAttemptExpiration",
    "axes.AccessLog",
    "axes.AccessFailureLog",
]
CHUNK = 500


class BackupError(Exception):
    """A file that is not a backup of this tracker; the message says why."""


def _models(history):
    return [apps.get_model(label) for label in MODELS + (HISTORY if history else [])]


class _Encoder(json.JSONEncoder):
    # Unlike DjangoJSONEncoder, keep the microseconds: the edit checks compare
    # timestamps exactly.
    def default(self, o):
        if isinstance(o, dt.datetime | dt.date | dt.time):
            return o.isoformat()
        return super().default(o)


def _records(model):
    many = [f.name for f in model._meta.many_to_many]
    queryset = model._base_manager.order_by("pk")
    for start in range(0, queryset.count(), CHUNK):
        objects = list(queryset[start : start + CHUNK].prefetch_related(*many))
        for record in serializers.serialize(
            "python", objects, use_natural_foreign_keys=True, use_natural_primary_keys=False
        ):
            for name in many:
                record["fields"][name] = sorted(record["fields"][name])
            yield record


def export_all(path, *, history=True, progress=None):
    """Write the backup to ``path`` (through a temporary file, so a stopped export
    leaves no half-written file behind). Returns how many objects were written."""
    models = _models(history)
    total = sum(model._base_manager.count() for model in models)
    directory = os.path.dirname(os.path.abspath(path))
    handle, temporary = tempfile.mkstemp(prefix=".backup-", suffix=".json", dir=directory)
    done = 0
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write("[")
            with transaction.atomic():  # one consistent view of every table
                for model in models:
                    for record in _records(model):
                        out.write("\n" if done == 0 else ",\n")
                        out.write(
                            json.dumps(record, cls=_Encoder, ensure_ascii=False, sort_keys=True)
                        )
                        done += 1
                        if progress:
                            progress(done, total)
            out.write("\n]\n")
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise
    if progress and not total:
        progress(0, 0)
    return done


def read_backup(path):
    try:
        with open(path, encoding="utf-8") as handle:
            records = json.load(handle)
    except OSError as exc:
        raise BackupError(f"{path}: cannot be read ({exc.strerror})") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BackupError(f"{path}: not a JSON backup ({exc})") from None
    allowed = {label.lower() for label in MODELS + HISTORY}
    if not isinstance(records, list):
        raise BackupError(f"{path}: not a backup of this tracker (not a list of records)")
    for i, record in enumerate(records):
        if not isinstance(record, dict) or str(record.get("model", "")).lower() not in allowed:
            raise BackupError(
                f"{path}: record {i + 1} is not one of this tracker's tables: "
                f"{str(record.get('model') if isinstance(record, dict) else record)[:80]}"
            )
    return records


def import_all(records, *, progress=None):
    """Replace every table of the backup with the records, in one transaction."""
    # A backup made without the history leaves the history tables as they are.
    history = any(r["model"].lower() in {h.lower() for h in HISTORY} for r in records)
    models = _models(history)
    total = len(records)
    with transaction.atomic():
        for model in reversed(models):
            for field in model._meta.many_to_many:
                field.remote_field.through._base_manager.all()._raw_delete(connection.alias)
            model._base_manager.all()._raw_delete(connection.alias)
        deferred = []
        try:
            objects = serializers.deserialize(
                "python", records, handle_forward_references=True, ignorenonexistent=False
            )
            for done, obj in enumerate(objects, start=1):
                obj.save()
                if obj.deferred_fields:
                    deferred.append(obj)
                if progress:
                    progress(done, total)
            for obj in deferred:
                obj.save_deferred_fields()
        except serializers.base.DeserializationError as exc:
            raise BackupError(f"a record cannot be restored: {exc}") from None
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), models):
                cursor.execute(sql)
        # The raw deletes sent no signals: whatever was public may have changed.

        published_work_changed()
    if progress and not total:
        progress(0, 0)
    return {"objects": total, "history": history}
