from django.apps import AppConfig


class SyncConfig(AppConfig):
    name = "sync"
    verbose_name = "Sync engine"

    def ready(self) -> None:
        from django_q.signals import post_spawn

        # Pipelines register themselves with sync.tasks by kind when imported.
        from sync import catalog, catalog_chunks, customers, heartbeat, orders, schedules, shipments  # noqa: F401

        post_spawn.connect(_warm_worker, dispatch_uid="sync.warm_worker")


def _warm_worker(sender, **kwargs) -> None:
    """A qcluster worker loads what its first task would (connector_site/warmup.py) before it takes one. Also
    sent in-process for a task run synchronously (Q_SYNC), so it must leave the connections alone."""
    from connector_site.warmup import warm_up

    warm_up()
