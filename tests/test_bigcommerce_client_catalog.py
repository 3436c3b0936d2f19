"""BigCommerceClient catalog, inventory and webhook calls: SKU lookups and batch limits."""
import json
from decimal import Decimal

import pytest
import responses
from responses import matchers

from sync.bigcommerce import BigCommerceClient
from tests.clients_helpers import BC, FakeClock


@pytest.fixture
def bc(tenant):
    with BigCommerceClient(tenant.bigcommerce, clock=FakeClock()) as client:
        yield client


def echo_data(request):
    return 200, {}, json.dumps({"data": json.loads(request.body), "meta": {}})


@responses.activate
def test_it_looks_up_products_by_sku_in_one_call_case_insensitively(bc):
    responses.get(BC + "v3/catalog/products", match=[matchers.query_param_matcher(
        {"sku:in": "ABC-1,xyz", "page": "1", "limit": "250"})],
        json={"data": [{"id": 1, "sku": "abc-1", "price": 10.5}], "meta": {"pagination": {"total_pages": 1}}})
    found = bc.find_products_by_skus(["ABC-1", "xyz"])
    assert list(found) == ["ABC-1"]
    assert found["ABC-1"]["price"] == Decimal("10.5")


@responses.activate
def test_it_looks_up_variants_one_sku_at_a_time(bc):
    responses.get(BC + "v3/catalog/variants", match=[matchers.query_param_matcher({"sku": "V-1"})],
                  json={"data": [{"id": 11, "product_id": 1, "sku": "V-1"}], "meta": {}})
    responses.get(BC + "v3/catalog/variants", match=[matchers.query_param_matcher({"sku": "V-2"})],
                  json={"data": [], "meta": {}})
    assert {sku: v["id"] for sku, v in bc.find_variants_by_skus(["V-1", "V-2"]).items()} == {"V-1": 11}


@responses.activate
def test_it_updates_products_ten_at_a_time(bc):
    responses.add_callback(responses.PUT, BC + "v3/catalog/products", callback=echo_data)
    updated = bc.update_products([{"id": i, "price": Decimal("1.25")} for i in range(25)])
    sizes = [len(json.loads(c.request.body)) for c in responses.calls]
    assert sizes == [10, 10, 5]
    assert json.loads(responses.calls[0].request.body)[0]["price"] == 1.25
    assert len(updated) == 25


@responses.activate
def test_it_updates_variants_fifty_at_a_time(bc):
    responses.add_callback(responses.PUT, BC + "v3/catalog/variants", callback=echo_data)
    bc.update_variants([{"id": i, "cost_price": Decimal("2.00")} for i in range(120)])
    assert [len(json.loads(c.request.body)) for c in responses.calls] == [50, 50, 20]


@responses.activate
def test_it_sets_absolute_inventory_in_chunks_of_2000_at_the_location(bc):
    responses.put(BC + "v3/inventory/adjustments/absolute", json={"transaction_id": "t1"})
    ids = bc.set_inventory_absolute([{"sku": f"S{i}", "quantity": i} for i in range(2500)], location_id=3,
                                    reason="Acumatica sync")
    bodies = [json.loads(c.request.body) for c in responses.calls]
    assert [len(b["items"]) for b in bodies] == [2000, 500]
    assert {item["location_id"] for b in bodies for item in b["items"]} == {3}
    assert bodies[0]["reason"] == "Acumatica sync" and ids == ["t1", "t1"]


@responses.activate
def test_it_lists_creates_and_updates_hooks(bc):
    responses.get(BC + "v3/hooks", match=[matchers.query_param_matcher(
        {"scope": "store/order/created", "is_active": "false", "page": "1", "limit": "250"})],
        json={"data": [{"id": 8, "is_active": False}], "meta": {"pagination": {"total_pages": 1}}})
    responses.post(BC + "v3/hooks", json={"data": {"id": 9, "scope": "store/order/created"}, "meta": {}})
    responses.put(BC + "v3/hooks/8", json={"data": {"id": 8, "is_active": True}, "meta": {}})
    assert bc.list_hooks(scope="store/order/created", is_active=False)[0]["id"] == 8
    created = bc.create_hook("store/order/created", "https://x.example/webhooks/bigcommerce/u/",
                             {"X-Webhook-Secret": "s3cr3t-value"})
    assert created["id"] == 9
    assert json.loads(responses.calls[1].request.body)["headers"] == {"X-Webhook-Secret": "s3cr3t-value"}
    assert bc.update_hook(8, is_active=True)["is_active"] is True
