"""Exact API call counts per order (#19): regression guards for what an order costs the store's quota and
the Acumatica licence. Counts, never timings: the sandbox finishes an action on its first status poll, or on any
request once its `action_ms` (200 ms) has passed, within the client's first wait (a quarter of 1 s)."""
from decimal import Decimal

import pytest

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from audit.models import AuditEvent, Direction, Source, SyncRecord
from sandbox.bigcommerce import storefront
from sandbox.bigcommerce.models import Store
from sandbox.catalog_data import demo_catalog
from sandbox.demo import connect_sandbox_tenant
from sync.models import WebhookReceipt
from sync.polling import queue_orders
from sync.tasks import enqueue_record, process_record
from tenants.models import SkuMapping

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def shop(live_server):
    tenant = connect_sandbox_tenant(live_server.url, catalog=demo_catalog(count=5))
    return tenant, Store.objects.get(store_hash="demo1234")


def calls(tenant, order) -> dict[str, list[str]]:
    """The order record's API calls in this run, as "METHOD path" per side (sign-in excluded)."""
    before = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    with transaction.atomic():  # as a webhook queues it (Q_SYNC: runs inline)
        record, created = SyncRecord.objects.upsert_pending(tenant, "order", order.pk, Direction.TO_ACUMATICA,
                                                            Source.WEBHOOK, stub={"id": order.pk})
        if created:
            enqueue_record(record)
    record = SyncRecord.objects.get(tenant=tenant, kind="order", external_id=str(order.pk))
    assert record.status == "succeeded", record.last_error
    seen: dict[str, list[str]] = {"bigcommerce": [], "acumatica": []}
    events = record.events.filter(action="api.call", id__gt=before).order_by("id")
    for method, url in events.values_list("method", "url"):
        path = url.split("?")[0]
        if "/identity/" in path:
            continue
        side = "bigcommerce" if "/sandbox/bigcommerce/" in path else "acumatica"
        path = path.split("/v2/")[-1].split("/v3/")[-1].split("/24.200.001/")[-1]
        seen[side].append(f"{method} {path.replace(f'orders/{order.pk}', 'orders/N')}")
    return seen


def without_run_ids(acumatica: list[str]) -> list[str]:
    """Status polls without their run's id: "GET Payment/ReleasePayment/status"."""
    return [call.split("/status/")[0] + "/status" if "/status/" in call else call for call in acumatica]


def test_a_new_paid_order_costs_two_bigcommerce_calls_and_no_lookups_before_its_creates(shop):
    tenant, store = shop
    first = calls(tenant, storefront.place_order(store, lines=[("SKU-00001", 2), ("SKU-00005-RED", 1)]))
    assert first["bigcommerce"] == ["GET orders/N", "GET orders/N/transactions"]
    # A new guest: matched by e-mail (a business rule, not a crash check), then created. The payment is made by
    # the PUT that releases the verified order; the prepared invoice is read instead of polling its action.
    paid_order = ["PUT SalesOrder", "PUT SalesOrder", "POST Payment/ReleasePayment",
                  "GET Payment/ReleasePayment/status", "POST SalesOrder/PrepareSalesInvoice", "GET SalesInvoice",
                  "POST SalesInvoice/ReleaseSalesInvoice", "GET SalesInvoice/ReleaseSalesInvoice/status"]
    assert without_run_ids(first["acumatica"]) == ["GET Customer", "PUT Customer", *paid_order]
    second = calls(tenant, storefront.place_order(store, lines=[("SKU-00002", 1)]))  # the same guest, bound
    assert len(second["bigcommerce"]) == 2
    assert without_run_ids(second["acumatica"]) == paid_order


REFUNDS = "GET orders/N/payment_actions/refunds"


def test_refunds_are_read_only_for_an_order_with_refunded_money(shop):
    tenant, store = shop
    order = storefront.place_order(store, lines=[("SKU-00001", 1)])
    assert REFUNDS not in calls(tenant, order)["bigcommerce"]
    storefront.refund(order, amount=Decimal("2.00"), reason="Scratched")
    assert calls(tenant, order)["bigcommerce"] == ["GET orders/N", "GET orders/N/transactions", REFUNDS]


def test_a_refund_webhook_or_a_run_not_from_a_webhook_reads_the_refunds_whatever_the_amount(shop):
    tenant, store = shop
    order = storefront.place_order(store, lines=[("SKU-00001", 1)])
    assert REFUNDS not in calls(tenant, order)["bigcommerce"]
    WebhookReceipt.objects.create(tenant=tenant, source="bigcommerce", scope="store/order/refund/created",
                                  object_id=str(order.pk), dedupe_key="declined", payload={})
    assert REFUNDS in calls(tenant, order)["bigcommerce"]  # e.g. a refund whose money was all declined
    WebhookReceipt.objects.all().delete()
    queue_orders(tenant, [order.pk])  # a manual (or polled, or replayed) run
    record = SyncRecord.objects.get(tenant=tenant, kind="order", external_id=str(order.pk))
    assert record.events.filter(action="api.call", url__contains="/payment_actions/refunds").count() == 2


# Database statements of one webhooked order's run, claim to settle (the order's own work: no intake, no
# broker), for a paid order of a known shopper. Exact per database (both show transactions as BEGIN/COMMIT
# here): the claim (UPDATE, then one SELECT with the tenant, its connections, the earlier attempts and whether
# a refund webhook came), 2 rate budget UPDATEs (one per BigCommerce call), the bindings' SELECT, the SKU
# mappings' SELECT, the events up to the first write (BEGIN, INSERT, COMMIT), and the settle (BEGIN, the
# bindings' INSERT, the record's conditional UPDATE with its snapshot, the other events' INSERT, COMMIT).
RUN_STATEMENTS = {"sqlite": 14, "postgresql": 14}


def run_statements(tenant, store) -> list[str]:
    """The SQL of one webhooked run of a paid order of a known shopper, claim to settle."""
    calls(tenant, storefront.place_order(store, lines=[("SKU-00001", 1)]))  # the guest is bound from now on
    order = storefront.place_order(store, lines=[("SKU-00002", 2), ("SKU-00005-RED", 1)])
    with transaction.atomic():
        record, _ = SyncRecord.objects.upsert_pending(tenant, "order", order.pk, Direction.TO_ACUMATICA,
                                                      Source.WEBHOOK, stub={"id": order.pk})
    with CaptureQueriesContext(connection) as run:
        process_record(record.pk)
    record.refresh_from_db()
    assert record.status == "succeeded", record.last_error
    return [query["sql"] for query in run.captured_queries]


def test_a_paid_order_run_takes_a_fixed_number_of_statements(shop):
    assert len(run_statements(*shop)) == RUN_STATEMENTS[connection.vendor]


def test_a_tenant_without_sku_mappings_reads_none(shop):
    """The claim's query says whether the tenant maps any SKU (``tenant_maps_skus``): without one, the
    order's run does not look its SKUs up, one statement fewer."""
    tenant, store = shop
    SkuMapping.objects.filter(tenant=tenant).delete()
    statements = run_statements(tenant, store)
    assert [sql for sql in statements if "tenants_skumapping" in sql and "EXISTS" not in sql] == []  # the claim's only
    assert len(statements) == RUN_STATEMENTS[connection.vendor] - 1
