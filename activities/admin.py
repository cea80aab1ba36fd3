from django.contrib import admin
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from .models import (
    SDG,
    ActionLine,
    ActionLineFacilitator,
    Activity,
    Reference,
    Region,
    Theme,
    Trend,
)

TITLE_FIELDS = ("title_en", "title_fr", "title_es", "title_ru", "title_ar", "title_zh")


class ReferenceInline(admin.TabularInline):
    model = Reference
    extra = 1
    fields = ("position", "url", "symbol", "label", "footnote_number")


class ActionLineFilter(admin.SimpleListFilter):
    """Filter by action line; a parent line includes its sub-areas."""

    title = _("action line")
    parameter_name = "action_line"

    def lookups(self, request, model_admin):
        return [(line.code, str(line)) for line in ActionLine.objects.all()]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.for_action_line(self.value())
        return queryset


@admin.register(Activity)
class ActivityAdmin(SimpleHistoryAdmin):
    list_display = (
        "title",
        "entity",
        "year",
        "action_line_codes",
        "status",
        "cycle",
        "source_paragraph",
        "updated_at",
    )
    list_filter = (
        "status",
        ActionLineFilter,
        "year",
        "cycle",
        "entity__kind",
        "regions",
        "themes",
        "trends",
        "implementation",
        "activity_type",
        "language",
    )
    search_fields = ("title", "summary", "description", "entity__acronym", "source_id")
    list_select_related = ("entity", "cycle")
    autocomplete_fields = (
        "entity",
        "partners",
        "inferred_entities",
        "action_lines",
        "themes",
        "trends",
        "regions",
        "sdgs",
        "cycle",
        "submission",
    )
    readonly_fields = ("created_at", "created_by", "updated_at", "updated_by", "published_at")
    date_hierarchy = "published_at"
    inlines = [ReferenceInline]
    list_per_page = 50
    fieldsets = (
        (None, {"fields": ("title", "summary", "description", "language")}),
        (_("Who"), {"fields": ("entity", "partners", "inferred_entities")}),
        (
            _("Classification"),
            {"fields": ("action_lines", "themes", "trends", "regions", "sdgs")},
        ),
        (
            _("When and what"),
            {"fields": ("year", "start_date", "end_date", "activity_type", "implementation")},
        ),
        (
            _("Source"),
            {
                "fields": (
                    "submission",
                    "cycle",
                    "section_key",
                    "source_id",
                    "source_paragraph",
                    "editorial_note",
                )
            },
        ),
        (
            _("Publication and history"),
            {
                "fields": (
                    "status",
                    "published_at",
                    "created_at",
                    "created_by",
                    "updated_at",
                    "updated_by",
                )
            },
        ),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("action_lines")

    @admin.display(description=_("action lines"))
    def action_line_codes(self, obj):
        return ", ".join(line.code for line in obj.action_lines.all())

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        obj.updated_by = request.user
        if obj.status == Activity.Status.PUBLISHED and obj.published_at is None:
            obj.published_at = timezone.now()
        super().save_model(request, obj, form, change)


class TermAdmin(admin.ModelAdmin):
    search_fields = ("key", *TITLE_FIELDS)
    list_display = ("key", "title_en", "title_zh", "position", "activity_count")
    list_editable = ("position",)
    ordering = ("position", "key")

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n=Count("activities"))

    @admin.display(description=_("activities"), ordering="n")
    def activity_count(self, obj):
        return obj.n


admin.site.register(Theme, TermAdmin)
admin.site.register(Trend, TermAdmin)
admin.site.register(Region, TermAdmin)


class FacilitatorInline(admin.TabularInline):
    model = ActionLineFacilitator
    extra = 0
    fields = ("entity", "role", "position", "source", "note")
    autocomplete_fields = ("entity",)


@admin.register(ActionLine)
class ActionLineAdmin(TermAdmin):
    inlines = [FacilitatorInline]
    search_fields = ("code", *TITLE_FIELDS)
    list_display = ("code", "title_en", "title_zh", "parent", "position", "activity_count")
    list_filter = (("parent", admin.RelatedOnlyFieldListFilter),)
    ordering = ("position",)


@admin.register(SDG)
class SDGAdmin(TermAdmin):
    search_fields = ("=number", *TITLE_FIELDS)
    list_display = ("number", "title_en", "title_zh", "activity_count")
    list_editable = ()
    ordering = ("number",)
