"""Changes that make cached counts stale: any write to an activity or its relations.

Bulk writes that bypass signals (``QuerySet.update``, ``bulk_create``) call
``activities.caching.invalidate()`` themselves.
"""

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

from .caching import invalidate, warm_soon
from .models import Activity, Reference


def _after_commit(**kwargs):
    # Now, for this transaction's own reads; and again after commit, in case
    # another process cached the old numbers meanwhile; then the public's
    # first pages are computed again in the background.
    invalidate()
    transaction.on_commit(_committed)


def _committed():
    invalidate()
    warm_soon()


for model in (Activity, Reference):
    post_save.connect(_after_commit, sender=model, dispatch_uid=f"invalidate-save-{model.__name__}")
    post_delete.connect(
        _after_commit, sender=model, dispatch_uid=f"invalidate-delete-{model.__name__}"
    )

for field in ("partners", "action_lines", "themes", "trends", "regions", "sdgs"):
    m2m_changed.connect(
        _after_commit,
        sender=getattr(Activity, field).through,
        dispatch_uid=f"invalidate-m2m-{field}",
    )


# Reference records are cached too (labels, filter values).
for label in (
    "entities.Entity",
    "activities.ActionLine",
    "activities.Region",
    "activities.SDG",
    "activities.Theme",
    "activities.Trend",
):
    post_save.connect(_after_commit, sender=label, dispatch_uid=f"invalidate-save-{label}")
    post_delete.connect(_after_commit, sender=label, dispatch_uid=f"invalidate-delete-{label}")
