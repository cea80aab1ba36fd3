from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from activities.models import Activity
from reviews.models import Submission

from .models import UPDATE_MAX_LENGTH, Mandate, MandateUpdate


class AddresseeSerializer(serializers.Serializer):
    label = serializers.CharField(help_text=_("Who is asked, as the source says."))
    scope = serializers.CharField(help_text=_("all, kinds, facilitators or entity."))
    kinds = serializers.ListField(
        child=serializers.CharField(), source="entity_kinds", help_text=_("For kinds.")
    )
    entity = serializers.CharField(
        source="entity.acronym", allow_null=True, read_only=True, help_text=_("For entity.")
    )


class PublishedUpdateSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    entity = serializers.CharField(source="submission.entity.acronym")
    status = serializers.CharField()
    text = serializers.CharField()
    activities = serializers.SerializerMethodField(
        help_text=_("The ids of its published activities.")
    )

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_activities(self, update):
        return [a.pk for a in update.activities.all()]


class CycleUpdatesSerializer(serializers.Serializer):
    cycle = serializers.CharField(source="cycle.slug")
    asked = serializers.IntegerField(
        help_text=_("Entities with a published contribution to the cycle that it asks.")
    )
    reported = serializers.IntegerField(help_text=_("Of those, how many reported on it."))
    updates = PublishedUpdateSerializer(many=True)


class MandateSerializer(serializers.Serializer):
    """A mandate with its published follow-up (``followup.MandateFollowUp``)."""

    id = serializers.IntegerField(source="mandate.pk")
    resolution = serializers.CharField(source="mandate.resolution.symbol")
    paragraph = serializers.IntegerField(source="mandate.paragraph")
    summary = serializers.CharField(source="mandate.summary")
    asked = AddresseeSerializer(source="mandate.asked.all", many=True)
    due = serializers.CharField(source="mandate.due_body")
    due_on = serializers.DateField(source="mandate.due_on", allow_null=True)
    action_lines = serializers.SerializerMethodField()
    themes = serializers.SerializerMethodField()
    source = serializers.CharField(source="mandate.source")
    light = serializers.CharField(
        help_text=_("reported (this cycle), due (asked, nothing published yet) or none.")
    )
    cycles = CycleUpdatesSerializer(many=True)

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_action_lines(self, item):
        return [line.code for line in item.mandate.action_lines.all()]

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_themes(self, item):
        return [theme.key for theme in item.mandate.themes.all()]


class MandateUpdateSerializer(serializers.ModelSerializer):
    """An entity's update on a mandate, as its focal points and the secretariat
    see it (the public: published ones only)."""

    submission = serializers.PrimaryKeyRelatedField(queryset=Submission.objects.none())
    mandate = serializers.PrimaryKeyRelatedField(queryset=Mandate.objects.all())
    paragraph = serializers.IntegerField(source="mandate.paragraph", read_only=True)
    entity = serializers.CharField(source="submission.entity.acronym", read_only=True)
    cycle = serializers.CharField(source="submission.cycle.slug", read_only=True)
    status = serializers.ChoiceField(choices=MandateUpdate.Status.choices)
    text = serializers.CharField(
        required=False, allow_blank=True, max_length=UPDATE_MAX_LENGTH, default=""
    )
    activities = serializers.PrimaryKeyRelatedField(
        queryset=Activity.objects.all(), many=True, required=False
    )
    published = serializers.BooleanField(source="is_published", read_only=True)
    seen_updated_at = serializers.DateTimeField(
        write_only=True,
        required=False,
        help_text=_("The updated_at you read: refuses to overwrite someone else's change."),
    )

    class Meta:
        model = MandateUpdate
        fields = [
            "id",
            "submission",
            "mandate",
            "paragraph",
            "entity",
            "cycle",
            "status",
            "text",
            "activities",
            "published",
            "updated_at",
            "seen_updated_at",
        ]
        read_only_fields = ["updated_at"]
        # Posting again for the same submission and mandate replaces its update.
        validators = []

    def to_representation(self, instance):
        data = super().to_representation(instance)
        request = self.context.get("request")
        if not instance.is_published or request is None or request.user.is_authenticated:
            return data
        # The public sees the published activities only.
        published = {a.pk for a in instance.activities.all() if a.status == "published"}
        data["activities"] = [pk for pk in data["activities"] if pk in published]
        return data
