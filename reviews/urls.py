from django.urls import path

from . import views

app_name = "reviews"

# Acronyms may hold a slash (UN/CEFACT): the longer patterns come first so
# that the path converter does not swallow their suffix.
urlpatterns = [
    path("", views.home, name="home"),
    path(
        "<slug:cycle>/<path:acronym>/activities/new/",
        views.activity_form,
        name="activity-create",
    ),
    path(
        "<slug:cycle>/<path:acronym>/activities/<int:pk>/delete/",
        views.activity_delete,
        name="activity-delete",
    ),
    path(
        "<slug:cycle>/<path:acronym>/activities/<int:pk>/",
        views.activity_form,
        name="activity-edit",
    ),
    path(
        "<slug:cycle>/<path:acronym>/comments/",
        views.submission_comment,
        name="submission-comment",
    ),
    path(
        "<slug:cycle>/<path:acronym>/do/<slug:action>/",
        views.submission_transition,
        name="submission-transition",
    ),
    path("<slug:cycle>/<path:acronym>/", views.submission_detail, name="submission"),
]
