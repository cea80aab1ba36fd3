"""The API's shapes of activities and the taxonomy.

Related records are named by their public keys (an entity's acronym, an
action line's code, a region's key, an SDG's number), the same keys the
filters and the exports use, so that what is read can be written back.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from entities.models import Entity
from reviews.models import Submission

from .models import SDG, ActionLine, Activity, Reference, Region, Theme, Trend


class ReferenceSerializer(serializers.ModelSerializer):
    def validate(self, attrs):
        if not attrs.get("url") and not attrs.get("symbol"):
            raise serializers.ValidationError(_("Give a web address or a document symbol."))
        return attrs

    url = serializers.URLField(
        max_length=1000, allow_null=True, required=False, help_text=_("A web address, or null.")
    )
    symbol = serializers.CharField(
        max_length=100,
        allow_null=True,
        required=False,
        help_text=_("A UN document symbol such as A/RES/78/132, or null."),
    )

    class Meta:
        model = Reference
        fields = ["url", "symbol", "label"]

    def to_representation(self, instance):
        # As in the exports: a missing web address or symbol reads as null.
        data = super().to_representation(instance)
        data["url"] = data["url"] or None
        data["symbol"] = data["symbol"] or None
        return data


class ActivitySerializer(serializers.ModelSerializer):
    entity = serializers.SlugRelatedField(
        slug_field="acronym",
        read_only=True,
        help_text=_("The acronym of the lead entity (the submission's entity)."),
    )
    partners = serializers.SlugRelatedField(
        slug_field="acronym",
        queryset=Entity.objects.all(),
        many=True,
        required=False,
        help_text=_("The acronyms of the partner entities."),
    )
    action_lines = serializers.SlugRelatedField(
        slug_field="code",
        queryset=ActionLine.objects.all(),
        many=True,
        required=False,
        help_text=_("Action line codes, such as C5 or C7.e-health."),
    )
    themes = serializers.SlugRelatedField(
        slug_field="key", queryset=Theme.objects.all(), many=True, required=False
    )
    trends = serializers.SlugRelatedField(
        slug_field="key", queryset=Trend.objects.all(), many=True, required=False
    )
    regions = serializers.SlugRelatedField(
        slug_field="key", queryset=Region.objects.all(), many=True, required=False
    )
    sdgs = serializers.SlugRelatedField(
        slug_field="number",
        queryset=SDG.objects.all(),
        many=True,
        required=False,
        help_text=_("Numbers of Sustainable Development Goals (1–17)."),
    )
    references = ReferenceSerializer(many=True, required=False)
    submission = serializers.PrimaryKeyRelatedField(
        queryset=Submission.objects.all(),
        allow_null=True,
        help_text=_(
            "The id of the submission the activity came in with (null for imported records). "
            "Required when creating; it cannot be changed afterwards."
        ),
    )
    cycle = serializers.SlugRelatedField(
        slug_field="slug",
        read_only=True,
        help_text=_("The slug of the review cycle, or null."),
    )
    url = serializers.HyperlinkedIdentityField(
        view_name="activities:activity-detail",
        help_text=_("The activity's public page."),
    )

    class Meta:
        model = Activity
        fields = [
            "id",
            "title",
            "summary",
            "description",
            "entity",
            "partners",
            "action_lines",
            "themes",
            "trends",
            "regions",
            "sdgs",
            "year",
            "start_date",
            "end_date",
            "activity_type",
            "implementation",
            "language",
            "references",
            "status",
            "submission",
            "cycle",
            "url",
            "published_at",
            "updated_at",
        ]
        read_only_fields = ["status", "published_at", "updated_at"]

    def validate_action_lines(self, lines):
        Activity.check_action_lines(lines)
        return lines

    def validate_submission(self, submission):
        if self.instance is None and submission is None:
            raise serializers.ValidationError(_("Name the submission the activity belongs to."))
        if self.instance is not None and submission != self.instance.submission:
            raise serializers.ValidationError(_("An activity cannot move to another submission."))
        return submission

    def validate(self, attrs):
        start = attrs.get("start_date", getattr(self.instance, "start_date", None))
        end = attrs.get("end_date", getattr(self.instance, "end_date", None))
        if start and end and end < start:
            raise serializers.ValidationError(
                {"end_date": [_("The end date is before the start date.")]}
            )
        return attrs

    def save_activity(self, *, by):
        """Create or update the activity, its relations and its references.

        The caller holds the submission's lock (``Submission.editing``).
        """
        data = dict(self.validated_data)
        references = data.pop("references", None)
        relations = {
            name: data.pop(name)
            for name in ("partners", "action_lines", "themes", "trends", "regions", "sdgs")
            if name in data
        }
        activity = self.instance or Activity(status=Activity.Status.DRAFT, created_by=by)
        submission = data.pop("submission", None) or activity.submission
        for key, value in data.items():
            setattr(activity, key, value)
        if submission is not None:  # imported records keep their entity and cycle
            activity.submission = submission
            activity.entity = submission.entity
            activity.cycle = submission.cycle
        activity.updated_by = by
        activity.save()
        for name, values in relations.items():
            getattr(activity, name).set(values)
        if references is not None:
            activity.references.all().delete()
            Reference.objects.bulk_create(
                Reference(activity=activity, position=n, **{k: v or "" for k, v in ref.items()})
                for n, ref in enumerate(references)
            )
        self.instance = activity
        return activity


class ActionLineBriefSerializer(serializers.ModelSerializer):
    title = serializers.CharField(read_only=True, help_text=_("In the active language."))

    class Meta:
        model = ActionLine
        fields = ["code", "title"]


class ActionLineSerializer(serializers.ModelSerializer):
    title = serializers.CharField(read_only=True, help_text=_("In the active language."))
    parent = serializers.SlugRelatedField(
        slug_field="code",
        read_only=True,
        allow_null=True,
        help_text=_("The code of the action line a sub-area belongs to, or null."),
    )
    sub_areas = ActionLineBriefSerializer(
        source="children", many=True, read_only=True, help_text=_("C7's sub-areas.")
    )

    class Meta:
        model = ActionLine
        fields = ["code", "title", "parent", "sub_areas"]


class KeyedTermSerializer(serializers.ModelSerializer):
    title = serializers.CharField(read_only=True, help_text=_("In the active language."))

    class Meta:
        fields = ["key", "title"]


class ThemeSerializer(KeyedTermSerializer):
    class Meta(KeyedTermSerializer.Meta):
        model = Theme


class TrendSerializer(KeyedTermSerializer):
    class Meta(KeyedTermSerializer.Meta):
        model = Trend


class RegionSerializer(KeyedTermSerializer):
    class Meta(KeyedTermSerializer.Meta):
        model = Region


class SDGSerializer(serializers.ModelSerializer):
    title = serializers.CharField(read_only=True, help_text=_("In the active language."))

    class Meta:
        model = SDG
        fields = ["number", "title"]
