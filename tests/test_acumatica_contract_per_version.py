"""Every call the connector makes to Acumatica, checked against the official schema of the pinned version, on
22.200.001, 23.200.001 and 24.200.001: an order with a coupon (customer, sales order, payment, invoice, releases)
and a full catalog push (items, availability); a partial refund (credit memo, refund payment) separately.

The calls are recorded at the `requests` level while the connector runs against the sandbox, then validated with
tests/acumatica_spec_check.py (request and answer bodies, formats, declared operations and statuses).
"""
import pytest

from sandbox.bigcommerce import storefront
from sandbox.bigcommerce.models import Store
from sandbox.catalog_data import demo_catalog
from sandbox.demo import connect_sandbox_tenant
from sync.catalog import push_catalog
from sync.polling import queue_orders
from audit.models import SyncRecord
from tests.acumatica_spec_check import SpecCheck, record_acumatica_calls

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
# Operations the flow must reach (so an empty recording cannot pass): the ones every version shares.
# The order's payment is made by the SalesOrder PUT that releases it (its Payments rows checked against the
# version's SalesOrderPayment schema); refunds still PUT Payment (test_refunds_follow_the_pinned_versions_schema).
EXPECTED = {"Customer_PutEntity", "SalesOrder_PutEntity", "SalesInvoice_GetList",
            "SalesOrder_InvokeAction_PrepareSalesInvoice", "SalesInvoice_InvokeAction_ReleaseSalesInvoice",
            "Payment_InvokeAction_ReleasePayment", "StockItem_GetList"}


VERSIONS = ["22.200.001", "23.200.001", "24.200.001"]


@pytest.fixture
def shop(live_server, monkeypatch, request):
    version = request.node.callspec.params["version"]
    tenant = connect_sandbox_tenant(live_server.url, catalog=demo_catalog(count=6), endpoint_version=version)
    calls = []
    record_acumatica_calls(monkeypatch, calls)
    return tenant, Store.objects.get(store_hash="demo1234"), calls, SpecCheck(version)


def synced(tenant, order) -> SyncRecord:
    queue_orders(tenant, [order.pk])   # Q_SYNC: runs inline
    return SyncRecord.objects.get(tenant=tenant, kind="order", external_id=str(order.pk))


@pytest.mark.parametrize("version", VERSIONS)
def test_orders_payments_invoices_and_the_catalog_follow_the_pinned_versions_schema(shop, version):
    tenant, store, calls, check = shop
    order = storefront.place_order(store, lines=[("SKU-00001", 2), ("SKU-00002", 1)], coupon="SAVE10")
    record = synced(tenant, order)
    assert record.status == "succeeded", record.last_error
    push_catalog(tenant, full=True)
    assert check.violations(calls) == []
    missing = EXPECTED - check.operation_ids(calls)
    assert not missing, f"the flow did not reach {missing} on {version}"
    assert any(c.method == "PUT" and c.path.endswith("/SalesOrder") and (c.request_body or {}).get("Payments")
               for c in calls), "the payment did not ride in the sales order"


@pytest.mark.parametrize("version", VERSIONS)
def test_refunds_follow_the_pinned_versions_schema(shop, version):
    tenant, store, calls, check = shop
    order = storefront.place_order(store, lines=[("SKU-00001", 2)])
    assert synced(tenant, order).status == "succeeded"
    storefront.refund(order, items=[{"item_type": "PRODUCT", "item_id": order.lines.first().pk, "quantity": 1}])
    record = synced(tenant, order)
    assert record.status == "succeeded", record.last_error
    assert check.violations(calls) == []
    assert {"SalesInvoice_PutEntity", "Payment_PutEntity"} <= check.operation_ids(calls)


def test_the_check_catches_what_breaks_the_schema():
    from tests.acumatica_spec_check import Call
    check = SpecCheck("22.200.001")
    assert check.violations([Call("PUT", "/SalesOrder", {"Date": {"value": "2026-01-02"}}, 200, None)])
    assert check.violations([Call("PATCH", "/SalesOrder", {}, 200, None)])
    assert check.violations([Call("GET", "/SalesOrder/SO/000001", None, 200, {"OrderTotal": {"value": "x"}})])
    assert check.violations([Call("PUT", "/SalesOrder", {}, 201, None)])
    assert check.violations([Call("PUT", "/SalesOrder", {"Date": {"value": "2026-01-02T00:00:00+00:00"}}, 200,
                                  {"OrderTotal": {"value": 1.5}})]) == []


@pytest.mark.parametrize("version", VERSIONS)
def test_refunds_of_unshipped_goods_follow_the_pinned_versions_schema(shop, version):
    """Acumatica invoices at shipment: the sales order loses the refunded units, the payment's application
    shrinks, and one Refund pays the memo (shipping) and the payment (the goods)."""
    tenant, store, calls, check = shop
    tenant.invoice_mode, tenant.order_type = "acumatica", "SO"
    tenant.save()
    order = storefront.place_order(store, lines=[("SKU-00001", 2)])
    assert synced(tenant, order).status == "succeeded"
    storefront.refund(order, items=[{"item_type": "PRODUCT", "item_id": order.lines.first().pk, "quantity": 1},
                                    {"item_type": "SHIPPING", "item_id": order.shipping_addresses.get().pk,
                                     "amount": 2.5}])
    record = synced(tenant, order)
    assert record.status == "succeeded", record.last_error
    assert check.violations(calls) == []
    reached = check.operation_ids(calls)
    assert {"SalesInvoice_PutEntity", "SalesOrder_PutEntity", "Payment_PutEntity"} <= reached, reached
    assert any(op.startswith("SalesOrder_Get") for op in reached) and any(op.startswith("Payment_Get") for op in reached)


@pytest.mark.parametrize("version", VERSIONS)
def test_shipments_follow_the_pinned_versions_schema(shop, version):
    """A confirmed shipment read for BigCommerce (Acumatica invoices at shipment: order type SO)."""
    from sandbox.acumatica import shipments as warehouse
    from sandbox.acumatica.models import Instance
    from sync.bindings import bound_key
    from sync.shipments_poll import queue_shipments

    tenant, store, calls, check = shop
    tenant.invoice_mode, tenant.order_type = "acumatica", "SO"
    tenant.save()
    Instance.objects.filter(slug="demo").update(push_url="")   # the record is queued here, not by a push
    order = storefront.place_order(store, lines=[("SKU-00001", 2)])
    assert synced(tenant, order).status == "succeeded"
    nbr = bound_key(tenant, "order", order.pk).split("/", 1)[1]
    shipment = warehouse.ship_order(Instance.objects.get(slug="demo"), nbr).data["ShipmentNbr"]
    queue_shipments(tenant, [shipment])   # Q_SYNC: runs inline
    record = SyncRecord.objects.get(tenant=tenant, kind="shipment", external_id=shipment)
    assert record.status == "succeeded", record.last_error
    assert check.violations(calls) == []
    reached = check.operation_ids(calls)
    assert any(op.startswith("Shipment_Get") for op in reached), reached
