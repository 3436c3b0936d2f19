"""Pure mapping of Acumatica items to BigCommerce values, diffs and batch bodies (no database)."""
from datetime import datetime, timezone
from decimal import Decimal

from sync.batches import chunked
from sync.catalog_values import (CatalogSettings, adjustment_item, available_values, catalog_body, changes,
                                 halves, later, odata_in, price_values, stock_item_values, storefront_quantity,
                                 warehouse_quantity)

ITEM = {"InventoryID": "A1", "DefaultPrice": Decimal("12.5"), "CurrentStdCost": Decimal("5"),
        "AverageCost": Decimal("6.123456"), "LastCost": Decimal("7"),
        "WarehouseDetails": [{"WarehouseID": "MAIN", "QtyOnHand": Decimal("10.7")},
                             {"WarehouseID": "EAST", "QtyOnHand": Decimal("4")}]}


def test_it_reads_the_cost_field_the_tenant_chose():
    assert price_values("StockItem", ITEM, CatalogSettings(cost_field="standard"))["cost"] == Decimal("5.0000")
    assert price_values("StockItem", ITEM, CatalogSettings(cost_field="average"))["cost"] == Decimal("6.1235")
    assert price_values("StockItem", ITEM, CatalogSettings(cost_field="last"))["cost"] == Decimal("7.0000")
    service = {"DefaultPrice": "3", "CurrentCost": "1", "LastCost": "2"}
    assert price_values("NonStockItem", service, CatalogSettings(cost_field="average")) == {
        "price": Decimal("3.0000"), "cost": Decimal("1.0000")}
    assert price_values("NonStockItem", service, CatalogSettings(cost_field="last"))["cost"] == Decimal("2.0000")


def test_it_leaves_out_values_the_tenant_does_not_push():
    settings = CatalogSettings(push_price=False, push_inventory=False, use_on_hand=True)
    assert stock_item_values(ITEM, settings) == {"cost": Decimal("6.1235")}
    assert available_values({"QtyAvailable": 4}, settings) == {}


def test_it_sums_chosen_warehouses_and_holds_back_safety_stock():
    assert warehouse_quantity(ITEM["WarehouseDetails"], CatalogSettings()) == 14
    assert warehouse_quantity(ITEM["WarehouseDetails"], CatalogSettings(warehouses=("main",))) == 10
    assert warehouse_quantity(ITEM["WarehouseDetails"], CatalogSettings(safety_stock=3)) == 11
    assert storefront_quantity(Decimal("2"), 5) == 0
    assert stock_item_values(ITEM, CatalogSettings(warehouses=("EAST",)))["inventory"] == 4
    assert "inventory" not in stock_item_values(ITEM, CatalogSettings())  # aggregate comes from the inquiry


def test_it_diffs_against_what_bigcommerce_holds():
    desired = {"price": Decimal("12.5000"), "cost": Decimal("6.0000"), "inventory": 3}
    known = {"price": Decimal("12.50"), "cost": Decimal("5.0000"), "inventory": None}
    assert changes(desired, known) == {"cost": Decimal("6.0000"), "inventory": 3}
    assert changes({"price": Decimal("1")}, {"price": Decimal("1.0000"), "cost": Decimal("9")}) == {}


def test_it_builds_batch_bodies():
    assert catalog_body(7, {"price": Decimal("2"), "cost": Decimal("1"), "inventory": 4}) == {
        "id": 7, "price": Decimal("2"), "cost_price": Decimal("1")}
    assert catalog_body(7, {"inventory": 4}) is None
    assert adjustment_item("variant", 9, 4) == {"variant_id": 9, "quantity": 4}
    assert adjustment_item("product", 8, 0) == {"product_id": 8, "quantity": 0}


def test_it_splits_and_chunks():
    assert [len(c) for c in chunked(range(120), 50)] == [50, 50, 20]
    assert halves([1, 2, 3]) == ([1], [2, 3])


def test_it_quotes_inventory_ids_in_filters():
    assert odata_in("InventoryID", ["A", "O'B"]) == "InventoryID eq 'A' or InventoryID eq 'O''B'"


def test_it_keeps_the_latest_modification():
    first = later(None, "2026-11-26T10:00:00+00:00")
    assert later(first, "2026-11-26T09:00:00+00:00") == first
    assert later(first, "2026-11-26T12:00:00+02:00") == first
    assert later(first, "2026-11-26T10:00:01Z") == datetime(2026, 11, 26, 10, 0, 1, tzinfo=timezone.utc)
    assert later(first, "not a date") == first
