"""Changes that make cached counts stale: writes that can change what the public sees.

Those are writes to a published activity (or one that was published when it was
read), to its relations and references, and to the reference records (labels,
filter values). Contributors' drafts change nothing public, so saving them
leaves the public's caches alone. Each such write moves the version of the
public data on, naming the activities it touched, for the facet index of every
process and the whole-dataset files (activities/facets.py). Bulk writes that
bypass signals (``QuerySet.update``, ``bulk_create``) call
``activities.changes.published_work_changed()`` themselves.
"""

from django.db.models.signals import m2m_changed, post_delete, post_save

from .caching import published_work_changed as forget_cached_pages
from .changes import published_work_changed
from .models import SDG, ActionLine, Activity, Reference, Region, Theme, Trend


def touches_the_public(activity, created=False):
    """Whether writing ``activity`` can change what the public sees: it is
    published, or it was when it was read (not knowing counts as was)."""
    if activity.status == Activity.Status.PUBLISHED:
        return True
    return not created and activity.stored_status in (Activity.Status.PUBLISHED, None)


def _activity_saved(sender, instance, created, **kwargs):
    if touches_the_public(instance, created):
        published_work_changed([instance.pk])
    instance.stored_status = instance.status


def _activity_deleted(sender, instance, **kwargs):
    if touches_the_public(instance):
        published_work_changed([instance.pk])


def _reference_changed(sender, instance, **kwargs):
    try:
        activity = instance.activity
    except Activity.DoesNotExist:  # deleted with its activity, which said so itself
        return
    if touches_the_public(activity):
        published_work_changed([activity.pk])


def _relations_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if not action.startswith("post_"):
        return
    if reverse:
        # From a region, an SDG… the activities are many: assume the public's.
        published_work_changed(pk_set if action != "post_clear" else None)
    elif touches_the_public(instance):
        published_work_changed([instance.pk])


def _reference_record_saved(sender, instance, created, **kwargs):
    if created:  # nothing refers to it yet; only the cached records change
        forget_cached_pages()
    elif sender is ActionLine:  # a new parent moves its activities between bitmaps
        published_work_changed()
    elif sender in (Region, SDG, Theme, Trend):
        # The index knows them by id; only their keys and titles changed, which
        # the exports show: a new version, with no activity to patch.
        published_work_changed([])
    else:  # an entity: its kind counts its activities, its acronym is exported
        led = Activity.objects.published().filter(entity=instance).values_list("pk", flat=True)
        published_work_changed(list(led))


def _reference_record_deleted(**kwargs):
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
        _reference_record_saved, sender=label, dispatch_uid=f"invalidate-save-{label}"
    )
    post_delete.connect(
        _reference_record_deleted, sender=label, dispatch_uid=f"invalidate-delete-{label}"
    )
