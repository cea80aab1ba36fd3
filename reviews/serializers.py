from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .models import ReviewCycle


class ReviewCycleSerializer(serializers.ModelSerializer):
    """A cycle's public fields; the report's text is public once the cycle is published."""

    summary = serializers.SerializerMethodField(
        help_text=_("The report's summary once the cycle is published, else null.")
    )

    class Meta:
        model = ReviewCycle
        fields = [
            "slug",
            "title",
            "kind",
            "state",
            "reporting_year",
            "symbol",
            "opens_on",
            "deadline",
            "report_date",
            "summary",
        ]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_summary(self, cycle):
        if cycle.state != ReviewCycle.State.PUBLISHED:
            return None
        return cycle.summary
