from django.urls import path

from . import views

app_name = "activities"

urlpatterns = [
    path("", views.activity_list, name="activity-list"),
    path("export.csv", views.export_csv, name="activity-export-csv"),
    path("export.json", views.export_json, name="activity-export-json"),
    path("<int:pk>/", views.activity_detail, name="activity-detail"),
]
