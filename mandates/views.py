"""The contributors' form of an update on a mandate, and the public follow-up."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from reviews.models import TransitionNotAllowed
from reviews.views import _page_context, get_submission

from .filters import MandateFilterForm
from .followup import LIGHTS, follow_up, statistics
from .forms import MandateUpdateForm
from .models import MandateUpdate, Resolution, mandates_for


@login_required
@require_POST
def update_form(request, cycle, acronym, pk):
    """Save the submission's update on one mandate; the page again, with the
    errors beside their fields, when something is wrong."""
    submission = get_submission(request.user, cycle, acronym)
    mandate = next((m for m in mandates_for(submission) if m.pk == pk), None)
    if mandate is None:
        raise Http404
    form = MandateUpdateForm(request.POST, submission=submission, mandate=mandate)
    status = 400
    if form.is_valid():
        try:
            MandateUpdate.write(
                submission,
                mandate,
                by=request.user,
                status=form.cleaned_data["status"],
                text=form.cleaned_data["text"],
                activities=form.cleaned_data.get("activities") or [],
                seen_updated_at=form.seen_time(),
            )
        except TransitionNotAllowed as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            status = 400 if exc.code == "invalid" else 409
        else:
            messages.success(
                request,
                _("Your update on paragraph %(paragraph)s is saved.")
                % {"paragraph": mandate.paragraph},
            )
            return redirect(submission.get_absolute_url() + "#mandates")
    context = _page_context(request, submission)
    context["mandate_form"] = form
    return render(request, "reviews/submission_detail.html", context, status=status)


def _filtered(request):
    form = MandateFilterForm(request.GET)
    if not form.is_valid():
        return form, []
    return form, follow_up(**form.arguments())


def mandate_list(request):
    """/mandates/: each mandate, who was asked, its light, and the published
    updates per cycle with their published activities."""
    form, items = _filtered(request)
    context = {
        "form": form,
        "items": items,
        "lights": LIGHTS,
        "resolutions": Resolution.objects.order_by("-adopted_on"),
    }
    return render(
        request, "mandates/mandate_list.html", context, status=400 if form.errors else 200
    )


def mandate_stats(request):
    """/mandates/stats/: mandates by overview and by action line, updates by status,
    and the share of the asked entities that reported."""
    form, items = _filtered(request)
    context = {"form": form, "items": items, "stats": statistics(items)}
    return render(
        request, "mandates/mandate_stats.html", context, status=400 if form.errors else 200
    )
