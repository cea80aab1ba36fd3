"""The filters of /mandates/ and /api/mandates/: one form, the same names and meanings."""

from django import forms
from django.utils.translation import gettext_lazy as _

from activities.models import ActionLine
from entities.models import Entity

from .followup import LIGHTS
from .models import MandateUpdate


class MandateFilterForm(forms.Form):
    action_line = forms.MultipleChoiceField(label=_("Action line"), required=False)
    entity = forms.CharField(label=_("Entity (acronym)"), required=False, max_length=60)
    status = forms.MultipleChoiceField(
        label=_("Status of the updates"), required=False, choices=MandateUpdate.Status.choices
    )
    light = forms.MultipleChoiceField(
        label=_("Overview"), required=False, choices=list(LIGHTS.items())
    )

    def __init__(self, data=None, **kwargs):
        if data is not None and hasattr(data, "getlist"):
            data = {
                "action_line": data.getlist("action_line"),
                "entity": data.get("entity", ""),
                "status": data.getlist("status"),
                "light": data.getlist("light"),
            }
        super().__init__(data, **kwargs)
        self.lines = {line.code: line for line in ActionLine.objects.order_by("position")}
        self.fields["action_line"].choices = [
            (code, f"{code} {line.title}") for code, line in self.lines.items()
        ]

    def clean_entity(self):
        acronym = self.cleaned_data["entity"].strip()
        if not acronym:
            return None
        entity = Entity.objects.filter(acronym__iexact=acronym).first()
        if entity is None:
            raise forms.ValidationError(
                _("No entity has the acronym %(acronym)s.") % {"acronym": acronym}
            )
        return entity

    def arguments(self):
        """The keyword arguments of ``followup.follow_up``."""
        data = self.cleaned_data
        return {
            "action_lines": [self.lines[c] for c in data.get("action_line") or []],
            "entity": data.get("entity"),
            "statuses": data.get("status") or [],
            "lights": data.get("light") or [],
        }
