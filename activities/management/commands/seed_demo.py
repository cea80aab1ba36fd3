from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from activities.importer import DatasetError, import_dataset, read_dataset

from ._progress import Interrupted, Progress, interruptible

DEMO_DATASET = settings.BASE_DIR / "data" / "wsis-report-2024.json"


class Command(BaseCommand):
    help = (
        "Load the demo: the 2024 report (A/79/62-E/2024/12) as a published cycle. "
        "Safe to run again; it duplicates nothing."
    )

    def handle(self, *args, verbosity=1, **options):
        try:
            with interruptible():
                result = import_dataset(
                    read_dataset(DEMO_DATASET),
                    progress=Progress("Loading the 2024 report", enabled=verbosity > 0),
                )
        except DatasetError as exc:
            raise CommandError(f"{exc}; the demo was not loaded.") from None
        except Interrupted as exc:
            raise CommandError(f"Interrupted ({exc}); the demo was not loaded.") from None
        if verbosity:
            self.stdout.write(f"Demo data: {result.summary()}")
