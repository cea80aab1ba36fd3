"""The secretariat's workspace: Django's admin site with the secretariat's home as
its first page, the workflow's apps first, and the machinery (accounts, API
tokens, failed log-ins) under one heading that only managers see."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from reviews.rules import is_manager
from reviews.workspace import secretariat_home

# The apps of the machinery: grouped under one heading, for managers only.
MACHINERY = ("auth", "authtoken", "axes")
# The order of the secretariat's own apps (the rest follow by name).
FIRST = ("reviews", "entities", "activities", "mandates")


class SecretariatAdminSite(admin.AdminSite):
    index_template = "admin/secretariat_home.html"

    def get_app_list(self, request, app_label=None):

        apps = super().get_app_list(request, app_label)
        if app_label is not None:
            return apps if app_label not in MACHINERY or is_manager(request.user) else []
        own = [app for app in apps if app["app_label"] not in MACHINERY]
        own.sort(
            key=lambda app: (
                FIRST.index(app["app_label"]) if app["app_label"] in FIRST else len(FIRST),
                app["name"].lower(),
            )
        )
        machinery = [app for app in apps if app["app_label"] in MACHINERY]
        if machinery and is_manager(request.user):
            own.append(
                {
                    "name": _("Accounts and security"),
                    "app_label": "auth",
                    "app_url": machinery[0]["app_url"],
                    "has_module_perms": True,
                    "models": [model for app in machinery for model in app["models"]],
                }
            )
        return own

    def index(self, request, extra_context=None):

        return super().index(request, {**secretariat_home(request), **(extra_context or {})})
