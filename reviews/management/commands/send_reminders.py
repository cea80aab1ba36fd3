from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from reviews.emails import outcome_counts, queue_submission_email
from reviews.models import ReviewCycle, Submission
from wsis_site.progress import Interrupted, Progress, interruptible


def due_reminder(submission, now, days):
    """The once-only key and kind of the reminder due now, or None.

    Reminders go at the configured numbers of days before the (possibly
    extended) deadline, and once after it as "overdue". If the command did
    not run for a while, only the most recent reminder due is sent. The
    deadline is part of the key, so an extension starts the reminders anew.
    """
    deadline = submission.effective_deadline
    if deadline is None:
        return None
    stamp = deadline.strftime("%Y%m%d%H%M")
    if now >= deadline:
        return f"overdue-{stamp}", "overdue"
    left = deadline - now
    passed = [d for d in days if left.total_seconds() <= d * 86400]
    if not passed:
        return None
    return f"reminder-{min(passed)}d-{stamp}", "reminder"


class Command(BaseCommand):
    help = (
        "E-mail the focal points of submissions not yet submitted, at the set numbers of "
        "days before the deadline (REMINDER_DAYS) and once after it. Never sends the same "
        "reminder twice."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="say what would be sent, send nothing"
        )

    def handle(self, *args, dry_run=False, verbosity=1, **options):
        now = timezone.now()
        days = sorted(settings.REMINDER_DAYS)
        pending = list(
            Submission.objects.filter(
                cycle__state=ReviewCycle.State.OPEN, state__in=Submission.NOT_SUBMITTED
            )
            .select_related("cycle", "entity")
            .with_effective_deadline()
            .order_by("cycle__slug", "entity__acronym")
        )
        progress = Progress("Reminders", enabled=verbosity > 0 and len(pending) > 50)
        sent, rows = 0, []
        try:
            with interruptible():
                for done, submission in enumerate(pending, start=1):
                    due = due_reminder(submission, now, days)
                    if due:
                        key, kind = due
                        if dry_run:
                            if not submission.emails.filter(key=key).exists():
                                self.stdout.write(f"would send {kind} to {submission}")
                                sent += 1
                        elif row := queue_submission_email(kind, submission, key=key):
                            rows.append(row)  # sent at once: no transaction holds it back
                    progress(done, len(pending))
        except Interrupted as exc:
            raise CommandError(
                f"Interrupted ({exc}) after {sent} reminders; run again to send the rest."
            ) from None
        counts = outcome_counts(rows)
        sent = sent if dry_run else counts["sent"]
        if verbosity:
            verb = "would be sent" if dry_run else "sent"
            self.stdout.write(f"{sent} reminders {verb} ({len(pending)} submissions pending).")
        if counts["no_recipient"]:
            self.stderr.write(
                f"{counts['no_recipient']} reminders not sent: no focal point with an e-mail "
                "address (listed in the admin under E-mails)."
            )
        if counts["failed"]:
            raise CommandError(
                f"{counts['failed']} reminders failed to send; send_pending_emails retries them "
                "(the admin lists the errors under E-mails)."
            )
