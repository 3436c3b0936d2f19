import pytest

from sandbox.bigcommerce.models import Product
from tests.sandbox_bigcommerce_helpers import bc_api, bc_store, sandbox_db  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.e2e, sandbox_db]


def _skus(response):
    return sorted(p["sku"] for p in response.json()["data"])


def test_it_filters_products_on_sku_and_sku_in(bc_api):
    assert _skus(bc_api.get("v3/catalog/products", params={"sku": "SKU-00002"})) == ["SKU-00002"]
    both = bc_api.get("v3/catalog/products", params={"sku:in": "SKU-00001,MUG-OLD-7"})
    assert _skus(both) == ["MUG-OLD-7", "SKU-00001"]


def test_it_filters_products_on_id_in_and_includes_variants(bc_api, bc_store):
    product = Product.objects.get(store=bc_store, variants__sku="SKU-00005-RED")
    data = bc_api.get("v3/catalog/products", params={"id:in": product.pk, "include": "variants"}).json()["data"]
    assert [p["id"] for p in data] == [product.pk]
    assert data[0]["sku"] == "" and data[0]["inventory_tracking"] == "variant"
    assert sorted(v["sku"] for v in data[0]["variants"]) == [f"SKU-00005-{c}" for c in ("BLACK", "BLUE", "GREEN", "RED")]


def test_it_models_simple_products_with_a_base_variant(bc_api):
    product = bc_api.get("v3/catalog/products", params={"sku": "SKU-00001", "include": "variants"}).json()["data"][0]
    assert [(v["sku"], v["option_values"], v["id"]) for v in product["variants"]] == [
        ("SKU-00001", [], product["base_variant_id"])]


def test_it_pages_products_with_meta(bc_api):
    body = bc_api.get("v3/catalog/products", params={"limit": 5, "page": 2}).json()
    assert len(body["data"]) == 5
    assert body["meta"]["pagination"] == {"total": 13, "count": 5, "per_page": 5, "current_page": 2, "total_pages": 3,
                                          "links": {"current": "?page=2&limit=5", "previous": "?page=1&limit=5",
                                                    "next": "?page=3&limit=5"}}


def test_it_finds_a_variant_by_sku(bc_api):
    data = bc_api.get("v3/catalog/variants", params={"sku": "SKU-00010-BLUE"}).json()["data"]
    assert [v["sku"] for v in data] == ["SKU-00010-BLUE"]


def test_it_lists_the_variants_of_a_product(bc_api, bc_store):
    product = Product.objects.get(store=bc_store, variants__sku="SKU-00010-BLUE")
    data = bc_api.get(f"v3/catalog/products/{product.pk}/variants").json()["data"]
    assert len(data) == 4 and {v["product_id"] for v in data} == {product.pk}


def test_it_refuses_a_non_numeric_id_in(bc_api):
    assert bc_api.get("v3/catalog/products", params={"id:in": "a,b"}).status_code == 422


def test_include_fields_returns_only_the_id_and_the_named_fields(bc_api):
    products = bc_api.get("v3/catalog/products", params={"include_fields": "sku,price"}).json()["data"]
    assert products and all(set(p) == {"id", "sku", "price"} for p in products)
    variants = bc_api.get("v3/catalog/variants", params={"include_fields": "product_id,sku"}).json()["data"]
    assert variants and all(set(v) == {"id", "product_id", "sku"} for v in variants)
    # A variant-only field asked of products is simply not there (the spec's enum has no product_id).
    asked = bc_api.get("v3/catalog/products", params={"include_fields": "sku,product_id,option_values"}).json()
    assert all(set(p) == {"id", "sku"} for p in asked["data"])


def test_exclude_fields_drops_the_named_fields_but_never_the_id(bc_api):
    products = bc_api.get("v3/catalog/products", params={"exclude_fields": "id,description,price"}).json()["data"]
    assert products and all("id" in p and "price" not in p and "description" not in p and "sku" in p
                            for p in products)
    variants = bc_api.get("v3/catalog/variants", params={"exclude_fields": "option_values"}).json()["data"]
    assert variants and all("option_values" not in v and "sku" in v for v in variants)


def test_include_fields_keeps_sub_resources_asked_for_with_include(bc_api):
    data = bc_api.get("v3/catalog/products", params={"sku": "SKU-00001", "include": "variants",
                                                      "include_fields": "sku"}).json()["data"]
    assert set(data[0]) == {"id", "sku", "variants"}


def test_sku_in_on_variants_is_refused_not_ignored(bc_api):
    response = bc_api.get("v3/catalog/variants", params={"sku:in": "SKU-00010-BLUE,SKU-00005-RED"})
    assert response.status_code == 400
    assert "sku:in" in response.json()["title"]
