"""Drop-ship end to end over real HTTP: a released drop-ship purchase receipt in the sandbox Acumatica, found by
the catch-up poll on its sales order's Shipments tab, becomes a BigCommerce shipment whose tracking number is the
vendor's reference; replay and a crash between create and bind make no second one."""
import pytest
from django.test import override_settings

from audit.models import Status, SyncRecord
from sandbox.acumatica import dropship
from sandbox.acumatica import shipments as warehouse
from sandbox.acumatica.documents import Invalid, put_record
from sync.clients import acumatica_client
from sync.jobs import poll_shipments_job
from sync.models import Binding
from sync.shipments_dropship import queue_drop_ship
from tests.test_shipments_e2e import PARTIALLY_SHIPPED, SHIPPED, VERSIONS, bc_shipments, shop, synced_order

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def fast_actions():
    with override_settings(ACUMATICA_ACTION_POLL_SECONDS=0.02):
        yield


@pytest.mark.parametrize("version", VERSIONS)
def test_a_released_drop_ship_receipt_becomes_a_shipment_tracked_by_the_vendor_ref(live_server, version, staff):
    tenant, store, instance = shop(live_server, version)
    order, so_nbr = synced_order(tenant, store, [("SKU-00001", 2), ("SKU-00002", 1)])
    lines = {line.sku: line for line in order.lines.all()}
    assert poll_shipments_job(tenant.pk) == "queued 0 shipment(s)"  # the first poll starts where it runs

    receipt = dropship.drop_ship(instance, so_nbr, [(1, None)], vendor_ref="1ZVENDOR0000000001")
    nbr = f"PR-{receipt.data['ReceiptNbr']}"
    assert poll_shipments_job(tenant.pk) == "queued 1 shipment(s)"  # Q_SYNC: the record runs inline
    record = SyncRecord.objects.get(tenant=tenant, kind="shipment", external_id=nbr)
    assert record.status == Status.SUCCEEDED and record.source == "poll", record.last_error
    [made] = bc_shipments(order)
    assert [(i["order_product_id"], i["quantity"]) for i in made.items] == [(lines["SKU-00001"].pk, 2)]
    assert made.tracking_number == "1ZVENDOR0000000001" and made.shipping_provider == tenant.default_shipping_provider
    assert f"[Acumatica shipment {nbr}]" in made.comments
    assert made.order_address_id == order.shipping_addresses.first().pk
    order.refresh_from_db()
    assert order.status_id == PARTIALLY_SHIPPED
    assert record.bigcommerce_key == f"{order.pk}/{made.pk}" and record.acumatica_key == nbr
    calls = list(record.events.filter(action="api.call").values_list("url", flat=True))
    # The budget: BigCommerce products, addresses, shipments, POST; Acumatica receipt and the sales order twice.
    assert sum("/bigcommerce/" in url for url in calls) == 4 and sum("/entity/Default/" in url for url in calls) == 3

    assert poll_shipments_job(tenant.pk) == "queued 0 shipment(s)"  # the overlap reads it again: known already
    record.replay(staff, "check idempotency")  # Q_SYNC: runs inline
    record.refresh_from_db()
    assert record.status == Status.SUCCEEDED, record.last_error
    assert [s.pk for s in bc_shipments(order)] == [made.pk] and record.result["shipments"][0]["action"] == "unchanged"

    # A crash between the BigCommerce create and the binding: the marker finds the shipment, none is added.
    Binding.objects.filter(tenant=tenant, kind="shipment", acumatica_key=nbr).delete()
    record.replay(staff, "after a crash")
    record.refresh_from_db()
    assert record.status == Status.SUCCEEDED, record.last_error
    assert [s.pk for s in bc_shipments(order)] == [made.pk]
    assert Binding.objects.filter(tenant=tenant, kind="shipment", acumatica_key=nbr).count() == 1

    # The rest ships from the warehouse as a normal shipment: the order is Shipped.
    shipment = warehouse.ship_order(instance, so_nbr, lines=[(2, 1)], tracking=("TRACK-W",))
    assert poll_shipments_job(tenant.pk) == "queued 1 shipment(s)"
    assert SyncRecord.objects.get(tenant=tenant, external_id=shipment.data["ShipmentNbr"]).status == Status.SUCCEEDED
    order.refresh_from_db()
    assert order.status_id == SHIPPED and len(bc_shipments(order)) == 2
    sales_order = warehouse.find(instance, "SalesOrder", {"OrderType": "SO", "OrderNbr": so_nbr}).data
    assert sales_order["Status"] == "Completed" and [line["OpenQty"] for line in sales_order["Details"]] == ["0.00"] * 2


def test_drop_ship_receipts_that_cannot_go_to_bigcommerce_say_why(live_server):
    tenant, store, instance = shop(live_server)
    order, so_nbr = synced_order(tenant, store, [("SKU-00001", 1), ("SKU-00002", 1)])

    # Not released yet: nothing to send.
    balanced = dropship.drop_ship(instance, so_nbr, [(1, None)], vendor_ref="VREF-1", release=False)
    record = queue_drop_ship(tenant, balanced.data["ReceiptNbr"], "SO", so_nbr)
    record.refresh_from_db()
    assert record.status == Status.FILTERED and "Balanced" in record.status_reason
    assert bc_shipments(order) == []
    # Released through the API's long-running action, the same record sends it.
    with acumatica_client(tenant.acumatica) as ac:
        ac.invoke_action("PurchaseReceipt", "ReleasePurchaseReceipt", {
            "Type": {"value": "Receipt"}, "ReceiptNbr": {"value": balanced.data["ReceiptNbr"]}})
    record = queue_drop_ship(tenant, balanced.data["ReceiptNbr"], "SO", so_nbr)
    record.refresh_from_db()
    assert record.status == Status.SUCCEEDED, record.last_error
    assert [s.tracking_number for s in bc_shipments(order)] == ["VREF-1"]

    # A vendor reference longer than a BigCommerce tracking number: needs attention, in plain words.
    long_ref = dropship.drop_ship(instance, so_nbr, [(2, None)], vendor_ref="X" * 60)
    record = queue_drop_ship(tenant, long_ref.data["ReceiptNbr"], "SO", so_nbr)
    record.refresh_from_db()
    assert record.status == Status.NEEDS_ATTENTION and "longer than the 50 characters" in record.last_error

    # The sandbox refuses a receipt line of a purchase order no sales order line is linked to.
    with pytest.raises(Invalid):
        put_record(instance, "PurchaseReceipt", {"Details": [{"POOrderType": "Drop Ship", "POOrderNbr": "PO999999",
                                                              "POLineNbr": 1, "ReceiptQty": "1"}]})
