"""Shipment push notifications (routed by Query) queue one record per shipment; shipments are a dashboard flow."""
from datetime import timedelta

import pytest
from django.utils import timezone
from django_q.conf import Conf

from audit.health import RED, tenant_health
from audit.models import Status, SyncRecord
from sync.models import JobHealth
from tests.audit_helpers import make_record
from tests.test_catalog_push_receiver import post
from tests.webhook_helpers import queued_record_ids


@pytest.fixture(autouse=True)
def queue_instead_of_running(monkeypatch):
    monkeypatch.setattr(Conf, "SYNC", False)
    monkeypatch.setattr(Conf, "ORM", "default")


def shipments_push(push_id="5a1d7c3e-0000-4000-8000-000000000001", inserted=("000001", "000002"), deleted=("000003",)):
    def rows(numbers):
        return [{"Type": "Shipment", "ShipmentNbr": n, "Status": "Confirmed", "OrderType": "SO", "OrderNbr": o}
                for n in numbers for o in ("000010", "000011")]
    return {"Inserted": rows(inserted), "Deleted": rows(deleted), "Query": "BC-Shipments", "CompanyId": "Company",
            "Id": push_id, "TimeStamp": 638000000000000000, "AdditionalInfo": {}}


def test_a_shipments_notification_queues_one_record_per_shipment_deleted_ones_included(
        client, tenant, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, tenant, shipments_push())
        again = post(client, tenant, shipments_push())
    assert response.json() == {"status": "queued", "items": 3, "queued": 3}
    assert again.json() == {"status": "duplicate"}
    records = SyncRecord.objects.filter(tenant=tenant).order_by("external_id")
    assert [(r.kind, r.external_id, r.source, r.direction) for r in records] == [
        ("shipment", n, "push", "acumatica_to_bc") for n in ("000001", "000002", "000003")]
    assert sorted(queued_record_ids()) == sorted(r.pk for r in records)
    assert not SyncRecord.objects.filter(kind="product").exists()


def test_a_tenant_with_shipments_off_ignores_them_but_keeps_its_catalog_pushes(client, tenant):
    tenant.sync_shipments = False
    tenant.save()
    response = post(client, tenant, shipments_push())
    assert response.json() == {"status": "ignored", "reason": "shipment sync is off for this tenant"}
    assert not SyncRecord.objects.exists()


def test_a_malformed_deleted_list_is_a_400(client, tenant):
    response = post(client, tenant, {**shipments_push(), "Deleted": {"ShipmentNbr": "1"}})
    assert response.status_code == 400 and "Deleted must be a list" in response.json()["error"]


def test_shipments_are_a_flow_with_their_problems_grouped(client, tenant, merchant_of):
    health = tenant_health(tenant)
    assert [f.label for f in health.flows if f.kind == "shipment"] == ["Shipments -> BigCommerce"]
    for nbr in ("000005", "000006"):
        make_record(tenant, nbr, kind="shipment", status=Status.NEEDS_ATTENTION,
                    last_error=f"Shipment {nbr} ships ITEM-Z, which is not on BigCommerce order #1{nbr}.")
    health = tenant_health(tenant)
    [group] = [p for p in health.problems if p.kind == "shipment"]
    assert (group.level, group.title, group.count) == (RED, "2 shipments: need attention", 2)

    type(tenant).objects.filter(pk=tenant.pk).update(created_at=timezone.now() - timedelta(days=1))
    JobHealth.note(tenant.pk, "poll-shipments", error="Acumatica answered 503.")
    tenant.refresh_from_db()
    stale = [p for p in tenant_health(tenant).problems if p.title.startswith("Shipments -> BigCommerce")]
    assert stale and "never succeeded" in stale[0].title and "503" in stale[0].detail

    client.force_login(merchant_of(tenant))
    html = client.get(f"/dashboard/{tenant.slug}/").content.decode()
    assert "Shipments -&gt; BigCommerce" in html and "2 shipments: need attention" in html
