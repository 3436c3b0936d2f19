"""POST /webhooks/acumatica/<public_id>/: header check, dedupe on Id, one record per InventoryID."""
import json

import pytest
from django_q.conf import Conf
from django_q.models import OrmQ

from audit.models import SyncRecord
from sync.models import WebhookReceipt, WebhookRefusals
from tests.webhook_helpers import queued_record_ids


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
    assert sorted(queued_record_ids()) == sorted(r.pk for r in records)


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
    assert len(queued_record_ids()) == 2  # one run per item, from the first delivery only


def test_it_coalesces_a_new_notification_for_an_item_already_queued(client, tenant, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        post(client, tenant, notification(push_id="a"))
        response = post(client, tenant, notification(push_id="b", ids=("SKU-00001",)))
    assert response.json() == {"status": "queued", "items": 1, "queued": 0}
    assert SyncRecord.objects.filter(kind="product").count() == 2 and len(queued_record_ids()) == 2


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


def test_it_queues_all_of_a_push_naming_5000_items_in_a_bounded_number_of_queries(
        client, tenant, django_capture_on_commit_callbacks, django_assert_max_num_queries):
    ids = [f"ITEM-{n:05d}" for n in range(5000)]
    SyncRecord.objects.upsert_pending(tenant, "product", "ITEM-00007", "acumatica_to_bc", "push")  # pending already
    # Bulk statements: a few per hundred items (SQLite caps parameters per statement at 999), where a
    # record at a time took about six per item and ran past the worker timeout.
    with django_assert_max_num_queries(300), django_capture_on_commit_callbacks(execute=True):
        response = post(client, tenant, notification(ids=ids))
    assert response.status_code == 200
    assert response.json() == {"status": "queued", "items": 5000, "queued": 4999}
    assert SyncRecord.objects.filter(kind="product", status="pending").count() == 5000
    assert len(set(queued_record_ids())) == 4999
    assert OrmQ.objects.count() == 1  # one fan-out task; the worker queues the runs


def test_a_bulk_push_treats_existing_records_like_single_events(client, tenant, django_capture_on_commit_callbacks):
    from audit.models import Status
    for external_id, status in [("A", Status.PENDING), ("B", Status.RUNNING), ("C", Status.SUCCEEDED),
                                ("D", Status.FAILED), ("E", Status.NEEDS_ATTENTION)]:
        record, _ = SyncRecord.objects.upsert_pending(tenant, "product", external_id, "acumatica_to_bc", "push")
        SyncRecord.objects.filter(pk=record.pk).update(status=status, attempts=3)
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, tenant, notification(ids=("A", "B", "C", "D", "E", "F")))
    assert response.json() == {"status": "queued", "items": 6, "queued": 4}
    rows = {r.external_id: (r.status, r.attempts, r.rerun_requested) for r in SyncRecord.objects.all()}
    assert rows == {"A": ("pending", 3, False), "B": ("running", 3, True), "C": ("pending", 0, False),
                    "D": ("pending", 3, False), "E": ("pending", 0, False), "F": ("pending", 0, False)}
    actions = {r.external_id: r.events.order_by("-id").first().action for r in SyncRecord.objects.all()}
    assert actions == {"A": "record.coalesced", "B": "record.coalesced", "C": "record.received",
                       "D": "record.received", "E": "record.received", "F": "record.received"}
    assert sorted(SyncRecord.objects.get(pk=pk).external_id for pk in queued_record_ids()) == ["C", "D", "E", "F"]
