"""Every permission of the tracker, in one place.

Predicates are small and named like sentences; permissions are built from
them and asked everywhere the same way: ``user.has_perm(perm, obj)`` — by the
contributor views, the admin, the API and the model methods themselves.

Roles: secretariat managers and reviewers are members of the groups below
(created by a migration); contributors are focal points of an entity
(``entities.Membership``). Superusers may do everything.
"""

import rules
from django.contrib.auth import get_user_model
from django.db.models import Q

MANAGERS = "Secretariat manager"
REVIEWERS = "Secretariat reviewer"


def _entity_id(obj):
    """The entity a submission, activity, membership or entity belongs to."""
    if obj is None:
        return None
    if obj.__class__.__name__ == "Entity":
        return obj.pk
    return getattr(obj, "entity_id", None)


def _group_names(user):
    # Read once per user object (that is, per request): pages and API lists ask
    # the same questions for every row.
    if not hasattr(user, "_wsis_group_names"):
        user._wsis_group_names = set(user.groups.values_list("name", flat=True))
    return user._wsis_group_names


def _entity_ids(user):
    if not hasattr(user, "_wsis_entity_ids"):
        user._wsis_entity_ids = set(user.memberships.values_list("entity_id", flat=True))
    return user._wsis_entity_ids


@rules.predicate
def is_manager(user):
    return user.is_authenticated and (user.is_superuser or MANAGERS in _group_names(user))


@rules.predicate
def is_reviewer(user):
    return user.is_authenticated and REVIEWERS in _group_names(user)


is_secretariat = is_manager | is_reviewer


def secretariat_users(reviewers_only=False):
    """The active secretariat staff, the only people offered as reviewers: managers,
    reviewers and superusers (``reviewers_only``: the reviewers' group alone, who
    hear of new submissions nobody is assigned to)."""

    users = get_user_model().objects.filter(is_active=True)
    if reviewers_only:
        users = users.filter(groups__name=REVIEWERS)
    else:
        users = users.filter(Q(is_superuser=True) | Q(groups__name__in=[MANAGERS, REVIEWERS]))
    return users.distinct().order_by("username")


@rules.predicate
def is_entity_contributor(user, obj):
    """The user is a focal point of the entity the object belongs to."""
    entity_id = _entity_id(obj)
    if not user.is_authenticated or entity_id is None:
        return False
    return entity_id in _entity_ids(user)


@rules.predicate
def is_editable(user, submission):
    return submission is not None and submission.is_editable


@rules.predicate
def is_call_open(user, submission):
    """The submission's cycle takes contributions now."""
    return submission is not None and submission.cycle.state == "open"


@rules.predicate
def is_sent_back(user, submission):
    """The secretariat asked the contributor for changes (or reopened the submission):
    a deliberate invitation to change and resubmit, even once the call has closed."""
    return submission is not None and submission.state == "changes_requested"


@rules.predicate
def is_published_cycle(user, cycle):
    """The public may see this cycle's report: the cycle is published."""
    return cycle is not None and cycle.state == "published"


# Submissions and their workflow.
rules.add_perm("reviews.view_submission", is_entity_contributor | is_secretariat)
# Contributors act only while the call is open, or on what the secretariat sent back.
rules.add_perm(
    "reviews.edit_submission",
    (is_entity_contributor & is_editable & (is_call_open | is_sent_back)) | is_manager,
)
rules.add_perm("reviews.start_submission", (is_entity_contributor & is_call_open) | is_manager)
rules.add_perm(
    "reviews.submit_submission",
    (is_entity_contributor & (is_call_open | is_sent_back)) | is_manager,
)
rules.add_perm("reviews.decline_submission", (is_entity_contributor & is_call_open) | is_manager)
# Until a reviewer takes it up (the state says so), the entity may take it back.
rules.add_perm("reviews.recall_submission", (is_entity_contributor & is_call_open) | is_manager)
rules.add_perm("reviews.review_submission", is_secretariat)
rules.add_perm("reviews.publish_submission", is_manager)
rules.add_perm("reviews.reopen_submission", is_manager)
rules.add_perm("reviews.comment_submission", is_entity_contributor | is_secretariat)
rules.add_perm("reviews.comment_internally", is_secretariat)
rules.add_perm("reviews.view_internal_comments", is_secretariat)
rules.add_perm("reviews.extend_deadline", is_manager)
rules.add_perm("reviews.assign_reviewer", is_manager)
rules.add_perm("reviews.remind_submission", is_secretariat)
rules.add_perm("reviews.run_cycle", is_manager)
# Managers bring focal points in: an account and its link to the entity, by invitation.
rules.add_perm("entities.invite_focal_point", is_manager)

# The report: the secretariat compiles the draft of any cycle at any time (and
# sees where each paragraph came from); everyone reads a published cycle's report.
rules.add_perm("reviews.compile_report", is_secretariat)
rules.add_perm("reviews.view_report", is_published_cycle | is_secretariat)
rules.add_perm("reviews.view_report_sources", is_secretariat)

# The report heading an activity goes under: suggested when it is entered,
# confirmed or changed by the secretariat (reviewers included).
rules.add_perm("activities.place_activity", is_secretariat)

# The admin: the secretariat sees everything; managers change it. Model
# permissions without an object are asked by the admin's lists and menus.
rules.add_perm("reviews", is_secretariat)
rules.add_perm("activities", is_secretariat)
rules.add_perm("entities", is_secretariat)
rules.add_perm("auth", is_manager)
rules.add_perm("authtoken", is_manager)
# API tokens: managers issue and revoke them in the admin.
for model in ("token", "tokenproxy"):
    for action in ("view", "add", "change", "delete"):
        rules.add_perm(f"authtoken.{action}_{model}", is_manager)

for app, model in [
    ("reviews", "reviewcycle"),
    ("entities", "entity"),
    ("entities", "membership"),
    ("activities", "activity"),
    ("activities", "reference"),
    ("activities", "actionline"),
    ("activities", "actionlinefacilitator"),
    ("activities", "theme"),
    ("activities", "trend"),
    ("activities", "region"),
    ("activities", "sdg"),
    ("auth", "user"),
    ("auth", "group"),
]:
    rules.add_perm(f"{app}.view_{model}", is_secretariat if app != "auth" else is_manager)
    for action in ("add", "change", "delete"):
        rules.add_perm(f"{app}.{action}_{model}", is_manager)

# Submissions: reviewers work on them (comments, reviewer) but only managers
# create or delete them; the state itself only moves through the transitions.
rules.add_perm("reviews.change_submission", is_secretariat)
rules.add_perm("reviews.add_submission", is_manager)
rules.add_perm("reviews.delete_submission", is_manager)
for model in ("comment", "transition", "sentemail", "deadlineextension"):
    rules.add_perm(f"reviews.view_{model}", is_secretariat)
rules.add_perm("reviews.add_comment", is_secretariat)
rules.add_perm("reviews.change_comment", is_manager)
rules.add_perm("reviews.delete_comment", is_manager)
rules.add_perm("reviews.add_deadlineextension", is_manager)
rules.add_perm("reviews.change_deadlineextension", is_manager)
rules.add_perm("reviews.delete_deadlineextension", is_manager)

# Failed log-ins (django-axes): managers see them and lift a lock-out by
# deleting the access attempt; the logs are read-only.
rules.add_perm("axes", is_manager)
for model in ("accessattempt", "accesslog", "accessfailurelog"):
    rules.add_perm(f"axes.view_{model}", is_manager)
rules.add_perm("axes.delete_accessattempt", is_manager)


# Mandates (the follow-up of a resolution): reference data like the taxonomy.
# An update on a mandate is part of its submission: written with the
# submission's rules (``reviews.edit_submission``), public once it is published.
@rules.predicate
def is_published_update(user, update):
    return update is not None and update.submission.state == "published"


rules.add_perm("mandates", is_secretariat)
for model in ("resolution", "mandate", "addressee"):
    rules.add_perm(f"mandates.view_{model}", is_secretariat)
    for action in ("add", "change", "delete"):
        rules.add_perm(f"mandates.{action}_{model}", is_manager)
rules.add_perm(
    "mandates.view_mandateupdate", is_published_update | is_entity_contributor | is_secretariat
)
rules.add_perm("mandates.change_mandateupdate", is_manager)
rules.add_perm("mandates.delete_mandateupdate", is_manager)
