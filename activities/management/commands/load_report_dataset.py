from django.core.management.base import BaseCommand, CommandError

from activities.importer import DatasetError, import_dataset, read_dataset
from wsis_site.progress import Interrupted, Progress, interruptible


class Command(BaseCommand):
    help = (
        "Import a report dataset (JSON, the format of data/wsis-report-2024.json) as that "
        "report's published cycle. Idempotent; a bad file changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="the dataset file")

    def handle(self, *args, path, verbosity=1, **options):
        try:
            data = read_dataset(path)
            with interruptible():
                result = import_dataset(
                    data, progress=Progress("Importing activities", enabled=verbosity > 0)
                )
        except DatasetError as exc:
            raise CommandError(f"{exc}; nothing was imported.") from None
        except Interrupted as exc:
            raise CommandError(f"Interrupted ({exc}); nothing was imported.") from None
        if verbosity:
            self.stdout.write(result.summary())
        for warning in result.warnings:
            self.stderr.write(f"Warning: {warning}")
