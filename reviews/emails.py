"""The tracker's e-mail: rendered from templates, sent, and logged.

Every message is recorded as a SentEmail (to whom, what, when, for which
submission), which the admin shows on the submission. A message with a
``key`` (reminders) is sent at most once per submission: the log row is
written first, under a unique constraint, and removed again if sending fails.
"""

import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
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


def send_submission_email(
    kind, submission, *, sent_by=None, comment="", key="", subject=None, text=None
):
    """Send one message to the submission's focal points; returns the log, or None.

    ``kind`` names the templates (``emails/<kind>.txt``); a free message
    (kind ``message``) gives its own ``subject`` and ``text``.
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
            log = SentEmail.objects.create(
                submission=submission,
                kind=kind,
                key=key,
                recipients=", ".join(recipients),
                subject=str(subject)[:300],
                body=text,
                sent_by=sent_by,
            )
    except IntegrityError:
        return None  # this once-only message was sent before
    if not recipients:
        logger.info("No focal point with an e-mail address for %s", submission)
        return log
    # The text comes from a template and so is marked safe, but it holds what
    # people wrote (answers, comments, names): escape it for the HTML part.
    html = render_to_string("emails/message.html", {"subject": subject, "text": escape(text)})
    message = EmailMultiAlternatives(str(subject), text, to=recipients)
    message.attach_alternative(html, "text/html")
    try:
        message.send()
    except Exception:
        log.delete()  # not sent: a later run may try again
        raise
    return log
