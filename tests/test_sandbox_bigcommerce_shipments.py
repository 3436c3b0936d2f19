"""Order shipments on the sandbox store (v2 /orders/{id}/shipments): items by order product and quantity, the order's
status moving to Partially Shipped and Shipped, the store/shipment/* webhooks, strict input, and every answer
validated against the official orders.v2 spec."""
import pytest

from sandbox.bigcommerce.storefront import create_customer, place_order
from sandbox.bigcommerce.webhooks import wait_for_deliveries
from tests.sandbox_bigcommerce_helpers import bc_api, bc_store, receiver, require_specs, sandbox_db, validate  # noqa: F401

pytestmark = [pytest.mark.e2e, sandbox_db]
ORDERS_V2 = "orders.v2.oas2.yml"


@pytest.fixture
def order(bc_store):
    customer = create_customer(bc_store, email="ship@example.com")
    return place_order(bc_store, customer=customer, lines=[("SKU-00001", 3), ("SKU-00002", 1)])


def _body(order, items, **fields):
    return {"order_address_id": order.shipping_addresses.first().pk, "tracking_number": "1Z999AA10123456784",
            "shipping_provider": "ups", "comments": "Left at the dock",
            "items": [{"order_product_id": line_id, "quantity": q} for line_id, q in items], **fields}


def _lines(order):
    return [line.pk for line in order.lines.order_by("pk")]


def _status(bc_api, order):
    return bc_api.get(f"v2/orders/{order.pk}").json()["status"]


def test_two_partial_shipments_move_the_order_to_partially_shipped_then_shipped(bc_api, order):
    first_line, second_line = _lines(order)
    first = bc_api.post(f"v2/orders/{order.pk}/shipments", _body(order, [(first_line, 2)]))
    assert first.status_code == 201, first.text
    shipment = first.json()
    assert shipment["items"] == [{"order_product_id": first_line, "product_id": order.lines.get(pk=first_line).product_id,
                                  "quantity": 2}]
    assert (shipment["tracking_number"], shipment["shipping_provider"], shipment["comments"]) == \
        ("1Z999AA10123456784", "ups", "Left at the dock")
    assert _status(bc_api, order) == "Partially Shipped"
    products = bc_api.get(f"v2/orders/{order.pk}/products").json()
    assert [p["quantity_shipped"] for p in products] == [2, 0]

    second = bc_api.post(f"v2/orders/{order.pk}/shipments", _body(order, [(first_line, 1), (second_line, 1)],
                                                                  tracking_number="1Z2", shipping_provider="carrier_7"))
    assert second.status_code == 201, second.text
    order_json = bc_api.get(f"v2/orders/{order.pk}").json()
    assert order_json["status"] == "Shipped" and order_json["items_shipped"] == 4 and order_json["date_shipped"]
    assert [s["tracking_number"] for s in bc_api.get(f"v2/orders/{order.pk}/shipments").json()] == \
        ["1Z999AA10123456784", "1Z2"]
    assert bc_api.get(f"v2/orders/{order.pk}/shipments/count").json() == {"count": 2}


@pytest.mark.parametrize("change, field", [
    ({"items": [{"order_product_id": 0, "quantity": 1}]}, "items"),                     # not on the order
    ({"items": None}, "items"),
    ({"order_address_id": 999999}, "order_address_id"),
    ({"tracking_number": "X" * 51}, "tracking_number"),
    ({"shipping_provider": "dhl-express"}, "shipping_provider"),
    ({"tracking_no": "1Z"}, "tracking_no"),                                             # unknown field
])
def test_it_refuses_what_the_api_refuses(bc_api, order, change, field):
    body = {**_body(order, [(_lines(order)[0], 1)]), **change}
    reply = bc_api.post(f"v2/orders/{order.pk}/shipments", body)
    [error] = reply.json()   # v2 errors: a list of {status, message}
    assert reply.status_code == 400 == error["status"] and f"{field}:" in error["message"]
    assert order.shipments.count() == 0 and _status(bc_api, order) == "Awaiting Fulfillment"


def test_it_refuses_more_than_is_left_to_ship(bc_api, order):
    first_line, _ = _lines(order)
    assert bc_api.post(f"v2/orders/{order.pk}/shipments", _body(order, [(first_line, 2)])).status_code == 201
    reply = bc_api.post(f"v2/orders/{order.pk}/shipments", _body(order, [(first_line, 2)]))
    assert reply.status_code == 400 and "items: " in reply.json()[0]["message"]
    assert "exceeds the 1 left to ship" in reply.json()[0]["message"]


def test_update_changes_tracking_and_delete_puts_the_quantities_back(bc_api, order):
    first_line, second_line = _lines(order)
    shipment = bc_api.post(f"v2/orders/{order.pk}/shipments", _body(order, [(first_line, 3), (second_line, 1)])).json()
    assert _status(bc_api, order) == "Shipped"
    url = f"v2/orders/{order.pk}/shipments/{shipment['id']}"
    assert bc_api.put(url, {"items": []}).status_code == 400                      # items cannot change
    updated = bc_api.put(url, {"tracking_number": "NEW1", "shipping_provider": "fedex"})
    assert updated.status_code == 200 and updated.json()["tracking_number"] == "NEW1"
    assert bc_api.get(url).json()["shipping_provider"] == "fedex"
    assert bc_api.call("DELETE", url).status_code == 204
    assert bc_api.get(url).status_code == 404
    assert _status(bc_api, order) == "Awaiting Fulfillment"
    assert [p["quantity_shipped"] for p in bc_api.get(f"v2/orders/{order.pk}/products").json()] == [0, 0]
    assert bc_api.get(f"v2/orders/{order.pk}/shipments").status_code == 204


def test_it_fires_the_shipment_and_status_webhooks(bc_api, order, receiver):
    for scope in ("store/shipment/*", "store/order/statusUpdated"):
        assert bc_api.post("v3/hooks", {"scope": scope, "destination": receiver.url, "is_active": True}).status_code == 200
    shipment = bc_api.post(f"v2/orders/{order.pk}/shipments", _body(order, [(_lines(order)[0], 1)])).json()
    url = f"v2/orders/{order.pk}/shipments/{shipment['id']}"
    bc_api.put(url, {"tracking_number": "NEW"})
    bc_api.call("DELETE", url)
    wait_for_deliveries()
    events = [(b["scope"], b["data"]) for b in receiver.bodies()]
    data = {"type": "shipment", "id": shipment["id"], "orderId": order.pk}
    assert [e for e in events if e[0].startswith("store/shipment/")] == [
        ("store/shipment/created", data), ("store/shipment/updated", data), ("store/shipment/deleted", data)]
    statuses = [e[1]["status"] for e in events if e[0] == "store/order/statusUpdated"]
    assert statuses == [{"previous_status_id": 11, "new_status_id": 3}, {"previous_status_id": 3, "new_status_id": 11}]


def test_the_shipment_routes_answer_as_the_spec_says(bc_api, order):
    require_specs()
    first_line, second_line = _lines(order)
    created = bc_api.post(f"v2/orders/{order.pk}/shipments", _body(order, [(first_line, 1)], tracking_link="https://t.example/1"))
    validate(ORDERS_V2, bc_api, created)
    url = f"v2/orders/{order.pk}/shipments/{created.json()['id']}"
    validate(ORDERS_V2, bc_api, bc_api.get(f"v2/orders/{order.pk}/shipments"))
    validate(ORDERS_V2, bc_api, bc_api.get(url))
    validate(ORDERS_V2, bc_api, bc_api.put(url, {"tracking_number": "2", "merchant_shipping_cost": "1.5000"}))
    validate(ORDERS_V2, bc_api, bc_api.get(f"v2/orders/{order.pk}/shipments/count"))
    validate(ORDERS_V2, bc_api, bc_api.get(f"v2/orders/{order.pk}"))
    validate(ORDERS_V2, bc_api, bc_api.get(f"v2/orders/{order.pk}/shipping_addresses"))
    validate(ORDERS_V2, bc_api, bc_api.call("DELETE", url))
    bc_api.post(f"v2/orders/{order.pk}/shipments", _body(order, [(second_line, 1)]))
    validate(ORDERS_V2, bc_api, bc_api.call("DELETE", f"v2/orders/{order.pk}/shipments"))
    assert order.shipments.count() == 0
