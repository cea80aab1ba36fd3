from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from django.views.i18n import set_language

from . import account_views, views

admin.site.site_header = _("WSIS Implementation Tracker")
admin.site.site_title = _("WSIS Tracker administration")
admin.site.index_title = _("Secretariat workspace")

# A database outage met outside a view is a 503 too (wsis_site/availability.py).
handler500 = "wsis_site.availability.server_error"

urlpatterns = [
    path("", views.home, name="home"),
    path("health/", views.health, name="health"),
    path("activities/", include("activities.urls")),
    path("entities/", include("entities.urls")),
    path("stats/", include("activities.stats_urls")),
    path("mandates/", include("mandates.urls")),
    path("contribute/", include("mandates.contribute_urls")),
    path("contribute/", include("reviews.urls")),
    path("reports/", include("reviews.report_urls")),
    path("accounts/", include("wsis_site.accounts_urls")),
    # Changing the interface language needs no CSRF token, so that public pages
    # carry none and can be cached whole for every visitor (see activities/views.py).
    path("i18n/setlang/", csrf_exempt(set_language), name="set_language"),
    path("api/", include("wsis_site.api_urls")),
    path("accounts/profile/", account_views.profile, name="account-profile"),
    path(
        "accounts/profile/token/",
        account_views.regenerate_token,
        name="account-token-regenerate",
    ),
    path("admin/", admin.site.urls),
]
