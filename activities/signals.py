"""Changes that make cached counts stale: writes that can change what the public sees.

Those are writes to a published activity (or one that was published when it was
read), to its relations and references, and to the reference records (labels,
filter values). Contributors' drafts change nothing public, so saving them
leaves the public's caches alone. Bulk writes that bypass signals
(``QuerySet.update``, ``bulk_create``) call ``activities.caching.invalidate()``
or ``published_work_changed()`` themselves.
"""

from django.db.models.signals import m2m_changed, post_delete, post_save

from .caching import published_work_changed
from .models import Activity, Reference


def touches_the_public(activity, created=False):
    """Whether writing ``activity`` can change what the public sees: it is
    published, or it was when it was read (not knowing counts as was)."""
    if activity.status == Activity.Status.PUBLISHED:
        return True
    return not created and activity.stored_status in (Activity.Status.PUBLISHED, None)


def _activity_saved(sender, instance, created, **kwargs):
    if touches_the_public(instance, created):
        published_work_changed()
    instance.stored_status = instance.status


def _activity_deleted(sender, instance, **kwargs):
    if touches_the_public(instance):
        published_work_changed()


def _reference_changed(sender, instance, **kwargs):
    try:
        activity = instance.activity
    except Activity.DoesNotExist:  # deleted with its activity, which said so itself
        return
    if touches_the_public(activity):
        published_work_changed()


def _relations_changed(sender, instance, action, reverse, **kwargs):
    if not action.startswith("post_"):
        return
    # From a region, an SDG… (reverse), the activities are many: assume the public's.
    if reverse or touches_the_public(instance):
        published_work_changed()


def _reference_record_changed(**kwargs):
    published_work_changed()


post_save.connect(_activity_saved, sender=Activity, dispatch_uid="invalidate-save-activity")
post_delete.connect(_activity_deleted, sender=Activity, dispatch_uid="invalidate-delete-activity")
post_save.connect(_reference_changed, sender=Reference, dispatch_uid="invalidate-save-reference")
post_delete.connect(
    _reference_changed, sender=Reference, dispatch_uid="invalidate-delete-reference"
)

for field in ("partners", "action_lines", "themes", "trends", "regions", "sdgs"):
    m2m_changed.connect(
        _relations_changed,
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
    post_save.connect(
        _reference_record_changed, sender=label, dispatch_uid=f"invalidate-save-{label}"
    )
    post_delete.connect(
        _reference_record_changed, sender=label, dispatch_uid=f"invalidate-delete-{label}"
    )
