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
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext_lazy as _

from .models import SentEmail

logger = logging.getLogger(__name__)

SUBJECTS = {
    "invitation": _("Call for inputs: %(cycle)s"),
    "reminder": _("Reminder: %(cycle)s is due on %(deadline)s"),
    "overdue": _("Overdue: %(cycle)s was due on %(deadline)s"),
    "changes_requested": _("Changes requested: %(entity)s, %(cycle)s"),
    "accepted": _("Accepted: %(entity)s, %(cycle)s"),
    "published": _("Published: %(entity)s, %(cycle)s"),
    "reopened": _("Reopened: %(entity)s, %(cycle)s"),
}


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
        **extra,
    }


def queue_submission_email(
    kind, submission, *, sent_by=None, comment="", key="", subject=None, text=None
):
    """Write one message to the submission's focal points into the outbox, to be
    sent once the caller's transaction commits; returns the row, or None when
    a once-only message (``key``) was written before.

    ``kind`` names the templates (``emails/<kind>.txt``); a free message (kind
    ``message``) gives its own ``subject`` and ``text``. With no focal point to
    write to, the row says so (``no recipient``) and nothing is sent.
    """
    context = _context(submission, comment=comment)
    if subject is None:
        subject = SUBJECTS[kind] % {
            "cycle": submission.cycle.title,
            "entity": submission.entity.acronym,
            "deadline": context["deadline"].date().isoformat() if context["deadline"] else "—",
        }
    if text is None:
        text = render_to_string(f"emails/{kind}.txt", context)
    recipients = focal_point_addresses(submission.entity)
    try:
        with transaction.atomic():
            row = SentEmail.objects.create(
                submission=submission,
                kind=kind,
                key=key,
                recipients=", ".join(recipients),
                subject=str(subject)[:300],
                body=text,
                sent_by=sent_by,
                state=SentEmail.State.QUEUED if recipients else SentEmail.State.NO_RECIPIENT,
            )
    except IntegrityError:
        return None  # this once-only message was written before
    if recipients:
        transaction.on_commit(lambda: deliver(row))
    else:
        logger.warning("No focal point with an e-mail address for %s: %s", submission, subject)
    return row


def queue_copy(original, *, sent_by):
    """Write ``original`` again, to the entity's focal points as they are now."""
    return queue_submission_email(
        original.kind,
        original.submission,
        sent_by=sent_by,
        subject=original.subject,
        text=original.body,
    )


def send_again(original, *, by):
    """The admin's "Send again": a queued or failed message is tried again as it
    is; one that was sent, or found no recipient, is written anew to the focal
    points as they are now (a focal point may have been added since)."""
    if original.state in (SentEmail.State.QUEUED, SentEmail.State.FAILED):
        return deliver(original, by_hand=True)
    return queue_copy(original, sent_by=by)


def deliver(row, *, by_hand=False):
    """Send one queued (or failed) message now; never raises.

    The row is claimed with a conditional update first, so that two senders
    (the request's after-commit hook and the command, say) never both send it.
    A failed message past ``EMAIL_MAX_ATTEMPTS`` is tried only ``by_hand``.
    ``row`` is updated in place with the outcome.
    """
    now = timezone.now()
    claimable = SentEmail.objects.pending(now)
    if by_hand:
        claimable = SentEmail.objects.filter(
            state__in=[SentEmail.State.QUEUED, SentEmail.State.FAILED]
        )
    claimable = claimable.filter(pk=row.pk)
    if not claimable.update(state=SentEmail.State.SENDING, claimed_at=now):
        row.refresh_from_db()
        return row
    recipients = row.recipient_list
    # The text comes from a template and so is marked safe, but it holds what
    # people wrote (answers, comments, names): escape it for the HTML part.
    html = render_to_string(
        "emails/message.html", {"subject": row.subject, "text": escape(row.body)}
    )
    message = EmailMultiAlternatives(row.subject, row.body, to=recipients)
    message.attach_alternative(html, "text/html")
    try:
        message.send()
    except Exception as exc:  # any failure of the mail server: recorded, retried later
        logger.warning("E-mail %s to %s failed: %s", row.pk, row.recipients, exc)
        changes = {
            "state": SentEmail.State.FAILED,
            "error": f"{type(exc).__name__}: {exc}"[:2000],
            "claimed_at": None,
        }
    else:
        changes = {"state": SentEmail.State.SENT, "sent_at": timezone.now(), "error": ""}
    try:
        SentEmail.objects.filter(pk=row.pk).update(attempts=F("attempts") + 1, **changes)
    except Exception:  # the database went away meanwhile: the claim times out, it is retried
        logger.exception("Could not record the outcome of e-mail %s", row.pk)
        return row
    row.refresh_from_db()
    return row


def outcome_counts(rows):
    """How many of the rows (None for once-only ones written before) went which way."""
    counts = dict.fromkeys(SentEmail.State.values, 0)
    for row in rows:
        if row is not None:
            counts[row.state] += 1
    return counts
