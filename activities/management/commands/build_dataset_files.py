"""Write the whole-dataset files (CSV and JSON) for the public data of now."""

from urllib.parse import urlsplit

from django.core.management.base import BaseCommand, CommandError

from activities import dataset_files, db, facets, words


class Command(BaseCommand):
    help = (
        "Write the whole published dataset as CSV and JSON files into PUBLIC_FILES_DIR and "
        "swap them in, with the snapshots of the facet and word indexes; "
        "/activities/export.csv and .json serve them while nothing has changed. Run after a "
        "deployment or from cron; the app also rewrites them after each change."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--base-url",
            required=True,
            help="the site's address, e.g. https://wsis.example.org (for the activities' links)",
        )

    def handle(self, *args, base_url, verbosity=1, **options):
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.path not in ("", "/"):
            raise CommandError(
                f"The base URL must look like https://wsis.example.org, not {base_url!r}."
            )
        facets.save_snapshot()
        if db.has_word_index():
            words.update()
        manifest = dataset_files.rebuild(f"{parts.scheme}://{parts.netloc}")
        if manifest is None:
            raise CommandError("Another process is writing the files right now; try again.")
        if verbosity:
            entry = manifest["json"]
            self.stdout.write(
                f"{entry['rows']} activities written to {dataset_files.folder()} "
                f"(version {entry['version']})."
            )
