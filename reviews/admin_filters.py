"""The admin's filter by review cycle, which starts on the open calls: the live
work is not buried under years of imported reports. "All cycles" clears it."""

import re

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .models import ReviewCycle

ALL = "all"


class CycleFilter(admin.SimpleListFilter):
    title = _("review cycle")
    parameter_name = "cycle"
    # The path from the listed model to its cycle.
    field = "cycle"
    # Rows that belong to no cycle are shown with the open calls (e-mails to new
    # focal points, say).
    with_unattached = False

    def lookups(self, request, model_admin):
        return [
            (str(c.pk), c.title) for c in ReviewCycle.objects.order_by("-reporting_year", "title")
        ]

    def has_output(self):
        return True

    def choices(self, changelist):
        value = self.value()
        yield {
            "selected": value is None,
            "query_string": changelist.get_query_string(remove=[self.parameter_name]),
            "display": _("Open calls"),
        }
        yield {
            "selected": value == ALL,
            "query_string": changelist.get_query_string({self.parameter_name: ALL}),
            "display": _("All cycles"),
        }
        for lookup, title in self.lookup_choices:
            yield {
                "selected": value == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request, queryset):
        value = self.value()
        if value == ALL:
            return queryset
        if value is None:
            condition = Q(**{f"{self.field}__state": ReviewCycle.State.OPEN})
            if self.with_unattached:
                condition |= Q(**{f"{self.field}__isnull": True})
            return queryset.filter(condition)
        if not re.fullmatch(r"[0-9]{1,18}", value):
            raise IncorrectLookupParameters(f"cycle={value!r}")
        return queryset.filter(**{f"{self.field}__pk": value})


class SubmissionCycleFilter(CycleFilter):
    """For rows that reach their cycle through a submission (e-mails)."""

    field = "submission__cycle"
    with_unattached = True
