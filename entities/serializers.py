from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from .models import Entity


class EntitySerializer(serializers.ModelSerializer):
    """An entity's public record; its focal points are never part of it."""

    name = serializers.CharField(read_only=True, help_text=_("In the active language."))
    short_name = serializers.CharField(read_only=True, help_text=_("In the active language."))
    parent = serializers.SlugRelatedField(
        slug_field="acronym",
        read_only=True,
        allow_null=True,
        help_text=_("The acronym of the parent entity, or null."),
    )
    published_count = serializers.IntegerField(
        read_only=True, help_text=_("Published activities it leads or takes part in.")
    )
    url = serializers.HyperlinkedIdentityField(
        view_name="entities:entity-detail",
        lookup_field="acronym",
        help_text=_("The entity's public page."),
    )

    class Meta:
        model = Entity
        fields = [
            "acronym",
            "name",
            "short_name",
            "kind",
            "parent",
            "website",
            "description",
            "is_active",
            "published_count",
            "url",
        ]
