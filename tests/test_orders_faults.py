"""Orders through injected 429s, 500s and timeouts on both sides: all succeed, nothing twice.

Sixty orders by default, enough for every fault kind to hit many orders; FAULT_ORDERS=200 for a longer run.
"""
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.conf import settings
from django.db import connection
from django.test import override_settings
from django.utils import timezone
from django_q.conf import Conf

from audit.models import SyncRecord
from sandbox.acumatica import state
from sandbox.acumatica.models import Instance
from sandbox.bigcommerce import storefront
from sandbox.bigcommerce.models import Store
from sandbox.catalog_data import demo_catalog
from sandbox.demo import connect_sandbox_tenant
from sync.polling import queue_orders
from sync.tasks import process_record

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
ORDERS = int(__import__("os").environ.get("FAULT_ORDERS", 60))
WORKERS = 4
FAST_CLIENTS = {"HTTP_RETRY_BASE_DELAY": 0.01, "HTTP_RETRY_MAX_DELAY": 0.05, "HTTP_READ_TIMEOUT": 0.4,
                "ACUMATICA_ACTION_POLL_SECONDS": 0.02, "HTTP_MAX_ATTEMPTS": 6}


def work(record_id: int) -> None:
    try:
        process_record(record_id)
    finally:
        connection.close()  # each worker thread owns its connection


def run_with_workers(record_ids: list[int], workers: int = WORKERS) -> None:
    """Four workers side by side, as a qcluster would run them."""
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(work, record_ids))


def run_until_settled(tenant, rounds: int = 10) -> None:
    """Plays the retry schedule forward: failed records are made due and run again."""
    for _ in range(rounds):
        failed = SyncRecord.objects.filter(tenant=tenant, status="failed")
        if not failed.exists():
            return
        ids = list(failed.values_list("pk", flat=True))
        # The connector never retries a create that timed out sooner than a read timeout later (sync/http.py);
        # a loaded machine may still be finishing such a request, so the rounds keep at least that distance.
        time.sleep(max(settings.HTTP_READ_TIMEOUT, 1.0))
        failed.update(next_attempt_at=timezone.now())
        run_with_workers(ids)


@override_settings(**FAST_CLIENTS)
def test_it_syncs_every_order_exactly_once_through_faults(live_server, monkeypatch):
    monkeypatch.setattr(Conf, "SYNC", False)  # queue_orders only queues; the workers below run them
    tenant = connect_sandbox_tenant(live_server.url, catalog=demo_catalog(count=10))
    store = Store.objects.get(store_hash="demo1234")
    orders = [storefront.place_order(store, lines=[("SKU-00001", 1 + n % 3), ("SKU-00002", 1)]) for n in range(ORDERS)]
    # Quota pacing is tested on its own; here it would only add 30 s waits.
    Store.objects.filter(pk=store.pk).update(rate_limit_quota=100_000, fault_429_share=0.20, fault_500_share=0.05, fault_timeout_share=0.01,
                                             fault_timeout_seconds=0.8, fault_seed=11)
    Instance.objects.filter(slug="demo").update(throttle_rate=0.20, error_rate=0.05, timeout_rate=0.01,
                                                timeout_seconds=0.8, fault_seed=12, action_polls=1)
    queue_orders(tenant, [order.pk for order in orders])
    run_with_workers(list(SyncRecord.objects.filter(tenant=tenant).values_list("pk", flat=True)))
    run_until_settled(tenant)
    statuses = Counter(SyncRecord.objects.filter(tenant=tenant, kind="order").values_list("status", flat=True))
    assert statuses == {"succeeded": ORDERS}, SyncRecord.objects.exclude(status="succeeded").values_list(
        "external_id", "last_error")[:5]
    refs = Counter(so["ExternalRef"] for so in state.sales_orders("demo"))
    assert len(refs) == ORDERS and set(refs.values()) == {1}
    payment_refs = Counter(p["ExternalRef"] for p in state.payments("demo") if p.get("Type") == "Payment")
    assert len(payment_refs) == ORDERS and set(payment_refs.values()) == {1}
    invoices = Counter(i["CustomerOrder"] for i in state.sales_invoices("demo") if i.get("Type") == "Invoice")
    assert len(invoices) == ORDERS and set(invoices.values()) == {1}
    retried = SyncRecord.objects.filter(tenant=tenant, events__action="record.failed").distinct().count()
    calls = SyncRecord.objects.filter(tenant=tenant).values_list("events__status_code", flat=True)
    assert 429 in calls and 500 in calls  # the faults really happened
    print(f"{retried} of {ORDERS} orders needed a second run")
