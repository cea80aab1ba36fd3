"""The outbox: every message the tracker sends is a row here, written in the
transaction of its cause and delivered after commit (``write``, ``deliver``).
What the messages say, and to whom, is in reviews/emails.py.
"""

import datetime as dt
import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import models, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger("reviews.emails")


class SentEmailQuerySet(models.QuerySet):
    def pending(self, now=None):
        """What still has to go out: queued, failed (below the attempts' limit), or
        claimed by a sender that never finished (its process died mid-send)."""
        now = now or timezone.now()
        stuck = now - SentEmail.CLAIM_TIMEOUT
        return self.filter(
            Q(state=SentEmail.State.QUEUED)
            | Q(state=SentEmail.State.FAILED, attempts__lt=settings.EMAIL_MAX_ATTEMPTS)
            | Q(state=SentEmail.State.SENDING, claimed_at__lt=stuck)
        )


class SentEmail(models.Model):
    """The outbox: every message the tracker sends, written with what causes it.

    A row is written in the transaction of its cause (a transition, an
    invitation, a reminder) as ``queued``, or ``no recipient`` when the entity
    has no focal point with an address; after commit it is sent, and records
    ``sent`` or ``failed`` with the error. Sending never raises into the
    request; ``send_pending_emails`` (from cron) and the admin's "Send again"
    retry what failed. What the messages say is in reviews/emails.py.
    """

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Being sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        NO_RECIPIENT = "no_recipient", _("Not sent: no recipient")

    # A sender that claimed a row this long ago and never finished has died.
    CLAIM_TIMEOUT = dt.timedelta(minutes=15)

    submission = models.ForeignKey(
        "reviews.Submission",
        verbose_name=_("submission"),
        on_delete=models.CASCADE,
        related_name="emails",
        null=True,
        blank=True,
    )
    kind = models.CharField(_("kind"), max_length=40)
    key = models.CharField(
        _("once-only key"),
        max_length=60,
        blank=True,
        help_text=_("Set for messages that must never be sent twice, such as reminders."),
    )
    recipients = models.TextField(_("to"), blank=True)
    subject = models.CharField(_("subject"), max_length=300)
    body = models.TextField(_("text"))
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sent by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    state = models.CharField(
        _("state"), max_length=20, choices=State.choices, default=State.QUEUED, db_index=True
    )
    error = models.TextField(_("error"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    created_at = models.DateTimeField(_("written"), default=timezone.now)
    claimed_at = models.DateTimeField(_("sending since"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    objects = SentEmailQuerySet.as_manager()

    class Meta:
        verbose_name = _("e-mail")
        verbose_name_plural = _("e-mails")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["submission", "key"], condition=~Q(key=""), name="sentemail_once"
            ),
            models.CheckConstraint(
                condition=~Q(state="sent") | Q(sent_at__isnull=False),
                name="sentemail_sent_has_date",
            ),
        ]

    def __str__(self):
        return self.subject

    @property
    def recipient_list(self):
        return [a.strip() for a in self.recipients.split(",") if a.strip()]


def write(kind, recipients, subject, text, sent_by, **fields):
    """The outbox row (``no recipient`` when there is none), delivered after commit."""
    row = SentEmail.objects.create(
        kind=kind,
        recipients=", ".join(recipients),
        subject=str(subject)[:300],
        body=text,
        sent_by=sent_by,
        state=SentEmail.State.QUEUED if recipients else SentEmail.State.NO_RECIPIENT,
        **fields,
    )
    if recipients:
        transaction.on_commit(lambda: deliver(row))
    return row


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
