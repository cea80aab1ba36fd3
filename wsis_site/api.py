"""What every endpoint of the API under /api/ shares: pagination, throttling,
the documented error bodies and the JSON answer for unknown addresses."""

from functools import partial

from django.conf import settings
from django.http import JsonResponse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    inline_serializer,
)
from rest_framework import exceptions, pagination, parsers, serializers, throttling
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from wsis_site.errors import TransitionNotAllowed

from .paging import Paginator


class Pagination(pagination.PageNumberPagination):
    """``count``, ``next``, ``previous`` and ``results``; ``page_size`` is capped."""

    page_size_query_param = "page_size"
    django_paginator_class = Paginator
    page_query_description = _("A page number within the results. A page past the end is a 404.")

    # Read at request time rather than import time, so that a change of
    # settings (and the tests' overrides) takes effect.
    def get_page_size(self, request):
        self.page_size = settings.API_PAGE_SIZE
        self.max_page_size = settings.API_MAX_PAGE_SIZE
        return super().get_page_size(request)

    @property
    def page_size_query_description(self):
        return _("How many results a page holds: %(default)s unless given, at most %(max)s.") % {
            "default": settings.API_PAGE_SIZE,
            "max": settings.API_MAX_PAGE_SIZE,
        }

    def paginate_queryset(self, queryset, request, view=None):
        # A view that knows how many results there are (from an index) says so,
        # and one that can tell a page's ids (``page_ids(start, stop)`` or None)
        # has the page's query read just those rows.
        count = getattr(view, "result_count", None)
        known = {"count": count()} if count is not None else {}
        if (page_ids := getattr(view, "page_ids", None)) is not None:
            known["page_ids"] = page_ids
        self.django_paginator_class = partial(Paginator, **known) if known else Paginator
        return super().paginate_queryset(queryset, request, view)

    def get_paginated_response_schema(self, schema):
        response = super().get_paginated_response_schema(schema)
        response["required"] = ["count", "next", "previous", "results"]
        for name in ("next", "previous"):
            response["properties"][name].pop("example", None)
        return response


MAX_JSON_DEPTH = 20  # far deeper than any body the API takes (references: 3)


class StrictJSONParser(parsers.JSONParser):
    """JSON bodies, refusing what no field takes: nesting deeper than
    ``MAX_JSON_DEPTH`` (which would otherwise exhaust the stack) and NUL characters
    (which PostgreSQL refuses in text). Both are a 400 naming the field, like
    any other bad input."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise exceptions.ParseError(
                {api_settings.NON_FIELD_ERRORS_KEY: [_too_deep()]}
            ) from None
        top = (
            data.items() if isinstance(data, dict) else [(api_settings.NON_FIELD_ERRORS_KEY, data)]
        )
        for field, value in top:
            problem = _problem(field, 2) or _problem(value, 2)
            if problem:
                name = str(field).replace(NUL, "\\0")
                raise exceptions.ParseError({name: [problem]})
        return data


NUL = "\x00"


def _too_deep():
    return gettext("The body is nested more than %(depth)s levels deep.") % {
        "depth": MAX_JSON_DEPTH
    }


def _problem(value, depth):
    """What makes ``value`` (met at ``depth``) unacceptable, in words, or None."""
    stack = [(value, depth)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            return _too_deep()
        if isinstance(value, str):
            if NUL in value:
                return gettext("A NUL character is not allowed in text.")
        elif isinstance(value, dict):
            stack.extend((item, depth + 1) for pair in value.items() for item in pair)
        elif isinstance(value, list):
            stack.extend((item, depth + 1) for item in value)
    return None


class RatesFromSettingsMixin:
    # DRF reads the rates once, when the class is defined; reading them per
    # request lets a change of settings take effect.
    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)


class AnonThrottle(RatesFromSettingsMixin, throttling.AnonRateThrottle):
    """Requests without a logged-in user, counted per client address (``API_ANON_RATE``)."""


class UserThrottle(RatesFromSettingsMixin, throttling.UserRateThrottle):
    """Requests of a logged-in user, counted per user (``API_USER_RATE``)."""


# How a refused workflow step or edit answers (see TransitionNotAllowed.code).
STATUS_FOR_REFUSAL = {"forbidden": 403, "conflict": 409, "invalid": 400}


def exception_handler(exc, context):
    """DRF's handler, plus the answer to a refused workflow step: 403, 409 or 400."""

    if isinstance(exc, TransitionNotAllowed):
        body = {"detail": exc.message, "code": exc.code}
        if exc.field:
            body[exc.field] = [exc.message]
        return Response(body, status=STATUS_FOR_REFUSAL[exc.code])
    return drf_exception_handler(exc, context)


def api_not_found(request, *args, **kwargs):
    """Any other address under /api/: a JSON 404 like the API's own."""
    return JsonResponse({"detail": gettext("Not found.")}, status=404)


# The error bodies, as the OpenAPI document describes them ------------------

_Detail = inline_serializer(
    name="ErrorDetail",
    fields={"detail": serializers.CharField(help_text=_("What went wrong, in words."))},
)

FILTER_ERRORS = OpenApiResponse(
    response={
        "type": "object",
        "additionalProperties": {"type": "array", "items": {"type": "string"}},
    },
    description=_(
        "A parameter has a value that cannot be used. The body names each such parameter "
        "with its messages."
    ),
    examples=[
        OpenApiExample(
            "Unknown action line",
            value={
                "action_line": ["Select a valid choice. C99 is not one of the available choices."]
            },
            response_only=True,
            status_codes=["400"],
        )
    ],
)
NOT_AUTHENTICATED = OpenApiResponse(
    response=_Detail,
    description=_("The Authorization header holds a token that is not valid."),
)
NOT_FOUND = OpenApiResponse(
    response=_Detail, description=_("There is no such record, or it is not public.")
)
PAGE_NOT_FOUND = OpenApiResponse(
    response=_Detail, description=_("The page is past the end of the results, or not a number.")
)
THROTTLED = OpenApiResponse(
    response=_Detail,
    description=_(
        "Too many requests; the Retry-After header says how many seconds to wait. "
        "Anonymous callers are limited per address, logged-in callers per user."
    ),
)


def lookup_parameter(name, regex, description, schema=None):
    """The path parameter of a detail endpoint, described."""
    return OpenApiParameter(
        name,
        schema or {"type": "string", "pattern": f"^{regex}$"},
        OpenApiParameter.PATH,
        required=True,
        description=description,
    )


def list_errors(*, filters=False):
    """The error answers of a list endpoint."""
    errors = {401: NOT_AUTHENTICATED, 404: PAGE_NOT_FOUND, 429: THROTTLED}
    if filters:
        errors[400] = FILTER_ERRORS
    return dict(sorted(errors.items()))


def detail_errors():
    """The error answers of a detail endpoint."""
    return {401: NOT_AUTHENTICATED, 404: NOT_FOUND, 429: THROTTLED}


FIELD_ERRORS = OpenApiResponse(
    response={
        "type": "object",
        "additionalProperties": {"type": "array", "items": {"type": "string"}},
    },
    description=_("The input is not acceptable; the body names each field with its messages."),
)
FORBIDDEN = OpenApiResponse(
    response=_Detail, description=_("Your role does not allow this (the body says why).")
)
CONFLICT = OpenApiResponse(
    response=_Detail,
    description=_(
        "The record's state does not allow this now: for example a submission that was "
        "already submitted, a deadline that has passed, or a change made by someone else."
    ),
)
LOGIN_NEEDED = OpenApiResponse(
    response=_Detail, description=_("Log in or give a valid token to do this.")
)


def write_errors(*, detail=True):
    """The error answers of an endpoint that changes something."""
    errors = {400: FIELD_ERRORS, 401: LOGIN_NEEDED, 403: FORBIDDEN, 409: CONFLICT, 429: THROTTLED}
    if detail:
        errors[404] = NOT_FOUND
    return dict(sorted(errors.items()))
