"""The API's shapes of activities and the taxonomy.

Related records are named by their public keys (an entity's acronym, an
action line's code, a region's key, an SDG's number), the same keys the
filters and the exports use, so that what is read can be written back.
"""

from functools import partial

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from entities.models import Entity
from reviews.models import Submission
from wsis_site.validators import validate_document_symbol, validate_web_address

from .models import SDG, ActionLine, Activity, Reference, Region, Theme, Trend


class ReferenceSerializer(serializers.ModelSerializer):
    def validate(self, attrs):
        if not attrs.get("url") and not attrs.get("symbol"):
            raise serializers.ValidationError(_("Give a web address or a document symbol."))
        return attrs

    url = serializers.URLField(
        max_length=1000,
        allow_null=True,
        required=False,
        validators=[validate_web_address],
        help_text=_("A web address (http or https), or null."),
    )
    symbol = serializers.CharField(
        max_length=100,
        allow_null=True,
        required=False,
        validators=[validate_document_symbol],
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


class NumberRelatedField(serializers.SlugRelatedField):
    """A record named by its number: a whole number (or its digits), never 1.5 or true."""

    def to_internal_value(self, data):
        whole = isinstance(data, int) and not isinstance(data, bool)
        if not (whole or (isinstance(data, str) and data.isdigit())):
            self.fail("invalid")
        return super().to_internal_value(data)


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
    sdgs = NumberRelatedField(
        slug_field="number",
        queryset=SDG.objects.all(),
        many=True,
        required=False,
        help_text=_("Numbers of Sustainable Development Goals (1–17)."),
    )
    references = ReferenceSerializer(many=True, required=False)
    seen_updated_at = serializers.DateTimeField(
        write_only=True,
        required=False,
        help_text=_(
            "Optional, when changing: the updated_at you read. If the activity changed since, "
            "nothing is saved and the answer is 409."
        ),
    )
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
            "seen_updated_at",
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

    def to_internal_value(self, data):
        # A list longer than any activity may hold is refused before each of its
        # values is looked up.
        if isinstance(data, dict):
            limits = dict.fromkeys(Activity.LISTS, Activity.MAX_RELATED)
            limits["references"] = Activity.MAX_REFERENCES
            too_long = {
                name: [_("Give at most %(max)s.") % {"max": limit}]
                for name, limit in limits.items()
                if isinstance(data.get(name), list) and len(data[name]) > limit
            }
            if too_long:
                raise serializers.ValidationError(too_long)
        return super().to_internal_value(data)

    def save_activity(self, *, by):
        """Create or change the activity through the submission's one write path
        (``Submission.save_activity``): the same limits, lock and stale check as
        the contributor's form. Its refusals answer 400, 403 or 409."""
        data = dict(self.validated_data)
        references = data.pop("references", None)
        seen = data.pop("seen_updated_at", None)
        activity = self.instance or Activity()
        submission = data.pop("submission", None) or activity.submission
        write = (
            partial(submission.save_activity, activity)
            if submission is not None
            else activity.write
        )
        try:
            write(by=by, values=data, references=references, seen_updated_at=seen)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from None
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
