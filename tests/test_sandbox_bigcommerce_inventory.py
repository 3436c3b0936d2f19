import pytest

from sandbox.bigcommerce.models import Product, Variant
from tests.sandbox_bigcommerce_helpers import bc_api, bc_store, sandbox_db  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.e2e, sandbox_db]
PATH = "v3/inventory/adjustments/absolute"


def test_it_sets_levels_by_sku_variant_id_and_product_id(bc_api, bc_store):
    simple = Product.objects.get(store=bc_store, sku="SKU-00001")
    other = Product.objects.get(store=bc_store, sku="SKU-00002")
    red = Variant.objects.get(product__store=bc_store, sku="SKU-00005-RED")
    items = [{"location_id": 1, "sku": "SKU-00001", "quantity": 17},
             {"location_id": 1, "variant_id": red.pk, "quantity": 4},
             {"location_id": 1, "product_id": other.pk, "quantity": 0}]
    response = bc_api.put(PATH, {"reason": "ERP sync", "items": items})
    assert response.status_code == 200
    assert response.json()["transaction_id"]
    products = bc_api.get("v3/catalog/products", params={"id:in": f"{simple.pk},{other.pk},{red.product_id}",
                                                         "include": "variants"}).json()["data"]
    levels = {p["id"]: p["inventory_level"] for p in products}
    assert levels[simple.pk] == 17 and levels[other.pk] == 0
    variant_levels = {v["sku"]: v["inventory_level"] for p in products for v in p["variants"]}
    assert variant_levels["SKU-00001"] == 17 and variant_levels["SKU-00005-RED"] == 4
    assert levels[red.product_id] == sum(v.inventory_level for v in red.product.variants.all())


def test_it_accepts_2000_items_and_refuses_2001(bc_api):
    item = {"location_id": 1, "sku": "SKU-00001", "quantity": 3}
    assert bc_api.put(PATH, {"items": [item] * 2000}).status_code == 200
    assert bc_api.put(PATH, {"items": [item] * 2001}).status_code == 413


def test_it_refuses_an_unknown_location(bc_api):
    assert bc_api.put(PATH, {"items": [{"location_id": 7, "sku": "SKU-00001", "quantity": 1}]}).status_code == 422


def test_it_refuses_a_tracking_mismatch_and_changes_nothing(bc_api, bc_store):
    red = Product.objects.get(store=bc_store, variants__sku="SKU-00005-RED")
    items = [{"location_id": 1, "sku": "SKU-00001", "quantity": 99}, {"location_id": 1, "product_id": red.pk, "quantity": 5}]
    response = bc_api.put(PATH, {"items": items})
    assert response.status_code == 422
    assert "tracked by variant" in response.json()["title"]
    assert Product.objects.get(store=bc_store, sku="SKU-00001").inventory_level != 99


def test_it_refuses_items_without_a_location(bc_api):
    assert bc_api.put(PATH, {"items": [{"sku": "SKU-00001", "quantity": 1}]}).status_code == 422


def test_placing_an_order_takes_its_units_out_of_stock(bc_store):
    from sandbox.bigcommerce.storefront import place_order
    simple = Product.objects.get(store=bc_store, sku="SKU-00001")
    red = Variant.objects.get(product__store=bc_store, sku="SKU-00005-RED")
    simple.inventory_level, red.inventory_level = 10, 6
    simple.save()
    red.save()
    untracked = Product.objects.get(store=bc_store, sku="SKU-00002")
    untracked.inventory_tracking, untracked.inventory_level = "none", 0
    untracked.save()

    place_order(bc_store, lines=[("SKU-00001", 3), ("SKU-00005-RED", 2), ("SKU-00002", 1), ("SKU-00001", 1)])

    simple.refresh_from_db()
    red.refresh_from_db()
    untracked.refresh_from_db()
    assert simple.inventory_level == 6
    assert simple.variants.get(is_base=True).inventory_level == 6
    assert red.inventory_level == 4
    assert red.product.inventory_level == sum(v.inventory_level for v in red.product.variants.all())
    assert untracked.inventory_level == 0
