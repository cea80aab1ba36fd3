from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MandatesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "mandates"
    verbose_name = _("Mandates")

    def ready(self):
        # The report's chapter on the recommendations joins reviews.report.CHAPTERS.
        from . import report  # noqa: PLC0415 (models load first)

        report.register()
