"""The read API of activities and the taxonomy (``/api/activities/``, ``/api/action-lines/``…)."""

from django.conf import settings
from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.extensions import OpenApiFilterExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.exceptions import PermissionDenied

from entities.models import Entity
from reviews.models import Submission
from wsis_site.api import detail_errors, list_errors, lookup_parameter, write_errors

from .caching import cached_value, generation, normalise_query, store_value
from .filters import MAX_VALUES, ActivityFilter
from .models import SDG, ActionLine, Activity, Region, Theme, Trend
from .serializers import (
    ActionLineSerializer,
    ActivitySerializer,
    RegionSerializer,
    SDGSerializer,
    ThemeSerializer,
    TrendSerializer,
)


def _repeatable(name, type_, description, **schema):
    """A filter parameter that may be given several times, meaning "any of these"."""
    return OpenApiParameter(
        name,
        type={"type": "array", "items": {"type": type_, **schema}, "maxItems": MAX_VALUES},
        location=OpenApiParameter.QUERY,
        description=description,
        style="form",
        explode=True,
    )


# What the addresses of single records accept; anything else is a 404.
ID = r"[0-9]+"
CODE = r"C[0-9]{1,2}(?:\.[a-z][a-z\-]*)?"
KEY = r"[-a-zA-Z0-9_]+"
NUMBER = r"[0-9]{1,2}"

_ORDERINGS = [value for value, _label in ActivityFilter.base_filters["ordering"].extra["choices"]]

# One entry per filter of ActivityFilter (a test checks that none is missing),
# described here because most of their values are reference data.
FILTER_PARAMETERS = [
    OpenApiParameter(
        "q",
        OpenApiTypes.STR,
        description=_(
            "Words in the title, summary or description. On PostgreSQL a web-search query, "
            "each activity searched in its own language (Chinese by pairs of characters; "
            "results ordered by relevance unless `ordering` is given); elsewhere every word "
            "must appear."
        ),
    ),
    _repeatable(
        "action_line",
        "string",
        _("An action line code such as `C5` or `C7.e-health`; `C7` includes its sub-areas."),
        pattern=r"^C\d{1,2}(\.[a-z][a-z\-]*)?$",
    ),
    _repeatable(
        "entity",
        "string",
        _("An entity's acronym, such as `ITU`; matches the lead entity and the partners."),
    ),
    _repeatable(
        "entity_kind",
        "string",
        _("The kind of the lead entity."),
        enum=list(Entity.Kind.values),
    ),
    _repeatable("region", "string", _("A region's key, such as `africa` or `global`.")),
    _repeatable(
        "sdg", "integer", _("A Sustainable Development Goal's number."), minimum=1, maximum=17
    ),
    _repeatable("theme", "string", _("A theme's key, such as `internet_governance`.")),
    _repeatable("trend", "string", _("A trend's key, such as `artificial_intelligence`.")),
    _repeatable("year", "integer", _("The year reported on."), minimum=1990, maximum=2100),
    _repeatable("cycle", "string", _("A review cycle's slug.")),
    _repeatable(
        "language",
        "string",
        _("The language the activity's text is written in."),
        enum=[code for code, _name in settings.LANGUAGES],
    ),
    OpenApiParameter(
        "ordering",
        type={"type": "array", "items": {"type": "string", "enum": _ORDERINGS}},
        description=_(
            "The order of the results: `year`, `title`, `entity` or `published`, with `-` "
            "for descending; several, separated by commas. By default the newest year first."
        ),
        style="form",
        explode=False,
    ),
]


# What an anonymous list's address may hold (its cache key is built from these).
API_LIST_PARAMETERS = frozenset([*ActivityFilter.base_filters, "page", "page_size", "format"])


class ActivityFilterBackend(DjangoFilterBackend):
    """django-filter's backend, its parameters described by FILTER_PARAMETERS.

    It leaves the filterset on the view, whose count of results it gives.
    """

    def get_filterset(self, request, queryset, view):
        filterset = super().get_filterset(request, queryset, view)
        # An anonymous caller's queryset is the published work (see
        # ActivityQuerySet.visible_to), whose counts may be cached.
        filterset.public = not request.user.is_authenticated
        view.filterset = filterset
        return filterset


class ActivityFilterBackendSchema(OpenApiFilterExtension):
    # The parameters come from FILTER_PARAMETERS alone rather than from a guess
    # at the filters' types.
    target_class = ActivityFilterBackend
    priority = 1

    def get_schema_operation_parameters(self, auto_schema, *args, **kwargs):
        return []


@extend_schema_view(
    list=extend_schema(
        summary=_("Published activities, filtered"),
        description=_(
            "Takes the same filters as the /activities/ page. Each filter may be repeated, "
            "meaning any of these values; different filters combine with and."
        ),
        parameters=FILTER_PARAMETERS,
        responses={200: ActivitySerializer, **list_errors(filters=True)},
    ),
    retrieve=extend_schema(
        summary=_("One activity"),
        parameters=[
            lookup_parameter(
                "id", ID, _("The activity's id."), schema={"type": "integer", "minimum": 1}
            )
        ],
        responses={200: ActivitySerializer, **detail_errors()},
    ),
    create=extend_schema(
        summary=_("Add an activity to a submission"),
        description=_(
            "For focal points of the submission's entity while it is a draft or changes are "
            "requested, and for secretariat managers. The entity and the cycle come from the "
            "submission; the activity stays unpublished until the submission is published."
        ),
        responses={201: ActivitySerializer, **write_errors(detail=False)},
    ),
    partial_update=extend_schema(
        summary=_("Change an activity"),
        description=_("Who may: as for adding one. References, when given, replace all."),
        parameters=[
            lookup_parameter(
                "id", ID, _("The activity's id."), schema={"type": "integer", "minimum": 1}
            )
        ],
        responses={200: ActivitySerializer, **write_errors()},
    ),
    destroy=extend_schema(
        summary=_("Remove an activity"),
        parameters=[
            lookup_parameter(
                "id", ID, _("The activity's id."), schema={"type": "integer", "minimum": 1}
            )
        ],
        responses={204: None, **write_errors()},
    ),
)
class ActivityViewSet(viewsets.ModelViewSet):
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    serializer_class = ActivitySerializer
    filter_backends = [ActivityFilterBackend]
    filterset_class = ActivityFilter
    lookup_value_regex = ID

    def get_queryset(self):
        # ActivityFilter filters this queryset (the backend passes it on), so
        # the secretariat's drafts appear only for the secretariat.
        return Activity.objects.visible_to(self.request.user).with_export_data()

    def filter_queryset(self, queryset):
        # The filters select a list; one activity is found by its id alone.
        if self.action != "list":
            return queryset
        return super().filter_queryset(queryset)

    def result_count(self):
        """The number of results, for the paginator (from the facet index for the public)."""
        return self.filterset.count()

    def page_ids(self, start, stop):
        """The ids of a page of the public's results, from the facet and word
        indexes (None when the database orders them: see ActivityFilter.page_ids)."""
        return self.filterset.page_ids(start, stop)

    def list(self, request, *args, **kwargs):
        """Anonymous callers' JSON lists come from the cache while nothing changed.

        As for the listing page (activities/views.py), the key holds the
        language and the full address (the answer's links carry its scheme and
        host), and any change to published work moves the cache on; throttling
        and validation have run before this. What is kept is the rendered JSON.
        """
        renderer = request.accepted_renderer
        if request.user.is_authenticated or renderer.format != "json":
            return super().list(request, *args, **kwargs)
        media_type = request.accepted_media_type
        normalise_query(request._request, API_LIST_PARAMETERS)
        current = generation()  # before computing: see cached_for_the_public
        key = f"api:{request.LANGUAGE_CODE}:{media_type}:{request.build_absolute_uri()}"
        content = cached_value(key, current)
        if content is None:
            data = super().list(request, *args, **kwargs).data
            content = renderer.render(data, media_type, self.get_renderer_context())
            store_value(key, content, current)
        return HttpResponse(content, content_type=media_type)

    def get_serializer(self, *args, **kwargs):
        serializer = super().get_serializer(*args, **kwargs)
        if self.action in ("create", "partial_update"):
            # A submission the caller may not see reads as one that does not exist.
            serializer.fields["submission"].queryset = Submission.objects.visible_to(
                self.request.user
            )
        return serializer

    def _fresh(self, serializer, activity):
        # Answer with the saved relations, not those prefetched before the write.
        serializer.instance = Activity.objects.with_export_data().get(pk=activity.pk)

    def perform_create(self, serializer):
        self._fresh(serializer, serializer.save_activity(by=self.request.user))

    def perform_update(self, serializer):
        self._fresh(serializer, serializer.save_activity(by=self.request.user))

    def perform_destroy(self, instance):
        if instance.submission is not None:
            instance.submission.delete_activity(instance, by=self.request.user)
        elif self.request.user.has_perm("activities.delete_activity", instance):
            instance.delete()
        else:
            raise PermissionDenied(_("You may not remove this activity."))


@extend_schema_view(
    list=extend_schema(
        summary=_("Action lines C1–C11, with C7's sub-areas"),
        responses={200: ActionLineSerializer, **list_errors()},
    ),
    retrieve=extend_schema(
        summary=_("One action line or sub-area, by code"),
        parameters=[lookup_parameter("code", CODE, _("A code such as C5 or C7.e-health."))],
        responses={200: ActionLineSerializer, **detail_errors()},
    ),
)
class ActionLineViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = ActionLineSerializer
    lookup_field = "code"
    lookup_value_regex = CODE

    def get_queryset(self):
        lines = ActionLine.objects.select_related("parent").prefetch_related("children")
        if self.action == "list":
            return lines.top_level()
        return lines


def _keyed_viewset(model, serializer, *, list_summary, detail_summary):
    @extend_schema_view(
        list=extend_schema(summary=list_summary, responses={200: serializer, **list_errors()}),
        retrieve=extend_schema(
            summary=detail_summary,
            parameters=[lookup_parameter("key", KEY, _("The key, as in the filters."))],
            responses={200: serializer, **detail_errors()},
        ),
    )
    class KeyedViewSet(viewsets.ReadOnlyModelViewSet):
        queryset = model.objects.all()
        serializer_class = serializer
        lookup_field = "key"
        lookup_value_regex = KEY

    KeyedViewSet.__name__ = KeyedViewSet.__qualname__ = f"{model.__name__}ViewSet"
    return KeyedViewSet


ThemeViewSet = _keyed_viewset(
    Theme, ThemeSerializer, list_summary=_("The themes"), detail_summary=_("One theme, by key")
)
TrendViewSet = _keyed_viewset(
    Trend,
    TrendSerializer,
    list_summary=_("The trends of section I, all years"),
    detail_summary=_("One trend, by key"),
)
RegionViewSet = _keyed_viewset(
    Region, RegionSerializer, list_summary=_("The regions"), detail_summary=_("One region, by key")
)


@extend_schema_view(
    list=extend_schema(
        summary=_("The Sustainable Development Goals"),
        responses={200: SDGSerializer, **list_errors()},
    ),
    retrieve=extend_schema(
        summary=_("One Sustainable Development Goal, by number"),
        parameters=[
            lookup_parameter(
                "number",
                NUMBER,
                _("The goal's number, 1 to 17."),
                schema={"type": "integer", "minimum": 1, "maximum": 17},
            )
        ],
        responses={200: SDGSerializer, **detail_errors()},
    ),
)
class SDGViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = SDG.objects.all()
    serializer_class = SDGSerializer
    lookup_field = "number"
    lookup_value_regex = NUMBER
