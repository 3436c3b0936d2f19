"""The admin site: our own header, and the sandbox simulators listed after the real work.

Installed through ``ConnectorAdminConfig`` (INSTALLED_APPS), so every ``@admin.register`` lands here.
"""
from django.contrib import admin
from django.contrib.admin.apps import AdminConfig


class ConnectorAdminSite(admin.AdminSite):
    site_header = "ml-connector administration"
    site_title = "ml-connector admin"
    index_title = "Sync records, tenants and settings"

    def get_app_list(self, request, app_label=None):
        apps = super().get_app_list(request, app_label)
        # Sync records and tenants first; the simulated BigCommerce/Acumatica only matter when testing.
        return sorted(apps, key=lambda app: (app["app_label"].startswith("sandbox"), app["name"]))


class ConnectorAdminConfig(AdminConfig):
    default_site = "connector_site.admin_site.ConnectorAdminSite"
