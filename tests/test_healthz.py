"""/healthz: database, broker and worker heartbeat; anonymous callers get the status only."""
from datetime import timedelta

from django.test import override_settings
from django.utils import timezone

from audit.models import Status
from sync.heartbeat import beat
from sync.models import WorkerHeartbeat
from tests.audit_helpers import make_record

ASYNC_WORKERS = {"name": "t", "orm": "default", "sync": False}


def test_anonymous_callers_get_the_status_only(client, tenant):
    make_record(tenant, "1", status=Status.NEEDS_ATTENTION, last_error="secret-ish detail")
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_staff_get_every_check_and_each_tenants_health(client, staff, tenant):
    make_record(tenant, "1", status=Status.NEEDS_ATTENTION, last_error="SKU 'X' has no Acumatica InventoryID")
    client.force_login(staff)
    body = client.get("/healthz").json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] and body["broker"]["ok"] and body["workers"]["ok"]
    (acme,) = body["tenants"]
    assert acme["slug"] == "acme" and acme["state"] == "red"
    assert acme["problems"][0]["title"] == "1 order: needs attention"


def test_a_member_who_is_not_staff_gets_the_status_only(client, tenant, merchant_of):
    client.force_login(merchant_of(tenant))
    assert client.get("/healthz").json() == {"status": "ok"}


@override_settings(Q_CLUSTER=ASYNC_WORKERS)
def test_it_is_degraded_without_a_recent_worker_heartbeat(client, staff, db):
    assert client.get("/healthz").status_code == 503
    WorkerHeartbeat.objects.create(name="old", beat_at=timezone.now() - timedelta(minutes=5))
    response = client.get("/healthz")
    assert response.status_code == 503 and response.json() == {"status": "degraded"}
    client.force_login(staff)
    assert "no task worker has reported for 5 min" in client.get("/healthz").json()["workers"]["detail"]
    beat()
    assert client.get("/healthz").status_code == 200
