from functools import wraps

from django.conf import settings
from django.contrib.messages import get_messages
from django.http import FileResponse, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from reviews.report import report_paragraph_numbers
from wsis_site.paging import paginate

from . import dataset_files, exports
from .caching import cached_value, generation, normalise_query, store_value
from .filters import ActivityFilter
from .models import Activity


def cached_for_the_public(parameters):
    """Serve anonymous visitors a whole page from the cache while nothing changed.

    The key holds the language, the path and the recognised ``parameters`` of
    the query (see ``caching.normalise_query``: other parameters are dropped
    from the request). The cache generation is read once, before the page is
    computed, and the page is stored under it: a change to published work
    during the computation makes the page stale at once (activities/caching.py).
    Pages for logged-in users, with messages, or with errors are never cached.
    """

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            anonymous = settings.SESSION_COOKIE_NAME not in request.COOKIES
            if request.method != "GET" or not anonymous:
                return view(request, *args, **kwargs)
            query = normalise_query(request, parameters)
            current = generation()
            key = f"page:{request.LANGUAGE_CODE}:{request.path}?{query}"
            hit = cached_value(key, current)
            if hit is not None:
                content, content_type = hit
                return HttpResponse(content, content_type=content_type)
            response = view(request, *args, **kwargs)
            if response.status_code == 200 and not list(get_messages(request)):
                store_value(key, (response.content, response["Content-Type"]), current)
            return response

        return wrapped

    return decorator


# What the listing's address may hold: the filters, the ordering and the page.
LISTING_PARAMETERS = frozenset([*ActivityFilter.base_filters, "page"])


@require_GET
@cached_for_the_public(LISTING_PARAMETERS)
def activity_list(request):
    filterset = ActivityFilter(request.GET)
    context = {
        "filterset": filterset,
        "form": filterset.form,
        "ordering": request.GET.get("ordering", ""),
    }
    if not filterset.is_valid():
        context["errors"] = filterset.errors_by_parameter()
        return render(request, "activities/activity_list.html", context, status=400)
    results = filterset.qs.with_card_data()
    context["facets"] = filterset.facets()
    page, page_error = paginate(
        request, results, settings.ACTIVITIES_PER_PAGE, count=filterset.facet_counts()["total"]
    )
    context["chips"] = [
        {
            "name": facet["name"],
            "label": facet["label"],
            "value": option["value"],
            "text": option["label"],
        }
        for facet in context["facets"]
        for option in facet["options"]
        if option["selected"]
    ]
    if filterset.form.cleaned_data.get("q"):
        context["chips"].insert(
            0,
            {
                "name": "q",
                "label": _("Search"),
                "value": filterset.form.cleaned_data["q"],
                "text": filterset.form.cleaned_data["q"],
            },
        )
    if page_error:
        context["errors"] = {"page": [page_error]}
        return render(request, "activities/activity_list.html", context, status=404)
    context["page"] = page
    return render(request, "activities/activity_list.html", context)


@require_GET
def activity_detail(request, pk):
    activity = get_object_or_404(
        Activity.objects.published().with_export_data().prefetch_related("inferred_entities"),
        pk=pk,
    )

    # The paragraph of its published report: the report's own numbering.
    paragraph = report_paragraph_numbers(activity.cycle).get(activity.pk)
    context = {"activity": activity, "report_paragraph": paragraph}
    return render(request, "activities/activity_detail.html", context)


def _export_filterset(request):
    data = request.GET.copy()
    data.pop("page", None)
    data.pop("format", None)
    return ActivityFilter(data)


def _whole_dataset_file(request, filterset, kind):
    """Everything published, unfiltered, as the ready file (with its length) if
    it is current; None otherwise (the export is then streamed, and the file
    written in the background for next time)."""

    if any(filterset.form.cleaned_data.values()) or set(filterset.data) - set(filterset.filters):
        return None
    base_url = request.build_absolute_uri("/")[:-1]
    found = dataset_files.open_current(kind, base_url)
    if found is None:
        dataset_files.rebuild_soon(base_url)
        return None
    handle, _size = found
    name, content_type = dataset_files.FORMATS[kind]
    return FileResponse(handle, as_attachment=True, filename=name, content_type=content_type)


@require_GET
def export_csv(request):
    filterset = _export_filterset(request)
    if not filterset.is_valid():
        return JsonResponse({"errors": filterset.errors_by_parameter()}, status=400)
    if whole := _whole_dataset_file(request, filterset, "csv"):
        return whole
    lines = exports.csv_lines(filterset.qs, request.build_absolute_uri)
    first = next(lines)  # reads the first rows now, while an error can still be answered

    def content():
        # A generator, so that closing the response (a client gone) closes the
        # export's cursor and transaction at once.
        yield first
        yield from lines

    response = StreamingHttpResponse(content(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="wsis-activities.csv"'
    return response


@require_GET
def export_json(request):
    filterset = _export_filterset(request)
    if not filterset.is_valid():
        return JsonResponse({"errors": filterset.errors_by_parameter()}, status=400)
    if whole := _whole_dataset_file(request, filterset, "json"):
        return whole
    meta = {
        "count": filterset.count(),
        "filters": {k: v for k, v in filterset.data.lists() if v},
    }
    response = StreamingHttpResponse(
        exports.json_chunks(filterset.qs, request.build_absolute_uri, meta),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = 'attachment; filename="wsis-activities.json"'
    return response
