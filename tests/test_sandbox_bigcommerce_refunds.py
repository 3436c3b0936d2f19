from decimal import Decimal

import pytest

from sandbox.bigcommerce.models import Order, Store
from sandbox.bigcommerce.storefront import create_customer, pay_with_store_credit, place_order, refund, settle_refunds
from tests.sandbox_bigcommerce_helpers import SPECS, bc_api, bc_store, sandbox_db, validate  # noqa: F401 (fixtures)

ORDERS_V3 = "orders.v3.yml"
CENT = Decimal("0.01")

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


def _refund(bc_api, order, items, payments):
    return bc_api.post(f"v3/orders/{order.pk}/payment_actions/refunds", {"items": items, "payments": payments})


def _settle(bc_store, mode):
    Store.objects.filter(pk=bc_store.pk).update(refund_settlement=mode)


def test_it_quotes_a_product_after_its_share_of_the_order_discounts(bc_api, bc_store):
    order = place_order(bc_store, lines=[("SKU-00001", 2), ("SKU-00004", 1)], coupon="SAVE10")
    line = _line(order)
    share = (order.coupon_discount * line.total_ex_tax / order.subtotal_ex_tax).quantize(CENT)
    quote = _quote(bc_api, order, [{"item_type": "PRODUCT", "item_id": line.pk, "quantity": 1}])
    assert Decimal(str(quote.json()["data"]["total_refund_amount"])) == \
        (line.base_price - share / 2 + line.price_tax).quantize(CENT)


def test_it_keeps_a_gateway_refund_pending_and_refuses_another_until_it_is_paid(bc_api, bc_store, order):
    _settle(bc_store, "pending")
    items = [{"item_type": "PRODUCT", "item_id": _line(order).pk, "quantity": 1}]
    paid = [{"provider_id": "testgateway", "amount": float(_line(order).base_price + _line(order).price_tax)}]
    created = _refund(bc_api, order, items, paid)
    assert created.status_code == 201
    if SPECS.is_dir():  # the official specs sit next to the project (absent in a bare checkout)
        validate(ORDERS_V3, bc_api, created)
    [payment] = created.json()["data"]["payments"]
    transactions = {t["id"]: t for t in bc_api.get(f"v3/orders/{order.pk}/transactions").json()["data"]}
    assert transactions[int(payment["transaction_id"])]["event"] == "pending" and not payment["is_declined"]
    assert _quote(bc_api, order, items).status_code == 409
    assert _refund(bc_api, order, items, paid).status_code == 409

    settle_refunds(order)
    [payment] = bc_api.get(f"v3/orders/payment_actions/refunds/{created.json()['data']['id']}").json()["data"]["payments"]
    transactions = {t["id"]: t for t in bc_api.get(f"v3/orders/{order.pk}/transactions").json()["data"]}
    assert (transactions[int(payment["transaction_id"])]["event"], transactions[int(payment["transaction_id"])]["status"]) \
        == ("refund", "ok")
    assert _quote(bc_api, order, items).status_code == 201


def test_it_declines_a_refund_and_gives_nothing_back(bc_api, bc_store, order):
    _settle(bc_store, "declined")
    created = _refund(bc_api, order, [{"item_type": "PRODUCT", "item_id": _line(order).pk, "quantity": 1}],
                      [{"provider_id": "testgateway", "amount": float(_line(order).base_price + _line(order).price_tax)}])
    assert created.status_code == 201
    [payment] = created.json()["data"]["payments"]
    assert payment["is_declined"] and payment["declined_message"]
    order.refresh_from_db()
    assert (order.refunded_amount, order.status_id, _line(order).quantity_refunded) == (0, 11, 0)


def test_it_declines_a_pending_refund_and_restores_the_order(bc_store, order):
    _settle(bc_store, "pending")
    refund(order, amount=Decimal("5.00"))
    assert Order.objects.get(pk=order.pk).status_id == 14
    [settled] = settle_refunds(order, approve=False)
    assert settled.payments[0]["is_declined"]
    order.refresh_from_db()
    assert (order.refunded_amount, order.status_id) == (0, 11)


def test_it_refunds_store_credit_and_card_as_they_were_paid(bc_api, bc_store):
    order = place_order(bc_store, customer=create_customer(bc_store), lines=[("SKU-00002", 3)], paid=False)
    pay_with_store_credit(order, Decimal("20.00"))
    items = [{"item_type": "ORDER", "item_id": order.pk, "amount": 30}]
    methods = _quote(bc_api, order, items).json()["data"]["refund_methods"]
    split = sorted((o["provider_id"], o["amount"]) for o in methods[1])
    assert split == [("storecredit", 20.0), ("testgateway", 10.0)]
    assert _refund(bc_api, order, items, [{"provider_id": "storecredit", "amount": 15},
                                          {"provider_id": "testgateway", "amount": 15}]).status_code == 422
    created = _refund(bc_api, order, items, [{"provider_id": "storecredit", "amount": 20},
                                             {"provider_id": "testgateway", "amount": 10}])
    assert created.status_code == 201
    assert [(p["provider_id"], p["amount"]) for p in created.json()["data"]["payments"]] == [
        ("storecredit", 20.0), ("testgateway", 10.0)]
