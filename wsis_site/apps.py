from django.contrib.admin.apps import AdminConfig


class SecretariatAdminConfig(AdminConfig):
    """Django's admin, with the secretariat's home as its first page."""

    default_site = "wsis_site.admin_site.SecretariatAdminSite"
