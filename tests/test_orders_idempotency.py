"""Duplicates, replays, crashes and lost webhooks never make a second Acumatica document."""
import json
import threading

import pytest
import requests
from django.test import override_settings
from django.utils import timezone

from audit.models import SyncRecord
from sandbox.acumatica import state
from sandbox.bigcommerce import storefront
from sandbox.bigcommerce.models import Store
from sandbox.catalog_data import demo_catalog
from sandbox.demo import connect_sandbox_tenant
from sync import orders
from sync.bigcommerce import BigCommerceClient
from sync.models import Binding
from sync.polling import poll_orders, queue_orders
from sync.tasks import process_record, recover_stuck_records
from sync.webhook_auth import SECRET_HEADER
from sync.webhook_registration import ensure_hooks
from tests.webhook_helpers import order_stub

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def shop(live_server):
    with override_settings(PUBLIC_BASE_URL=live_server.url):
        tenant = connect_sandbox_tenant(live_server.url, catalog=demo_catalog(count=10))
    return tenant, Store.objects.get(store_hash="demo1234")


def sales_orders_for(order) -> list[dict]:
    return [so for so in state.sales_orders("demo") if so.get("ExternalRef") == f"BC-demo1234-{order.pk}"]


def test_it_makes_one_sales_order_from_the_same_webhook_delivered_three_times_at_once(shop, live_server):
    tenant, store = shop
    order = storefront.place_order(store, lines=[("SKU-00001", 1)])
    url = f"{live_server.url}/webhooks/bigcommerce/{tenant.public_id}/"
    body = json.dumps(order_stub(order.pk, hash_="same-event"))
    headers = {SECRET_HEADER: tenant.bigcommerce.webhook_secret, "Content-Type": "application/json"}
    barrier, answers = threading.Barrier(3), []

    def deliver():
        barrier.wait()
        answers.append(requests.post(url, data=body, headers=headers, timeout=120).json()["status"])

    threads = [threading.Thread(target=deliver) for _ in range(3)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    # One copy created the record; another may have found it pending before the first stored the receipt
    # (sync/webhooks.py accept_bigcommerce_event): still one record, one run, one sales order.
    assert sorted(answers) in (["duplicate", "duplicate", "queued"], ["coalesced", "duplicate", "queued"])
    record = SyncRecord.objects.get(kind="order", external_id=str(order.pk))
    assert record.status == "succeeded", record.last_error
    assert len(sales_orders_for(order)) == 1


class WorkerKilled(BaseException):
    """Escapes every `except Exception`, like a process dying mid-run."""


def recover_and_run_again(record: SyncRecord) -> None:
    """What follows a dead worker: its lease runs out, the sweep recovers the record, the retry runs it."""
    SyncRecord.objects.filter(pk=record.pk).update(lease_expires_at=timezone.now() - timezone.timedelta(seconds=1))
    assert recover_stuck_records() == 1
    SyncRecord.objects.filter(pk=record.pk).update(next_attempt_at=timezone.now())
    process_record(record.pk)
    record.refresh_from_db()
    assert record.status == "succeeded", record.last_error


def test_it_makes_one_sales_order_when_the_worker_dies_between_create_and_binding(shop, monkeypatch):
    tenant, store = shop
    order = storefront.place_order(store, lines=[("SKU-00002", 1)])
    real_bind = orders.bind

    def bind_then_die(tenant_, kind, *args, **kwargs):
        if kind == "order":
            raise WorkerKilled()
        return real_bind(tenant_, kind, *args, **kwargs)

    monkeypatch.setattr(orders, "bind", bind_then_die)
    with pytest.raises(WorkerKilled):
        queue_orders(tenant, [order.pk])
    record = SyncRecord.objects.get(kind="order", external_id=str(order.pk))
    assert record.status == "running" and len(sales_orders_for(order)) == 1  # created, never bound

    monkeypatch.setattr(orders, "bind", real_bind)
    recover_and_run_again(record)
    assert len(sales_orders_for(order)) == 1
    assert record.events.filter(action="record.recovered").exists()


def test_it_makes_each_document_once_when_the_worker_dies_before_the_run_settles(shop, monkeypatch):
    """A run's bindings are written as it settles (sync/bindings.py): one killed after making the sales
    order, its payment and its invoice loses all three bindings; the next attempt finds them by reference."""
    tenant, store = shop
    order = storefront.place_order(store, lines=[("SKU-00002", 1)])
    monkeypatch.setattr(SyncRecord, "succeed", lambda record, result=None: (_ for _ in ()).throw(WorkerKilled()))
    with pytest.raises(WorkerKilled):
        queue_orders(tenant, [order.pk])
    record = SyncRecord.objects.get(kind="order", external_id=str(order.pk))
    assert record.status == "running" and not Binding.objects.filter(bc_id=str(order.pk)).exists()
    made = (len(sales_orders_for(order)), len(state.payments("demo")), len(state.sales_invoices("demo")))
    assert made == (1, 1, 1)

    monkeypatch.undo()
    recover_and_run_again(record)
    assert (len(sales_orders_for(order)), len(state.payments("demo")), len(state.sales_invoices("demo"))) == made
    assert set(Binding.objects.filter(bc_id=str(order.pk)).values_list("kind", flat=True)) >= {"order", "invoice"}
    lookups = record.events.filter(action="api.call", method="GET", url__icontains="filter")
    assert lookups.filter(url__contains="SalesOrder").exists()  # found by reference, not made again


def test_it_syncs_every_order_by_polling_when_webhooks_are_lost(shop, live_server):
    tenant, store = shop
    with override_settings(PUBLIC_BASE_URL=live_server.url), BigCommerceClient(tenant.bigcommerce) as bc:
        ensure_hooks(tenant, bc)
    Store.objects.filter(pk=store.pk).update(fault_drop_webhook_share=1.0)
    placed = [storefront.place_order(store, lines=[("SKU-00003", 1)]) for _ in range(4)]
    assert not SyncRecord.objects.exists()  # every delivery was dropped
    assert poll_orders(tenant.pk) == 4
    assert SyncRecord.objects.filter(kind="order", status="succeeded", source="poll").count() == 4
    assert all(len(sales_orders_for(order)) == 1 for order in placed)
    assert poll_orders(tenant.pk) == 0  # the overlap window re-reads them; nothing new to do
