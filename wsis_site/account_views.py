"""The logged-in user's own page: who they are and their API token."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from rest_framework.authtoken.models import Token


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


@login_required
@require_POST
def regenerate_token(request):
    """Replace the user's API token; the old one stops working at once."""
    with transaction.atomic():
        Token.objects.filter(user=request.user).delete()
        Token.objects.create(user=request.user)
    messages.success(request, _("Your new API token is ready; the old one no longer works."))
    return redirect("account-profile")
