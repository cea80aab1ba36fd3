from django.urls import path

from . import views

app_name = "mandate-updates"

# Under /contribute/, before the submission's own addresses (an acronym may hold a slash).
urlpatterns = [
    path(
        "<slug:cycle>/<path:acronym>/mandates/<int:pk>/",
        views.update_form,
        name="update",
    ),
]
