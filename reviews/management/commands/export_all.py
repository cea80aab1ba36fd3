from django.core.management.base import BaseCommand, CommandError

from wsis_site.backup import export_all
from wsis_site.progress import Interrupted, Progress, interruptible


class Command(BaseCommand):
    help = (
        "Write the whole tracker (entities, people, reference data, cycles, submissions, "
        "activities, comments, history…) to one JSON file that import_all restores."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="the file to write (replaced if it exists)")
        parser.add_argument(
            "--no-history",
            action="store_true",
            help="leave out the change history of entities, activities and submissions",
        )

    def handle(self, *args, path, no_history=False, verbosity=1, **options):
        try:
            with interruptible():
                count = export_all(
                    path,
                    history=not no_history,
                    progress=Progress("Exporting", enabled=verbosity > 0),
                )
        except Interrupted as exc:
            raise CommandError(f"Interrupted ({exc}); no file was written.") from None
        except OSError as exc:
            raise CommandError(f"{path}: cannot be written ({exc.strerror}).") from None
        if verbosity:
            self.stdout.write(f"{count} records written to {path}.")
