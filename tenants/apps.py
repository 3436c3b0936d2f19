from django.apps import AppConfig


class TenantsConfig(AppConfig):
    name = "tenants"
    verbose_name = "Tenants and connections"

    def ready(self) -> None:
        from django.contrib import admin

        from tenants import crypto  # noqa: F401  (connects the FERNET_KEYS change signal)
        from tenants.admin_access import restrict_unscoped_admins

        # The admin app (first in INSTALLED_APPS) has registered every model admin by now.
        restrict_unscoped_admins(admin.site)
