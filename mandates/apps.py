from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MandatesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "mandates"
    verbose_name = _("Mandates")
