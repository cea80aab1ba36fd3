"""The API under /api/: the endpoints, the OpenAPI document and its docs page."""

from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from activities import api as activities_api
from entities import api as entities_api
from mandates import api as mandates_api
from reviews import api as reviews_api

from .api import api_not_found


class Router(DefaultRouter):
    # No ".json" suffixes: an acronym may hold a dot.
    include_format_suffixes = False


router = Router()
router.register("activities", activities_api.ActivityViewSet, basename="activity")
router.register("entities", entities_api.EntityViewSet, basename="entity")
router.register("action-lines", activities_api.ActionLineViewSet, basename="action-line")
router.register("themes", activities_api.ThemeViewSet, basename="theme")
router.register("trends", activities_api.TrendViewSet, basename="trend")
router.register("regions", activities_api.RegionViewSet, basename="region")
router.register("sdgs", activities_api.SDGViewSet, basename="sdg")
router.register("cycles", reviews_api.ReviewCycleViewSet, basename="cycle")
router.register("submissions", reviews_api.SubmissionViewSet, basename="submission")
router.register("mandates", mandates_api.MandateViewSet, basename="mandate")
router.register("mandate-updates", mandates_api.MandateUpdateViewSet, basename="mandate-update")

app_name = "api"

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="api:schema", template_name="api/swagger_ui.html"
        ),
        name="docs",
    ),
    *router.urls,
    # Anything else under /api/ ending in a slash (a path without one is first
    # redirected to it) answers a JSON 404 like the endpoints.
    re_path(r"^.*/$", api_not_found),
]
