"""Every call the connector makes to BigCommerce, validated against the official spec of its API: the calls are
recorded at the `requests` level while the connector runs against the sandbox store (an order with a coupon and a
refund, the catch-up polls of orders and customers, webhook registration, a full catalog push), then each request
and answer is checked with openapi-core. A route of the client (sync/bigcommerce.py) that no flow reached fails
the test, so a new call cannot go unchecked.
"""
import re
from dataclasses import dataclass
from decimal import Decimal

import pytest
import requests

from sandbox.acumatica import state
from sandbox.acumatica.documents import put_record
from sandbox.bigcommerce import storefront
from sandbox.bigcommerce.models import Store
from sandbox.catalog_data import demo_catalog
from sandbox.demo import connect_sandbox_tenant
from sync.bigcommerce import BigCommerceClient
from sync.catalog import push_catalog
from sync.polling import poll_customers, poll_orders, queue_orders
from sync.webhook_registration import ensure_hooks
from audit.models import SyncRecord
from tests.sandbox_bigcommerce_helpers import _schema_errors, _spec_dict, openapi, require_specs

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# The spec of each route the client calls (templated as in the spec files, without the version prefix).
SPEC_OF = [
    (r"^v2/", "orders.v2.oas2.yml"),
    (r"^v3/orders", "orders.v3.yml"),
    (r"^v3/customers", "customers.v3.yml"),
    (r"^v3/catalog/variants|^v3/catalog/products/\d+/variants", "product-variants_catalog.v3.yml"),
    (r"^v3/catalog/products", "products_catalog.v3.yml"),
    (r"^v3/inventory/locations$", "locations.v3.yml"),
    (r"^v3/inventory", "inventory.v3.yml"),
    (r"^v3/hooks", "webhooks.v3.yml"),
]
# Every route sync/bigcommerce.py calls (method, path with {id}); the flows below must reach each one.
# (GET v2/orders/{id}/products and /shipping_addresses are the client's fallback when the lines embedded in the
# order do not add up; test_sandbox_bigcommerce_contract validates their answers.)
CLIENT_ROUTES = {
    ("GET", "v2/orders"), ("GET", "v2/orders/{id}"), ("GET", "v3/orders/{id}/transactions"),
    ("GET", "v3/orders/{id}/payment_actions/refunds"), ("GET", "v3/customers"), ("GET", "v3/catalog/products"),
    ("PUT", "v3/catalog/products"), ("GET", "v3/catalog/variants"), ("PUT", "v3/catalog/variants"),
    ("PUT", "v3/inventory/adjustments/absolute"), ("GET", "v3/hooks"), ("POST", "v3/hooks"),
    ("PUT", "v3/hooks/{id}"),
}
# The spec marks product and variant `id` readOnly yet requires it in batch PUTs: only their answers are checked.
ANSWER_ONLY = {("PUT", "v3/catalog/products"), ("PUT", "v3/catalog/variants")}


@dataclass
class Recorded:
    request: requests.PreparedRequest
    response: requests.Response
    base: str
    path: str

    @property
    def route(self) -> tuple[str, str]:
        return self.request.method, re.sub(r"/\d+(?=/|$)", "/{id}", self.path)


def record_bigcommerce_calls(monkeypatch, calls: list[Recorded]) -> None:
    send = requests.Session.send
    store_api = re.compile(r"^(.*/sandbox/bigcommerce/stores/[\w-]+/)(v[23]/[^?]*)")

    def recording_send(session, prepared, **kwargs):
        response = send(session, prepared, **kwargs)
        match = store_api.match(prepared.url)
        if match:
            calls.append(Recorded(prepared, response, match.group(1), match.group(2)))
        return response

    monkeypatch.setattr(requests.Session, "send", recording_send)


def violations(calls: list[Recorded]) -> list[str]:
    from openapi_core.contrib.requests import RequestsOpenAPIRequest, RequestsOpenAPIResponse

    found = []
    for call in calls:
        spec_name = next(name for pattern, name in SPEC_OF if re.search(pattern, call.path))
        spec = openapi(spec_name, call.base)
        request = RequestsOpenAPIRequest(call.request)
        try:
            if call.route not in ANSWER_ONLY:
                spec.validate_request(request)
            if call.response.status_code != 204 and not no_hooks_yet(call):  # a 204 has no content (RFC 9110 §15.3.5)
                spec.validate_response(request, RequestsOpenAPIResponse(call.response))
        except Exception as error:  # noqa: BLE001 (every kind of spec violation is reported)
            if not documented_sort(call, error):
                found.append(f"{call.request.method} {call.path} -> {call.response.status_code}: "
                             f"{_schema_errors(error)}"[:600])
    return found


def documented_sort(call: Recorded, error: Exception) -> bool:
    """orders.v2 GET /orders lists `sort` values as bare field names, while its own description asks for
    "field:asc" / "field:desc" (e.g. `sort=date_created:desc`): such a value is what the spec documents."""
    from urllib.parse import parse_qs, urlsplit

    if call.path != "v2/orders" or getattr(error, "name", None) != "sort":
        return False
    field, _, direction = parse_qs(urlsplit(call.request.url).query)["sort"][0].partition(":")
    enum = _spec_dict("orders.v2.oas2.yml")["components"]["parameters"]["sort"]["schema"]["enum"]
    return field in enum and direction in ("", "asc", "desc")


def no_hooks_yet(call: Recorded) -> bool:
    """webhooks.v3 GET /hooks gives `data` minItems 1, but a store without hooks (the first registration) has
    none to list; the spec documents no other answer for that case, so an empty list is not checked."""
    return call.route == ("GET", "v3/hooks") and call.response.json().get("data") == []


def test_every_call_the_connector_makes_to_bigcommerce_follows_the_spec(live_server, monkeypatch):
    require_specs()
    tenant = connect_sandbox_tenant(live_server.url, catalog=demo_catalog(count=6), endpoint_version="24.200.001")
    store = Store.objects.get(store_hash="demo1234")
    calls: list[Recorded] = []
    record_bigcommerce_calls(monkeypatch, calls)

    customer = storefront.create_customer(store, email="contract-calls@example.com")
    order = storefront.place_order(store, customer=customer, lines=[("SKU-00001", 2), ("SKU-00002", 1)],
                                   coupon="SAVE10")
    storefront.refund(order, amount=Decimal("5.00"))
    queue_orders(tenant, [order.pk])   # Q_SYNC: runs inline
    record = SyncRecord.objects.get(tenant=tenant, kind="order", external_id=str(order.pk))
    assert record.status == "succeeded", record.last_error
    poll_orders(tenant.pk)
    poll_customers(tenant.pk)
    with BigCommerceClient(tenant.bigcommerce) as bc:
        ensure_hooks(tenant, bc, base_url=live_server.url)
        hook = bc.list_hooks()[0]
        bc.update_hook(hook["id"], is_active=False)
        ensure_hooks(tenant, bc, base_url=live_server.url)     # reactivates it
    instance = state.instance("demo")
    for inventory_id in ("SKU-00001", "SKU-00005-RED"):   # a product and a variant whose price changed
        put_record(instance, "StockItem", {"InventoryID": inventory_id, "DefaultPrice": "77.70"})
    push_catalog(tenant, full=True)

    found = violations(calls)
    assert found == [], "\n".join(found)
    missing = CLIENT_ROUTES - {call.route for call in calls}
    assert not missing, f"no flow reached {sorted(missing)}: add one, so the call is checked against the spec"
