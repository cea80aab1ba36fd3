"""The logged-in user's own page (who they are, their API token) and the limited
password reset."""

import hashlib

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from rest_framework.authtoken.models import Token

from reviews.rules import is_secretariat

from .security import client_ip


class LoginView(auth_views.LoginView):
    """The log-in page; the secretariat lands on its home in the admin, everyone
    else on the contributor's home (``LOGIN_REDIRECT_URL``), unless ``next`` says."""

    redirect_authenticated_user = True

    def get_default_redirect_url(self):

        if is_secretariat(self.request.user):
            return reverse("admin:index")
        return super().get_default_redirect_url()


@never_cache  # it shows the API token: never kept by a browser or a proxy
@login_required
@require_GET
def profile(request):
    context = {
        "token": Token.objects.filter(user=request.user).first(),
        "memberships": request.user.memberships.select_related("entity").order_by(
            "entity__acronym"
        ),
    }
    return render(request, "accounts/profile.html", context)


@never_cache
@login_required
@require_POST
def regenerate_token(request):
    """Replace the user's API token; the old one stops working at once."""
    with transaction.atomic():
        Token.objects.filter(user=request.user).delete()
        Token.objects.create(user=request.user)
    messages.success(request, _("Your new API token is ready; the old one no longer works."))
    return redirect("account-profile")


class LimitedPasswordResetView(auth_views.PasswordResetView):
    """Django's password reset, limited per account and per client address.

    At most ``PASSWORD_RESET_LIMIT_PER_ACCOUNT`` requests for one e-mail address
    and ``PASSWORD_RESET_LIMIT_PER_ADDRESS`` from one client address within
    ``PASSWORD_RESET_WINDOW`` seconds; past that the form says so (429). An
    address is counted whether or not an account has it, so the answer still
    tells nobody which addresses are known.
    """

    def form_valid(self, form):
        email = form.cleaned_data["email"].strip().lower()
        window = settings.PASSWORD_RESET_WINDOW
        account = "wsis:reset:account:" + hashlib.sha256(email.encode()).hexdigest()
        address = f"wsis:reset:address:{client_ip(self.request)}"
        keys = {
            account: settings.PASSWORD_RESET_LIMIT_PER_ACCOUNT,
            address: settings.PASSWORD_RESET_LIMIT_PER_ADDRESS,
        }
        if any(cache.get(key, 0) >= limit for key, limit in keys.items()):
            form.add_error(
                None,
                ngettext(
                    "Too many requests to reset a password: try again in %(minutes)s minute.",
                    "Too many requests to reset a password: try again in %(minutes)s minutes.",
                    window // 60,
                )
                % {"minutes": window // 60},
            )
            response = self.form_invalid(form)
            response.status_code = 429
            return response
        for key in keys:
            if not cache.add(key, 1, window):
                try:
                    cache.incr(key)
                except ValueError:  # expired between add and incr
                    cache.set(key, 1, window)
        return super().form_valid(form)
