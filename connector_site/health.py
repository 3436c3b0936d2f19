"""/healthz: database, task broker and worker heartbeat.

Anonymous callers (load balancers, uptime checks) get the overall status only, as text in JSON and as
the HTTP status (200 or 503); the details name internals and tenants, so only staff see them: each
check, and the health state of every tenant (audit/health.py).
"""
from django.db import connection
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from sync.heartbeat import worker_status


def _database_status() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return {"ok": True, "vendor": connection.vendor}
    except Exception as exc:  # any failure here is the answer, not a crash
        return {"ok": False, "error": exc.__class__.__name__}


def _broker_status() -> dict:
    from django_q.brokers import get_broker

    try:
        broker = get_broker()
        return {"ok": bool(broker.ping()), "broker": broker.__class__.__name__, "queued": broker.queue_size()}
    except Exception as exc:
        return {"ok": False, "error": exc.__class__.__name__}


def _worker_status() -> dict:
    try:
        status = worker_status()
    except Exception as exc:  # the heartbeat table is unreadable when the database is down
        return {"ok": False, "error": exc.__class__.__name__}
    return {**status, "last_beat": status["last_beat"].isoformat() if status["last_beat"] else None}


def _tenants(user) -> list[dict]:
    from audit.health import health_of_tenants
    from tenants.models import Tenant

    # A staff user sees the tenants they belong to; superusers see all (tenants/access.py).
    tenants = list(Tenant.objects.visible_to(user).filter(active=True).distinct())
    healths = health_of_tenants(tenants)
    return [{"slug": t.slug, **healths[t.pk].as_dict()} for t in tenants]


@never_cache
@require_GET
def healthz(request):
    checks = {"database": _database_status(), "broker": _broker_status()}
    checks["workers"] = _worker_status() if checks["database"]["ok"] else {"ok": False, "error": "no database"}
    healthy = all(check["ok"] for check in checks.values())
    body = {"status": "ok" if healthy else "degraded"}
    if request.user.is_authenticated and request.user.is_staff:
        body.update(checks, checked_at=timezone.now().isoformat())
        if checks["database"]["ok"]:
            body["tenants"] = _tenants(request.user)
    return JsonResponse(body, status=200 if healthy else 503, json_dumps_params={"default": str})
