import pytest

from sandbox.bigcommerce.models import Product, Variant
from tests.sandbox_bigcommerce_helpers import bc_api, bc_store, sandbox_db  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.e2e, sandbox_db]


def test_it_refuses_more_than_10_products_with_413(bc_api, bc_store):
    ids = list(bc_store.products.values_list("pk", flat=True)[:11])
    response = bc_api.put("v3/catalog/products", [{"id": i, "price": 1} for i in ids])
    assert response.status_code == 413
    assert not Product.objects.filter(pk__in=ids, price=1).exists()


def test_it_updates_a_batch_of_10_products(bc_api, bc_store):
    ids = list(bc_store.products.order_by("pk").values_list("pk", flat=True)[:10])
    response = bc_api.put("v3/catalog/products", [{"id": i, "price": 12.5, "cost_price": 3} for i in ids])
    assert response.status_code == 200
    assert [p["id"] for p in response.json()["data"]] == ids
    assert Product.objects.filter(pk__in=ids, price=12.5, cost_price=3).count() == 10


def test_it_refuses_more_than_50_variants_with_413(bc_api, bc_store):
    variant = Variant.objects.filter(product__store=bc_store).first()
    response = bc_api.put("v3/catalog/variants", [{"id": variant.pk, "price": 1}] * 51)
    assert response.status_code == 413


def test_it_updates_a_batch_of_variants(bc_api, bc_store):
    variants = list(Variant.objects.filter(product__store=bc_store, is_base=False)[:4])
    response = bc_api.put("v3/catalog/variants", [{"id": v.pk, "price": 9.99, "cost_price": 4} for v in variants])
    assert response.status_code == 200
    assert {v["price"] for v in response.json()["data"]} == {9.99}


def test_it_refuses_a_batch_element_without_id(bc_api):
    assert bc_api.put("v3/catalog/products", [{"price": 1}]).status_code == 422
    assert bc_api.put("v3/catalog/variants", {"id": 1}).status_code == 422


def test_it_answers_404_for_an_unknown_product_and_changes_nothing(bc_api, bc_store):
    first = bc_store.products.order_by("pk").first()
    response = bc_api.put("v3/catalog/products", [{"id": first.pk, "price": 77}, {"id": 99999999, "price": 1}])
    assert response.status_code == 404
    first.refresh_from_db()
    assert first.price != 77
