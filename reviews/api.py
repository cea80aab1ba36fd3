"""The read API of review cycles (``/api/cycles/``)."""

from django.db.models import Prefetch
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from activities.models import Activity
from wsis_site.api import detail_errors, list_errors, lookup_parameter, write_errors

from .models import ReviewCycle, Submission
from .serializers import ReviewCycleSerializer, SubmissionSerializer, TransitionSerializer

SLUG = r"[-a-zA-Z0-9_]+"
SUBMISSION_ID = lookup_parameter(
    "id", r"[0-9]+", _("The submission's id."), schema={"type": "integer", "minimum": 1}
)


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
    serializer_class = ReviewCycleSerializer
    lookup_field = "slug"
    lookup_value_regex = SLUG

    def get_queryset(self):
        return ReviewCycle.objects.visible_to(self.request.user)


@extend_schema_view(
    list=extend_schema(
        summary=_("Submissions you may see"),
        description=_(
            "Focal points see their entities' submissions; the secretariat sees all; "
            "anonymous callers see none."
        ),
        responses={200: SubmissionSerializer, **list_errors()},
    ),
    retrieve=extend_schema(
        summary=_("One submission"),
        parameters=[SUBMISSION_ID],
        responses={200: SubmissionSerializer, **detail_errors()},
    ),
    partial_update=extend_schema(
        summary=_("Save the answers"),
        description=_(
            "Only `answers` (and optionally `seen_updated_at`) can be changed, while the "
            "submission is a draft or changes are requested."
        ),
        parameters=[SUBMISSION_ID],
        responses={200: SubmissionSerializer, **write_errors()},
    ),
)
class SubmissionViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = SubmissionSerializer
    http_method_names = ["get", "patch", "post", "head", "options"]
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self):
        return (
            Submission.objects.visible_to(self.request.user)
            .select_related("cycle", "entity")
            .with_effective_deadline()
            .prefetch_related(
                Prefetch("activities", queryset=Activity.objects.only("pk", "submission_id"))
            )
            .order_by("-cycle__deadline", "cycle__slug", "entity__acronym")
        )

    def _answer(self, submission):
        fresh = self.get_queryset().get(pk=submission.pk)
        return Response(self.get_serializer(fresh).data)

    def partial_update(self, request, *args, **kwargs):
        submission = self.get_object()
        serializer = self.get_serializer(submission, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        if "answers" in serializer.validated_data:
            submission.save_answers(
                {**(submission.answers or {}), **serializer.validated_data["answers"]},
                by=request.user,
                seen_updated_at=serializer.validated_data.get("seen_updated_at"),
            )
        return self._answer(submission)

    @extend_schema(
        summary=_("Move the submission through the workflow"),
        description=format_lazy(
            _(
                "`action` is one of {actions} (submit may also be called resubmit); "
                "{commented} need a `comment`, which the contributor sees. Who may do what "
                "follows the roles; a step the state does not allow answers 409."
            ),
            actions=", ".join(Submission.TRANSITIONS),
            commented=", ".join(a for a, s in Submission.TRANSITIONS.items() if s.needs_comment),
        ),
        parameters=[SUBMISSION_ID],
        request=TransitionSerializer,
        responses={200: SubmissionSerializer, **write_errors()},
    )
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        submission = self.get_object()
        serializer = TransitionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        submission.transition(
            serializer.validated_data["action"],
            by=request.user,
            comment=serializer.validated_data.get("comment", ""),
        )
        return self._answer(submission)
