"""The sandbox's answers validate against BigCommerce's official OpenAPI specs (../shared/specs)."""
import pytest

from sandbox.bigcommerce.models import Variant
from sandbox.bigcommerce.storefront import create_customer, place_order
from tests.sandbox_bigcommerce_helpers import _spec_dict, bc_api, bc_store, require_specs, validate, sandbox_db  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.e2e, sandbox_db]
ORDERS_V2 = "orders.v2.oas2.yml"
ORDERS_V3 = "orders.v3.yml"


@pytest.fixture(autouse=True)
def _specs():
    require_specs()


@pytest.fixture
def order(bc_store):
    customer = create_customer(bc_store, email="contract@example.com")
    return place_order(bc_store, customer=customer, lines=[("SKU-00001", 2), ("SKU-00005-RED", 1)], coupon="SAVE10")


def test_it_serves_orders_v2_as_specified(bc_api, order):
    for path in ("v2/orders", f"v2/orders/{order.pk}", f"v2/orders/{order.pk}/products",
                 f"v2/orders/{order.pk}/shipping_addresses", f"v2/orders/{order.pk}/coupons", "v2/order_statuses"):
        response = bc_api.get(path)
        assert response.status_code == 200, path
        validate(ORDERS_V2, bc_api, response)


def test_it_serves_transactions_and_refunds_as_specified(bc_api, order):
    validate(ORDERS_V3, bc_api, bc_api.get(f"v3/orders/{order.pk}/transactions"))
    items = [{"item_type": "PRODUCT", "item_id": order.lines.first().pk, "quantity": 1}]
    quote = bc_api.post(f"v3/orders/{order.pk}/payment_actions/refund_quotes", {"items": items})
    validate(ORDERS_V3, bc_api, quote)
    method = quote.json()["data"]["refund_methods"][0][0]
    refund = bc_api.post(f"v3/orders/{order.pk}/payment_actions/refunds", {
        "items": items, "payments": [{"provider_id": method["provider_id"], "amount": method["amount"], "offline": False}]})
    validate(ORDERS_V3, bc_api, refund)
    validate(ORDERS_V3, bc_api, bc_api.get(f"v3/orders/{order.pk}/payment_actions/refunds"))
    validate(ORDERS_V3, bc_api, bc_api.get("v3/orders/payment_actions/refunds", params={"order_id:in": order.pk}))
    validate(ORDERS_V3, bc_api, bc_api.get(f"v3/orders/payment_actions/refunds/{refund.json()['data']['id']}"))


def test_it_serves_customers_as_specified(bc_api, order):
    response = bc_api.get("v3/customers", params={"email:in": "contract@example.com", "include": "addresses"})
    assert len(response.json()["data"]) == 1
    validate("customers.v3.yml", bc_api, response)


def test_it_serves_the_catalog_as_specified(bc_api, bc_store):
    products = bc_api.get("v3/catalog/products", params={"sku:in": "SKU-00001,SKU-00002", "include": "variants"})
    validate("products_catalog.v3.yml", bc_api, products)
    product_id = products.json()["data"][0]["id"]
    validate("products_catalog.v3.yml", bc_api, bc_api.get(f"v3/catalog/products/{product_id}"))
    # The spec marks product `id` readOnly yet requires it in batch PUTs; check only the response there.
    validate("products_catalog.v3.yml", bc_api, bc_api.put("v3/catalog/products", [{"id": product_id, "price": 3.5}]),
             request_too=False)
    validate("product-variants_catalog.v3.yml", bc_api, bc_api.get("v3/catalog/variants", params={"sku": "SKU-00005-RED"}))
    variant = Variant.objects.get(sku="SKU-00005-RED")
    validate("product-variants_catalog.v3.yml", bc_api,
             bc_api.put("v3/catalog/variants", [{"id": variant.pk, "price": 4.25, "inventory_level": 3}]))
    validate("product-variants_catalog.v3.yml", bc_api, bc_api.get(f"v3/catalog/products/{variant.product_id}/variants"))


def test_it_serves_inventory_adjustments_as_specified(bc_api):
    response = bc_api.put("v3/inventory/adjustments/absolute",
                          {"reason": "sync", "items": [{"location_id": 1, "sku": "SKU-00001", "quantity": 5}]})
    validate("inventory.v3.yml", bc_api, response)


def test_it_serves_hooks_as_specified(bc_api):
    created = bc_api.post("v3/hooks", {"scope": "store/order/*", "destination": "https://example.com/hook",
                                       "is_active": True, "headers": {"X-Secret": "abc"}})
    validate("webhooks.v3.yml", bc_api, created)
    hook_id = created.json()["data"]["id"]
    validate("webhooks.v3.yml", bc_api, bc_api.get("v3/hooks", params={"is_active": "true"}))
    validate("webhooks.v3.yml", bc_api, bc_api.get(f"v3/hooks/{hook_id}"))
    validate("webhooks.v3.yml", bc_api, bc_api.put(f"v3/hooks/{hook_id}", {"is_active": False}))


def test_it_refuses_requests_the_spec_forbids(bc_api, order):
    from openapi_core.exceptions import OpenAPIError

    bad_bodies = [
        ("webhooks.v3.yml", "POST", "v3/hooks", {"destination": "https://example.com/hook"}),
        (ORDERS_V3, "POST", f"v3/orders/{order.pk}/payment_actions/refund_quotes", {"items": "all"}),
        ("inventory.v3.yml", "PUT", "v3/inventory/adjustments/absolute", {"items": [{"sku": "SKU-00001"}]}),
    ]
    for spec, method, path, body in bad_bodies:
        response = bc_api.call(method, path, json=body)
        with pytest.raises(OpenAPIError):  # the test's request really is outside the spec...
            validate(spec, bc_api, response)
        assert response.status_code == 422, path  # ...and the sandbox refuses it as the real API does


def test_it_serves_order_counts_and_empty_transactions_as_specified(bc_api, bc_store, order):
    validate(ORDERS_V2, bc_api, bc_api.get("v2/orders/count"))
    unpaid = place_order(bc_store, lines=[("SKU-00001", 1)], paid=False)
    empty = bc_api.get(f"v3/orders/{unpaid.pk}/transactions")
    # The spec gives its 204 an application/json "No Content" object; a 204 carries no content (RFC 9110
    # §15.3.5), so the status and the declared media type are what can be checked.
    declared = _spec_dict(ORDERS_V3)["paths"]["/orders/{order_id}/transactions"]["get"]["responses"]["204"]
    assert empty.status_code == 204 and empty.content == b""
    assert empty.headers["Content-Type"] in declared["content"]


def test_it_serves_hooks_admin_and_locations_as_specified(bc_api):
    bc_api.post("v3/hooks", {"scope": "store/order/*", "destination": "https://example.com/hook"})
    validate("webhooks.v3.yml", bc_api, bc_api.get("v3/hooks/admin", params={"is_active": "true"}))
    validate("webhooks.v3.yml", bc_api, bc_api.put("v3/hooks/admin", {"emails": ["ops@example.com"]}))
    validate("locations.v3.yml", bc_api, bc_api.get("v3/inventory/locations"))
    validate("inventory.v3.yml", bc_api, bc_api.post("v3/inventory/adjustments/relative", {
        "reason": "sync", "items": [{"location_id": 2, "sku": "SKU-00001", "quantity": 5}]}))
    validate("inventory.v3.yml", bc_api, bc_api.get("v3/inventory/items", params={"location_id:in": 2}))
    validate("inventory.v3.yml", bc_api, bc_api.get("v3/inventory/locations/2/items"))
