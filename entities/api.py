"""The read API of entities (``/api/entities/``): public reference data."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import viewsets

from wsis_site.api import detail_errors, list_errors, lookup_parameter

from .models import Entity, acronym_validator
from .serializers import EntitySerializer

# What an acronym may hold (slashes and spaces too), without the anchors.
ACRONYM = acronym_validator.regex.pattern.strip("^$")


@extend_schema_view(
    list=extend_schema(
        summary=_("Entities that report, by acronym"),
        responses={200: EntitySerializer, **list_errors()},
    ),
    retrieve=extend_schema(
        summary=_("One entity, by acronym"),
        parameters=[
            lookup_parameter(
                "acronym",
                ACRONYM,
                _(
                    "The entity's acronym. Acronyms may hold spaces and slashes, given as they "
                    "are or percent-encoded: `/api/entities/UN/CEFACT/`."
                ),
            )
        ],
        responses={200: EntitySerializer, **detail_errors()},
    ),
)
class EntityViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = EntitySerializer
    lookup_field = "acronym"
    lookup_value_regex = ACRONYM

    def get_queryset(self):
        return Entity.objects.select_related("parent").with_published_counts().order_by("acronym")
