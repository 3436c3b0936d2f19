"""BigCommerceClient over `responses`: auth headers, orders, paging, Decimals, errors."""
from datetime import datetime, timezone
from decimal import Decimal

import pytest
import responses
from responses import matchers

from sync.bigcommerce import BigCommerceClient
from sync.http import ApiError
from tests.clients_helpers import BC, FakeClock


@pytest.fixture
def bc(tenant):
    with BigCommerceClient(tenant.bigcommerce, clock=FakeClock()) as client:
        yield client


@responses.activate
def test_it_authenticates_every_call_with_the_store_token(bc, tenant):
    responses.get(BC + "v3/orders/7/transactions", json={"data": [], "meta": {}})
    bc.get_transactions(7)
    headers = responses.calls[0].request.headers
    assert headers["X-Auth-Token"] == tenant.bigcommerce.access_token
    assert headers["Accept"] == "application/json"


ORDER_PARAMS = {"include": "consignments.line_items,fees", "consignment_structure": "object"}


@responses.activate
def test_it_reads_an_order_with_its_lines_and_addresses_in_one_call_as_decimals(bc):
    line = {"id": 5, "sku": "A-1", "price_inc_tax": "12.5000", "quantity": 2}
    digital = {"id": 4, "sku": "E-BOOK", "price_inc_tax": "3.0000", "quantity": 1}
    responses.get(BC + "v2/orders/100", match=[matchers.query_param_matcher(ORDER_PARAMS)], json={
        "id": 100, "total_inc_tax": "336.3200", "status_id": 11, "customer_id": 0, "items_total": 3,
        "consignments": {"pickups": [], "downloads": [{"recipient_email": "a@b.c", "line_items": [digital]}],
                         "shipping": [{"id": 9, "zip": "12345", "cost_inc_tax": "10.0000", "line_items": [line]}],
                         "email": {"gift_certificates": []}}})
    order = bc.get_order(100)
    assert len(responses.calls) == 1
    assert order["total_inc_tax"] == Decimal("336.3200")
    assert [p["id"] for p in order["products"]] == [4, 5]  # every consignment's lines, in line order
    assert order["products"][1]["price_inc_tax"] == Decimal("12.5000")
    assert order["shipping_addresses"] == [{"order_id": 100, "id": 9, "zip": "12345",  # not money: stays text
                                            "cost_inc_tax": Decimal("10.0000")}]
    assert order["items_total"] == 3


@responses.activate
def test_it_reads_the_lines_and_addresses_themselves_when_the_embedded_ones_do_not_add_up(bc):
    # One item of three is in no consignment we read: the sub-resources are the complete list.
    responses.get(BC + "v2/orders/100", json={"id": 100, "status_id": 11, "items_total": 3, "consignments": {
        "shipping": [{"id": 9, "line_items": [{"id": 5, "sku": "A-1", "quantity": 2}]}]}})
    responses.get(BC + "v2/orders/100/products", json=[{"id": 5, "sku": "A-1", "quantity": 2},
                                                       {"id": 6, "sku": "B-1", "quantity": 1}])
    responses.get(BC + "v2/orders/100/shipping_addresses", json=[{"id": 9, "zip": "12345"}])
    order = bc.get_order(100)
    assert [p["id"] for p in order["products"]] == [5, 6]
    assert order["shipping_addresses"] == [{"id": 9, "zip": "12345"}]
    assert len(responses.calls) == 3


@responses.activate
def test_it_reports_a_missing_order_as_permanent(bc):
    responses.get(BC + "v2/orders/404", status=404, json=[{"status": 404, "message": "not found"}])
    with pytest.raises(ApiError) as error:
        bc.get_order(404)
    assert error.value.permanent and error.value.status == 404
    assert "order 404 does not exist" in error.value.message


@responses.activate
def test_it_pages_orders_modified_since_until_the_204(bc, monkeypatch):
    monkeypatch.setattr("sync.bigcommerce.V2_PAGE", 2)
    since = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    base = {"min_date_modified": "2026-01-02T03:04:05+00:00", "sort": "date_modified:asc", "limit": "2"}
    responses.get(BC + "v2/orders", match=[matchers.query_param_matcher({**base, "page": "1"})],
                  json=[{"id": 1}, {"id": 2}])
    responses.get(BC + "v2/orders", match=[matchers.query_param_matcher({**base, "page": "2"})],
                  json=[{"id": 3}, {"id": 4}])
    responses.get(BC + "v2/orders", match=[matchers.query_param_matcher({**base, "page": "3"})], status=204)
    assert [o["id"] for o in bc.iter_orders_modified_since(since)] == [1, 2, 3, 4]
    assert len(responses.calls) == 3


@responses.activate
def test_it_stops_paging_on_a_short_page(bc, monkeypatch):
    monkeypatch.setattr("sync.bigcommerce.V2_PAGE", 2)
    responses.get(BC + "v2/orders", json=[{"id": 1}])
    assert [o["id"] for o in bc.iter_orders_modified_since(datetime.now(timezone.utc), status_id=11)] == [1]
    assert responses.calls[0].request.params["status_id"] == "11"


@responses.activate
def test_it_reads_v3_transactions_and_refunds_with_decimal_amounts(bc):
    responses.get(BC + "v3/orders/5/transactions", body='{"data": [{"id": 1, "amount": 19.99}], "meta": {}}')
    responses.get(BC + "v3/orders/5/payment_actions/refunds",
                  body='{"data": [{"id": 3, "total_amount": 5.10}], "meta": {}}')
    assert bc.get_transactions(5)[0]["amount"] == Decimal("19.99")
    assert bc.get_refunds(5)[0]["total_amount"] == Decimal("5.10")


@responses.activate
def test_it_treats_a_204_as_no_transactions(bc):
    responses.get(BC + "v3/orders/6/transactions", status=204)
    assert bc.get_transactions(6) == []


@responses.activate
def test_it_finds_customers_by_id_and_email(bc):
    responses.get(BC + "v3/customers", match=[matchers.query_param_matcher({"id:in": "4", "include": "addresses"})],
                  json={"data": [{"id": 4, "email": "a@example.com"}], "meta": {}})
    responses.get(BC + "v3/customers",
                  match=[matchers.query_param_matcher({"email:in": "a@example.com", "include": "addresses"})],
                  json={"data": [{"id": 4}], "meta": {}})
    assert bc.get_customer(4)["email"] == "a@example.com"
    assert [c["id"] for c in bc.find_customers_by_email("a@example.com")] == [4]


@responses.activate
def test_it_pages_customers_modified_since_with_the_v3_envelope(bc):
    def page(n, rows):
        return {"data": rows, "meta": {"pagination": {"current_page": n, "total_pages": 2}}}
    responses.get(BC + "v3/customers", match=[matchers.query_param_matcher({"page": "1"}, strict_match=False)],
                  json=page(1, [{"id": 1}]))
    responses.get(BC + "v3/customers", match=[matchers.query_param_matcher({"page": "2"}, strict_match=False)],
                  json=page(2, [{"id": 2}]))
    rows = list(bc.iter_customers_modified_since(datetime(2026, 1, 1, tzinfo=timezone.utc)))
    assert [r["id"] for r in rows] == [1, 2]
    assert responses.calls[0].request.params["date_modified:min"] == "2026-01-01T00:00:00"


@responses.activate
def test_it_explains_a_rejected_token(bc):
    responses.get(BC + "v3/orders/1/transactions", status=401, json={"status": 401, "title": "Unauthorized"})
    with pytest.raises(ApiError) as error:
        bc.get_transactions(1)
    assert error.value.permanent and "rejected the access token" in error.value.message


@responses.activate
def test_it_turns_exhausted_5xx_retries_into_a_transient_error(tenant):
    responses.get(BC + "v3/orders/1/transactions", status=503)
    clock = FakeClock()
    with BigCommerceClient(tenant.bigcommerce, clock=clock) as client:
        with pytest.raises(ApiError) as error:
            client.get_transactions(1)
    assert error.value.status == 503 and not error.value.permanent
    assert len(responses.calls) == 5 and len(clock.sleeps) == 4


@responses.activate
def test_it_does_not_follow_a_redirect_that_would_carry_the_token_elsewhere(bc):
    responses.get(BC + "v3/orders/1/transactions", status=301, headers={"Location": "https://elsewhere.example/x"})
    with pytest.raises(ApiError) as error:
        bc.get_transactions(1)
    assert len(responses.calls) == 1 and error.value.permanent
    assert "redirected" in error.value.message and "https://elsewhere.example/x" in error.value.message
