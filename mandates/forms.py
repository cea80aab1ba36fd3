from django import forms
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from .models import UPDATE_MAX_LENGTH, MandateUpdate


class MandateUpdateForm(forms.Form):
    """One mandate's status, update and linked activities, on the submission's page."""

    status = forms.ChoiceField(label=_("Status"), choices=MandateUpdate.Status.choices)
    text = forms.CharField(
        label=_("Update"),
        required=False,
        max_length=UPDATE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What was done, in a few sentences (needed when under way or done)."),
    )
    activities = forms.ModelMultipleChoiceField(
        label=_("Activities that carry it out"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    seen_updated_at = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, submission, mandate, activities=None, **kwargs):
        update = getattr(mandate, "update", None)
        if update is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "status": update.status,
                "text": update.text,
                "activities": [a.pk for a in update.activities.all()],
                "seen_updated_at": update.updated_at.isoformat(),
            }
        kwargs.setdefault("prefix", f"mandate-{mandate.pk}")
        super().__init__(*args, **kwargs)
        self.mandate = mandate
        queryset = submission.activities.order_by("pk")
        self.fields["activities"].queryset = queryset
        if activities is not None:
            # The page's activities, read once for every mandate's form.
            self.fields["activities"].choices = [(a.pk, a.title) for a in activities]
        if not self.fields["activities"].choices:
            del self.fields["activities"]

    def clean(self):
        data = super().clean()
        if data.get("status") in MandateUpdate.NEEDS_TEXT and not (data.get("text") or "").strip():
            self.add_error("text", _("Say in a few sentences what was done (the update)."))
        return data

    def seen_time(self):
        value = self.cleaned_data.get("seen_updated_at")
        return parse_datetime(value) if value else None
