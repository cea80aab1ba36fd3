from django.contrib import admin
from django.db.models import Count
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from wsis_site.admin_base import BaseAdmin, ReadOnlyHistoryAdmin

from .models import Addressee, Mandate, MandateUpdate, Resolution


class MandateInline(admin.TabularInline):
    model = Mandate
    extra = 0
    fields = ("paragraph", "summary_en", "due_body", "due_on")
    show_change_link = True


@admin.register(Resolution)
class ResolutionAdmin(BaseAdmin):
    list_display = ("symbol", "title_en", "adopted_on")
    search_fields = ("symbol", "title_en")
    inlines = [MandateInline]


class AddresseeInline(admin.TabularInline):
    model = Addressee
    extra = 0
    fields = ("label", "scope", "entity_kinds", "entity", "position")
    autocomplete_fields = ("entity",)


@admin.register(Mandate)
class MandateAdmin(BaseAdmin):
    list_display = ("__str__", "short_summary", "asked_text", "due_body", "update_count")
    list_filter = ("resolution", "cycles", "action_lines")
    search_fields = ("summary_en", "=paragraph")
    filter_horizontal = ("action_lines", "themes", "cycles")
    inlines = [AddresseeInline]
    fieldsets = (
        (None, {"fields": ("resolution", "paragraph", "summary_en", "source")}),
        (
            _("Translations of what is asked"),
            {
                "classes": ("collapse",),
                "fields": ("summary_fr", "summary_es", "summary_ru", "summary_ar", "summary_zh"),
            },
        ),
        (_("Due"), {"fields": ("due_on", "due_body")}),
        (_("Links"), {"fields": ("action_lines", "themes", "cycles")}),
    )

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("resolution")
            .prefetch_related("asked")
            .annotate(updates_n=Count("updates", distinct=True))
        )

    @admin.display(description=_("what is asked"))
    def short_summary(self, obj):
        return obj.summary_en[:90] + ("…" if len(obj.summary_en) > 90 else "")

    @admin.display(description=_("who is asked"))
    def asked_text(self, obj):
        return "; ".join(a.label for a in obj.asked.all())

    @admin.display(description=_("updates"), ordering="updates_n")
    def update_count(self, obj):
        return obj.updates_n


@admin.register(MandateUpdate)
class MandateUpdateAdmin(ReadOnlyHistoryAdmin):
    """Read here; written on the submission's page or through the API, with the
    submission's rules (``MandateUpdate.write``)."""

    list_display = ("mandate", "entity", "cycle", "status", "submission_state", "edit_link")
    list_filter = ("status", "submission__cycle", "mandate", "submission__state")
    search_fields = ("submission__entity__acronym", "text")
    list_select_related = ("mandate__resolution", "submission__entity", "submission__cycle")
    readonly_fields = ("submission", "mandate", "status", "text", "activities", "updated_by")
    fields = readonly_fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("entity"), ordering="submission__entity__acronym")
    def entity(self, obj):
        return obj.submission.entity.acronym

    @admin.display(description=_("review cycle"))
    def cycle(self, obj):
        return obj.submission.cycle.slug

    @admin.display(description=_("state of the submission"))
    def submission_state(self, obj):
        return obj.submission.get_state_display()

    @admin.display(description=_("submission"))
    def edit_link(self, obj):
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:reviews_submission_change", args=[obj.submission_id]),
            _("Open"),
        )


def updates_summary(submission):
    """The submission's updates on mandates, for its admin page (read-only)."""
    if submission is None or submission.pk is None:
        return "—"
    updates = submission.mandate_updates.select_related("mandate").order_by("mandate__paragraph")
    if not updates:
        return "—"
    return format_html_join(
        format_html("<br>"),
        '<a href="{}">¶{}</a> · {} · {}',
        (
            (
                reverse("admin:mandates_mandateupdate_change", args=[u.pk]),
                u.mandate.paragraph,
                u.get_status_display(),
                Truncator(u.text).chars(120) or "—",
            )
            for u in updates
        ),
    )
