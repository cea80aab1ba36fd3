"""``/api/mandates/`` (the public follow-up) and ``/api/mandate-updates/`` (the
entities' updates, read and written with the submission's rules)."""

from django.db.models import Prefetch
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from activities.models import Activity
from reviews.models import Submission
from wsis_site.api import detail_errors, list_errors, lookup_parameter, write_errors

from .filters import MandateFilterForm
from .followup import LIGHTS, follow_up
from .models import Mandate, MandateUpdate
from .serializers import MandateSerializer, MandateUpdateSerializer

ID = r"[0-9]+"
FILTERS = [
    OpenApiParameter(
        "action_line", str, many=True, description=_("C5, C7.e-health; C7 includes its sub-areas.")
    ),
    OpenApiParameter(
        "entity", str, description=_("An acronym: mandates that ask it or that it reported on.")
    ),
    OpenApiParameter(
        "status",
        str,
        many=True,
        enum=MandateUpdate.Status.values,
        description=_("not_started, under_way, done, not_applicable."),
    ),
    OpenApiParameter(
        "light", str, many=True, enum=list(LIGHTS), description=_("reported, due or none.")
    ),
]


@extend_schema_view(
    list=extend_schema(
        summary=_("Mandates with their published follow-up"),
        parameters=FILTERS,
        responses={200: MandateSerializer, **list_errors(filters=True)},
    ),
    retrieve=extend_schema(
        summary=_("One mandate with its published follow-up"),
        parameters=[
            lookup_parameter(
                "id", ID, _("The mandate's id."), schema={"type": "integer", "minimum": 1}
            )
        ],
        responses={200: MandateSerializer, **detail_errors()},
    ),
)
class MandateViewSet(viewsets.GenericViewSet):
    serializer_class = MandateSerializer
    queryset = Mandate.objects.none()  # the list is built by followup.follow_up
    lookup_value_regex = ID

    def _items(self, request):
        form = MandateFilterForm(request.query_params)
        if not form.is_valid():
            raise ValidationError(form.errors)
        return follow_up(**form.arguments())

    def list(self, request):
        page = self.paginate_queryset(self._items(request))
        return self.get_paginated_response(MandateSerializer(page, many=True).data)

    def retrieve(self, request, pk=None):
        item = next((i for i in follow_up() if i.mandate.pk == int(pk)), None)
        if item is None:
            raise Http404
        return Response(MandateSerializer(item).data)


UPDATE_ID = lookup_parameter(
    "id", ID, _("The update's id."), schema={"type": "integer", "minimum": 1}
)


@extend_schema_view(
    list=extend_schema(
        summary=_("Updates on mandates you may see"),
        description=_(
            "The public sees the updates of published submissions; focal points also their "
            "entities' in any state; the secretariat sees all."
        ),
        responses={200: MandateUpdateSerializer, **list_errors()},
    ),
    retrieve=extend_schema(
        summary=_("One update on a mandate"),
        parameters=[UPDATE_ID],
        responses={200: MandateUpdateSerializer, **detail_errors()},
    ),
    create=extend_schema(
        summary=_("Report on a mandate"),
        description=_(
            "With `submission`, `mandate`, `status` and, when under way or done, `text`; "
            "`activities` are ids of the submission's activities. Creates or replaces the "
            "submission's update on that mandate, with the rules of editing the submission."
        ),
        responses={201: MandateUpdateSerializer, **write_errors(detail=False)},
    ),
    partial_update=extend_schema(
        summary=_("Change an update on a mandate"),
        parameters=[UPDATE_ID],
        responses={200: MandateUpdateSerializer, **write_errors()},
    ),
)
class MandateUpdateViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = MandateUpdateSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]
    lookup_value_regex = ID

    def get_queryset(self):
        return (
            MandateUpdate.objects.visible_to(self.request.user)
            .select_related("mandate", "submission__entity", "submission__cycle")
            .prefetch_related(
                Prefetch("activities", queryset=Activity.objects.only("pk", "status"))
            )
            .order_by(
                "-submission__cycle__deadline",
                "mandate__paragraph",
                "submission__entity__acronym",
                "pk",
            )
        )

    def get_serializer(self, *args, **kwargs):
        serializer = super().get_serializer(*args, **kwargs)
        if self.action in ("create", "partial_update"):
            # A submission the caller may not see reads as one that does not exist.
            serializer.fields["submission"].queryset = Submission.objects.visible_to(
                self.request.user
            )
        return serializer

    def _answer(self, update, status=200):
        fresh = self.get_queryset().get(pk=update.pk)
        return Response(self.get_serializer(fresh).data, status=status)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        update = MandateUpdate.write(
            data["submission"],
            data["mandate"],
            by=request.user,
            status=data["status"],
            text=data.get("text", ""),
            activities=data.get("activities", []),
            seen_updated_at=data.get("seen_updated_at"),
        )
        return self._answer(update, status=201)

    def partial_update(self, request, *args, **kwargs):
        update = self.get_object()
        serializer = self.get_serializer(update, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if (
            "submission" in data
            and data["submission"].pk != update.submission_id
            or ("mandate" in data and data["mandate"].pk != update.mandate_id)
        ):
            raise ValidationError(
                {"mandate": [_("An update stays with its submission and mandate.")]}
            )
        update = MandateUpdate.write(
            update.submission,
            update.mandate,
            by=request.user,
            status=data.get("status", update.status),
            text=data.get("text", update.text),
            activities=data.get("activities", list(update.activities.all())),
            seen_updated_at=data.get("seen_updated_at"),
        )
        return self._answer(update)
