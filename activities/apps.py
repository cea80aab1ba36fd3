from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActivitiesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "activities"
    verbose_name = _("Activities")

    def ready(self):
        # Connect the receivers: the model signals that announce changes to the
        # public data, and what is rebuilt after them (the facet index's
        # snapshot, the word index, then the whole-dataset files). Models are
        # loaded only now.
        from . import dataset_files, facets, signals, words  # noqa: F401, PLC0415 (models load first)
