"""The public statistics page, its CSV tables and the 20-year view."""

import csv

from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from . import stats
from .caching import records
from .exports import neutralise
from .filters import ActivityFilter
from .models import ActionLine, Region, Theme
from .views import cached_for_the_public

# What a statistics page's address may hold: the filters (no ordering, no page).
STATS_PARAMETERS = frozenset(ActivityFilter.base_filters) - {"ordering"}


def _filterset(request):
    data = request.GET.copy()
    for name in ("page", "ordering", "format"):
        data.pop(name, None)
    return ActivityFilter(data)


def _query(request):
    data = request.GET.copy()
    for name in ("page", "ordering", "format"):
        data.pop(name, None)
    return data.urlencode()


def _subject(filterset):
    """What the 20-year view is about, in words (the filters chosen)."""
    labels = {
        "action_line": {line.code: str(line) for line in records(ActionLine)},
        "theme": {t.key: t.title for t in records(Theme)},
        "region": {r.key: r.title for r in records(Region)},
    }
    parts = []
    for name in ("action_line", "theme", "region", "entity", "entity_kind", "sdg", "trend"):
        for value in filterset.selected(name):
            parts.append(labels.get(name, {}).get(value, value))
    return parts


def _render_page(request, template, build):
    filterset = _filterset(request)
    context = {"filterset": filterset, "query": _query(request)}
    if not filterset.is_valid():
        context["errors"] = filterset.errors_by_parameter()
        return render(request, template, context, status=400)
    context.update(build(filterset))
    return render(request, template, context)


@require_GET
@cached_for_the_public(STATS_PARAMETERS)
def stats_page(request):
    return _render_page(
        request,
        "stats/stats.html",
        lambda filterset: {
            "charts": stats.stats_charts(filterset),
            "total": filterset.facet_counts()["total"],
        },
    )


@require_GET
@cached_for_the_public(STATS_PARAMETERS)
def trend_page(request):
    return _render_page(
        request,
        "stats/trend.html",
        lambda filterset: {
            "charts": stats.trend_charts(filterset),
            "subject": _subject(filterset),
        },
    )


def _csv(request, charts, slug, filename):
    filterset = _filterset(request)
    if not filterset.is_valid():
        return JsonResponse({"errors": filterset.errors_by_parameter()}, status=400)
    (chart,) = charts(filterset, only=[slug])
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}-{slug}.csv"'
    writer = csv.writer(response)
    # Labels come from what people typed (a cycle's title, an entity's name):
    # safe to open in a spreadsheet, like the export's cells. Numbers stay numbers.
    writer.writerow([neutralise(h) for h in chart["headers"]])
    writer.writerows(
        [c if isinstance(c, int | float) else neutralise(c) for c in row] for row in chart["rows"]
    )
    return response


@require_GET
def stats_csv(request, chart):
    if chart not in stats.CHARTS:
        raise Http404(_("There is no such chart."))
    return _csv(request, stats.stats_charts, chart, "wsis-stats")


@require_GET
def trend_csv(request, chart):
    if chart not in stats.TREND_CHARTS:
        raise Http404(_("There is no such chart."))
    return _csv(request, stats.trend_charts, chart, "wsis-trend")
