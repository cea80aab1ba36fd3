import re

from django import forms
from django.core.exceptions import ValidationError
from django.forms import inlineformset_factory
from django.template.loader import render_to_string
from django.utils.dateparse import parse_datetime
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from activities.models import Activity, Reference
from entities.models import Entity

from .models import Comment
from .report import heading_choices


class StaleCheckMixin:
    """A hidden ``updated_at`` so that a stale form is refused, not saved over newer work."""

    def add_stale_check(self, updated_at):
        self.fields["updated_at"] = forms.CharField(
            widget=forms.HiddenInput,
            required=False,
            initial=updated_at.isoformat() if updated_at else "",
        )

    def clean_updated_at(self):
        raw = self.cleaned_data.get("updated_at") or ""
        try:
            seen = parse_datetime(raw) if raw else None
        except ValueError:  # a well-formed time that cannot be (an offset of +24:00)
            seen = None
        if raw and seen is None:
            # Shown above the form (the field is hidden); nothing is saved.
            self.add_error(
                None,
                _("This form was damaged on the way; reload the page and make your change again."),
            )
            return ""
        return raw

    def seen_updated_at(self):
        raw = self.cleaned_data.get("updated_at") or ""
        return parse_datetime(raw) if raw else None


class AnswersForm(StaleCheckMixin, forms.Form):
    """One text box per question of the cycle, labelled with its wording; required
    answers are checked on submit, not on saving a draft."""

    def __init__(self, *args, submission, **kwargs):
        super().__init__(*args, **kwargs)
        self.submission = submission
        self.questions = {}
        for question in submission.cycle.question_list():
            self.questions[question.key] = question
            self.fields[question.key] = forms.CharField(
                label=question.label,
                required=False,
                max_length=20000,
                initial=(submission.answers or {}).get(question.key, ""),
                widget=forms.Textarea(attrs={"rows": 6}),
                help_text=question.prompt,
            )
        self.add_stale_check(submission.updated_at)

    def question_fields(self):
        """(bound field, question) for each question, in order."""
        return [(self[key], question) for key, question in self.questions.items()]

    def answers(self):
        return {
            key: value.strip() for key, value in self.cleaned_data.items() if key != "updated_at"
        }


class IdsField(forms.ModelMultipleChoiceField):
    """Choices by id; a value that cannot be an id is refused before the database
    is asked (SQLite cannot even compare a number that large)."""

    def _check_values(self, value):
        for pk in value:
            if not re.fullmatch(r"[0-9]{1,18}", str(pk)):
                raise ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": pk},
                )
        return super()._check_values(value)


class ActivityForm(StaleCheckMixin, forms.ModelForm):
    class Meta:
        model = Activity
        fields = [
            "title",
            "summary",
            "description",
            "language",
            "partners",
            "action_lines",
            "themes",
            "trends",
            "regions",
            "sdgs",
            "year",
            "start_date",
            "end_date",
            "activity_type",
            "implementation",
        ]
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 3}),
            "description": forms.Textarea(attrs={"rows": 6}),
            "action_lines": forms.CheckboxSelectMultiple,
            "themes": forms.CheckboxSelectMultiple,
            "trends": forms.CheckboxSelectMultiple,
            "regions": forms.CheckboxSelectMultiple,
            "sdgs": forms.CheckboxSelectMultiple,
            "partners": forms.CheckboxSelectMultiple,
            "start_date": forms.DateInput(attrs={"type": "date"}),
            "end_date": forms.DateInput(attrs={"type": "date"}),
        }
        field_classes = dict.fromkeys(
            ["partners", "action_lines", "themes", "trends", "regions", "sdgs"], IdsField
        )
        help_texts = {
            "summary": _("One or two sentences: what was done, by whom, with what result."),
            "partners": _("Tick each entity that worked with yours on this activity."),
            "action_lines": _("Choose C7's sub-areas rather than C7 itself where one fits."),
        }

    def __init__(self, *args, submission, **kwargs):
        super().__init__(*args, **kwargs)
        self.submission = submission
        self.fields["partners"].queryset = (
            Entity.objects.active().exclude(pk=submission.entity_id).order_by("acronym")
        )
        self.fields["partners"].label_from_instance = lambda entity: (
            f"{entity.acronym} — {entity.name}" if entity.name != entity.acronym else entity.acronym
        )
        # A choice that says what it means, never "---------".
        for name in ("activity_type", "implementation"):
            field = self.fields[name]
            field.choices = [("", _("Not stated")), *[c for c in field.choices if c[0] != ""]]
        self.fields["action_lines"].label_from_instance = lambda line: (
            f"{line.code} {line.title}" if not line.parent_id else f"— {line.title} ({line.code})"
        )
        self.fields["summary"].max_length = 2000
        if not self.instance.pk and submission.cycle.reporting_year:
            # The instance's empty year would win over the field's initial value.
            self.initial["year"] = submission.cycle.reporting_year
        self._add_heading_choice(submission)
        self.add_stale_check(self.instance.updated_at if self.instance.pk else None)

    def _add_heading_choice(self, submission):
        """The report heading: the tracker's suggestion, or the contributor's choice."""
        choices = heading_choices(submission.cycle)
        labels = dict(choices)
        activity = self.instance
        if activity.pk and activity.section_key in labels:
            state = (
                _("Confirmed by the secretariat: %(heading)s")
                if activity.section_confirmed
                else _("Chosen by you: %(heading)s")
                if activity.section_proposed
                else _("Suggested from what the activity says: %(heading)s")
            )
            help_text = state % {"heading": labels[activity.section_key]}
        else:
            help_text = _(
                "Once saved, the tracker suggests the heading from the action lines, the "
                "themes and the text; choose one here to put it elsewhere."
            )
        self.fields["section_key"] = forms.ChoiceField(
            label=_("Report heading"),
            required=False,
            choices=[("", _("The tracker's suggestion")), *choices],
            initial=activity.section_key if activity.section_proposed else "",
            help_text=help_text,
            disabled=activity.section_confirmed,
        )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("The end date is before the start date."))
        try:
            Activity.check_action_lines(cleaned.get("action_lines"))
        except ValidationError as exc:
            self.add_error("action_lines", exc)
        return cleaned


class ReferenceForm(forms.ModelForm):
    class Meta:
        model = Reference
        fields = ["url", "symbol", "label"]
        widgets = {"url": forms.URLInput(attrs={"placeholder": "https://"})}

    def _post_clean(self):
        # Reference.clean() asks for a URL or a symbol; with a mistyped URL that
        # would only repeat the URL's own error, so let that one speak alone.
        if "url" not in self.errors:
            super()._post_clean()


ReferenceFormSet = inlineformset_factory(
    Activity,
    Reference,
    form=ReferenceForm,
    extra=2,
    can_delete=True,
    max_num=30,
    validate_max=True,
)


def references_after(formset):
    """The references an activity will have once ``formset`` (valid) is applied, as the
    dicts ``Activity.write`` takes, in order: the stored ones as the formset keeps,
    changes or removes them (those it did not show stay as they are), then the new
    ones; a ``position`` the formset gives (the admin's) reorders them."""
    names = ("url", "symbol", "label", "footnote_number")

    def as_dict(source, fallback=None):
        return {name: source.get(name, (fallback or {}).get(name)) for name in names}

    shown = {f.instance.pk: f for f in formset.initial_forms if f.instance.pk}
    result = []  # (position or None, dict)
    if formset.instance.pk:
        for reference in formset.instance.references.all():
            form = shown.get(reference.pk)
            if form is None:
                result.append((reference.position, as_dict(vars(reference))))
            elif not form.cleaned_data.get("DELETE"):
                result.append(
                    (
                        form.cleaned_data.get("position", reference.position),
                        as_dict(form.cleaned_data, vars(reference)),
                    )
                )
    for form in formset.extra_forms:
        if form.has_changed() and form.cleaned_data and not form.cleaned_data.get("DELETE"):
            result.append((form.cleaned_data.get("position"), as_dict(form.cleaned_data)))
    last = max((p for p, _ in result if p is not None), default=0) + 1
    order = {id(ref): (last if p is None else p, n) for n, (p, ref) in enumerate(result)}
    return sorted((ref for _, ref in result), key=lambda ref: order[id(ref)])


class CommentForm(forms.ModelForm):
    class Meta:
        model = Comment
        fields = ["body", "visibility"]
        widgets = {"body": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, internal_allowed=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["body"].max_length = 10000
        if not internal_allowed:
            del self.fields["visibility"]

    def clean_body(self):
        body = self.cleaned_data["body"].strip()
        if not body:
            raise forms.ValidationError(_("Write something first."))
        return body


class QuestionsWidget(forms.Widget):
    """The cycle's questions as rows of fields (key, label, prompt, guidance,
    required, report use, remove), with empty rows for new ones."""

    template_name = "admin/reviews/reviewcycle/questions_widget.html"
    EXTRA = 2

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        rows = value if isinstance(value, list) else []
        rows = [q for q in rows if isinstance(q, dict)]
        rows = [*rows, *({} for _ in range(self.EXTRA))]
        context["widget"]["rows"] = [
            {"prefix": f"{name}-{n}", "number": n + 1, "q": q} for n, q in enumerate(rows)
        ]
        context["widget"]["total"] = len(rows)
        context["widget"]["report_choices"] = [
            ("", _("by its key")),
            ("trends", _("section I, major trends")),
            ("obstacles", _("the conclusions' digest of obstacles")),
        ]
        return context

    def _render(self, template_name, context, renderer=None):
        # The project's templates, which the forms' own renderer does not search.
        return mark_safe(render_to_string(template_name, context))  # noqa: S308

    def value_from_datadict(self, data, files, name):
        if f"{name}-TOTAL" not in data:
            return data.get(name)  # the JSON text itself (a script, an older form)
        try:
            total = min(int(data.get(f"{name}-TOTAL")), 100)
        except (TypeError, ValueError):
            total = 0
        questions = []
        for n in range(total):
            prefix = f"{name}-{n}"
            row = {
                field: (data.get(f"{prefix}-{field}") or "").strip()
                for field in ("key", "label", "prompt", "guidance", "report")
            }
            if data.get(f"{prefix}-DELETE") or not any(row.values()):
                continue
            question = {"key": row["key"], "label": row["label"], "prompt": row["prompt"]}
            question["guidance"] = row["guidance"]
            question["required"] = bool(data.get(f"{prefix}-required"))
            if row["report"]:
                question["report"] = row["report"]
            questions.append(question)
        return questions

    def value_omitted_from_data(self, data, files, name):
        return f"{name}-TOTAL" not in data and name not in data


class QuestionsField(forms.JSONField):
    """The cycle's questions, edited as rows; validated by ``validate_questions``."""

    widget = QuestionsWidget

    def to_python(self, value):
        if isinstance(value, list):
            return value
        return super().to_python(value)

    def bound_data(self, data, initial):
        if isinstance(data, list):
            return data
        return super().bound_data(data, initial)

    def prepare_value(self, value):
        return value


class ReviewCycleAdminForm(forms.ModelForm):
    # The admin gives the model and the fields (its fieldsets).
    class Meta:
        field_classes = {"questions": QuestionsField}
