import json
import threading

import pytest
import requests
from django_q.conf import Conf
from django_q.models import OrmQ

from audit.models import SyncRecord
from sync.models import WebhookReceipt, WebhookRefusals
from sync.webhook_auth import SECRET_HEADER
from tests.webhook_helpers import deliver, order_stub


@pytest.fixture(autouse=True)
def queue_instead_of_running(monkeypatch):
    """Tasks go to the ORM broker's queue, where the tests count them, instead of running inline."""
    monkeypatch.setattr(Conf, "SYNC", False)
    monkeypatch.setattr(Conf, "ORM", "default")


def queued_tasks() -> int:
    return OrmQ.objects.count()


def test_it_accepts_an_order_stub_and_queues_one_record(client, tenant, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = deliver(client, tenant, order_stub())
    assert response.status_code == 200 and response.json() == {"status": "queued"}
    record = SyncRecord.objects.get()
    assert (record.kind, record.external_id, record.status, record.source) == ("order", "100", "pending", "webhook")
    assert record.stub["hash"] == "h-1"
    assert WebhookReceipt.objects.get().dedupe_key == "event:h-1@1780000000"
    assert queued_tasks() == 1


def test_it_answers_duplicates_without_new_work(client, tenant, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        statuses = [deliver(client, tenant, order_stub()).json()["status"] for _ in range(3)]
        coalesced = deliver(client, tenant, order_stub(scope="store/order/updated", hash_="h-2")).json()["status"]
    assert statuses == ["queued", "duplicate", "duplicate"]
    assert coalesced == "coalesced"
    assert SyncRecord.objects.count() == 1 and queued_tasks() == 1
    assert WebhookReceipt.objects.count() == 2


def test_it_routes_transactions_refunds_and_customers(client, tenant):
    transaction = {"scope": "store/order/transaction/created", "hash": "t1",
                   "data": {"type": "transaction", "order_id": "101", "transaction_id": 5}}
    refund = {"scope": "store/order/refund/created", "hash": "r1", "data": {"type": "order", "id": 102,
                                                                             "refund": {"refund_id": 9}}}
    customer = {"scope": "store/customer/updated", "hash": "c1", "data": {"type": "customer", "id": 7}}
    for payload in (transaction, refund, customer):
        assert deliver(client, tenant, payload).status_code == 200
    assert sorted(SyncRecord.objects.values_list("kind", "external_id")) == [
        ("customer", "7"), ("order", "101"), ("order", "102")]


def test_it_ignores_scopes_it_does_not_handle(client, tenant):
    payload = {"scope": "store/product/updated", "hash": "p", "data": {"type": "product", "id": 3}}
    response = deliver(client, tenant, payload)
    assert response.status_code == 200 and response.json() == {"status": "ignored"}
    assert not SyncRecord.objects.exists()


@pytest.mark.parametrize("case, status, reason", [
    ("bad secret", 401, "secret header does not match"),
    ("no secret", 401, "missing authentication"),
    ("malformed json", 400, "not valid JSON"),
    ("wrong content type", 415, "application/json"),
    ("too large", 413, "too large"),
    ("no object id", 400, "numeric id"),
    ("no scope", 400, "scope"),
])
def test_it_refuses_bad_deliveries_and_creates_no_work(client, tenant, case, status, reason):
    stub = order_stub()
    kwargs = {
        "bad secret": {"secret": "wrong"}, "no secret": {"secret": ""},
        "malformed json": {"raw": b"{not json"}, "wrong content type": {"content_type": "text/plain"},
        "too large": {"raw": json.dumps({**stub, "pad": "x" * 70_000}).encode()},
        "no object id": {"raw": json.dumps({**stub, "data": {"type": "order", "id": "1; drop"}}).encode()},
        "no scope": {"raw": json.dumps({"data": {"id": 1}}).encode()},
    }[case]
    response = deliver(client, tenant, stub, **kwargs)
    assert response.status_code == status
    assert reason in response.json()["error"]
    assert not SyncRecord.objects.exists() and not WebhookReceipt.objects.exists()
    assert WebhookRefusals.objects.get(tenant=tenant).count == 1


def test_it_refuses_unknown_and_inactive_tenants(client, tenant):
    response = client.post("/webhooks/bigcommerce/00000000-0000-0000-0000-000000000000/", order_stub(),
                           content_type="application/json")
    assert response.status_code == 404
    tenant.active = False
    tenant.save()
    assert deliver(client, tenant, order_stub()).status_code == 403
    assert not SyncRecord.objects.exists()


def test_it_never_echoes_the_secret_in_a_refusal(client, tenant, caplog):
    response = deliver(client, tenant, order_stub(), secret="guess-" + tenant.bigcommerce.webhook_secret[:5])
    assert tenant.bigcommerce.webhook_secret not in response.content.decode()
    assert tenant.bigcommerce.webhook_secret not in caplog.text


@pytest.mark.django_db(transaction=True)
def test_it_makes_one_record_from_concurrent_duplicates(live_server, tenant):
    url = f"{live_server.url}/webhooks/bigcommerce/{tenant.public_id}/"
    headers = {SECRET_HEADER: tenant.bigcommerce.webhook_secret, "Content-Type": "application/json"}
    body = json.dumps(order_stub()).encode()
    results, barrier = [], threading.Barrier(3)

    def post():
        barrier.wait()
        results.append(requests.post(url, data=body, headers=headers, timeout=30).json()["status"])

    threads = [threading.Thread(target=post) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # The one that created the record says so; of the others, the one whose receipt went in first may have
    # found the record pending (coalesced) before the first stored its receipt: still one record, one task.
    assert sorted(results) in (["duplicate", "duplicate", "queued"], ["coalesced", "duplicate", "queued"])
    assert SyncRecord.objects.count() == 1 and WebhookReceipt.objects.count() == 1
    assert queued_tasks() == 1
