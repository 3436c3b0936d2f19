from decimal import Decimal

import pytest

from sandbox.bigcommerce.models import Order
from sandbox.bigcommerce.storefront import create_customer, place_order
from tests.sandbox_bigcommerce_helpers import bc_api, bc_store, sandbox_db  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.e2e, sandbox_db]


@pytest.fixture
def order(bc_store):
    return place_order(bc_store, lines=[("SKU-00001", 2), ("SKU-00005-RED", 1)], shipping=Decimal("10.00"))


def _line(order):
    return order.lines.order_by("pk").first()


def _quote(bc_api, order, items):
    return bc_api.post(f"v3/orders/{order.pk}/payment_actions/refund_quotes", {"items": items})


def test_it_quotes_and_refunds_one_product_line(bc_api, order):
    line = _line(order)
    items = [{"item_type": "PRODUCT", "item_id": line.pk, "quantity": 1}]
    quote = _quote(bc_api, order, items)
    assert quote.status_code == 201
    method = quote.json()["data"]["refund_methods"][0][0]
    assert Decimal(str(method["amount"])) == line.base_price + line.price_tax
    refund = bc_api.post(f"v3/orders/{order.pk}/payment_actions/refunds",
                         {"items": items, "payments": [{"provider_id": method["provider_id"],
                                                        "amount": method["amount"], "offline": False}]})
    assert refund.status_code == 201
    assert refund.json()["data"]["total_amount"] == method["amount"]
    order.refresh_from_db()
    assert order.status_id == 14
    assert bc_api.get(f"v2/orders/{order.pk}").json()["refunded_amount"] == f"{Decimal(str(method['amount'])):.4f}"


def test_it_refuses_a_payment_amount_that_differs_from_the_quote(bc_api, order):
    items = [{"item_type": "PRODUCT", "item_id": _line(order).pk, "quantity": 1}]
    method = _quote(bc_api, order, items).json()["data"]["refund_methods"][0][0]
    response = bc_api.post(f"v3/orders/{order.pk}/payment_actions/refunds",
                           {"items": items, "payments": [{"provider_id": method["provider_id"],
                                                          "amount": method["amount"] + 1, "offline": False}]})
    assert response.status_code == 422
    assert Order.objects.get(pk=order.pk).refunded_amount == 0


def test_it_refuses_store_credit_for_a_guest(bc_api, order):
    items = [{"item_type": "ORDER", "item_id": order.pk, "amount": 5}]
    response = bc_api.post(f"v3/orders/{order.pk}/payment_actions/refunds",
                           {"items": items, "payments": [{"provider_id": "storecredit", "amount": 5, "offline": False}]})
    assert response.status_code == 422
    assert "guest" in response.json()["title"]


def test_it_offers_store_credit_to_a_registered_customer(bc_api, bc_store):
    order = place_order(bc_store, customer=create_customer(bc_store), lines=[("SKU-00002", 1)])
    quote = _quote(bc_api, order, [{"item_type": "ORDER", "item_id": order.pk, "amount": 1}])
    providers = [m[0]["provider_id"] for m in quote.json()["data"]["refund_methods"]]
    assert "storecredit" in providers


def test_it_refuses_more_than_the_order_total(bc_api, order):
    too_much = float(order.total_inc_tax) + 1
    assert _quote(bc_api, order, [{"item_type": "ORDER", "item_id": order.pk, "amount": too_much}]).status_code == 422


def test_it_refuses_more_quantity_than_was_bought(bc_api, order):
    items = [{"item_type": "PRODUCT", "item_id": _line(order).pk, "quantity": 3}]
    assert _quote(bc_api, order, items).status_code == 422


def test_it_marks_a_full_refund_and_lists_it(bc_api, order):
    total = float(order.total_inc_tax)
    items = [{"item_type": "ORDER", "item_id": order.pk, "amount": total}]
    created = bc_api.post(f"v3/orders/{order.pk}/payment_actions/refunds",
                          {"items": items, "payments": [{"provider_id": "testgateway", "amount": total}]})
    assert created.status_code == 201
    assert Order.objects.get(pk=order.pk).status_id == 4
    listed = bc_api.get("v3/orders/payment_actions/refunds", params={"order_id:in": order.pk}).json()["data"]
    assert [r["id"] for r in listed] == [created.json()["data"]["id"]]
    assert bc_api.get(f"v3/orders/{order.pk}/payment_actions/refunds").json()["data"][0]["total_amount"] == total


def test_it_refuses_a_quote_without_items(bc_api, order):
    assert bc_api.post(f"v3/orders/{order.pk}/payment_actions/refund_quotes", {}).status_code == 422
