from django.apps import AppConfig


class TenantsConfig(AppConfig):
    name = "tenants"
    verbose_name = "Tenants and connections"

    def ready(self) -> None:
        from tenants import crypto  # noqa: F401  (connects the FERNET_KEYS change signal)
