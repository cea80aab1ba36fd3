"""The report pages: /reports/, a cycle's report as a page and as Word, and
where each entity's inputs were used. Who may see what is decided in rules.py."""

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from .models import ReviewCycle
from .report import compile_report
from .report_render import DOCX_CONTENT_TYPE, render_docx


def get_report_cycle(user, slug):
    """The cycle if the user may read its report; a draft is a 404 for the public."""
    cycle = get_object_or_404(ReviewCycle, slug=slug)
    if not user.has_perm("reviews.view_report", cycle):
        raise Http404(_("No published report has this name."))
    return cycle


def docx_response(cycle):
    """The compiled report of a cycle as a Word download."""
    report = compile_report(cycle)
    name = f"{cycle.slug}-draft.docx" if report.is_draft else f"{cycle.slug}.docx"
    response = HttpResponse(render_docx(report), content_type=DOCX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return _private_if_draft(response, report)


def _private_if_draft(response, report):
    if report.is_draft:
        patch_cache_control(response, private=True, no_store=True)
    return response


@require_GET
def report_list(request):
    drafts = None
    if request.user.has_perm("reviews.compile_report"):
        drafts = ReviewCycle.objects.exclude(state=ReviewCycle.State.PUBLISHED)
    context = {"published": ReviewCycle.objects.published(), "drafts": drafts}
    return render(request, "reports/report_list.html", context)


@require_GET
def report_detail(request, slug):
    cycle = get_report_cycle(request.user, slug)
    report = compile_report(cycle)
    can_see_sources = request.user.has_perm("reviews.view_report_sources", cycle)
    context = {
        "cycle": cycle,
        "report": report,
        "can_see_sources": can_see_sources,
        "show_sources": can_see_sources and request.GET.get("sources") != "off",
    }
    return _private_if_draft(render(request, "reports/report_detail.html", context), report)


@require_GET
def report_docx(request, slug):
    return docx_response(get_report_cycle(request.user, slug))


@require_GET
def report_contributions(request, slug):
    cycle = get_report_cycle(request.user, slug)
    report = compile_report(cycle)
    context = {"cycle": cycle, "report": report}
    return _private_if_draft(render(request, "reports/report_contributions.html", context), report)
