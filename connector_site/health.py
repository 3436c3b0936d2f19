"""/healthz: is the database answering, and can the task broker be reached?"""
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.http import require_GET


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


@require_GET
def healthz(request):
    database, broker = _database_status(), _broker_status()
    healthy = database["ok"] and broker["ok"]
    return JsonResponse({"status": "ok" if healthy else "degraded", "database": database, "broker": broker},
                        status=200 if healthy else 503)
