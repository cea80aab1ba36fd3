"""The version of the public data: every change to what the public sees
(a publication, a withdrawal, an edit of published work, an import, a restore,
a change of reference data) moves it on, in the transaction of the change, and
notes which activities it touched. Activities and the workflow announce their
changes here (``published_work_changed``); what is built from the public data
(the facet index, the whole-dataset files) compares versions, and hears of each
committed change through the signal ``public_data_committed``.
"""

import secrets

from django.db import connections, router, transaction
from django.dispatch import Signal

from . import caching
from .models import Activity, PublicDataChange, PublicDataVersion

KEEP_CHANGES = 10_000  # versions kept in the log; a process further behind rebuilds

# Sent after each transaction that changed the public data has committed.
public_data_committed = Signal()


def _version_table():
    return PublicDataVersion._meta.db_table


def _change_table():
    return PublicDataChange._meta.db_table


def read_version(using):
    """``(version, token)`` of the public data in database ``using``."""
    row = PublicDataVersion.objects.using(using).values_list("version", "token").first()
    version = tuple(row) if row else (0, "")
    connection = connections[using]
    pending = getattr(connection, "wsis_public_change", None)
    if pending and pending["version"] <= version[0] and _still_pending(connection, pending):
        # Read within the transaction that wrote it: later changes in this
        # transaction need a version of their own.
        pending["read"] = True
    return version


def published_work_changed(activity_ids=None):
    """What the public sees may have changed, for the activities ``activity_ids``
    (None: any): move the version of the public data on, in the current
    transaction (so the change and its note commit together, or neither), and
    forget the public's cached pages (activities/caching.py).

    Within one transaction the changes share one version while nothing has
    read it: the note grows with the ids, and the same ids again cost nothing.
    """
    using = router.db_for_write(Activity)
    connection = connections[using]
    ids = None if activity_ids is None else {int(i) for i in activity_ids}
    pending = getattr(connection, "wsis_public_change", None)
    if pending and not _still_pending(connection, pending):
        pending = connection.wsis_public_change = None
    if connection.in_atomic_block and pending and not pending["read"]:
        merged = None if ids is None or pending["ids"] is None else pending["ids"] | ids
        if merged == pending["ids"]:
            caching.published_work_changed()
            return
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {_change_table()} SET activity_ids = %s WHERE id = %s AND token = %s",
                [_ids_text(merged), pending["row"], pending["token"]],
            )
            if cursor.rowcount == 1:
                pending["ids"] = merged
                caching.published_work_changed()
                return
    token = secrets.token_hex(16)
    with transaction.atomic(using=using), connection.cursor() as cursor:
        # Past the last change noted too, should the row have been restored from
        # older data (a fixture, a restore): a version number is never noted twice.
        noted = f"(SELECT coalesce(max(version), 0) FROM {_change_table()})"
        cursor.execute(
            f"UPDATE {_version_table()} SET token = %s, version = 1 + "
            f"CASE WHEN version > {noted} THEN version ELSE {noted} END "
            "WHERE id = 1 RETURNING version",
            [token],
        )
        # Read every row (one): SQLite finishes a statement with RETURNING only then.
        row = next(iter(cursor.fetchall()), None)
        if row is None:  # the table was emptied (a flush): start again
            cursor.execute(
                f"INSERT INTO {_version_table()} (id, version, token) "
                f"SELECT 1, 1 + coalesce(max(version), 0), %s FROM {_change_table()}",
                [token],
            )
            row = (read_version(using)[0],)
        version = row[0]
        cursor.execute(
            f"INSERT INTO {_change_table()} (version, token, activity_ids, created_at) "
            "VALUES (%s, %s, %s, CURRENT_TIMESTAMP) RETURNING id",
            [version, token, _ids_text(ids)],
        )
        row_id = cursor.fetchall()[0][0]
        if version % 100 == 0:
            cursor.execute(
                f"DELETE FROM {_change_table()} WHERE version <= %s", [version - KEEP_CHANGES]
            )
    transaction.on_commit(lambda: public_data_committed.send(sender=Activity), using=using)
    if connection.in_atomic_block:

        def committed():
            if getattr(connection, "wsis_public_change", None) is pending:
                connection.wsis_public_change = None

        pending = {
            "row": row_id,
            "token": token,
            "version": version,
            "ids": ids,
            "read": False,
            "committed": committed,
        }
        connection.wsis_public_change = pending
        transaction.on_commit(committed, using=using)
    caching.published_work_changed()


def _still_pending(connection, pending):
    """Whether the transaction (or savepoint) that wrote ``pending`` is still
    open: Django drops its after-commit callbacks when it rolls back."""
    return any(entry[1] is pending["committed"] for entry in connection.run_on_commit)


def _ids_text(ids):
    return None if ids is None else ",".join(map(str, sorted(ids)))


def changes_since(using, version, token, upto):
    """The ids changed after ``(version, token)`` up to version ``upto``, or None
    when that cannot be told (a change of anything, or the log does not go back
    that far, or ``(version, token)`` was never committed)."""
    rows = list(
        PublicDataChange.objects.using(using)
        .filter(version__gte=version, version__lte=upto)
        .order_by("version")
        .values_list("version", "token", "activity_ids")
    )
    expected = version
    if version > 0:
        if not rows or rows[0][:2] != (version, token):
            return None
        rows = rows[1:]
    elif token != "":
        return None
    changed = set()
    for number, _token, ids in rows:
        expected += 1
        if number != expected or ids is None:
            return None
        changed.update(int(i) for i in ids.split(",") if i)
    if expected != upto:
        return None
    return changed


# The process's index ----------------------------------------------------------------
