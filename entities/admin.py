from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
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


class InviteFocalPointForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=150)
    email = forms.EmailField(label=_("E-mail address"), max_length=150)
    entity = forms.ModelChoiceField(
        label=_("Entity"), queryset=Entity.objects.active().order_by("acronym")
    )

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError(_("Write the person's name."))
        return name


@admin.register(Membership)
class MembershipAdmin(BaseAdmin):
    list_display = ("user", "user_email", "entity", "created_at")
    list_filter = ("entity__kind",)
    list_select_related = ("user", "entity")
    search_fields = ("user__username", "user__email", "entity__acronym")
    autocomplete_fields = ("user", "entity")
    change_list_template = "admin/entities/membership/change_list.html"

    @admin.display(description=_("e-mail address"), ordering="user__email")
    def user_email(self, obj):
        return obj.user.email

    def get_urls(self):
        return [
            path(
                "invite/",
                self.admin_site.admin_view(self.invite_view),
                name="entities_membership_invite",
            ),
            *super().get_urls(),
        ]

    def invite_view(self, request):
        """A manager brings a focal point in: the person chooses their own password."""
        if not request.user.has_perm("entities.invite_focal_point"):
            raise PermissionDenied
        initial = (
            {"entity": request.GET.get("entity")} if request.GET.get("entity", "").isdigit() else {}
        )
        form = InviteFocalPointForm(request.POST or None, initial=initial)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                membership = Membership.invite(
                    name=data["name"], email=data["email"], entity=data["entity"], by=request.user
                )
            except ValueError as exc:
                form.add_error("email", str(exc))
            else:
                self.message_user(
                    request,
                    _(
                        "%(email)s is a focal point of %(entity)s. The invitation is in the "
                        "outbox: it goes out now, with a link to choose a password."
                    )
                    % {"email": membership.user.email, "entity": membership.entity.acronym},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(reverse("admin:entities_membership_changelist"))
        return TemplateResponse(
            request,
            "admin/entities/membership/invite.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "title": _("Invite a focal point"),
                "form": form,
            },
        )
