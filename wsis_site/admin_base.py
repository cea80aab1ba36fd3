"""What every admin page of the tracker shares: lists that answer a bad filter in the
address with the admin's own "invalid lookup" page, and history pages that show past
versions but never restore them."""

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import flatten_fieldsets
from django.http import HttpResponseNotAllowed
from django.utils import timezone
from django.utils.formats import date_format
from simple_history.admin import SimpleHistoryAdmin


class SafeChangeListMixin:
    """A list filter given a value its field cannot hold (``?reviewer=abc``, a year
    of 25 digits) is an invalid lookup, which the admin answers by showing the list
    without filters and a note, not by a server error."""

    def get_changelist_instance(self, request):
        try:
            return super().get_changelist_instance(request)
        except (ValueError, OverflowError, TypeError) as exc:
            raise IncorrectLookupParameters(exc) from exc


class BaseAdmin(SafeChangeListMixin, admin.ModelAdmin):
    pass


class ReadOnlyHistoryAdmin(SafeChangeListMixin, SimpleHistoryAdmin):
    """django-simple-history's admin with reverting turned off for everyone.

    Its page of a past version is an editable form that its POST saves, asking
    only for the view permission; a revert would also bypass the records' own
    write paths (an activity's publication state moves only through its
    submission's workflow). Here that page is read-only and a POST is refused.
    """

    def revert_disabled(self, request, obj=None):
        return True

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET", "HEAD"])
        request._wsis_viewing_history = True
        return super().history_form_view(request, object_id, version_id, extra_context)

    def get_readonly_fields(self, request, obj=None):
        if getattr(request, "_wsis_viewing_history", False):
            if self.fieldsets:
                return flatten_fieldsets(self.fieldsets)
            if self.fields:
                return list(self.fields)
            opts = self.model._meta
            return [f.name for f in (*opts.fields, *opts.many_to_many) if f.editable]
        return super().get_readonly_fields(request, obj)


def short_date(moment):
    """A list column's date: ``2 Dec 2026`` in English, in the local time."""

    if not moment:
        return ""
    return date_format(timezone.localtime(moment), "SHORT_DATE_FORMAT")
