from concurrent.futures import ThreadPoolExecutor

import pytest

from sandbox.bigcommerce.models import Order, Store
from sandbox.bigcommerce.storefront import place_order
from tests.sandbox_bigcommerce_helpers import bc_api, bc_store, sandbox_db  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.e2e, sandbox_db]


def test_it_rejects_a_second_refund_while_one_is_in_progress(bc_api, bc_store):
    order = place_order(bc_store, lines=[("SKU-00001", 2)])
    Store.objects.filter(pk=bc_store.pk).update(refund_processing_ms=600)
    body = {"items": [{"item_type": "ORDER", "item_id": order.pk, "amount": 1}],
            "payments": [{"provider_id": "testgateway", "amount": 1}]}
    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(bc_api.post, f"v3/orders/{order.pk}/payment_actions/refunds", body)
        second = pool.submit(bc_api.post, f"v3/orders/{order.pk}/payment_actions/refunds", body)
        codes = sorted([first.result().status_code, second.result().status_code])
    assert codes == [201, 409]
    assert order.refunds.count() == 1
    assert Order.objects.get(pk=order.pk).refund_locked_until is None


def test_it_accepts_sequential_refunds(bc_api, bc_store):
    order = place_order(bc_store, lines=[("SKU-00001", 2)])
    body = {"items": [{"item_type": "ORDER", "item_id": order.pk, "amount": 1}],
            "payments": [{"provider_id": "testgateway", "amount": 1}]}
    codes = [bc_api.post(f"v3/orders/{order.pk}/payment_actions/refunds", body).status_code for _ in range(2)]
    assert codes == [201, 201]
