"""The tracker's e-mail: an outbox (see ``SentEmail``).

``queue_submission_email`` renders a message and writes it as a row in the
caller's transaction, so that it exists exactly when what it tells of was
committed. After commit ``deliver`` sends it and records ``sent``, or
``failed`` with the error; it never raises into the request. A message with a
``key`` (reminders) is written at most once per submission (a unique
constraint). ``send_pending_emails`` delivers what is queued or failed.
"""

import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from .outbox import SentEmail, deliver, write

logger = logging.getLogger(__name__)

SUBJECTS = {
    "invitation": _("Call for inputs: %(cycle)s"),
    "reminder": _("Reminder: %(cycle)s is due on %(deadline)s"),
    "overdue": _("Overdue: %(cycle)s was due on %(deadline)s"),
    "changes_requested": _("Changes requested: %(entity)s, %(cycle)s"),
    "accepted": _("Accepted: %(entity)s, %(cycle)s"),
    "published": _("Published: %(entity)s, %(cycle)s"),
    "reopened": _("Reopened: %(entity)s, %(cycle)s"),
    "received": _("Received: %(entity)s's contribution to %(cycle)s"),
    "submitted": _("To review: %(entity)s, %(cycle)s"),
    "deadline_extended": _("New deadline: %(cycle)s is now due on %(deadline)s"),
}

# What each kind of message is, in the lists of e-mails.
KIND_LABELS = {
    "invitation": _("Invitation"),
    "reminder": _("Reminder"),
    "overdue": _("Overdue notice"),
    "changes_requested": _("Changes requested"),
    "accepted": _("Accepted"),
    "published": _("Published"),
    "reopened": _("Reopened"),
    "received": _("Receipt"),
    "submitted": _("New submission (to the secretariat)"),
    "deadline_extended": _("Deadline extended"),
    "message": _("Message"),
    "focal_point_invitation": _("Invitation to a focal point"),
}


def kind_label(kind):
    return KIND_LABELS.get(kind, kind)


def focal_point_addresses(entity):
    return sorted(
        {
            membership.user.email
            for membership in entity.memberships.select_related("user")
            if membership.user.is_active and membership.user.email
        }
    )


def _context(submission, **extra):
    deadline = submission.effective_deadline
    return {
        "submission": submission,
        "cycle": submission.cycle,
        "entity": submission.entity,
        "deadline": deadline,
        "url": settings.SITE_URL.rstrip("/") + submission.get_absolute_url(),
        "admin_url": settings.SITE_URL.rstrip("/")
        + reverse("admin:reviews_submission_change", args=[submission.pk])
        if submission.pk
        else "",
        **extra,
    }


def compose(kind, submission, *, comment="", subject=None, text=None, to=None):
    """The recipients, subject and text of one message, as it would be written now
    (the confirmation pages show it before anything is sent).

    ``kind`` names the templates (``emails/<kind>.txt``); an invitation uses the
    cycle's own letter when it has one; a free message (kind ``message``) gives
    its own ``subject`` and ``text``. ``to``: other recipients than the focal points.
    """

    context = _context(submission, comment=comment)
    if subject is None:
        deadline = context["deadline"]
        subject = SUBJECTS[kind] % {
            "cycle": submission.cycle.title,
            "entity": submission.entity.acronym,
            "deadline": date_format(timezone.localtime(deadline), "DATE_FORMAT")
            if deadline
            else "—",
        }
    if text is None and kind == "invitation":
        text = submission.cycle.letter_for(submission, context["url"]) or None
    if text is None:
        text = render_to_string(f"emails/{kind}.txt", context)
    recipients = focal_point_addresses(submission.entity) if to is None else sorted(set(to))
    return recipients, str(subject), text


def queue_submission_email(
    kind, submission, *, sent_by=None, comment="", key="", subject=None, text=None, to=None
):
    """Write one message about a submission into the outbox, to be sent once the
    caller's transaction commits; returns the row, or None when a once-only
    message (``key``) was written before.

    It goes to the entity's focal points (or to ``to``); see ``compose``. With
    nobody to write to, the row says so (``no recipient``) and nothing is sent.
    """
    recipients, subject, text = compose(
        kind, submission, comment=comment, subject=subject, text=text, to=to
    )
    try:
        with transaction.atomic():
            row = write(kind, recipients, subject, text, sent_by, submission=submission, key=key)
    except IntegrityError:
        return None  # this once-only message was written before
    if not recipients:
        logger.warning("No focal point with an e-mail address for %s: %s", submission, subject)
    return row


def queue_email(kind, recipients, subject, text, *, sent_by=None):
    """Write one message that belongs to no submission (an invitation to a new
    focal point) into the outbox; sent after the caller's transaction commits."""
    return write(kind, recipients, subject, text, sent_by)


def queue_copy(original, *, sent_by):
    """Write ``original`` again, to the entity's focal points as they are now (a
    message of no submission, to the same people)."""
    if original.submission is None:
        return queue_email(
            original.kind,
            original.recipient_list,
            original.subject,
            original.body,
            sent_by=sent_by,
        )
    return queue_submission_email(
        original.kind,
        original.submission,
        sent_by=sent_by,
        subject=original.subject,
        text=original.body,
        to=original.submission.secretariat_addresses() if original.kind == "submitted" else None,
    )


def send_again(original, *, by):
    """The admin's "Send again": a queued or failed message is tried again as it
    is; one that was sent, or found no recipient, is written anew to the focal
    points as they are now (a focal point may have been added since)."""
    if original.state in (SentEmail.State.QUEUED, SentEmail.State.FAILED):
        return deliver(original, by_hand=True)
    return queue_copy(original, sent_by=by)


def outcome_counts(rows):
    """How many of the rows (None for once-only ones written before) went which way."""
    counts = dict.fromkeys(SentEmail.State.values, 0)
    for row in rows:
        if row is not None:
            counts[row.state] += 1
    return counts
