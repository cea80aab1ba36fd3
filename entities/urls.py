from django.urls import path

from . import views

app_name = "entities"

urlpatterns = [
    path("", views.entity_list, name="entity-list"),
    # Acronyms may hold a slash (UN/CEFACT), hence the path converter.
    path("<path:acronym>/", views.entity_detail, name="entity-detail"),
]
