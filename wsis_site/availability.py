"""What the site answers while its database cannot be reached: 503, not 500.

A page gets a short explanation (templates/503.html) and the API a JSON body,
both with Retry-After. Nothing is cached about the outage: each request tries
the database again (Django reconnects by itself), so the site recovers as soon
as the database is back.
"""

import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views import defaults

logger = logging.getLogger("wsis_site.availability")

DATABASE_ERRORS = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 30


def is_api(request):
    return request.path.startswith("/api/")


def database_unavailable(request):
    """The 503 answer. It must not touch the database: no session, no user."""
    if is_api(request):
        response = JsonResponse(
            {"detail": _("The service is briefly unavailable; try again in a minute.")},
            status=503,
        )
    else:
        # Rendered without the request, so that no context processor reads
        # the session or the user from the database.
        response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableMiddleware:
    """Turn a lost database connection in a view into a 503 (see the module's docstring)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, DATABASE_ERRORS):
            logger.error("Database unavailable: %s", exception)
            return database_unavailable(request)
        return None


def server_error(request, template_name="500.html"):
    """handler500: a database outage met outside a view (in a middleware) is a 503 too."""
    exception = sys.exc_info()[1]
    if isinstance(exception, DATABASE_ERRORS):
        return database_unavailable(request)
    return defaults.server_error(request, template_name)
