import pytest

from sandbox.bigcommerce.storefront import capture_payment, place_order
from tests.sandbox_bigcommerce_helpers import bc_api, bc_store, sandbox_db  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.e2e, sandbox_db]


def test_it_answers_204_when_the_order_has_no_transactions(bc_api, bc_store):
    order = place_order(bc_store, lines=[("SKU-00001", 1)], paid=False)
    response = bc_api.get(f"v3/orders/{order.pk}/transactions")
    assert response.status_code == 204
    assert response.content == b""


def test_it_lists_the_captured_payment(bc_api, bc_store):
    order = place_order(bc_store, lines=[("SKU-00001", 1)], paid=False)
    capture_payment(order)
    data = bc_api.get(f"v3/orders/{order.pk}/transactions").json()["data"]
    assert [(t["event"], t["status"]) for t in data] == [("purchase", "ok")]
    order.refresh_from_db()
    assert data[0]["amount"] == float(order.total_inc_tax)
    assert order.status_id == 11


def test_it_answers_404_for_an_unknown_order(bc_api):
    assert bc_api.get("v3/orders/987654/transactions").status_code == 404
