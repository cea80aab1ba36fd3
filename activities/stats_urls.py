from django.urls import path

from . import stats_views

app_name = "stats"

urlpatterns = [
    path("", stats_views.stats_page, name="stats"),
    path("trend/", stats_views.trend_page, name="trend"),
    path("trend/<slug:chart>.csv", stats_views.trend_csv, name="trend-csv"),
    path("<slug:chart>.csv", stats_views.stats_csv, name="stats-csv"),
]
