from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .models import ReviewCycle, Submission


class QuestionSerializer(serializers.Serializer):
    """One question of a cycle, worded in the language asked for."""

    key = serializers.CharField(help_text=_("The key of its answer in `answers`."))
    label = serializers.CharField()
    prompt = serializers.CharField(help_text=_("What is asked, the reporting period filled in."))
    guidance = serializers.CharField(help_text=_("Optional advice on what to write; may be empty."))
    required = serializers.BooleanField(help_text=_("Needed before the submission is sent."))


class ReviewCycleSerializer(serializers.ModelSerializer):
    """A cycle's public fields; the report's text is public once the cycle is published."""

    summary = serializers.SerializerMethodField(
        help_text=_("The report's summary once the cycle is published, else null.")
    )
    questions = serializers.SerializerMethodField(
        help_text=_("The questions the cycle asks, in order.")
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
            "questions",
        ]

    @extend_schema_field(QuestionSerializer(many=True))
    def get_questions(self, cycle):
        return QuestionSerializer(cycle.question_list(), many=True).data

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_summary(self, cycle):
        if cycle.state != ReviewCycle.State.PUBLISHED:
            return None
        return cycle.summary


class SubmissionSerializer(serializers.ModelSerializer):
    """One entity's answer to one cycle, as its focal points and the secretariat see it."""

    cycle = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    entity = serializers.SlugRelatedField(slug_field="acronym", read_only=True)
    deadline = serializers.SerializerMethodField(
        help_text=_("The deadline for this entity: the cycle's, or a later one granted to it.")
    )
    activities = serializers.SerializerMethodField(help_text=_("The ids of its activities."))
    actions = serializers.SerializerMethodField(
        help_text=_("The workflow actions you may take now.")
    )
    questions = serializers.SerializerMethodField(
        help_text=_("The cycle's questions, in order: `answers` holds an answer by key.")
    )
    answers = serializers.DictField(
        child=serializers.CharField(allow_blank=True, max_length=20000),
        help_text=_("The answers to the cycle's questions, by question key."),
    )
    seen_updated_at = serializers.DateTimeField(
        write_only=True,
        required=False,
        help_text=_(
            "Optional: the updated_at you read. If the submission changed since, the "
            "answers are not saved and the answer is 409."
        ),
    )

    class Meta:
        model = Submission
        fields = [
            "id",
            "cycle",
            "entity",
            "state",
            "deadline",
            "questions",
            "answers",
            "activities",
            "actions",
            "submitted_at",
            "published_at",
            "updated_at",
            "seen_updated_at",
        ]
        read_only_fields = ["state", "submitted_at", "published_at", "updated_at"]

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_deadline(self, submission):
        deadline = submission.effective_deadline
        return serializers.DateTimeField().to_representation(deadline) if deadline else None

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_activities(self, submission):
        return [activity.pk for activity in submission.activities.all()]

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_actions(self, submission):
        return submission.allowed_actions(self.context["request"].user)

    @extend_schema_field(QuestionSerializer(many=True))
    def get_questions(self, submission):
        return QuestionSerializer(submission.cycle.question_list(), many=True).data

    def validate_answers(self, answers):
        keys = {q["key"] for q in self.instance.cycle.questions or []} if self.instance else set()
        unknown = sorted(set(answers) - keys)
        if unknown:
            raise serializers.ValidationError(
                _("Not a question of this cycle: %(keys)s.") % {"keys": ", ".join(unknown)}
            )
        return answers


class TransitionSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=[*Submission.TRANSITIONS, *Submission.ALIASES])
    comment = serializers.CharField(required=False, allow_blank=True, max_length=10000)
