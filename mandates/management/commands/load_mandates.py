from django.core.management.base import BaseCommand, CommandError

from mandates.loader import MandateFileError, load, read_file
from wsis_site.progress import Interrupted, interruptible


class Command(BaseCommand):
    help = (
        "Import a resolution's mandates (the format of data/wsis20-mandates.json) and/or the "
        "action lines' facilitators (data/action-line-facilitators.json). Idempotent; a bad "
        "file changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", help="the files")

    def handle(self, *args, paths, verbosity=1, **options):
        """Each file is validated whole and written in its own transaction."""
        for path in paths:
            try:
                data = read_file(path)
                with interruptible():
                    result = load(data)
            except MandateFileError as exc:
                raise CommandError(f"{exc}; nothing was imported from {path}.") from None
            except Interrupted as exc:
                raise CommandError(
                    f"Interrupted ({exc}); nothing was imported from {path}."
                ) from None
            if verbosity:
                self.stdout.write(f"{path}: {result.summary()}")
