import datetime as dt
import re
from urllib.parse import urlencode

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from rules.contrib.admin import ObjectPermissionsModelAdminMixin

from activities.charts import stacked_area
from activities.models import Activity
from mandates.admin import updates_summary
from wsis_site.admin_base import BaseAdmin, ReadOnlyHistoryAdmin, short_date

from .admin_filters import CycleFilter, SubmissionCycleFilter
from .emails import (
    KIND_LABELS,
    compose,
    focal_point_addresses,
    kind_label,
    outcome_counts,
    queue_submission_email,
    send_again,
)
from .forms import ReviewCycleAdminForm
from .insight import (
    changes_since_sent_back,
    durations,
    history,
    states_over_time,
    workloads,
    year_on_year,
)
from .models import (
    ACTION_DONE,
    ACTION_LABELS,
    Comment,
    DeadlineExtension,
    ReviewCycle,
    SentEmail,
    Submission,
    Transition,
    TransitionNotAllowed,
    validate_letter,
)
from .report import heading_choices, place_activity
from .report_views import docx_response
from .rules import secretariat_users


def report_emails(request, rows, message_user):
    """Tell the person who acted what became of the e-mails: sent, not sent for
    want of a recipient (naming the entities), failed (with the error), never
    all counted as sent. ``rows`` may hold None for once-only messages written
    before, which are left out."""
    rows = [row for row in rows if row is not None]
    counts = outcome_counts(rows)
    if counts["sent"]:
        message_user(
            request,
            ngettext("%(count)s e-mail sent.", "%(count)s e-mails sent.", counts["sent"])
            % {"count": counts["sent"]},
            messages.SUCCESS,
        )
    waiting = counts["queued"] + counts["sending"]
    if waiting:
        message_user(
            request,
            ngettext(
                "%(count)s e-mail is waiting in the outbox; it goes out shortly.",
                "%(count)s e-mails are waiting in the outbox; they go out shortly.",
                waiting,
            )
            % {"count": waiting},
            messages.INFO,
        )
    nobody = sorted(
        {row.submission.entity.acronym for row in rows if row.state == row.State.NO_RECIPIENT}
    )
    if nobody:
        message_user(
            request,
            ngettext(
                "%(count)s e-mail not sent: no recipient. These entities have no focal point "
                "with an e-mail address: %(entities)s.",
                "%(count)s e-mails not sent: no recipient. These entities have no focal point "
                "with an e-mail address: %(entities)s.",
                counts["no_recipient"],
            )
            % {"count": counts["no_recipient"], "entities": ", ".join(nobody)},
            messages.WARNING,
        )
    if counts["failed"]:
        error = next(row.error for row in rows if row.state == row.State.FAILED)
        message_user(
            request,
            ngettext(
                "%(count)s e-mail could not be sent (%(error)s). It stays in the outbox and is "
                "tried again; the list of e-mails shows it.",
                "%(count)s e-mails could not be sent (%(error)s). They stay in the outbox and "
                "are tried again; the list of e-mails shows them.",
                counts["failed"],
            )
            % {"count": counts["failed"], "error": error},
            messages.ERROR,
        )


# --- Review cycles --------------------------------------------------------------


def _dashboard_insight(cycle):
    """The dashboard's chart of states over time, workloads and durations."""

    loaded = history(cycle)
    days, counts = states_over_time(cycle, loaded=loaded)
    labels = dict(Submission.State.choices)
    series = [(labels[state], counts[state]) for state in Submission.State.values]
    last = {label: values[-1] for label, values in series if values}
    desc = _("From %(first)s to %(last)s. Today: %(now)s.") % {
        "first": date_format(days[0]) if days else "—",
        "last": date_format(days[-1]) if days else "—",
        "now": "; ".join(f"{label} {n}" for label, n in last.items() if n) or "—",
    }
    step = max(1, len(days) // 30)
    return {
        "chart": stacked_area(
            _("Submissions in each state, day by day"),
            desc,
            [date_format(day, "SHORT_DATE_FORMAT") for day in days],
            series,
        ),
        "chart_desc": desc,
        "timeline_states": [labels[s] for s in Submission.State.values],
        "timeline": [
            (date_format(day, "SHORT_DATE_FORMAT"), [counts[s][i] for s in Submission.State.values])
            for i, day in list(enumerate(days))[::-step][::-1]
        ],
        "workloads": workloads(cycle),
        "durations": durations(cycle, loaded=loaded),
    }


@admin.register(ReviewCycle)
class ReviewCycleAdmin(ObjectPermissionsModelAdminMixin, BaseAdmin):
    form = ReviewCycleAdminForm
    list_display = (
        "title",
        "slug",
        "kind",
        "state",
        "deadline",
        "responses",
        "published",
    )
    list_filter = ("kind", "state")
    search_fields = ("title", "slug", "symbol")
    prepopulated_fields = {"slug": ("title",)}
    autocomplete_fields = ("invited_entities", "trends")
    readonly_fields = (
        "state",
        "created_at",
        "updated_at",
        "dashboard_link",
        "report_links",
        "letter_preview",
    )
    actions = ["open_calls", "close_calls", "publish_cycles", "download_report"]
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "title",
                    "slug",
                    "kind",
                    "symbol",
                    "state",
                    "dashboard_link",
                    "report_links",
                )
            },
        ),
        (
            _("The call"),
            {
                "fields": (
                    "reporting_year",
                    "period_start",
                    "period_end",
                    "opens_on",
                    "deadline",
                    "letter",
                    "letter_preview",
                    "questions",
                    "invited_entities",
                    "trends",
                )
            },
        ),
        (
            _("The report's own text"),
            {"fields": ("summary", "introduction", "conclusions", "report_date")},
        ),
        (
            _("The report's cover and note 1"),
            {
                "fields": (
                    "bodies",
                    "agenda_item",
                    "agenda_title",
                    "agenda_note",
                    "distribution",
                    "original_language",
                    "inputs_url",
                    "urls_accessed",
                    "contributor_order",
                )
            },
        ),
        (
            _("Source"),
            {"classes": ("collapse",), "fields": ("outline", "created_at", "updated_at")},
        ),
    )

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                published_n=Count(
                    "activities",
                    filter=Q(activities__status=Activity.Status.PUBLISHED),
                    distinct=True,
                ),
                submission_n=Count("submissions", distinct=True),
            )
        )

    @admin.display(description=_("published activities"), ordering="published_n")
    def published(self, obj):
        return obj.published_n

    @admin.display(description=_("submissions"), ordering="submission_n")
    def responses(self, obj):
        return obj.submission_n

    @admin.display(description=_("responses"))
    def dashboard_link(self, obj):
        if not obj.pk:
            return "—"

        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:reviews_reviewcycle_dashboard", args=[obj.pk]),
            _("Response dashboard"),
        )

    @admin.display(description=_("the letter, as the first invited entity reads it"))
    def letter_preview(self, obj):

        try:
            validate_letter(obj.letter)
        except ValidationError:
            return _("The letter has a mistake (see above); correct it to see it here.")
        entity = obj.invited_entities.order_by("acronym").first() if obj.pk else None
        if entity is None:
            return _("Invite an entity to see the letter as it reads it.")
        submission = obj.submissions.filter(entity=entity).first()
        if submission is None:
            submission = Submission(cycle=obj, entity=entity)
            submission.latest_extension = None
        _to, subject, text = compose("invitation", submission)
        return format_html(
            '<p><strong>{}</strong> {}</p><pre class="email-text">{}</pre>',
            _("Subject:"),
            subject,
            text,
        )

    @admin.display(description=_("report"))
    def report_links(self, obj):
        if not obj.pk:
            return "—"

        return format_html(
            '<a href="{}">{}</a> · <a href="{}">{}</a>',
            reverse("reports:report-detail", args=[obj.slug]),
            _("Read the report draft"),
            reverse("reports:report-docx", args=[obj.slug]),
            _("Word (.docx)"),
        )

    def get_urls(self):
        return [
            path(
                "<int:pk>/dashboard/",
                self.admin_site.admin_view(self.dashboard_view),
                name="reviews_reviewcycle_dashboard",
            ),
            *super().get_urls(),
        ]

    def dashboard_view(self, request, pk):
        cycle = get_object_or_404(ReviewCycle, pk=pk)
        if not self.has_view_permission(request, cycle):
            return HttpResponseRedirect(reverse("admin:index"))
        counts = cycle.state_counts()
        rows = [
            (state, label, counts[state], _submission_list_url(cycle, state=state))
            for state, label in Submission.State.choices
        ]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Responses to %(cycle)s") % {"cycle": cycle.title},
            "cycle": cycle,
            "rows": rows,
            "counts": counts,
            "overdue": cycle.submissions.overdue().select_related("entity", "reviewer"),
            "overdue_url": _submission_list_url(cycle, overdue="yes"),
            **_dashboard_insight(cycle),
        }
        return TemplateResponse(request, "admin/reviews/reviewcycle/dashboard.html", context)

    def _run(self, request, queryset, method, done):
        count = 0
        for cycle in queryset:
            try:
                result = getattr(cycle, method)(by=request.user)
                count += 1
            except TransitionNotAllowed as exc:
                self.message_user(request, f"{cycle}: {exc.message}", messages.ERROR)
            else:
                if method == "open_call":
                    invitations = SentEmail.objects.filter(
                        submission__in=result, kind="invitation"
                    ).select_related("submission__entity")
                    report_emails(request, list(invitations), self.message_user)
        if count:
            self.message_user(request, done % {"count": count}, messages.SUCCESS)

    @admin.action(description=_("Open the call (invite the entities)"))
    def open_calls(self, request, queryset):
        if not request.user.has_perm("reviews.run_cycle"):
            self.message_user(request, _("Only a secretariat manager can do this."), messages.ERROR)
            return None
        if "apply" not in request.POST:
            cycles = list(queryset.filter(state=ReviewCycle.State.PLANNED))
            if len(cycles) != queryset.count() or len(cycles) != 1:
                self.message_user(
                    request,
                    _("Choose one planned cycle to open its call."),
                    messages.ERROR,
                )
                return None
            cycle = cycles[0]
            existing = cycle.submissions.values("entity_id")
            # Not saved: what the invitations would be, to show before they go out.
            would_be = []
            for entity in cycle.invited_entities.exclude(pk__in=existing).order_by("acronym"):
                submission = Submission(cycle=cycle, entity=entity)
                submission.latest_extension = None
                would_be.append(submission)
            return recipients_page(
                request,
                self.admin_site,
                self.opts,
                title=_("Open the call “%(cycle)s”: invitations") % {"cycle": cycle.title},
                kind="invitation",
                submissions=would_be,
                selected=[cycle.pk],
                submit=_("Open the call and send the invitations"),
                intro=_(
                    "Opening the call invites these entities. Each invitation goes to the "
                    "entity's focal points; the text is the cycle's letter (change it on the "
                    "cycle's page, under “The call”)."
                ),
            )
        self._run(request, queryset, "open_call", _("%(count)s call(s) opened."))

    @admin.action(description=_("Close the call"))
    def close_calls(self, request, queryset):
        self._run(request, queryset, "close", _("%(count)s call(s) closed."))

    @admin.action(description=_("Publish the cycle"))
    def publish_cycles(self, request, queryset):
        self._run(request, queryset, "publish", _("%(count)s cycle(s) published."))

    @admin.action(description=_("Download the report draft (.docx)"))
    def download_report(self, request, queryset):

        cycles = list(queryset[:2])
        if len(cycles) != 1:
            self.message_user(
                request, _("Choose one cycle to download its report."), messages.ERROR
            )
            return None
        if not request.user.has_perm("reviews.compile_report", cycles[0]):
            self.message_user(
                request, _("Only the secretariat can compile a report."), messages.ERROR
            )
            return None
        return docx_response(cycles[0])


def recipients_page(
    request, admin_site, opts, *, title, kind, submissions, selected, intro="", submit=""
):
    """Before anything is sent: who gets the message, entity by entity, the entities
    nobody would hear from flagged ("not sent: no recipient"), and the message as
    the first of them would read it. ``selected``: the primary keys to post again."""

    rows = [(s, focal_point_addresses(s.entity)) for s in submissions]
    preview = None
    if rows:
        recipients, subject, text = compose(kind, rows[0][0])
        preview = {"entity": rows[0][0].entity, "subject": subject, "text": text}
    return TemplateResponse(
        request,
        "admin/reviews/recipients_confirm.html",
        {
            **admin_site.each_context(request),
            "opts": opts,
            "title": title,
            "intro": intro,
            "rows": rows,
            "reachable": sum(1 for _s, to in rows if to),
            "unreachable": sum(1 for _s, to in rows if not to),
            "preview": preview,
            "selected": selected,
            "submit": submit or _("Send"),
            "action": request.POST.get("action"),
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        },
    )


def _submission_list_url(cycle, **params):

    query = {"cycle": cycle.pk}
    if "state" in params:
        query["state__exact"] = params["state"]
    if "overdue" in params:
        query["overdue"] = params["overdue"]
    return reverse("admin:reviews_submission_changelist") + "?" + urlencode(query)


# --- Submissions --------------------------------------------------------------


class OverdueFilter(admin.SimpleListFilter):
    title = _("overdue")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", _("Overdue")), ("no", _("Not overdue"))]

    def queryset(self, request, queryset):
        overdue = Submission.objects.overdue().values("pk")
        if self.value() == "yes":
            return queryset.filter(pk__in=overdue)
        if self.value() == "no":
            return queryset.exclude(pk__in=overdue)
        return queryset


class ReviewerFilter(admin.SimpleListFilter):
    title = _("reviewer")
    parameter_name = "reviewer"

    def lookups(self, request, model_admin):
        users = secretariat_users()
        return [("none", _("Nobody yet"))] + [(str(u.pk), u.get_username()) for u in users]

    def queryset(self, request, queryset):
        if self.value() == "none":
            return queryset.filter(reviewer__isnull=True)
        if self.value():
            if not re.fullmatch(r"[0-9]{1,18}", self.value()):
                raise IncorrectLookupParameters(f"reviewer={self.value()!r}")
            return queryset.filter(reviewer_id=self.value())
        return queryset


class ReadOnlyInline(admin.TabularInline):
    """A record of what happened: shown, never added to, changed or deleted here."""

    extra = 0
    can_delete = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class CommentInline(ReadOnlyInline):
    """The comments so far, read-only."""

    model = Comment
    fields = ("created_at", "author", "visibility", "body")
    verbose_name_plural = _("comments")


class NewCommentInline(admin.StackedInline):
    """A new comment, internal or shared with the contributor."""

    model = Comment
    extra = 1
    max_num = 1
    fields = ("visibility", "body")
    verbose_name = _("new comment")
    verbose_name_plural = _("write a comment")

    def get_queryset(self, request):
        return super().get_queryset(request).none()

    def has_add_permission(self, request, obj=None):
        return request.user.has_perm("reviews.comment_submission", obj)


class TransitionInline(ReadOnlyInline):
    model = Transition
    fields = ("created_at", "actor", "step", "from_state", "to_state", "comment")
    verbose_name_plural = _("history of the workflow")

    @admin.display(description=_("step"))
    def step(self, obj):
        if obj.action == "invite":
            return _("Invited")
        return ACTION_LABELS.get(obj.action, obj.action)


class SentEmailInline(ReadOnlyInline):
    model = SentEmail
    fields = ("created_at", "what", "recipients", "subject", "sent_by", "state", "error", "resend")
    verbose_name_plural = _("e-mails")

    @admin.display(description=_("kind"))
    def what(self, obj):
        return kind_label(obj.kind)

    @admin.display(description=_("resend"))
    def resend(self, obj):

        return format_html(
            '<button type="submit" class="button" form="resend-{}">{}</button>',
            obj.pk,
            _("Send again"),
        )


class ExtendDeadlineForm(forms.Form):
    new_deadline = forms.DateField(
        label=_("New deadline"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_(
            "Contributions are taken until the end of that day. The focal points are "
            "told by e-mail."
        ),
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=300,
        required=False,
        help_text=_("Shown to the focal points in the e-mail."),
    )

    def clean_new_deadline(self):

        day = self.cleaned_data["new_deadline"]
        value = timezone.make_aware(dt.datetime.combine(day, dt.time(23, 59)))
        if value <= timezone.now():
            raise forms.ValidationError(_("The new deadline must be in the future."))
        return value


class DeadlineExtensionForm(forms.ModelForm):
    """The inline's form: a day, with the browser's date picker."""

    new_deadline = ExtendDeadlineForm.base_fields["new_deadline"]
    clean_new_deadline = ExtendDeadlineForm.clean_new_deadline

    class Meta:
        model = DeadlineExtension
        fields = ("new_deadline", "reason")


class DeadlineExtensionInline(admin.TabularInline):
    model = DeadlineExtension
    form = DeadlineExtensionForm
    extra = 0
    fields = ("new_deadline", "reason", "granted_by", "created_at")
    readonly_fields = ("granted_by", "created_at")
    verbose_name_plural = _("deadline extensions (the focal points are told by e-mail)")

    # A granted extension is a record (its e-mail went out); a new one is added.
    def has_change_permission(self, request, obj=None):
        return False


class AssignReviewerForm(forms.Form):
    reviewer = forms.ModelChoiceField(
        label=_("Reviewer"),
        queryset=get_user_model().objects.none(),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reviewer"].queryset = secretariat_users()


class MessageForm(forms.Form):
    subject = forms.CharField(label=_("Subject"), max_length=200)

    def clean_subject(self):
        subject = self.cleaned_data["subject"]
        if "\n" in subject or "\r" in subject:
            raise forms.ValidationError(_("Write the subject on one line."))
        return subject

    text = forms.CharField(label=_("Message"), widget=forms.Textarea(attrs={"rows": 10}))


class ReportHeadingForm(forms.ModelForm):
    """A row of the headings table: its controls are named after their activity, since
    a table's column headers do not label them for screen readers."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        title = self.instance.title if self.instance.pk else ""
        names = {
            "section_key": _("Report heading of “%(title)s”"),
            "section_confirmed": _("Heading confirmed for “%(title)s”"),
        }
        for name, label in names.items():
            if name in self.fields:
                self.fields[name].widget.attrs["aria-label"] = label % {"title": title}


class ReportHeadingInline(admin.TabularInline):
    """The report heading of each of the submission's activities: suggested when
    the activity was entered, confirmed or changed here by the secretariat."""

    model = Activity
    form = ReportHeadingForm
    fk_name = "submission"
    fields = ("title", "section_key", "section_confirmed")
    readonly_fields = ("title",)
    extra = 0
    max_num = 0
    can_delete = False
    verbose_name = _("report heading")
    verbose_name_plural = _("report headings of the activities")

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("reviews.view_submission", obj)

    def has_change_permission(self, request, obj=None):
        return request.user.has_perm("activities.place_activity")

    def get_formset(self, request, obj=None, **kwargs):

        formset = super().get_formset(request, obj, **kwargs)
        if "section_key" in formset.form.base_fields:
            formset.form.base_fields["section_key"] = forms.ChoiceField(
                label=_("report heading"),
                choices=heading_choices(obj.cycle if obj else None),
                required=False,
            )
            formset.form.base_fields["section_confirmed"].label = _("confirmed")
        return formset


@admin.register(Submission)
class SubmissionAdmin(ObjectPermissionsModelAdminMixin, ReadOnlyHistoryAdmin):
    change_form_template = "admin/reviews/submission/change_form.html"
    list_display = (
        "entity",
        "cycle",
        "state_display",
        "reviewer",
        "deadline_display",
        "overdue_display",
        "activity_count",
        "changed_display",
    )
    list_filter = (
        CycleFilter,
        "state",
        OverdueFilter,
        ReviewerFilter,
        "entity__kind",
        ("entity", admin.RelatedOnlyFieldListFilter),
    )
    list_select_related = ("entity", "cycle", "reviewer")
    search_fields = ("entity__acronym", "entity__name_en", "cycle__title", "cycle__slug")
    autocomplete_fields = ("cycle", "entity")
    readonly_fields = (
        "state",
        "submitted_at",
        "decided_at",
        "published_at",
        "created_at",
        "updated_at",
        "mandate_updates",
    )
    fields = (
        "cycle",
        "entity",
        "state",
        "reviewer",
        "submitted_at",
        "decided_at",
        "published_at",
        "created_at",
        "updated_at",
        "mandate_updates",
    )
    inlines = [
        CommentInline,
        NewCommentInline,
        DeadlineExtensionInline,
        TransitionInline,
        SentEmailInline,
        ReportHeadingInline,
    ]
    actions = ["remind", "extend_deadline", "assign_reviewer", "write_to_focal_points"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .with_effective_deadline()
            .with_round()
            .annotate(activity_n=Count("activities", distinct=True))
        )

    @admin.display(description=_("updates on mandates"))
    def mandate_updates(self, obj):
        return updates_summary(obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "reviewer":
            kwargs["queryset"] = secretariat_users()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            fields += ["cycle", "entity"]
        if not request.user.has_perm("reviews.assign_reviewer", obj):
            fields.append("reviewer")
        return fields

    def get_inline_instances(self, request, obj=None):
        if obj is None:
            return []
        inlines = super().get_inline_instances(request, obj)
        if not request.user.has_perm("reviews.extend_deadline", obj):
            inlines = [i for i in inlines if not isinstance(i, DeadlineExtensionInline)]
        return inlines

    @admin.display(description=_("state"), ordering="state")
    def state_display(self, obj):
        if obj.state == Submission.State.SUBMITTED and obj.round > 1:
            return _("Resubmitted (round %(round)s)") % {"round": obj.round}
        return obj.get_state_display()

    @admin.display(description=_("deadline"))
    def deadline_display(self, obj):
        deadline = obj.effective_deadline
        return date_format(timezone.localtime(deadline), "SHORT_DATE_FORMAT") if deadline else ""

    @admin.display(description=_("overdue"), empty_value="")
    def overdue_display(self, obj):

        if not obj.is_overdue:
            return ""
        return format_html('<span class="overdue-flag">{}</span>', _("Overdue"))

    @admin.display(description=_("last changed"), ordering="updated_at")
    def changed_display(self, obj):
        return short_date(obj.updated_at)

    @admin.display(description=_("activities"), ordering="activity_n")
    def activity_count(self, obj):
        return obj.activity_n

    def save_formset(self, request, form, formset, change):
        if formset.model is Activity:
            self._place_activities(request, formset)
            return
        instances = formset.save(commit=False)
        for instance in instances:
            if isinstance(instance, Comment) and not instance.author_id:
                instance.author = request.user
                if instance.visibility == Comment.Visibility.INTERNAL and not request.user.has_perm(
                    "reviews.comment_internally", instance.submission
                ):
                    instance.visibility = Comment.Visibility.SHARED
            if isinstance(instance, DeadlineExtension):
                self._extend(request, instance)
                continue
            instance.save()
        for obj in formset.deleted_objects:
            obj.delete()
        formset.save_m2m()

    def _extend(self, request, extension):
        """A new extension from the inline: granted through the model, which tells
        the focal points."""
        try:
            row = extension.submission.extend_deadline(
                by=request.user, new_deadline=extension.new_deadline, reason=extension.reason
            )
        except TransitionNotAllowed as exc:
            self.message_user(request, exc.message, messages.ERROR)
        else:
            report_emails(request, [row], self.message_user)

    def _place_activities(self, request, formset):
        """Each changed heading through ``Activity.place``: a new heading, or the
        suggestion confirmed (ticked) or given back to the rules (unticked)."""
        # Nothing is saved by the formset itself; the change message lists nothing.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for activity_form in formset.forms:
            if not activity_form.has_changed():
                continue
            activity = activity_form.instance
            key = activity_form.cleaned_data.get("section_key") or ""
            confirmed = activity_form.cleaned_data.get("section_confirmed")
            if "section_key" not in activity_form.changed_data and not confirmed:
                key = ""
            try:
                place_activity(activity, key, by=request.user)
            except TransitionNotAllowed as exc:
                self.message_user(request, exc.message, messages.ERROR)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context["workflow_actions"] = [
                (action, ACTION_LABELS[action]) for action in obj.allowed_actions(request.user)
            ]
            context["sent_emails"] = obj.emails.all()
            if request.user.has_perm("reviews.view_submission", obj):
                context["year_on_year"] = year_on_year(obj)
                context["questions"] = [
                    (q.get("label") or q["key"], (obj.answers or {}).get(q["key"], ""))
                    for q in obj.cycle.questions or []
                ]
                context["submitted_activities"] = (
                    Activity.objects.filter(submission=obj)
                    .prefetch_related("references", "action_lines", "partners")
                    .order_by("pk")
                )
                context["changes"] = changes_since_sent_back(obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "<int:pk>/transition/",
                view(self.transition_view),
                name="reviews_submission_transition",
            ),
            path(
                "<int:pk>/resend/<int:email_pk>/",
                view(self.resend_view),
                name="reviews_submission_resend",
            ),
            *super().get_urls(),
        ]

    def transition_view(self, request, pk):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        submission = get_object_or_404(Submission, pk=pk)
        if not self.has_view_permission(request, submission):
            return HttpResponseRedirect(reverse("admin:index"))
        action = request.POST.get("action", "")
        comment = request.POST.get("comment", "")
        if (
            action in self.CONFIRMED_ACTIONS
            and request.POST.get("confirmed") != "yes"
            and action in submission.allowed_actions(request.user)
        ):
            return self._confirm_transition(request, submission, action, comment)
        try:
            submission.transition(action, by=request.user, comment=comment)
        except TransitionNotAllowed as exc:
            self.message_user(request, exc.message, messages.ERROR)
        else:
            self.message_user(request, ACTION_DONE[action], messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:reviews_submission_change", args=[pk]))

    # Steps that tell the entity and cannot be taken back without a manager: asked twice.
    CONFIRMED_ACTIONS = ("accept", "publish")

    def _confirm_transition(self, request, submission, action, comment):
        activities = Activity.objects.filter(submission=submission).order_by("pk")
        recipients, subject, _text = compose(
            Submission.TRANSITIONS[action].email, submission, comment=comment
        )
        title = (
            _("Accept the contribution of %(entity)s?")
            if action == "accept"
            else _("Publish the contribution of %(entity)s?")
        ) % {"entity": submission.entity.acronym}
        return TemplateResponse(
            request,
            "admin/reviews/submission/confirm_transition.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "original": submission,
                "title": title,
                "action": action,
                "label": ACTION_LABELS[action],
                "comment": comment,
                "activities": activities,
                "recipients": recipients,
                "subject": subject,
            },
        )

    def resend_view(self, request, pk, email_pk):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        submission = get_object_or_404(Submission, pk=pk)
        if not request.user.has_perm("reviews.remind_submission", submission):
            return HttpResponseRedirect(reverse("admin:index"))
        original = get_object_or_404(SentEmail, pk=email_pk, submission=submission)
        row = send_again(original, by=request.user)
        report_emails(request, [row], self.message_user)
        return HttpResponseRedirect(reverse("admin:reviews_submission_change", args=[pk]))

    # Bulk actions ------------------------------------------------------------------

    def _form_action(self, request, queryset, form_class, title, apply):
        form = form_class(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            return apply(form.cleaned_data)
        return TemplateResponse(
            request,
            "admin/reviews/submission/action_form.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "title": title,
                "form": form,
                "queryset": queryset,
                "action": request.POST.get("action"),
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            },
        )

    @admin.action(description=_("Send a reminder to the focal points"))
    def remind(self, request, queryset):
        if not request.user.has_perm("reviews.remind_submission"):
            raise PermissionDenied
        pending = (
            queryset.filter(state__in=Submission.NOT_SUBMITTED)
            .select_related("entity", "cycle")
            .order_by("entity__acronym", "cycle")
        )
        if "apply" not in request.POST:
            return recipients_page(
                request,
                self.admin_site,
                self.opts,
                title=_("Send a reminder"),
                kind="reminder",
                submissions=list(pending),
                selected=[s.pk for s in queryset],
                submit=_("Send the reminders"),
                intro=_(
                    "A reminder goes to the focal points of each submission not yet sent; "
                    "submissions already sent are skipped."
                ),
            )
        rows = [
            queue_submission_email("reminder", submission, sent_by=request.user)
            for submission in pending
        ]
        skipped = queryset.count() - len(rows)
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%(count)s submission was skipped: it is already submitted.",
                    "%(count)s submissions were skipped: they are already submitted.",
                    skipped,
                )
                % {"count": skipped},
                messages.INFO,
            )
        report_emails(request, rows, self.message_user)

    @admin.action(description=_("Extend the deadline"))
    def extend_deadline(self, request, queryset):
        if not request.user.has_perm("reviews.extend_deadline"):
            self.message_user(request, _("Only managers can extend deadlines."), messages.ERROR)
            return None

        def apply(data):
            rows = []
            try:
                with transaction.atomic():
                    for submission in queryset.select_related("entity", "cycle"):
                        rows.append(
                            submission.extend_deadline(
                                by=request.user,
                                new_deadline=data["new_deadline"],
                                reason=data["reason"],
                            )
                        )
            except TransitionNotAllowed as exc:
                self.message_user(request, exc.message, messages.ERROR)
                return
            self.message_user(
                request,
                ngettext(
                    "Deadline extended for %(count)s submission.",
                    "Deadline extended for %(count)s submissions.",
                    len(rows),
                )
                % {"count": len(rows)},
                messages.SUCCESS,
            )
            report_emails(request, rows, self.message_user)

        return self._form_action(
            request, queryset, ExtendDeadlineForm, _("Extend the deadline"), apply
        )

    @admin.action(description=_("Assign a reviewer"))
    def assign_reviewer(self, request, queryset):
        if not request.user.has_perm("reviews.assign_reviewer"):
            self.message_user(request, _("Only managers can assign reviewers."), messages.ERROR)
            return None

        def apply(data):
            queryset.update(reviewer=data["reviewer"], updated_at=timezone.now())
            self.message_user(request, _("Reviewer assigned."), messages.SUCCESS)

        return self._form_action(
            request, queryset, AssignReviewerForm, _("Assign a reviewer"), apply
        )

    @admin.action(description=_("Write to the focal points"))
    def write_to_focal_points(self, request, queryset):
        def apply(data):
            rows = [
                queue_submission_email(
                    "message",
                    submission,
                    sent_by=request.user,
                    subject=data["subject"],
                    text=data["text"],
                )
                for submission in queryset.select_related("entity", "cycle")
            ]
            report_emails(request, rows, self.message_user)

        return self._form_action(
            request, queryset, MessageForm, _("Write to the focal points"), apply
        )


class KindFilter(admin.SimpleListFilter):
    title = _("kind")
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return [(kind, kind_label(kind)) for kind in KIND_LABELS]

    def queryset(self, request, queryset):
        return queryset.filter(kind=self.value()) if self.value() else queryset


@admin.register(SentEmail)
class SentEmailAdmin(BaseAdmin):
    """The outbox: what was sent, what waits, what failed and why, and "Send again"."""

    list_display = ("created_at", "state", "what", "subject", "recipients", "short_error")
    list_filter = (SubmissionCycleFilter, "state", KindFilter)
    search_fields = ("subject", "recipients", "submission__entity__acronym")
    list_select_related = ("submission__entity", "submission__cycle")
    readonly_fields = [f.name for f in SentEmail._meta.fields]
    actions = ["send_again"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_send_permission(self, request):
        return request.user.has_perm("reviews.remind_submission")

    @admin.display(description=_("kind"), ordering="kind")
    def what(self, obj):
        return kind_label(obj.kind)

    @admin.display(description=_("error"))
    def short_error(self, obj):
        return obj.error[:120]

    @admin.action(description=_("Send again"), permissions=["send"])
    def send_again(self, request, queryset):
        rows = [send_again(row, by=request.user) for row in queryset.select_related("submission")]
        report_emails(request, rows, self.message_user)
