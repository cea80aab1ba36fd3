from django.urls import path

from . import views

app_name = "mandates"

urlpatterns = [
    path("", views.mandate_list, name="mandate-list"),
    path("stats/", views.mandate_stats, name="mandate-stats"),
]
