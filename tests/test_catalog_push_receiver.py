"""POST /webhooks/acumatica/<public_id>/: header check, dedupe on Id, one record per InventoryID."""
import json

import pytest
from django_q.conf import Conf
from django_q.models import OrmQ

from audit.models import SyncRecord
from sync.models import WebhookReceipt, WebhookRefusals


@pytest.fixture(autouse=True)
def queue_instead_of_running(monkeypatch):
    """Tasks go to the ORM broker's queue, where the tests count them, instead of running inline."""
    monkeypatch.setattr(Conf, "SYNC", False)
    monkeypatch.setattr(Conf, "ORM", "default")


def notification(push_id: str = "0f4c6a0e-1d1b-4c55-9a55-5f0c1a4b7e01", ids=("SKU-00001", "SKU-00002")) -> dict:
    rows = [{"InventoryID": i, "WarehouseID": w, "DefaultPrice": 10.0, "QtyOnHand": 3.0}
            for i in ids for w in ("MAIN", "EAST")]
    return {"Inserted": rows, "Deleted": rows[:1], "Query": "BC-StockItems", "CompanyId": "Company", "Id": push_id,
            "TimeStamp": 638000000000000000, "AdditionalInfo": {}}


def post(client, tenant, payload, secret=None, header=None):
    connection = tenant.acumatica
    headers = {header or connection.push_header_name: connection.push_secret if secret is None else secret}
    return client.post(f"/webhooks/acumatica/{tenant.public_id}/", json.dumps(payload),
                       content_type="application/json", headers={k: v for k, v in headers.items() if v})


def test_it_queues_one_record_per_inserted_inventory_id(client, tenant, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, tenant, notification())
    assert response.status_code == 200
    assert response.json() == {"status": "queued", "items": 2, "queued": 2}
    records = SyncRecord.objects.filter(tenant=tenant, kind="product").order_by("external_id")
    assert [(r.external_id, r.status, r.source, r.direction) for r in records] == [
        ("SKU-00001", "pending", "push", "acumatica_to_bc"), ("SKU-00002", "pending", "push", "acumatica_to_bc")]
    assert OrmQ.objects.count() == 2


@pytest.mark.parametrize("secret, header", [("wrong-secret", None), ("", None), (None, "X-Other-Header")])
def test_it_refuses_a_bad_header_and_queues_nothing(client, tenant, secret, header, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, tenant, notification(), secret=secret, header=header)
    assert response.status_code == 401
    assert tenant.acumatica.push_secret not in response.content.decode()
    assert not SyncRecord.objects.exists() and not WebhookReceipt.objects.exists()
    assert OrmQ.objects.count() == 0
    assert WebhookRefusals.objects.get(tenant=tenant).count == 1


def test_it_pushes_once_for_a_repeated_id(client, tenant, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = post(client, tenant, notification())
        second = post(client, tenant, notification())
    assert first.json()["status"] == "queued"
    assert second.status_code == 200 and second.json() == {"status": "duplicate"}
    assert WebhookReceipt.objects.filter(source="acumatica").count() == 1
    assert OrmQ.objects.count() == 2  # one task per item, from the first delivery only


def test_it_coalesces_a_new_notification_for_an_item_already_queued(client, tenant, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        post(client, tenant, notification(push_id="a"))
        response = post(client, tenant, notification(push_id="b", ids=("SKU-00001",)))
    assert response.json() == {"status": "queued", "items": 1, "queued": 0}
    assert SyncRecord.objects.filter(kind="product").count() == 2 and OrmQ.objects.count() == 2


def test_it_refuses_a_notification_without_an_id(client, tenant):
    payload = notification()
    del payload["Id"]
    assert post(client, tenant, payload).status_code == 400
    assert not SyncRecord.objects.exists()


def test_it_answers_404_for_an_unknown_tenant(client, tenant):
    response = client.post("/webhooks/acumatica/00000000-0000-0000-0000-000000000000/", "{}",
                           content_type="application/json")
    assert response.status_code == 404


def test_it_ignores_notifications_when_catalog_sync_is_off(client, tenant):
    tenant.sync_catalog = False
    tenant.save()
    assert post(client, tenant, notification()).json()["status"] == "ignored"
    assert not SyncRecord.objects.exists()
