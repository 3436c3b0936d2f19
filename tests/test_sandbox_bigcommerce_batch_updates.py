"""Batch updates of the sandbox store: all or nothing, row by row in order, and a few statements per batch."""
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from sandbox.bigcommerce.models import Product, Variant
from sandbox.bigcommerce.seed import seed_store
from sandbox.catalog_data import demo_catalog
from tests.sandbox_bigcommerce_helpers import TOKEN, bc_api, bc_store, sandbox_db  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.e2e, sandbox_db]


def test_a_product_batch_sets_each_product_and_its_base_variant(bc_api, bc_store):
    one, two = Product.objects.filter(store=bc_store, sku__in=["SKU-00001", "SKU-00002"]).order_by("sku")
    reply = bc_api.put("v3/catalog/products", [{"id": one.pk, "price": 12.5, "inventory_level": 7},
                                               {"id": two.pk, "sku": "SKU-00002-NEW", "cost_price": 3}])
    assert reply.status_code == 200, reply.text
    assert [(p["id"], p["price"], p["inventory_level"]) for p in reply.json()["data"]][0] == (one.pk, 12.5, 7)
    one.refresh_from_db(), two.refresh_from_db()
    assert (one.price, one.inventory_level, two.sku, two.cost_price) == (Decimal("12.5"), 7, "SKU-00002-NEW", 3)
    assert Variant.objects.get(product=one, is_base=True).inventory_level == 7
    assert Variant.objects.get(product=two, is_base=True).sku == "SKU-00002-NEW"


def test_a_product_batch_with_a_missing_or_bad_row_changes_nothing(bc_api, bc_store):
    one = Product.objects.get(store=bc_store, sku="SKU-00001")
    missing = bc_api.put("v3/catalog/products", [{"id": one.pk, "price": 99}, {"id": 999999, "price": 1}])
    bad = bc_api.put("v3/catalog/products", [{"id": one.pk, "price": 99}, {"id": one.pk, "price": -1}])
    assert (missing.status_code, bad.status_code) == (404, 422)
    assert Product.objects.get(pk=one.pk).price == one.price


def test_a_product_named_twice_answers_each_row_with_its_state_then(bc_api, bc_store):
    one = Product.objects.get(store=bc_store, sku="SKU-00001")
    reply = bc_api.put("v3/catalog/products", [{"id": one.pk, "price": 20}, {"id": one.pk, "cost_price": 5}])
    assert [(p["price"], p["cost_price"]) for p in reply.json()["data"]] == [(20, float(one.cost_price)), (20, 5)]


def test_a_variant_batch_leaves_a_product_tracked_by_variant_the_sum_of_its_variants(bc_api, bc_store):
    product = Product.objects.filter(store=bc_store, inventory_tracking="variant").first()
    variants = list(product.variants.filter(is_base=False).order_by("pk"))
    reply = bc_api.put("v3/catalog/variants", [{"id": v.pk, "inventory_level": 10 + n, "price": 4}
                                               for n, v in enumerate(variants)])
    assert reply.status_code == 200, reply.text
    assert [v["inventory_level"] for v in reply.json()["data"]] == [10 + n for n in range(len(variants))]
    product.refresh_from_db()
    assert product.inventory_level == sum(v.inventory_level for v in product.variants.all())
    assert product.inventory_level >= sum(10 + n for n in range(len(variants)))


def test_a_variant_batch_with_a_missing_variant_changes_nothing(bc_api, bc_store):
    variant = Variant.objects.filter(product__store=bc_store, is_base=False).first()
    reply = bc_api.put("v3/catalog/variants", [{"id": variant.pk, "price": 77}, {"id": 999999, "price": 1}])
    assert reply.status_code == 404
    assert Variant.objects.get(pk=variant.pk).price == variant.price


def test_full_batches_take_a_few_statements_not_a_few_per_row(transactional_db):
    """Regression guard: the batch endpoints read their rows once and write each table once."""
    store = seed_store("stmts", catalog=demo_catalog(count=100), access_token=TOKEN)
    store.rate_limit_quota = 10000
    store.save()
    client = Client(HTTP_X_AUTH_TOKEN=TOKEN)
    base = f"/sandbox/bigcommerce/stores/{store.store_hash}/v3/"
    products = list(Product.objects.filter(store=store, inventory_tracking="product").order_by("pk")[:10])
    variants = list(Variant.objects.filter(product__store=store, is_base=False).order_by("pk")[:50])
    calls = [("catalog/products", [{"id": p.pk, "price": 9, "cost_price": 4} for p in products]),
             ("catalog/variants", [{"id": v.pk, "price": 9, "cost_price": 4} for v in variants]),
             ("inventory/adjustments/absolute", {"items": [{"location_id": 1, "product_id": p.pk, "quantity": 3}
                                                           for p in products]})]
    for path, body in calls:
        with CaptureQueriesContext(connection) as queries:
            reply = client.put(base + path, body, content_type="application/json")
        assert reply.status_code == 200, reply.content
        # 4 for the gate (store, rate window), 1 for the hooks, the rest the batch's own reads and writes.
        assert len(queries) <= 14, (path, [q["sql"][:80] for q in queries])
