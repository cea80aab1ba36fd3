"""Protections every response shares: the Content-Security-Policy, the client
address used to count failed log-ins, and the API token's guard against guessing."""

from axes.models import AccessAttempt
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db.models import Sum
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication


def content_security_policy():
    """The header's value, from the ``CONTENT_SECURITY_POLICY`` setting."""
    policy = settings.CONTENT_SECURITY_POLICY
    return "; ".join(" ".join([key, *values]) for key, values in policy.items())


class ContentSecurityPolicyMiddleware:
    """Send the Content-Security-Policy header (Django 5.2 has none of its own).

    The policy forbids inline script and anything from another origin, so a
    stored script that escaped escaping still cannot run.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = content_security_policy()
        return response


NUL = "\x00"


def _nul_parameters(query):
    """The names of the parameters of ``query`` that hold a NUL character."""
    return [
        key.replace(NUL, "\\0")
        for key, values in query.lists()
        if NUL in key or any(NUL in v for v in values)
    ]


class RejectNullCharactersMiddleware:
    """Refuse a NUL character anywhere in the address, the query or a form.

    No text the tracker stores or looks up may hold one (PostgreSQL refuses it
    with an error), so one rule here spares every view, filter, converter and
    admin page from meeting it. Under /api/ the answers are JSON: a 404 for
    such an address, a 400 naming the parameters; JSON bodies are checked by
    the API's parser (wsis_site.api.StrictJSONParser). The downloads (an
    address ending in .csv or .json) answer as they do for any bad filter:
    400 with ``{"errors": {parameter: [message]}}``.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        api = request.path.startswith("/api/")
        if NUL in request.path:
            if api:
                return JsonResponse({"detail": _("Not found.")}, status=404)
            return self._refused(_("The address holds a NUL character, which none may hold."))
        names = _nul_parameters(request.GET) or self._form_nul_parameters(request)
        if names:
            message = _("A NUL character is not allowed in text.")
            if api:
                return JsonResponse({name: [message] for name in names}, status=400)
            if request.path.endswith((".csv", ".json")):
                return JsonResponse({"errors": {name: [message] for name in names}}, status=400)
            return self._refused(message)
        return self.get_response(request)

    @staticmethod
    def _form_nul_parameters(request):
        if request.method != "POST":
            return []
        if request.content_type not in ("application/x-www-form-urlencoded", "multipart/form-data"):
            return []  # JSON and other bodies are the parsers' to check
        return _nul_parameters(request.POST)

    @staticmethod
    def _refused(message):
        # Rendered without the request: nothing about the user or the session is read.
        return HttpResponse(render_to_string("400.html", {"message": message}), status=400)


def client_ip(request):
    """The client's address, read as the API throttling reads it (``TRUSTED_PROXIES``).

    With no proxy it is the connection's address, so a client cannot pick
    another one with a forged X-Forwarded-For header and dodge a lock-out;
    behind N trusted proxies it is the address the first of them saw.
    """
    proxies = settings.TRUSTED_PROXIES
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    if proxies and forwarded:
        addresses = [a.strip() for a in forwarded.split(",") if a.strip()]
        if addresses:
            return addresses[-min(proxies, len(addresses))]
    return request.META.get("REMOTE_ADDR") or None


class GuardedTokenAuthentication(TokenAuthentication):
    """Token authentication that stops answering an address after many bad tokens.

    DRF checks the throttles only after authentication, so without this a
    caller could try tokens as fast as the server answers. After
    ``API_TOKEN_FAILURE_LIMIT`` bad tokens from one address within
    ``API_TOKEN_FAILURE_WINDOW`` seconds, that address gets 429 for the rest of
    the window, whatever token it sends.
    """

    def _key(self, request):
        return f"wsis:bad-token:{client_ip(request)}"

    def authenticate(self, request):
        key = self._key(request)
        too_many = cache.get(key, 0) >= settings.API_TOKEN_FAILURE_LIMIT
        if too_many and request.META.get("HTTP_AUTHORIZATION"):
            raise exceptions.Throttled(
                wait=settings.API_TOKEN_FAILURE_WINDOW,
                detail=_("Too many invalid tokens from your address; try again later."),
            )
        try:
            return super().authenticate(request)
        except exceptions.AuthenticationFailed:
            window = settings.API_TOKEN_FAILURE_WINDOW
            if not cache.add(key, 1, window):
                try:
                    cache.incr(key)
                except ValueError:  # expired between add and incr
                    cache.set(key, 1, window)
            raise


class AddressLockoutBackend:
    """Refuse every log-in from an address that failed ``LOGIN_ADDRESS_FAILURE_LIMIT``
    times within ``LOGIN_LOCKOUT_MINUTES``, whatever the account (someone trying
    many accounts). django-axes counts failures per account and address; this
    adds them up per address, from the same records, so that ``axes_reset_ip``
    and deleting the attempts in the admin lift this block too.

    It only refuses: it has no ``get_user``, so no session is ever bound to it.
    """

    def authenticate(self, request, **credentials):
        if request is None:
            return None
        since = timezone.now() - settings.AXES_COOLOFF_TIME
        failures = AccessAttempt.objects.filter(
            ip_address=client_ip(request), attempt_time__gte=since
        ).aggregate(n=Sum("failures_since_start"))["n"]
        if (failures or 0) >= settings.LOGIN_ADDRESS_FAILURE_LIMIT:
            request.axes_locked_out = True  # AxesMiddleware answers with the lock-out page
            raise PermissionDenied(_("Too many failed log-ins from your address."))
        return None


def lockout_response(request, original_response=None, credentials=None):
    """The page shown once log-ins are blocked (django-axes' ``AXES_LOCKOUT_CALLABLE``)."""
    context = {
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "cooloff_minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
    }
    return render(request, "registration/locked_out.html", context, status=429)


def lockout_username(request, credentials=None):
    """The username a failed log-in is counted under (django-axes' ``AXES_USERNAME_CALLABLE``).

    The log-in forms do not limit the length of what is typed as a username,
    and django-axes stores it in a column of 255 characters: cut it, so that a
    very long name is one more failure, not a server error.
    """
    source = credentials if credentials is not None else request.POST
    username = source.get("username")
    if username is None:
        return None
    return str(username).replace("\x00", "")[:255]
