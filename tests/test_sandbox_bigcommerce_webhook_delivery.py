import base64
import hashlib
import hmac
import json
import time

import jsonschema
import pytest
import yaml

from sandbox.bigcommerce.models import Delivery
from sandbox.bigcommerce.storefront import create_customer, place_order, set_status, update_customer
from sandbox.bigcommerce.webhooks import wait_for_deliveries
from tests.sandbox_bigcommerce_helpers import CLIENT_SECRET, SPECS, require_specs, bc_api, bc_store, receiver, sandbox_db  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.e2e, sandbox_db]


def _hook(bc_api, receiver, scope, headers=None):
    response = bc_api.post("v3/hooks", {"scope": scope, "destination": receiver.url, "is_active": True,
                                        "headers": headers or {"X-Custom-Auth": "hook-secret-1"}})
    assert response.status_code == 200, response.text
    return response.json()["data"]


def _expected_signature(headers, body: bytes) -> str:
    # Independent of the sandbox: the Standard Webhooks content "id.timestamp.body", keyed with the client secret.
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(CLIENT_SECRET.encode(), signed, hashlib.sha256).digest()).decode()


def test_it_posts_a_signed_stub_with_the_registered_headers(bc_api, bc_store, receiver):
    _hook(bc_api, receiver, "store/order/created")
    order = place_order(bc_store, lines=[("SKU-00001", 1)], paid=False)
    wait_for_deliveries()
    assert len(receiver.received) == 1
    delivery = receiver.received[0]
    headers, body = delivery["headers"], delivery["body"]
    assert headers["x-custom-auth"] == "hook-secret-1"
    assert headers["webhook-signature"] == _expected_signature(headers, body)
    assert abs(int(headers["webhook-timestamp"]) - time.time()) < 60
    payload = json.loads(body)
    assert payload["scope"] == "store/order/created"
    assert payload["data"] == {"type": "order", "id": order.pk}
    assert payload["store_id"] == bc_store.store_id
    assert payload["producer"] == f"stores/{bc_store.store_hash}"
    assert payload["hash"] == hashlib.sha1(json.dumps(payload["data"], sort_keys=True).encode()).hexdigest()
    assert isinstance(payload["created_at"], int)


def test_it_delivers_every_order_event_to_a_wildcard_hook(bc_api, bc_store, receiver):
    _hook(bc_api, receiver, "store/order/*")
    order = place_order(bc_store, lines=[("SKU-00001", 1)], paid=True)
    wait_for_deliveries()
    scopes = sorted(b["scope"] for b in receiver.bodies())
    assert scopes == ["store/order/created", "store/order/statusUpdated", "store/order/transaction/created",
                      "store/order/updated"]
    status = next(b for b in receiver.bodies() if b["scope"] == "store/order/statusUpdated")
    assert status["data"]["status"] == {"previous_status_id": 1, "new_status_id": 11}
    assert status["data"]["id"] == order.pk


def test_it_does_not_deliver_to_inactive_or_other_scopes(bc_api, bc_store, receiver):
    hook = _hook(bc_api, receiver, "store/order/statusUpdated")
    bc_api.put(f"v3/hooks/{hook['id']}", {"is_active": False})
    _hook(bc_api, receiver, "store/customer/created")
    order = place_order(bc_store, lines=[("SKU-00001", 1)], paid=False)
    set_status(order, 11)
    create_customer(bc_store, email="new@example.com")
    wait_for_deliveries()
    assert [b["scope"] for b in receiver.bodies()] == ["store/customer/created"]


def test_it_delivers_refund_events(bc_api, bc_store, receiver):
    _hook(bc_api, receiver, "store/order/refund/created")
    order = place_order(bc_store, lines=[("SKU-00001", 1)])
    body = {"items": [{"item_type": "ORDER", "item_id": order.pk, "amount": 1}],
            "payments": [{"provider_id": "testgateway", "amount": 1}]}
    refund_id = bc_api.post(f"v3/orders/{order.pk}/payment_actions/refunds", body).json()["data"]["id"]
    wait_for_deliveries()
    assert [b["data"] for b in receiver.bodies()] == [{"type": "order", "id": order.pk,
                                                       "refund": {"refund_id": refund_id}}]
    assert Delivery.objects.get().status == Delivery.DELIVERED


def test_it_delivers_customer_events_to_a_wildcard_hook(bc_api, bc_store, receiver):
    _hook(bc_api, receiver, "store/customer/*")
    customer = create_customer(bc_store, email="c1@example.com")
    update_customer(customer, phone="555-0199")
    wait_for_deliveries()
    # Ordering is not guaranteed (as with BigCommerce), so compare sorted.
    assert sorted((b["scope"], b["data"]["id"], b["data"]["type"]) for b in receiver.bodies()) == [
        ("store/customer/created", customer.pk, "customer"), ("store/customer/updated", customer.pk, "customer")]


def test_it_sends_payloads_that_match_the_documented_callback_schemas(bc_api, bc_store, receiver):
    require_specs()
    _hook(bc_api, receiver, "store/order/*")
    _hook(bc_api, receiver, "store/customer/*")
    create_customer(bc_store, email="schema@example.com")
    order = place_order(bc_store, lines=[("SKU-00001", 2)])
    bc_api.post(f"v3/orders/{order.pk}/payment_actions/refunds", {
        "items": [{"item_type": "ORDER", "item_id": order.pk, "amount": 1}],
        "payments": [{"provider_id": "testgateway", "amount": 1}]})
    wait_for_deliveries()
    scopes = set()
    for body in receiver.bodies():
        # Reference: specs/bigcommerce/webhook-callbacks/<scope>.yml (one schema per event).
        doc = yaml.safe_load((SPECS / "webhook-callbacks" / (body["scope"].replace("/", "_") + ".yml")).read_text())
        jsonschema.validate(body, doc["properties"][body["scope"]])
        scopes.add(body["scope"])
    assert {"store/customer/created", "store/order/created", "store/order/refund/created",
            "store/order/transaction/created", "store/order/statusUpdated"} <= scopes
