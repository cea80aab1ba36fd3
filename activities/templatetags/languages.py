"""Language tags for templates: BCP 47 codes and writing direction.

Django names languages in lower case (``zh-hans``); HTML ``lang`` attributes
read best in the BCP 47 form (``zh-Hans``), which screen readers and font
selection expect.
"""

from django import template
from django.utils.translation import get_language_info, to_locale

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
