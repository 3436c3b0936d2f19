"""Shipments end to end over real HTTP: a confirmed shipment in the sandbox Acumatica reaches the sandbox
BigCommerce order through a real push notification (or a queued record), with items, tracking and carrier."""
import time
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings

from audit.models import Status, SyncRecord
from sandbox.acumatica import shipments as warehouse
from sandbox.acumatica.models import Instance
from sandbox.bigcommerce import storefront
from sandbox.bigcommerce.models import Order, Store
from sandbox.catalog_data import demo_catalog
from sandbox.demo import connect_sandbox_tenant
from sync.bindings import bound_key
from sync.polling import queue_orders
from sync.shipments_poll import queue_shipments
from tests.api_helpers import token_client

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
VERSIONS = ["22.200.001", "23.200.001", "24.200.001"]
SHIPPED, PARTIALLY_SHIPPED, AWAITING_FULFILLMENT = 2, 3, 11


@pytest.fixture(autouse=True)
def fast_actions():
    with override_settings(ACUMATICA_ACTION_POLL_SECONDS=0.02):
        yield


def wait_for(condition, seconds: float = 15.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.05)
    return None


def shop(live_server, version: str = "24.200.001", push: bool = False):
    """A tenant whose orders stay open for the warehouse (invoicing follows Acumatica's shipment flow)."""
    tenant = connect_sandbox_tenant(live_server.url, endpoint_version=version, catalog=demo_catalog(count=5),
                                    invoice_mode="acumatica")
    Instance.objects.filter(slug="demo").update(versions=[version], action_polls=1, push_retry_delay_ms=10,
                                                **({} if push else {"push_url": ""}))
    return tenant, Store.objects.get(store_hash="demo1234"), Instance.objects.get(slug="demo")


def synced_order(tenant, store, lines, customer=None) -> tuple[Order, str]:
    order = storefront.place_order(store, lines=lines, customer=customer)
    queue_orders(tenant, [order.pk])
    record = SyncRecord.objects.get(tenant=tenant, kind="order", external_id=str(order.pk))
    assert record.status == Status.SUCCEEDED, record.last_error
    return order, bound_key(tenant, "order", order.pk).split("/", 1)[1]


def sync_shipment(tenant, nbr: str) -> SyncRecord:
    queue_shipments(tenant, [nbr])  # Q_SYNC: runs inline
    return SyncRecord.objects.get(tenant=tenant, kind="shipment", external_id=nbr)


def bc_shipments(order: Order) -> list:
    return list(order.shipments.order_by("pk"))


def first_run_calls(record: SyncRecord) -> list[str]:
    """The URLs called by the record's first run (a second push notification may run it again, as a no-op)."""
    calls = []
    for action, url in record.events.order_by("pk").values_list("action", "url"):
        if action == "record.succeeded":
            return calls
        if action == "api.call":
            calls.append(url)
    return calls


@pytest.mark.parametrize("version", VERSIONS)
def test_it_sends_a_confirmed_shipment_with_two_packages_through_a_push_notification(live_server, version, staff):
    tenant, store, instance = shop(live_server, version, push=True)
    order, so_nbr = synced_order(tenant, store, [("SKU-00001", 2), ("SKU-00002", 1)])

    shipment = warehouse.ship_order(instance, so_nbr, tracking=("1Z0000000000000001", "1Z0000000000000002"),
                                    ship_via="UPSGROUND")
    nbr = shipment.data["ShipmentNbr"]
    record = wait_for(lambda: SyncRecord.objects.filter(tenant=tenant, kind="shipment", external_id=nbr,
                                                        status__in=[Status.SUCCEEDED, Status.NEEDS_ATTENTION]).first())
    assert record is not None and record.status == Status.SUCCEEDED, record and record.last_error
    assert record.source == "push"
    [made] = bc_shipments(order)
    lines = {line.sku: line for line in order.lines.all()}
    assert sorted((i["order_product_id"], i["quantity"]) for i in made.items) == sorted(
        [(lines["SKU-00001"].pk, 2), (lines["SKU-00002"].pk, 1)])
    assert made.tracking_number == "1Z0000000000000001" and made.shipping_provider == "ups"
    assert f"[Acumatica shipment {nbr}]" in made.comments and "1Z0000000000000002" in made.comments
    assert made.order_address_id == order.shipping_addresses.first().pk
    order.refresh_from_db()
    assert order.status_id == SHIPPED
    assert record.bigcommerce_key == f"{order.pk}/{made.pk}" and record.acumatica_key == nbr
    calls = first_run_calls(record)
    # The budget: BigCommerce products, addresses, shipments, POST; Acumatica shipment and sales order.
    assert sum("/bigcommerce/" in url for url in calls) == 4 and sum("/entity/Default/" in url for url in calls) == 2

    record.replay(staff, "check idempotency")  # Q_SYNC: runs inline
    record.refresh_from_db()
    assert record.status == Status.SUCCEEDED, record.last_error
    assert [s.pk for s in bc_shipments(order)] == [made.pk]
    assert record.result["shipments"][0]["action"] == "unchanged"


@pytest.mark.parametrize("version", VERSIONS)
def test_two_partial_shipments_make_the_order_partially_shipped_then_shipped(live_server, version):
    tenant, store, instance = shop(live_server, version)
    order, so_nbr = synced_order(tenant, store, [("SKU-00001", 3), ("SKU-00002", 1)])
    lines = {line.sku: line for line in order.lines.all()}

    first = warehouse.ship_order(instance, so_nbr, lines=[(1, 2)], tracking=("TRACK-A",), ship_via="FEDEX2DAY")
    record = sync_shipment(tenant, first.data["ShipmentNbr"])
    assert record.status == Status.SUCCEEDED, record.last_error
    order.refresh_from_db()
    assert order.status_id == PARTIALLY_SHIPPED
    [made] = bc_shipments(order)
    assert made.items[0]["order_product_id"] == lines["SKU-00001"].pk and made.items[0]["quantity"] == 2
    assert made.shipping_provider == "fedex" and made.tracking_number == "TRACK-A"

    second = warehouse.ship_order(instance, so_nbr, tracking=("TRACK-B",), ship_via="COURIER")
    record = sync_shipment(tenant, second.data["ShipmentNbr"])
    assert record.status == Status.SUCCEEDED, record.last_error
    order.refresh_from_db()
    assert order.status_id == SHIPPED
    later = bc_shipments(order)[1]
    assert sorted((i["order_product_id"], i["quantity"]) for i in later.items) == sorted(
        [(lines["SKU-00001"].pk, 1), (lines["SKU-00002"].pk, 1)])
    assert later.shipping_provider == "" and later.tracking_number == "TRACK-B"  # the tenant's default provider


@pytest.mark.parametrize("version", VERSIONS)
def test_a_shipment_cancelled_after_export_takes_its_bigcommerce_shipment_back(live_server, version):
    tenant, store, instance = shop(live_server, version, push=True)
    order, so_nbr = synced_order(tenant, store, [("SKU-00001", 1)])
    nbr = warehouse.ship_order(instance, so_nbr).data["ShipmentNbr"]
    assert wait_for(lambda: order.shipments.exists())
    assert wait_for(lambda: SyncRecord.objects.filter(tenant=tenant, external_id=nbr, status=Status.SUCCEEDED).exists())

    warehouse.cancel_shipment(instance, nbr)  # Correct Shipment, then delete: two push notifications
    assert wait_for(lambda: not order.shipments.exists())
    # The two notifications make one run or two (a second one, with nothing left to do, is filtered): either
    # way the record settles having taken the store's shipment back exactly once.
    taken_back = dict(action="api.call", method="DELETE", url__contains=f"/orders/{order.pk}/shipments/")
    record = wait_for(lambda: SyncRecord.objects.filter(tenant=tenant, external_id=nbr,
                                                        status__in=[Status.SUCCEEDED, Status.FILTERED],
                                                        events__action="api.call", events__method="DELETE").first())
    assert record is not None
    assert record.events.filter(**taken_back).count() == 1
    order.refresh_from_db()
    assert order.status_id == AWAITING_FULFILLMENT
    assert not tenant.bindings.filter(kind="shipment").exists()
    assert sync_shipment(tenant, nbr).status == Status.FILTERED  # a later run has nothing left to do


@pytest.mark.parametrize("version", VERSIONS)
def test_a_changed_tracking_number_updates_the_shipment_and_changed_items_replace_it(live_server, version):
    tenant, store, instance = shop(live_server, version)
    order, so_nbr = synced_order(tenant, store, [("SKU-00001", 3)])
    shipment = warehouse.ship_order(instance, so_nbr, lines=[(1, 1)], tracking=("OLD",))
    nbr = shipment.data["ShipmentNbr"]
    assert sync_shipment(tenant, nbr).status == Status.SUCCEEDED
    [made] = bc_shipments(order)

    warehouse.correct_shipment(instance, shipment)
    shipment.refresh_from_db()
    shipment.data["Packages"][0]["TrackingNbr"] = "NEW"
    shipment.save()
    warehouse.confirm_shipment(instance, shipment)
    record = sync_shipment(tenant, nbr)
    assert record.status == Status.SUCCEEDED, record.last_error
    assert [(s.pk, s.tracking_number) for s in bc_shipments(order)] == [(made.pk, "NEW")]
    assert record.result["shipments"][0]["action"] == "updated"

    warehouse.correct_shipment(instance, shipment)
    shipment.refresh_from_db()
    shipment.data["Details"][0]["ShippedQty"] = "2.00"
    shipment.save()
    warehouse.confirm_shipment(instance, shipment)
    record = sync_shipment(tenant, nbr)
    assert record.status == Status.SUCCEEDED, record.last_error
    [replaced] = bc_shipments(order)
    assert replaced.pk != made.pk and replaced.items[0]["quantity"] == 2
    assert record.result["shipments"][0]["replaced"] == [made.pk]


@pytest.mark.parametrize("version", VERSIONS)
def test_a_crash_between_create_and_bind_makes_no_second_bigcommerce_shipment(live_server, version, monkeypatch,
                                                                              staff):
    from sync import shipments as pipeline
    tenant, store, instance = shop(live_server, version)
    order, so_nbr = synced_order(tenant, store, [("SKU-00001", 1)])
    nbr = warehouse.ship_order(instance, so_nbr).data["ShipmentNbr"]

    def worker_dies(*args, **kwargs):
        raise RuntimeError("worker lost before the binding was written")
    monkeypatch.setattr(pipeline, "bind", worker_dies)
    record = sync_shipment(tenant, nbr)
    assert record.status == Status.FAILED and order.shipments.count() == 1
    monkeypatch.undo()

    # The retry, here a replay through the REST API (a duplicate push or the poll alike), finds it by the marker.
    response = token_client(staff).post(f"/api/v1/records/{record.pk}/replay/", {"reason": "after the crash"},
                                        format="json")
    assert response.status_code in (200, 202), response.content
    record.refresh_from_db()
    assert record.status == Status.SUCCEEDED, record.last_error
    assert order.shipments.count() == 1
    assert record.result["shipments"][0]["action"] == "unchanged"
    assert tenant.bindings.filter(kind="shipment", bc_id=f"{order.pk}/{order.shipments.get().pk}").exists()


@pytest.mark.parametrize("version", VERSIONS)
def test_a_shipment_cancelled_after_a_crash_before_its_binding_still_takes_its_bigcommerce_shipment_back(
        live_server, version, monkeypatch):
    from sync import shipments as pipeline
    tenant, store, instance = shop(live_server, version)
    order, so_nbr = synced_order(tenant, store, [("SKU-00001", 1)])
    nbr = warehouse.ship_order(instance, so_nbr).data["ShipmentNbr"]
    monkeypatch.setattr(pipeline, "bind", lambda *args, **kwargs: (_ for _ in ()).throw(RuntimeError("worker lost")))
    assert sync_shipment(tenant, nbr).status == Status.FAILED and order.shipments.count() == 1
    monkeypatch.undo()

    warehouse.cancel_shipment(instance, nbr)
    record = sync_shipment(tenant, nbr)  # no binding: the last snapshot says which orders to look at
    assert record.status == Status.SUCCEEDED, record.last_error
    assert not order.shipments.exists() and "1 BigCommerce shipment(s) deleted" in record.result["note"]


@pytest.mark.parametrize("version", VERSIONS)
def test_problems_are_said_in_plain_words(live_server, version):
    tenant, store, instance = shop(live_server, version)
    # A sales order keyed in Acumatica by hand: its shipment is not for BigCommerce.
    order, so_nbr = synced_order(tenant, store, [("SKU-00001", 2), ("SKU-00003", 1)])
    from sandbox.acumatica.documents import put_record
    sales_order = warehouse.find(instance, "SalesOrder", {"OrderType": "SO", "OrderNbr": so_nbr}).data
    phone, _ = put_record(instance, "SalesOrder", {
        "OrderType": "SO", "CustomerID": sales_order["CustomerID"], "Hold": False,
        "Details": [{"InventoryID": "SKU-00004", "OrderQty": "1", "UnitPrice": "5.00"}]})
    record = sync_shipment(tenant, warehouse.ship_order(instance, phone.data["OrderNbr"]).data["ShipmentNbr"])
    assert record.status == Status.FILTERED
    assert f"SO/{phone.data['OrderNbr']}" in record.status_reason and "did not come from" in record.status_reason

    # Someone shipped one unit in BigCommerce by hand: Acumatica's full shipment is more than is left there.
    line = order.lines.get(sku="SKU-00001")
    storefront_shipment = {"order_address_id": order.shipping_addresses.first().pk,
                           "items": [{"order_product_id": line.pk, "quantity": 1}]}
    from sandbox.bigcommerce.shipments import Shipment
    Shipment.objects.create(order=order, order_address_id=storefront_shipment["order_address_id"],
                            items=storefront_shipment["items"])
    line.quantity_shipped = 1
    line.save()
    record = sync_shipment(tenant, warehouse.ship_order(instance, so_nbr, lines=[(1, 2)]).data["ShipmentNbr"])
    assert record.status == Status.NEEDS_ATTENTION
    assert "ships 2 of SKU-00001" in record.last_error and "has 1 left to ship" in record.last_error

    # A line added to the sales order in Acumatica that the BigCommerce order does not have.
    sales_order = warehouse.find(instance, "SalesOrder", {"OrderType": "SO", "OrderNbr": so_nbr})
    sales_order.data["Details"].append({"LineNbr": 9, "InventoryID": "SKU-00005-RED", "OrderQty": "1",
                                        "OpenQty": "1", "UnitPrice": "1.00"})
    sales_order.save()
    record = sync_shipment(tenant, warehouse.ship_order(instance, so_nbr, lines=[(9, 1)]).data["ShipmentNbr"])
    assert record.status == Status.NEEDS_ATTENTION
    assert "SKU-00005-RED, which is not on BigCommerce order" in record.last_error


@pytest.mark.parametrize("version", VERSIONS)
def test_the_catch_up_poll_queues_a_confirmed_shipment_once(live_server, version):
    from sync.jobs import poll_shipments_job
    from sync.models import JobHealth
    tenant, store, instance = shop(live_server, version)  # the poll's $filter field differs by version
    order, so_nbr = synced_order(tenant, store, [("SKU-00002", 2)])
    open_one = warehouse.ship_order(instance, so_nbr, lines=[(1, 1)], confirm=False)
    nbr = warehouse.ship_order(instance, so_nbr, lines=[(1, 1)]).data["ShipmentNbr"]

    assert poll_shipments_job(tenant.pk) == "queued 1 shipment(s)"  # Q_SYNC: the record runs inline
    record = SyncRecord.objects.get(tenant=tenant, kind="shipment", external_id=nbr)
    assert record.status == Status.SUCCEEDED and record.source == "poll", record.last_error
    assert not SyncRecord.objects.filter(external_id=open_one.data["ShipmentNbr"], kind="shipment").exists()
    assert order.shipments.count() == 1
    assert poll_shipments_job(tenant.pk) == "queued 0 shipment(s)"  # the overlap reads it again: seen already
    assert JobHealth.objects.get(tenant=tenant, job="poll-shipments").last_error == ""
    out = StringIO()
    call_command("sync_shipments", tenant.slug, "--shipment", nbr, stdout=out)
    assert "Queued 1 shipment(s)" in out.getvalue() and order.shipments.count() == 1


@pytest.mark.parametrize("version", VERSIONS)
def test_one_shipment_of_two_orders_makes_one_bigcommerce_shipment_on_each(live_server, version):
    from sandbox.acumatica.documents import put_record
    from sandbox.bigcommerce.models import Customer
    tenant, store, instance = shop(live_server, version)
    shopper = Customer.objects.filter(store=store).first()
    first, first_nbr = synced_order(tenant, store, [("SKU-00001", 1)], customer=shopper)
    second, second_nbr = synced_order(tenant, store, [("SKU-00002", 2)], customer=shopper)
    customer_id = warehouse.find(instance, "SalesOrder", {"OrderType": "SO", "OrderNbr": first_nbr}).data["CustomerID"]
    shipment, _ = put_record(instance, "Shipment", {
        "CustomerID": customer_id, "ShipVia": "USPSPRIORITY", "Packages": [{"TrackingNbr": "9400111"}],
        "Details": [{"OrderType": "SO", "OrderNbr": nbr, "OrderLineNbr": 1} for nbr in (first_nbr, second_nbr)]})
    warehouse.confirm_shipment(instance, shipment)
    nbr = shipment.data["ShipmentNbr"]

    record = sync_shipment(tenant, nbr)
    assert record.status == Status.SUCCEEDED, record.last_error
    assert [(s.items[0]["quantity"], s.shipping_provider, s.tracking_number) for s in bc_shipments(first)] == [
        (1, "usps", "9400111")]
    assert [s.items[0]["quantity"] for s in bc_shipments(second)] == [2]

    warehouse.correct_shipment(instance, shipment)  # the second order's line comes off the shipment
    shipment.refresh_from_db()
    shipment.data["Details"] = [line for line in shipment.data["Details"] if line["OrderNbr"] == first_nbr]
    shipment.save()
    warehouse.confirm_shipment(instance, shipment)
    record = sync_shipment(tenant, nbr)
    assert record.status == Status.SUCCEEDED, record.last_error
    assert len(bc_shipments(first)) == 1 and bc_shipments(second) == []
    assert record.result["deleted"][0]["order_id"] == second.pk
