from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from reviews.models import ReviewCycle
from reviews.report import compile_report
from reviews.report_render import FORMATS, render

SUFFIXES = {".docx": "docx", ".html": "html", ".htm": "html", ".md": "md", ".markdown": "md"}


class Command(BaseCommand):
    help = (
        "Compile the report of a review cycle (its accepted and published submissions; only "
        "the published ones once the cycle is published) as Word, HTML or Markdown. "
        "Writes to FILE, or prints HTML and Markdown when no file is given."
    )

    def add_arguments(self, parser):
        parser.add_argument("cycle", help="the cycle's short name, e.g. report-2024")
        parser.add_argument(
            "--format",
            dest="fmt",
            choices=FORMATS,
            help="docx, html or md; by default taken from the file name, else md",
        )
        parser.add_argument("-o", "--output", metavar="FILE", help="where to write the report")
        parser.add_argument(
            "--language",
            default=settings.LANGUAGE_CODE,
            choices=[code for code, _name in settings.LANGUAGES],
            help="the language of the fixed wording (headings, standard sentences)",
        )

    def handle(self, *args, cycle, fmt=None, output=None, language=None, **options):
        """Compile and write; one readable line and a non-zero exit on any error."""
        fmt = fmt or SUFFIXES.get(Path(output).suffix.lower() if output else "", "md")
        if fmt == "docx" and not output:
            raise CommandError("A Word file cannot go to the terminal; give -o FILE.docx.")
        found = ReviewCycle.objects.filter(slug=cycle).first()
        if found is None:
            known = ", ".join(ReviewCycle.objects.order_by("slug").values_list("slug", flat=True))
            raise CommandError(f"No review cycle named {cycle!r} (known: {known or 'none'}).")
        with translation.override(language):
            report = compile_report(found)
            content = render(report, fmt)
        if not output:
            self.stdout.write(content, ending="")
            return
        try:
            if isinstance(content, bytes):
                Path(output).write_bytes(content)
            else:
                Path(output).write_text(content, encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"Cannot write {output}: {exc.strerror}.") from None
        state = "draft" if report.is_draft else "published"
        self.stdout.write(
            f"Wrote {output} ({fmt}): the {state} report of {found.slug}, "
            f"{len(report.paragraphs())} paragraphs, {len(report.notes)} notes, "
            f"{report.activity_count} activities."
        )
