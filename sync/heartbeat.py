"""Worker liveness: task workers write a heartbeat row; /healthz and tenant health read its age.

The heartbeat is a task run by the one-minute schedule (migration sync/0005), so a fresh beat proves
that the scheduler queues tasks and a worker executes them. A worker also beats when it starts, so a
cluster is seen alive at once rather than after its first minute. With Q_SYNC (tasks run inline in
the web process, tests and one-process setups) there is no separate worker to be dead.
"""
import logging
import os
import socket
from datetime import timedelta

from django.conf import settings
from django.dispatch import receiver
from django.utils import timezone
from django_q.signals import post_spawn

from sync.models import WorkerHeartbeat

log = logging.getLogger(__name__)
TASK = "sync.heartbeat.beat"


def max_age() -> timedelta:
    return timedelta(seconds=settings.WORKER_HEARTBEAT_MAX_AGE_SECONDS)


def beat() -> str:
    name = f"{socket.gethostname()}:{os.getppid()}"
    WorkerHeartbeat.objects.update_or_create(name=name, defaults={"beat_at": timezone.now()})
    return name


@receiver(post_spawn, dispatch_uid="worker-heartbeat-on-spawn")
def _worker_started(sender, **kwargs) -> None:
    try:
        beat()
    except Exception:  # a heartbeat must never keep a worker from starting
        log.exception("Could not write the worker heartbeat")


def worker_status(now=None) -> dict:
    """{"ok": bool, "last_beat": datetime|None, "detail": str}"""
    if settings.Q_CLUSTER.get("sync"):
        return {"ok": True, "last_beat": None, "detail": "tasks run inline (Q_SYNC); no separate workers"}
    now = now or timezone.now()
    last = WorkerHeartbeat.objects.order_by("-beat_at").values_list("beat_at", flat=True).first()
    if last is None:
        return {"ok": False, "last_beat": None, "detail": "no task worker has ever reported; start `manage.py qcluster`"}
    age = now - last
    if age > max_age():
        return {"ok": False, "last_beat": last,
                "detail": f"no task worker has reported for {int(age.total_seconds() // 60)} min; "
                          "syncing has stopped until `manage.py qcluster` runs again"}
    return {"ok": True, "last_beat": last, "detail": "task workers are alive"}
