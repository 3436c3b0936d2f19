"""De-duplication by delivery identity, with BigCommerce's real payload shapes.

BigCommerce's ``hash`` is a digest of ``data`` alone (reference/bigcommerce-api.md §1.1), so every
``store/order/updated`` of one order carries the same hash. Shapes follow the callback examples in
specs/bigcommerce/webhook-callbacks (store_order_updated.json, store_order_statusUpdated.json).
"""
import base64
import hashlib
import hmac
import json
import time

import pytest
from django_q.conf import Conf

from audit.models import Status, SyncRecord
from sync.models import WebhookReceipt
from sync.webhook_auth import SECRET_HEADER


@pytest.fixture(autouse=True)
def queue_instead_of_running(monkeypatch):
    monkeypatch.setattr(Conf, "SYNC", False)
    monkeypatch.setattr(Conf, "ORM", "default")


def order_updated(created_at: int, order_id: int = 250) -> dict:
    data = {"type": "order", "id": order_id}
    return {"scope": "store/order/updated", "store_id": "1025646", "data": data,
            "hash": hashlib.sha1(json.dumps(data, sort_keys=True).encode()).hexdigest(),
            "created_at": created_at, "producer": "stores/abc123"}


def deliver(client, tenant, payload: dict, **headers):
    return client.post(f"/webhooks/bigcommerce/{tenant.public_id}/", json.dumps(payload).encode(),
                       content_type="application/json",
                       headers={SECRET_HEADER: tenant.bigcommerce.webhook_secret, **headers})


def settle(external_id: str = "250") -> None:
    """The queued run finished: the next event reopens the record (what a real update needs)."""
    SyncRecord.objects.filter(external_id=external_id).update(status=Status.SUCCEEDED)


def test_distinct_updates_of_one_order_each_trigger_work(client, tenant):
    answers = []
    for minute in range(3):
        answers.append(deliver(client, tenant, order_updated(1561479335 + 60 * minute)).json()["status"])
        settle()
    assert answers == ["queued", "queued", "queued"]
    assert WebhookReceipt.objects.count() == 3
    assert SyncRecord.objects.get().events.filter(action="record.received").count() == 3


def test_a_redelivery_of_the_same_event_is_a_duplicate(client, tenant):
    event = order_updated(1561479335)
    first = deliver(client, tenant, event).json()["status"]
    settle()
    again = [deliver(client, tenant, event).json()["status"] for _ in range(2)]
    assert (first, again) == ("queued", ["duplicate", "duplicate"])
    assert SyncRecord.objects.get().status == Status.SUCCEEDED  # the re-delivery reopened nothing


def test_the_status_update_and_the_update_of_one_change_are_both_accepted(client, tenant):
    status_updated = {**order_updated(1561479335), "scope": "store/order/statusUpdated",
                      "data": {"type": "order", "id": 250, "status": {"previous_status_id": 0, "new_status_id": 11}}}
    assert deliver(client, tenant, order_updated(1561479335)).json()["status"] == "queued"
    assert deliver(client, tenant, status_updated).json()["status"] == "coalesced"
    assert WebhookReceipt.objects.count() == 2


def signed(tenant, payload: dict, msg_id: str) -> dict:
    body = json.dumps(payload).encode()
    now = str(int(time.time()))
    digest = hmac.new(tenant.bigcommerce.client_secret.encode(), f"{msg_id}.{now}.".encode() + body,
                      hashlib.sha256).digest()
    return {"webhook-id": msg_id, "webhook-timestamp": now, "webhook-signature": "v1," + base64.b64encode(digest).decode()}


def test_a_standard_webhooks_id_identifies_the_message(client, tenant):
    """Same id: a re-delivery even with a new created_at; new id: a new event even with the same body."""
    event = order_updated(1561479335)
    first = deliver(client, tenant, event, **signed(tenant, event, "msg_1")).json()["status"]
    settle()
    retried = {**event, "created_at": 1561479999}
    redelivered = deliver(client, tenant, retried, **signed(tenant, retried, "msg_1")).json()["status"]
    new = deliver(client, tenant, event, **signed(tenant, event, "msg_2")).json()["status"]
    assert (first, redelivered, new) == ("queued", "duplicate", "queued")
