"""Fields kept in the six UN languages, read in the active language.

Reference data (action lines, themes, trends, regions, SDGs) and entity names
are stored once per language (``title_en``, ``title_zh``, …). Reading
``obj.title`` gives the active language's text and falls back to English.
"""

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from .validators import validate_web_address

# Language code (as in settings.LANGUAGES) -> field suffix.
SUFFIXES = {"ar": "ar", "zh-hans": "zh", "en": "en", "fr": "fr", "ru": "ru", "es": "es"}


def field_suffix(language=None):
    language = (language or get_language() or "en").lower()
    if language in SUFFIXES:
        return SUFFIXES[language]
    return SUFFIXES.get(language.split("-")[0], "zh" if language.startswith("zh") else "en")


def localized(obj, base, language=None):
    """The value of ``<base>_<lang>`` on obj in the active language, else English."""
    value = getattr(obj, f"{base}_{field_suffix(language)}", "")
    return value or getattr(obj, f"{base}_en")


def localized_language(obj, base, language=None):
    """The language code of what ``localized`` shows: the active one, or ``en`` where
    the text falls back to English (for the ``lang`` attribute around it)."""
    language = (language or get_language() or "en").lower()
    suffix = field_suffix(language)
    if suffix != "en" and getattr(obj, f"{base}_{suffix}", ""):
        return language
    return "en"


class HttpsURLField(models.URLField):
    """A web address (http or https, no user name: ``validate_web_address``) whose
    form field reads a typed address without scheme as https."""

    default_validators = [validate_web_address]

    def formfield(self, **kwargs):
        return super().formfield(**{"assume_scheme": "https", **kwargs})


class MultilingualTitle(models.Model):
    title_en = models.CharField(_("title (English)"), max_length=300)
    title_fr = models.CharField(_("title (French)"), max_length=300, blank=True)
    title_es = models.CharField(_("title (Spanish)"), max_length=300, blank=True)
    title_ru = models.CharField(_("title (Russian)"), max_length=300, blank=True)
    title_ar = models.CharField(_("title (Arabic)"), max_length=300, blank=True)
    title_zh = models.CharField(_("title (Chinese)"), max_length=300, blank=True)

    class Meta:
        abstract = True

    def __str__(self):
        return self.title

    @property
    def title(self):
        return localized(self, "title")

    @property
    def title_language(self):
        return localized_language(self, "title")
