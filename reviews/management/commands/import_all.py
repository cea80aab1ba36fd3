from django.core.management.base import BaseCommand, CommandError

from wsis_site.backup import BackupError, import_all, read_backup
from wsis_site.progress import Interrupted, Progress, interruptible


class Command(BaseCommand):
    help = (
        "Restore a file written by export_all: the tracker's tables are replaced by the "
        "file's content in one transaction (run migrate first on a new database)."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="a file written by export_all")

    def handle(self, *args, path, verbosity=1, **options):
        try:
            records = read_backup(path)
            with interruptible():
                result = import_all(records, progress=Progress("Importing", enabled=verbosity > 0))
        except BackupError as exc:
            raise CommandError(f"{exc}; nothing was changed.") from None
        except Interrupted as exc:
            raise CommandError(f"Interrupted ({exc}); nothing was changed.") from None
        if verbosity:
            self.stdout.write(f"{result['objects']} records restored from {path}.")
