"""The sandbox store driven by BigCommerce's own Python client (`bigcommerce` on PyPI), not by our client.

Only the client's URL building is overridden (`full_path`), so it calls the live test server over http instead
of https://api.bigcommerce.com; requests, headers (X-Auth-Client, X-Auth-Token), JSON encoding, 204 handling and
error classes are the library's. Its resource classes speak v2 (orders, order sub-resources, counts, hooks); for v3
the library's documented way is a connection whose api_path is /stores/{}/v3/{} and `make_request`.
Acumatica endpoint versions do not apply to this client (it never talks to Acumatica).
"""
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from bigcommerce.api import BigcommerceApi
from bigcommerce.connection import OAuthConnection
from bigcommerce.exception import ClientRequestException
from django.utils import timezone

from sandbox.bigcommerce.models import Order
from sandbox.bigcommerce.storefront import place_order
from tests.sandbox_bigcommerce_helpers import bc_store, sandbox_db  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.e2e, sandbox_db]


class SandboxConnection(OAuthConnection):
    """The official OAuthConnection with its URLs pointed at the sandbox store on the live server."""

    def __init__(self, root: str, store, api_version: str) -> None:
        parts = urlsplit(root)
        super().__init__(store.client_id, store.store_hash, store.access_token, host=parts.netloc,
                         api_path=f"/sandbox/bigcommerce/stores/{{}}/{api_version}/{{}}")
        self.scheme = parts.scheme

    def full_path(self, url: str) -> str:
        return f"{self.scheme}://{self.host}{self.api_path.format(self.store_hash, url)}"


def fields(resource) -> dict:
    """A library resource's data without its private `_connection` entry."""
    return {k: v for k, v in resource.items() if not k.startswith("_")}


@pytest.fixture
def clients(live_server, bc_store):
    api = BigcommerceApi(client_id=bc_store.client_id, store_hash=bc_store.store_hash,
                         access_token=bc_store.access_token)
    api.connection = SandboxConnection(live_server.url, bc_store, "v2")
    return api, SandboxConnection(live_server.url, bc_store, "v3")


def test_orders_with_paging_sorting_date_filters_counts_and_sub_resources(clients, bc_store):
    api, _ = clients
    placed = [place_order(bc_store, lines=[("SKU-00001", 1), ("SKU-00002", 2)]) for _ in range(3)]
    assert api.Orders.count() == 3
    newest_first = api.Orders.all(sort="date_created:desc", limit=2, page=1)
    assert [o.id for o in newest_first] == [placed[2].pk, placed[1].pk]
    assert [o.id for o in api.Orders.all(sort="date_created:desc", limit=2, page=2)] == [placed[0].pk]
    assert fields(api.Orders.all(limit=2, page=3)) == {}    # 204 past the last page: the library's empty object
    since = (timezone.now() - timedelta(hours=1)).strftime("%a, %d %b %Y %H:%M:%S +0000")
    assert sorted(o.id for o in api.Orders.iterall(min_date_created=since)) == [o.pk for o in placed]
    order = api.Orders.get(placed[0].pk)
    assert [(p.sku, p.quantity) for p in order.products()] == [("SKU-00001", 1), ("SKU-00002", 2)]
    assert order.shipping_addresses()[0].email
    assert fields(order.coupons()) == {}
    with pytest.raises(ClientRequestException) as missing:
        api.Orders.get(999999)
    assert missing.value.response.status_code == 404


def test_transactions_refunds_and_customers_through_v3(clients, bc_store):
    _, v3 = clients
    paid = place_order(bc_store, lines=[("SKU-00003", 1)])
    unpaid = place_order(bc_store, lines=[("SKU-00003", 1)], paid=False)
    transactions = v3.make_request("GET", f"orders/{paid.pk}/transactions")["data"]
    assert transactions and transactions[0]["order_id"] == str(paid.pk)
    assert v3.make_request("GET", f"orders/{unpaid.pk}/transactions") == {}     # 204: nothing to decode
    line = Order.objects.get(pk=paid.pk).lines.first()
    items = [{"item_type": "PRODUCT", "item_id": line.pk, "quantity": 1}]
    quote = v3.make_request("POST", f"orders/{paid.pk}/payment_actions/refund_quotes", {"items": items})["data"]
    method = quote["refund_methods"][0][0]
    v3.make_request("POST", f"orders/{paid.pk}/payment_actions/refunds", {"items": items, "payments": [
        {"provider_id": method["provider_id"], "amount": method["amount"], "offline": False}]})
    refunds = v3.make_request("GET", "orders/payment_actions/refunds", params={"order_id:in": paid.pk})
    assert isinstance(refunds["data"], list)
    customers = v3.make_request("GET", "customers", params={"email:in": "ada.lovelace@example.com"})["data"]
    assert [c["email"] for c in customers] == ["ada.lovelace@example.com"]


def test_catalog_reads_and_batch_price_and_inventory_writes(clients, bc_store):
    _, v3 = clients
    product = bc_store.products.get(sku="SKU-00001")
    found = v3.make_request("GET", "catalog/products", params={"sku:in": "sku-00001,SKU-00002",
                                                               "include_fields": "sku,price"})["data"]
    assert sorted(p["sku"] for p in found) == ["SKU-00001", "SKU-00002"]
    assert all({"id", "sku", "price"} <= set(p) for p in found)
    variant = bc_store.products.filter(inventory_tracking="variant").first().variants.first()
    assert v3.make_request("GET", "catalog/variants", params={"sku": variant.sku})["data"][0]["id"] == variant.pk
    v3.make_request("PUT", "catalog/products", [{"id": product.pk, "price": 11.25}])
    v3.make_request("PUT", "catalog/variants", [{"id": variant.pk, "price": 7.5}])
    v3.make_request("PUT", "inventory/adjustments/absolute", {"items": [
        {"location_id": 1, "product_id": product.pk, "quantity": 42}]})
    product.refresh_from_db()
    variant.refresh_from_db()
    assert (str(product.price), product.inventory_level, str(variant.price)) == ("11.2500", 42, "7.5000")
    with pytest.raises(ClientRequestException) as too_many:
        v3.make_request("PUT", "catalog/products", [{"id": product.pk, "price": 1}] * 11)
    assert too_many.value.response.status_code == 413


def test_hooks_crud_with_the_librarys_webhook_resource(clients):
    api, v3 = clients
    hook = api.Webhooks.create(scope="store/order/created", destination="https://erp.example.com/bc",
                               is_active=True, headers={"X-Secret": "s"})
    assert hook.id and hook.scope == "store/order/created"
    assert [h.id for h in api.Webhooks.all()] == [hook.id]
    assert api.Webhooks.get(hook.id).headers == {"X-Secret": "s"}
    assert hook.update(is_active=False).is_active is False
    assert v3.make_request("GET", "hooks", params={"is_active": "false"})["data"][0]["id"] == hook.id
    hook.delete()
    assert fields(api.Webhooks.all()) == {}
