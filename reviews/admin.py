from django.contrib import admin
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from activities.models import Activity

from .models import ReviewCycle


@admin.register(ReviewCycle)
class ReviewCycleAdmin(admin.ModelAdmin):
    list_display = ("title", "slug", "kind", "state", "reporting_year", "deadline", "published")
    list_filter = ("kind", "state")
    search_fields = ("title", "slug", "symbol")
    prepopulated_fields = {"slug": ("title",)}
    autocomplete_fields = ("invited_entities", "trends")
    readonly_fields = ("created_at", "updated_at")

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                published_n=Count(
                    "activities", filter=Q(activities__status=Activity.Status.PUBLISHED)
                )
            )
        )

    @admin.display(description=_("published activities"), ordering="published_n")
    def published(self, obj):
        return obj.published_n
