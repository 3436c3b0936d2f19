"""Availability the store can trust, end to end over real HTTP on 22.200.001, 23.200.001 and 24.200.001.

The tenant chooses the quantity (available, available for shipping, on hand) and the warehouses (all or
a list); the storefront gets exactly that, summed over the chosen warehouses, minus the safety stock,
never negative, in the item's sales unit. Open sales orders in Acumatica allocate stock (available drops,
on hand does not); an order on a shipment holds back shipping stock too.
"""
from decimal import Decimal

import pytest

from audit.models import SyncRecord
from sandbox.acumatica import state as acu_state
from sandbox.acumatica.documents import put_record
from sandbox.acumatica.models import Record
from sandbox.catalog_data import demo_catalog
from sync.catalog import push_catalog
from tests.catalog_helpers import wire_tenant

pytestmark = pytest.mark.e2e
VERSIONS = ("22.200.001", "23.200.001", "24.200.001")


def acumatica_order(env, inventory_id: str, qty: int, warehouse: str, status: str | None = None,
                    hold: bool = False) -> None:
    """A sales order keyed in on the Acumatica site (not from the store)."""
    put_record(env.instance, "Customer", {"CustomerID": "WALKIN", "CustomerName": "Walk-in"})
    order, _ = put_record(env.instance, "SalesOrder", {"OrderType": "SO", "CustomerID": "WALKIN", "Hold": hold,
                                                       "Details": [{"InventoryID": inventory_id, "OrderQty": str(qty),
                                                                    "WarehouseID": warehouse}]})
    if status:  # e.g. a shipment was created for it on the site
        put_record(env.instance, "SalesOrder", {"id": str(order.note_id), "Status": status})


def choose(env, quantity: str, warehouses: list[str], safety_stock: int = 0) -> int:
    """The tenant's choice, then a full push; returns what the storefront shows for SKU-00001."""
    tenant = env.tenant
    tenant.stock_quantity, tenant.warehouses, tenant.safety_stock = quantity, warehouses, safety_stock
    tenant.save()
    summary = push_catalog(tenant, full=True)
    assert summary.failed == 0
    return env.product("SKU-00001").inventory_level


@pytest.mark.parametrize("version", VERSIONS)
def test_each_quantity_mode_with_one_and_two_warehouses_and_allocations(make_tenant, live_server, version):
    env = wire_tenant(make_tenant, live_server.url, f"q{version[:2]}", demo_catalog(count=3), version=version)
    acu_state.set_stock_item(env.instance, "SKU-00001", qty=10, warehouse="MAIN")
    acu_state.set_stock_item(env.instance, "SKU-00001", qty=4, warehouse="EAST")
    acumatica_order(env, "SKU-00001", 3, "MAIN")                     # open: allocated, still on hand
    acumatica_order(env, "SKU-00001", 2, "EAST", status="Shipping")  # on a shipment: not shippable either
    acumatica_order(env, "SKU-00001", 5, "MAIN", hold=True)          # on hold: allocates nothing

    assert choose(env, "available", []) == 14 - 3 - 2
    assert choose(env, "available", ["MAIN"]) == 10 - 3
    assert choose(env, "available", ["MAIN", "EAST"]) == 14 - 3 - 2
    assert choose(env, "available_for_shipping", ["EAST"]) == 4 - 2
    assert choose(env, "available_for_shipping", []) == 14 - 2
    assert choose(env, "on_hand", ["MAIN"]) == 10
    assert choose(env, "on_hand", ["MAIN", "EAST"]) == 14
    assert choose(env, "on_hand", [], safety_stock=20) == 0  # never negative
    assert choose(env, "available", ["EAST"], safety_stock=1) == 4 - 2 - 1


@pytest.mark.parametrize("version", VERSIONS)
def test_an_order_allocated_after_the_last_push_lowers_the_next_changed_since_push(make_tenant, live_server,
                                                                                   version):
    env = wire_tenant(make_tenant, live_server.url, f"a{version[:2]}", demo_catalog(count=3), version=version)
    acu_state.set_stock_item(env.instance, "SKU-00002", qty=20, warehouse="MAIN")
    acu_state.set_stock_item(env.instance, "SKU-00002", qty=0, warehouse="EAST")
    env.tenant.warehouses = ["MAIN"]
    env.tenant.save()
    push_catalog(env.tenant)
    assert env.product("SKU-00002").inventory_level == 20

    acumatica_order(env, "SKU-00002", 6, "MAIN")
    summary = push_catalog(env.tenant)

    assert summary.changed == 1 and summary.failed == 0
    assert env.product("SKU-00002").inventory_level == 14
    assert acu_state.get(env.instance, "StockItem", "SKU-00002")["WarehouseDetails"][0]["QtyOnHand"] == "20"
    writes = env.bc_writes()
    assert push_catalog(env.tenant).changed == 0 and env.bc_writes() == writes  # an unchanged push writes nothing


def case_of_12(env, inventory_id: str) -> None:
    put_record(env.instance, "StockItem", {"InventoryID": inventory_id, "BaseUOM": "EA", "SalesUOM": "CASE",
                                           "DefaultPrice": "2.50", "AverageCost": "1.1234", "UOMConversions": [
                                               {"FromUOM": "CASE", "ToUOM": "EA", "ConversionFactor": "12",
                                                "MultiplyOrDivide": "Multiply"}]})
    acu_state.set_stock_item(env.instance, inventory_id, qty=30, warehouse="MAIN")
    acu_state.set_stock_item(env.instance, inventory_id, qty=0, warehouse="EAST")


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("quantity", ["available", "on_hand"])
def test_price_cost_and_stock_are_pushed_in_the_sales_unit(make_tenant, live_server, version, quantity):
    env = wire_tenant(make_tenant, live_server.url, f"u{version[:2]}{quantity[:2]}", demo_catalog(count=3),
                      version=version)
    env.tenant.stock_quantity = quantity
    env.tenant.save()
    push_catalog(env.tenant)
    case_of_12(env, "SKU-00003")

    push_catalog(env.tenant)

    product = env.product("SKU-00003")
    assert (product.price, product.cost_price) == (Decimal("30.00"), Decimal("13.4808"))  # 12 x 1.1234
    assert product.inventory_level == 2  # 30 eaches: 2 whole cases
    acu_state.set_stock_item(env.instance, "SKU-00003", qty=36, warehouse="MAIN")  # a stock move only
    push_catalog(env.tenant)
    assert env.product("SKU-00003").inventory_level == 3


@pytest.mark.parametrize("version", VERSIONS)
def test_a_sales_unit_change_alone_re_sends_the_stock_in_the_new_unit(make_tenant, live_server, version):
    env = wire_tenant(make_tenant, live_server.url, f"c{version[:2]}", demo_catalog(count=3), version=version)
    acu_state.set_stock_item(env.instance, "SKU-00003", qty=30, warehouse="MAIN")
    acu_state.set_stock_item(env.instance, "SKU-00003", qty=0, warehouse="EAST")
    push_catalog(env.tenant)
    assert env.product("SKU-00003").inventory_level == 30
    record = Record.objects.get(instance=env.instance, entity="StockItem", key="SKU-00003")
    moved = record.qty_modified

    case_of_12(env, "SKU-00003")
    Record.objects.filter(pk=record.pk).update(qty_modified=moved)  # no stock move: only the unit changed
    push_catalog(env.tenant)

    assert env.product("SKU-00003").inventory_level == 2


def test_a_sales_unit_without_conversion_is_reported_once_and_nothing_is_pushed(make_tenant, live_server):
    env = wire_tenant(make_tenant, live_server.url, "nounit", demo_catalog(count=3), version="24.200.001")
    push_catalog(env.tenant)
    before = env.product("SKU-00002")
    put_record(env.instance, "StockItem", {"InventoryID": "SKU-00002", "SalesUOM": "PALLET", "DefaultPrice": "9"})

    push_catalog(env.tenant)
    push_catalog(env.tenant)

    after = env.product("SKU-00002")
    assert (after.price, after.inventory_level) == (before.price, before.inventory_level)
    record = SyncRecord.objects.get(tenant=env.tenant, kind="product", external_id="SKU-00002")
    assert record.status == "needs_attention" and "PALLET" in record.last_error
    assert record.events.filter(action="record.needs_attention").count() == 1


def test_a_product_that_does_not_track_inventory_gets_price_only_and_erp_only_items_are_left_out(make_tenant,
                                                                                              live_server):
    env = wire_tenant(make_tenant, live_server.url, "track", demo_catalog(count=3), version="23.200.001")
    untracked = env.product("SKU-00001")
    untracked.inventory_tracking, untracked.inventory_level = "none", 0
    untracked.save()
    put_record(env.instance, "NonStockItem", {"InventoryID": "BCREFUND", "DefaultPrice": "0"})  # refund adjustments
    put_record(env.instance, "NonStockItem", {"InventoryID": "FREIGHT-IN", "DefaultPrice": "5"})
    env.tenant.refund_adjustment_item, env.tenant.catalog_excluded_items = "BCREFUND", ["freight-in"]
    env.tenant.save()
    acu_state.set_stock_item(env.instance, "SKU-00001", price="44.00", qty=12)

    for _ in range(2):
        summary = push_catalog(env.tenant)
        assert summary.failed == 0 and summary.not_found == 0

    untracked.refresh_from_db()
    assert untracked.price == Decimal("44.00") and untracked.inventory_level == 0
    record = SyncRecord.objects.get(tenant=env.tenant, kind="product", external_id="SKU-00001")
    assert record.status == "succeeded" and "inventory" not in record.result["pushed"]
    assert not SyncRecord.objects.filter(tenant=env.tenant, external_id__in=["BCREFUND", "FREIGHT-IN"]).exists()
    adjustments = env.bc_calls().filter(url__contains="inventory/adjustments").values_list("request_body", flat=True)
    assert all(f'"product_id": {untracked.pk},' not in body for body in adjustments)


def test_an_item_changed_at_the_cursors_very_moment_is_pushed_once(make_tenant, live_server):
    """The Acumatica cursors keep an overlap: a change stamped with the newest time already read is not
    skipped, and re-reading the overlap queues nothing that was already pushed."""
    from sync.models import Cursor
    env = wire_tenant(make_tenant, live_server.url, "same", demo_catalog(count=3), version="24.200.001")
    push_catalog(env.tenant)
    cursor = Cursor.objects.get(tenant=env.tenant, stream="stock_items").position
    acu_state.set_stock_item(env.instance, "SKU-00002", price="55.55")
    Record.objects.filter(instance=env.instance, key="SKU-00002").update(last_modified=cursor)

    assert push_catalog(env.tenant).changed == 1
    assert env.product("SKU-00002").price == Decimal("55.55")
    records, writes = SyncRecord.objects.filter(tenant=env.tenant).count(), env.bc_writes()
    again = push_catalog(env.tenant)
    assert again.changed == 0 and env.bc_writes() == writes
    assert SyncRecord.objects.filter(tenant=env.tenant).count() == records


def test_a_move_already_read_is_not_read_again_in_the_cursors_overlap(make_tenant, live_server):
    """In the per-warehouse modes each moved item costs an InventorySummaryInquiry call; the overlap window
    would pay it again on every run for every move of its last minutes, unless already-settled moves are skipped."""
    from audit.models import AuditEvent
    env = wire_tenant(make_tenant, live_server.url, "dedup", demo_catalog(count=3), version="23.200.001")
    env.tenant.warehouses = ["MAIN"]
    env.tenant.save()
    push_catalog(env.tenant)

    def summary_calls() -> int:
        return AuditEvent.objects.filter(tenant=env.tenant, action="api.call",
                                         url__contains="InventorySummaryInquiry").count()
    before = summary_calls()
    push_catalog(env.tenant)
    assert summary_calls() == before  # every move was read by the first run: nothing to read again
    acu_state.set_stock_item(env.instance, "SKU-00002", qty=9, warehouse="MAIN")
    push_catalog(env.tenant)
    assert summary_calls() == before + 1
    assert env.product("SKU-00002").inventory_level == 9
