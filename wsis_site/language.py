"""``?lang=fr`` on any address chooses the language for that one request.

Scripts reading the API (and links shared in one language) can ask for a
language without a cookie; Accept-Language and the switch's cookie still work
as before (Django's LocaleMiddleware, which runs first).
"""

from django.conf import settings
from django.utils import translation


class LanguageParameterMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.codes = {code.lower(): code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        asked = request.GET.get("lang", "").lower()
        code = self.codes.get(asked) or self.codes.get({"zh": "zh-hans"}.get(asked, ""))
        if code:
            translation.activate(code)
            request.LANGUAGE_CODE = code
        return self.get_response(request)
