"""Pure mapping of Acumatica items to BigCommerce values, diffs and batch bodies (no database)."""
from datetime import datetime, timezone
from decimal import Decimal

from sync.batches import chunked
from fractions import Fraction

from sync.catalog_values import (AGGREGATE, SUMMARY, WAREHOUSE_DETAILS, CatalogSettings, Item, adjustment_item,
                                 catalog_body, changes, halves, inventory_values, later, odata_in, price_values,
                                 sales_unit, stock_item_values, stock_of_details, storefront_quantity, warehouse_total)

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
    settings = CatalogSettings(push_price=False, push_inventory=False, quantity="on_hand")
    assert stock_item_values(ITEM, settings) == {"cost": Decimal("6.1235")}
    assert inventory_values(Item("A1", True, {}, base_stock=Decimal("4")), settings) == {}


def test_it_sums_chosen_warehouses_and_holds_back_safety_stock():
    details = ITEM["WarehouseDetails"]
    assert warehouse_total(details, CatalogSettings(), "QtyOnHand") == Decimal("14.7")
    assert warehouse_total(details, CatalogSettings(warehouses=("main",)), "QtyOnHand") == Decimal("10.7")
    assert warehouse_total([*details, {"WarehouseID": None, "QtyOnHand": 99}], CatalogSettings(), "QtyOnHand") == \
        Decimal("14.7")  # a row without a warehouse (a total) is not counted again
    assert storefront_quantity(Decimal("14.7"), 3) == 11
    assert storefront_quantity(Decimal("2"), 5) == 0
    assert stock_of_details(ITEM, CatalogSettings(quantity="on_hand", warehouses=("EAST",))) == Decimal("4")
    assert stock_of_details(ITEM, CatalogSettings()) is None  # available comes from an inquiry


def test_each_quantity_mode_reads_its_source():
    assert CatalogSettings().stock_source == AGGREGATE
    assert CatalogSettings(warehouses=("MAIN",)).stock_source == SUMMARY
    assert CatalogSettings(quantity="available_for_shipping").stock_source == SUMMARY
    assert CatalogSettings(quantity="on_hand", warehouses=("MAIN", "EAST")).stock_source == WAREHOUSE_DETAILS


def test_prices_costs_and_stock_follow_the_sales_unit():
    case = {**ITEM, "BaseUOM": "EA", "SalesUOM": "CASE", "UOMConversions": [
        {"FromUOM": "CASE", "ToUOM": "EA", "ConversionFactor": Decimal("12"), "MultiplyOrDivide": "Multiply"}]}
    unit, _ = sales_unit(case)
    assert unit == 12
    assert stock_item_values(case, CatalogSettings(cost_field="average"), unit) == {
        "price": Decimal("150.0000"), "cost": Decimal("73.4815")}  # 6.123456 x 12 = 73.481472, rounded once
    assert storefront_quantity(Decimal("35"), 0, unit) == 2  # 35 eaches make 2 whole cases
    assert storefront_quantity(Decimal("35"), 1, unit) == 1  # safety stock is in cases
    third = {"BaseUOM": "KG", "SalesUOM": "G", "UOMConversions": [
        {"FromUOM": "G", "ToUOM": "KG", "ConversionFactor": Decimal("1000"), "MultiplyOrDivide": "Divide"}]}
    assert sales_unit(third)[0] == Fraction(1, 1000)
    assert storefront_quantity(Decimal("0.3"), 0, Fraction(1, 1000)) == 300  # exact: no 299.999...
    assert sales_unit({"BaseUOM": "EA", "SalesUOM": "BOX"})[0] is None  # no conversion: nothing is pushed
    assert sales_unit({"BaseUOM": "EA", "SalesUOM": "ea"})[0] == 1


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
