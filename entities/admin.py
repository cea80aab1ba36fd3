from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from wsis_site.admin_base import BaseAdmin, ReadOnlyHistoryAdmin

from .models import Entity, Membership


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ("user",)
    readonly_fields = ("created_at",)


@admin.register(Entity)
class EntityAdmin(ReadOnlyHistoryAdmin):
    list_display = ("acronym", "name_en", "kind", "parent", "is_active", "published_count")
    list_filter = ("kind", "is_active")
    search_fields = (
        "acronym",
        "name_en",
        "name_fr",
        "name_es",
        "name_ru",
        "name_ar",
        "name_zh",
        "short_name_en",
        "short_name_zh",
    )
    autocomplete_fields = ("parent",)
    readonly_fields = ("created_at", "updated_at")
    list_select_related = ("parent",)
    inlines = [MembershipInline]
    fieldsets = (
        (None, {"fields": ("acronym", "kind", "kind_note", "parent", "website", "is_active")}),
        (
            _("Names"),
            {
                "fields": (
                    "name_en",
                    "name_fr",
                    "name_es",
                    "name_ru",
                    "name_ar",
                    "name_zh",
                    "short_name_en",
                    "short_name_zh",
                )
            },
        ),
        (None, {"fields": ("description", "created_at", "updated_at")}),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).with_published_counts()

    @admin.display(description=_("published activities"), ordering="published_count")
    def published_count(self, obj):
        return obj.published_count


@admin.register(Membership)
class MembershipAdmin(BaseAdmin):
    list_display = ("user", "entity", "created_at")
    list_filter = ("entity__kind",)
    search_fields = ("user__username", "user__email", "entity__acronym")
    autocomplete_fields = ("user", "entity")
