from django.apps import AppConfig


class SyncConfig(AppConfig):
    name = "sync"
    verbose_name = "Sync engine"

    def ready(self) -> None:
        # Pipelines register themselves with sync.tasks by kind when imported.
        from sync import catalog, catalog_chunks, customers, heartbeat, orders, schedules, shipments  # noqa: F401
