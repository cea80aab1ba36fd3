from django.core.management.base import BaseCommand, CommandError

from reviews.emails import deliver, outcome_counts
from reviews.models import SentEmail
from wsis_site.progress import Progress, stop_between_steps


class Command(BaseCommand):
    help = (
        "Send the e-mails waiting in the outbox: queued ones, failed ones (up to "
        "EMAIL_MAX_ATTEMPTS tries) and those a sender left half-done. Run it every few "
        "minutes from cron; it exits non-zero when an e-mail still fails."
    )

    def handle(self, *args, verbosity=1, **options):
        pending = list(SentEmail.objects.pending().order_by("created_at", "pk"))
        progress = Progress("E-mails", enabled=verbosity > 0 and len(pending) > 50)
        rows = []
        with stop_between_steps() as stop_asked:
            for done, row in enumerate(pending, start=1):
                if signal_name := stop_asked():
                    raise CommandError(
                        f"Interrupted ({signal_name}) after {len(rows)} of {len(pending)} "
                        "e-mails; run again to send the rest."
                    )
                rows.append(deliver(row))
                progress(done, len(pending))
        counts = outcome_counts(rows)
        if verbosity:
            self.stdout.write(f"{counts['sent']} e-mails sent ({len(pending)} were waiting).")
        if counts["failed"]:
            error = next(r.error for r in rows if r.state == SentEmail.State.FAILED)
            raise CommandError(
                f"{counts['failed']} e-mails could not be sent ({error}); they stay in the "
                "outbox and are tried again on the next run."
            )
