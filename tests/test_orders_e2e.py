"""Orders end to end over real HTTP: sandbox BigCommerce -> connector -> sandbox Acumatica."""
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from audit.models import SyncRecord
from sandbox.acumatica import state
from sandbox.bigcommerce import storefront
from sandbox.bigcommerce.models import Customer, Store
from sandbox.catalog_data import demo_catalog
from sandbox.demo import connect_sandbox_tenant
from sync.polling import queue_orders

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def shop(live_server):
    tenant = connect_sandbox_tenant(live_server.url, catalog=small_catalog())
    return tenant, Store.objects.get(store_hash="demo1234")


def small_catalog():
    return demo_catalog(count=10)


def sync(tenant, order) -> SyncRecord:
    queue_orders(tenant, [order.pk])  # Q_SYNC: runs inline
    return SyncRecord.objects.get(tenant=tenant, kind="order", external_id=str(order.pk))


def documents_for(order_id: int) -> dict:
    ref = f"BC-demo1234-{order_id}"  # store-scoped external reference
    return {
        "orders": [so for so in state.sales_orders("demo") if so.get("ExternalRef") == ref],
        "payments": [p for p in state.payments("demo") if p.get("Type") == "Payment"
                     and any(o.get("OrderNbr") for o in p.get("OrdersToApply") or [])],
        "invoices": [i for i in state.sales_invoices("demo") if i.get("Type") == "Invoice"
                     and i.get("CustomerOrder") == str(order_id)],
    }


def test_it_syncs_a_paid_guest_order(shop):
    tenant, store = shop
    order = storefront.place_order(store, lines=[("SKU-00001", 2), ("SKU-00005-RED", 1)], coupon=None)
    record = sync(tenant, order)
    assert record.status == "succeeded", record.last_error
    docs = documents_for(order.pk)
    assert len(docs["orders"]) == 1 and len(docs["invoices"]) == 1
    sales_order = docs["orders"][0]
    assert [(d["InventoryID"], Decimal(str(d["OrderQty"]))) for d in sales_order["Details"]] == [
        ("SKU-00001", 2), ("SKU-00005-RED", 1)]
    assert Decimal(str(sales_order["OrderTotal"])) == order.total_inc_tax.quantize(Decimal("0.01"))
    customers = [c for c in state.customers("demo") if c["MainContact"].get("Email") == order.billing_address["email"]]
    assert len(customers) == 1 and sales_order["CustomerID"] == customers[0]["CustomerID"]


def test_it_syncs_a_registered_customer_order_once_even_when_replayed(shop, staff):
    tenant, store = shop
    shopper = Customer.objects.filter(store=store).first()
    order = storefront.place_order(store, customer=shopper, lines=[("SKU-00002", 1)], coupon="SAVE10")
    record = sync(tenant, order)
    assert record.status == "succeeded", record.last_error
    record.replay(staff, "check idempotency")
    record.refresh_from_db()
    assert record.status == "succeeded", record.last_error
    docs = documents_for(order.pk)
    assert len(docs["orders"]) == 1 and len(docs["invoices"]) == 1
    assert len([p for p in state.payments("demo") if p.get("ExternalRef", "").startswith("BC-demo1234-TXN-")]) == 1


def test_it_filters_an_unpaid_order_then_syncs_it_when_paid(shop):
    tenant, store = shop
    order = storefront.place_order(store, lines=[("SKU-00003", 1)], paid=False)
    record = sync(tenant, order)
    assert record.status == "filtered" and "Pending (1)" in record.status_reason
    assert documents_for(order.pk)["orders"] == []
    storefront.capture_payment(order)
    record = sync(tenant, order)
    assert record.status == "succeeded", record.last_error
    assert len(documents_for(order.pk)["orders"]) == 1


def test_it_turns_a_partial_then_a_full_refund_into_two_credit_memos(shop):
    tenant, store = shop
    order = storefront.place_order(store, lines=[("SKU-00001", 2), ("SKU-00004", 1)])
    assert sync(tenant, order).status == "succeeded"
    line = order.lines.order_by("id").first()
    storefront.refund(order, items=[{"item_type": "PRODUCT", "item_id": line.pk, "quantity": 1}])
    record = sync(tenant, order)
    assert record.status == "succeeded", record.last_error
    storefront.refund(order)  # the remaining balance
    record = sync(tenant, order)
    assert record.status == "succeeded", record.last_error
    memos = [i for i in state.sales_invoices("demo") if i.get("Type") == "Credit Memo"]
    refunds = [p for p in state.payments("demo") if p.get("Type") == "Refund"]
    assert len(memos) == 2 and len(refunds) == 2
    refunded = sum(Decimal(str(p["PaymentAmount"])) for p in refunds)
    assert refunded == order.total_inc_tax.quantize(Decimal("0.01"))


def test_it_needs_attention_for_an_unmapped_sku(shop):
    tenant, store = shop
    tenant.same_code_fallback = False
    tenant.save()
    order = storefront.place_order(store, lines=[("SKU-00001", 1)])
    record = sync(tenant, order)
    assert record.status == "needs_attention"
    assert "SKU-00001" in record.last_error and "SKU mapping" in record.last_error


def test_it_flags_an_order_cancelled_after_sync_and_deletes_nothing(shop):
    tenant, store = shop
    order = storefront.place_order(store, lines=[("SKU-00001", 1)])
    assert sync(tenant, order).status == "succeeded"
    storefront.set_status(order, 5)
    record = sync(tenant, order)
    assert record.status == "needs_attention"
    assert "became Cancelled (5)" in record.last_error and "Nothing was deleted" in record.last_error
    assert len(documents_for(order.pk)["orders"]) == 1


def test_it_queues_orders_from_the_command(shop):
    tenant, store = shop
    placed = [storefront.place_order(store, lines=[("SKU-00002", 1)]) for _ in range(2)]
    out = StringIO()
    call_command("sync_orders", tenant.slug, "--since", "2000-01-01", stdout=out)
    assert "2 orders read, 2 queued" in out.getvalue() and "Queued 2 order(s)" in out.getvalue()
    assert all(len(documents_for(order.pk)["orders"]) == 1 for order in placed)
    out = StringIO()
    call_command("sync_orders", tenant.slug, "--order", str(placed[0].pk), stdout=out)
    assert "Queued 1 order(s)" in out.getvalue()
