"""seed_instance builds an instance from the shared demo catalog, matching its SKUs."""
import pytest

from sandbox.acumatica import state
from sandbox.acumatica.models import Instance, Record
from sandbox.acumatica.seed import seed_instance
from sandbox.catalog_data import MISMATCHED_CODES, demo_catalog

pytestmark = pytest.mark.django_db


def test_it_creates_one_stock_item_per_simple_product_and_per_variant():
    catalog = demo_catalog(count=10)
    instance = seed_instance("seeded", catalog=catalog)
    ids = {i["InventoryID"] for i in state.stock_items(instance)}
    assert "SKU-00001" in ids and "SKU-00005" not in ids
    assert {"SKU-00005-RED", "SKU-00005-BLUE", "SKU-00010-GREEN"} <= ids
    assert MISMATCHED_CODES["TSHIRT-LEGACY-01"] in ids
    assert Record.objects.filter(instance=instance, entity="NonStockItem", key="SVC-GIFTWRAP").exists()
    item = state.get(instance, "StockItem", "SKU-00001")
    first = catalog[0]
    assert item["DefaultPrice"] == str(first.price) and item["LastCost"] == str(first.cost)
    assert sum(int(w["QtyOnHand"]) for w in item["WarehouseDetails"]) == first.quantity
    assert [w["WarehouseID"] for w in item["WarehouseDetails"]] == ["MAIN", "EAST"]


def test_it_resets_the_instance_and_exposes_credentials():
    first = seed_instance("seeded", catalog=demo_catalog(count=2))
    Record.objects.create(instance=first, entity="SalesOrder", key="SO|999999", data={})
    again = seed_instance("seeded", catalog=demo_catalog(count=2), versions=("24.200.001",))
    assert Instance.objects.filter(slug="seeded").count() == 1
    assert state.sales_orders(again) == []
    settings = state.oauth_settings("seeded")
    assert settings["client_id"].endswith("@Company") and settings["client_secret"] and settings["password"]
    assert again.versions == ["24.200.001"]
    assert len(state.customers(again)) == 4


def test_it_seeds_the_full_catalog_quickly_enough_for_the_demo():
    instance = seed_instance("full")
    expected = sum(len(i.variants) or 1 for i in demo_catalog() if i.is_stock)
    assert Record.objects.filter(instance=instance, entity="StockItem").count() == expected
