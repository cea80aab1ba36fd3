"""Language tags for templates: BCP 47 codes and writing direction.

Django names languages in lower case (``zh-hans``); HTML ``lang`` attributes
read best in the BCP 47 form (``zh-Hans``), which screen readers and font
selection expect.
"""

from django import template
from django.utils.html import format_html
from django.utils.translation import get_language, get_language_info, to_locale

register = template.Library()


@register.filter
def bcp47(code):
    """``zh-hans`` -> ``zh-Hans``, ``en`` -> ``en``."""
    if not code:
        return ""
    return to_locale(str(code)).replace("_", "-")


@register.filter
def text_direction(code):
    """``rtl`` for a right-to-left language (Arabic), else ``ltr``."""
    try:
        return "rtl" if get_language_info(str(code))["bidi"] else "ltr"
    except KeyError:
        return "ltr"


@register.filter
def lang_if_other(code):
    """`` lang="en"`` (with ``dir``) when text in language ``code`` sits on a page in
    another language, else nothing: ``<bdi{{ entity.name_language|lang_if_other }}>``."""

    code = str(code or "en").lower()
    active = (get_language() or "en").lower()
    if code == active or code.split("-")[0] == active.split("-")[0]:
        return ""
    return format_html(' lang="{}" dir="{}"', bcp47(code), text_direction(code))
