from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from activities import views as activity_views

from . import account_views

admin.site.site_header = _("WSIS Implementation Tracker")
admin.site.site_title = _("WSIS Tracker administration")
admin.site.index_title = _("Secretariat workspace")

# A database outage met outside a view is a 503 too (wsis_site/availability.py).
handler500 = "wsis_site.availability.server_error"

urlpatterns = [
    path("", activity_views.home, name="home"),
    path("activities/", include("activities.urls")),
    path("entities/", include("entities.urls")),
    path("contribute/", include("reviews.urls")),
    path("accounts/", include("wsis_site.accounts_urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", include("wsis_site.api_urls")),
    path("accounts/profile/", account_views.profile, name="account-profile"),
    path(
        "accounts/profile/token/",
        account_views.regenerate_token,
        name="account-token-regenerate",
    ),
    path("admin/", admin.site.urls),
]
