"""Shipments end to end over real HTTP: a confirmed shipment in the sandbox Acumatica reaches the sandbox
BigCommerce order through a real push notification (or a queued record), with items, tracking and carrier."""
import time

import pytest
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


def synced_order(tenant, store, lines) -> tuple[Order, str]:
    order = storefront.place_order(store, lines=lines)
    queue_orders(tenant, [order.pk])
    record = SyncRecord.objects.get(tenant=tenant, kind="order", external_id=str(order.pk))
    assert record.status == Status.SUCCEEDED, record.last_error
    return order, bound_key(tenant, "order", order.pk).split("/", 1)[1]


def sync_shipment(tenant, nbr: str) -> SyncRecord:
    queue_shipments(tenant, [nbr])  # Q_SYNC: runs inline
    return SyncRecord.objects.get(tenant=tenant, kind="shipment", external_id=nbr)


def bc_shipments(order: Order) -> list:
    return list(order.shipments.order_by("pk"))


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

    record.replay(staff, "check idempotency")  # Q_SYNC: runs inline
    record.refresh_from_db()
    assert record.status == Status.SUCCEEDED, record.last_error
    assert [s.pk for s in bc_shipments(order)] == [made.pk]
    assert record.result["shipments"][0]["action"] == "unchanged"
