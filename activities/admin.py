from django import forms
from django.contrib import admin
from django.contrib import messages as django_messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from reviews.admin_filters import CycleFilter
from reviews.forms import references_after
from reviews.report import (
    heading_choices,
    join_in_paragraph,
    place_activity,
    release_from_paragraph,
)
from wsis_site.admin_base import BaseAdmin, ReadOnlyHistoryAdmin, short_date
from wsis_site.errors import TransitionNotAllowed

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
    max_num = Activity.MAX_REFERENCES
    validate_max = True
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


class ActivityAdminForm(forms.ModelForm):
    """The admin's activity form, checked by the same rules as every writer
    (``Activity.check_write``) so that a refusal shows beside its field."""

    def _post_clean(self):
        super()._post_clean()
        submission = self.cleaned_data.get("submission") or self.instance.submission
        if submission is None:
            return
        self.instance.entity = submission.entity
        relations = {
            name: list(self.cleaned_data[name])
            for name in (*Activity.LISTS, "inferred_entities")
            if self.cleaned_data.get(name) is not None and name in self.fields
        }
        try:
            self.instance.check_write(relations, None)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                if field in self.fields and field not in self.errors:
                    self.add_error(field, errors)


@admin.register(Activity)
class ActivityAdmin(ReadOnlyHistoryAdmin):
    form = ActivityAdminForm
    list_display = (
        "title",
        "entity",
        "year",
        "action_line_codes",
        "status",
        "source_display",
        "heading_display",
        "changed_display",
    )
    actions = ["confirm_headings", "join_paragraph", "release_paragraph"]
    list_filter = (
        "status",
        ActionLineFilter,
        "section_confirmed",
        "year",
        CycleFilter,
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
                    "section_confirmed",
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

    # The list fits a 1366-pixel screen beside the menus: the heading and whether
    # it is confirmed share a column, in words; dates are short.
    @admin.display(description=_("report heading"), ordering="section_key")
    def heading_display(self, obj):
        if not obj.section_key:
            return ""
        if obj.section_confirmed:
            return obj.section_key
        return _("%(heading)s (suggested)") % {"heading": obj.section_key}

    @admin.display(description=_("review cycle"), ordering="cycle")
    def source_display(self, obj):
        if not obj.cycle_id:
            return ""
        if obj.source_paragraph and not obj.cycle.outline:
            return _("%(cycle)s, joined paragraph %(paragraph)s") % {
                "cycle": obj.cycle.title,
                "paragraph": obj.source_paragraph,
            }
        if obj.source_paragraph:
            return _("%(cycle)s, ¶ %(paragraph)s") % {
                "cycle": obj.cycle.title,
                "paragraph": obj.source_paragraph,
            }
        return obj.cycle.title

    @admin.display(description=_("last changed"), ordering="updated_at")
    def changed_display(self, obj):
        return short_date(obj.updated_at)

    @admin.display(description=_("action lines"))
    def action_line_codes(self, obj):
        return ", ".join(line.code for line in obj.action_lines.all())

    def get_readonly_fields(self, request, obj=None):
        # The lead entity and the cycle come from the submission, which an
        # activity never leaves; the publication state moves only through the
        # submission's workflow (publish, reopen).
        fields = [*super().get_readonly_fields(request, obj), "entity", "cycle", "status"]
        if obj is not None:
            fields.append("submission")
        return fields

    def get_form(self, request, obj=None, change=False, **kwargs):

        form = super().get_form(request, obj, change=change, **kwargs)
        if "submission" in form.base_fields:
            form.base_fields["submission"].required = True
        if "section_key" in form.base_fields:
            field = form.base_fields["section_key"]
            form.base_fields["section_key"] = forms.ChoiceField(
                label=field.label,
                help_text=field.help_text,
                choices=[("", "—"), *heading_choices(obj.cycle if obj else None)],
                required=False,
            )
        return form

    def has_place_permission(self, request):
        return request.user.has_perm("activities.place_activity")

    @admin.action(description=_("Confirm the suggested report headings"), permissions=["place"])
    def confirm_headings(self, request, queryset):
        done = 0
        for activity in queryset.select_related("entity", "cycle"):
            try:
                place_activity(activity, activity.section_key, by=request.user)
            except TransitionNotAllowed as exc:
                self.message_user(request, f"{activity}: {exc.message}", django_messages.ERROR)
                continue
            done += 1
        self.message_user(
            request,
            ngettext(
                "%(count)s report heading confirmed.",
                "%(count)s report headings confirmed.",
                done,
            )
            % {"count": done},
        )

    @admin.action(
        description=_("Make one report paragraph of the selected activities"),
        permissions=["place"],
    )
    def join_paragraph(self, request, queryset):
        self._regroup(
            request,
            queryset,
            join_in_paragraph,
            lambda n: ngettext(
                "%(count)s activity now makes one paragraph of the report.",
                "%(count)s activities now make one paragraph of the report.",
                n,
            ),
        )

    @admin.action(
        description=_("Let the rules make the report paragraphs of the selected activities"),
        permissions=["place"],
    )
    def release_paragraph(self, request, queryset):
        self._regroup(
            request,
            queryset,
            release_from_paragraph,
            lambda n: ngettext(
                "%(count)s activity is back with the paragraph rules.",
                "%(count)s activities are back with the paragraph rules.",
                n,
            ),
        )

    def _regroup(self, request, queryset, step, done_message):
        """Run a paragraph step on the selection; a refusal is an error message."""
        try:
            done = step(queryset.order_by("pk"), by=request.user)
        except TransitionNotAllowed as exc:
            self.message_user(request, exc.message, django_messages.ERROR)
            return
        self.message_user(request, done_message(done) % {"count": done})

    def has_change_permission(self, request, obj=None):
        # A record that came with no submission (generated load data) has no
        # write path: it is shown, not changed.
        if obj is not None and obj.submission_id is None:
            return False
        return super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        """Nothing yet: the activity is written with its references in
        ``save_related``, through the submission's one write path."""

    def save_related(self, request, form, formsets, change):
        activity = form.instance
        fields = set(Activity.CONTRIBUTED_FIELDS) | set(Activity.EDITORIAL_FIELDS)
        values = {name: value for name, value in form.cleaned_data.items() if name in fields}
        (formset,) = [f for f in formsets if f.model is Reference]
        references = references_after(formset)
        # The references are replaced by the write path, not saved by the formset;
        # the change message still names the changed fields of the activity.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        submission = form.cleaned_data.get("submission") or activity.submission
        try:
            submission.save_activity(
                activity, by=request.user, values=values, references=references
            )
        except (TransitionNotAllowed, ValidationError) as exc:
            # Nothing of this request is kept; the change form says why.
            transaction.set_rollback(True)
            messages = exc.messages if isinstance(exc, ValidationError) else [exc.message]
            request._wsis_write_refused = " ".join(messages)

    def _refused(self, request, obj):
        refused = getattr(request, "_wsis_write_refused", None)
        if refused is None:
            return None
        self.message_user(request, refused, django_messages.ERROR)
        if obj.pk and Activity.objects.filter(pk=obj.pk).exists():
            return HttpResponseRedirect(reverse("admin:activities_activity_change", args=[obj.pk]))
        return HttpResponseRedirect(reverse("admin:activities_activity_add"))

    def response_add(self, request, obj, post_url_continue=None):
        return self._refused(request, obj) or super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        return self._refused(request, obj) or super().response_change(request, obj)

    def log_addition(self, request, obj, message):
        if getattr(request, "_wsis_write_refused", None) is None:
            return super().log_addition(request, obj, message)
        return None

    def log_change(self, request, obj, message):
        if getattr(request, "_wsis_write_refused", None) is None:
            return super().log_change(request, obj, message)
        return None


class TermAdmin(BaseAdmin):
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
