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
# (A/RES/78/132, E/CN.16/2024/2, A/79/62-E/2024/12, S/RES/2686 (2023)).
SYMBOL = re.compile(r"[A-Z][A-Za-z0-9.\-]*(?:/[A-Za-z0-9.\-]+)+(?: \([0-9]{4}\))?")


def validate_document_symbol(value):
    if value and not SYMBOL.fullmatch(value):
        raise ValidationError(
            _("%(value)s is not a UN document symbol such as A/RES/78/132."),
            code="invalid_symbol",
            params={"value": value},
        )
