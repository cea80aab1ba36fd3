"""What counts as a web address and as a UN document symbol, everywhere they are typed."""

import re
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _


@deconstructible
class WebAddressValidator(URLValidator):
    """An http or https address with no user name or password in it.

    ``https://evil.example@example.org`` reads as example.org to many people but
    leads to evil.example; other schemes (ftp:, javascript:) are not links a
    reader of the tracker should follow.
    """

    message = _("Give a web address starting with http:// or https://, without a user name.")

    def __init__(self, **kwargs):
        super().__init__(schemes=["http", "https"], **kwargs)

    def __call__(self, value):
        super().__call__(value)
        if "@" in (urlsplit(str(value)).netloc or ""):
            raise ValidationError(self.message, code=self.code, params={"value": value})


validate_web_address = WebAddressValidator()

# A UN document symbol: a body's letters, then parts separated by slashes
# (A/RES/78/132, E/2024/12, A/79/62, E/CN.16/2024/2, A/RES/ES-10/1); a hyphen
# joins two whole symbols (A/79/62-E/2024/12) or follows a session's letters
# (S-27, ES-10), never two numbers (A/RES/78-132); a year may follow
# (S/RES/2686 (2023)).
_ONE_SYMBOL = r"[A-Z][A-Za-z0-9.]*(?:/(?:[A-Z]{1,4}-)?[A-Za-z0-9.]+)+"
SYMBOL = re.compile(rf"{_ONE_SYMBOL}(?:-{_ONE_SYMBOL})*(?: \([0-9]{{4}}\))?")


def validate_document_symbol(value):
    if value and not SYMBOL.fullmatch(value):
        raise ValidationError(
            _(
                "%(value)s is not a UN document symbol. A symbol is the body's letters and "
                "parts separated by slashes, such as A/RES/78/132, E/2024/12, A/79/62 or "
                "E/CN.16/2024/2."
            ),
            code="invalid_symbol",
            params={"value": value},
        )
