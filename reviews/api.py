"""The read API of review cycles (``/api/cycles/``)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import viewsets

from wsis_site.api import detail_errors, list_errors, lookup_parameter

from .models import ReviewCycle
from .serializers import ReviewCycleSerializer

SLUG = r"[-a-zA-Z0-9_]+"


@extend_schema_view(
    list=extend_schema(
        summary=_("Review cycles, newest first"),
        responses={200: ReviewCycleSerializer, **list_errors()},
    ),
    retrieve=extend_schema(
        summary=_("One review cycle, by slug"),
        parameters=[lookup_parameter("slug", SLUG, _("The cycle's slug, as in the filters."))],
        responses={200: ReviewCycleSerializer, **detail_errors()},
    ),
)
class ReviewCycleViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = ReviewCycle.objects.all()
    serializer_class = ReviewCycleSerializer
    lookup_field = "slug"
    lookup_value_regex = SLUG
