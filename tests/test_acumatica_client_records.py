"""AcumaticaClient records: wrap/unwrap, get, put, query paging, actions, and its error messages."""
import json
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
import responses
from django.utils import timezone as dj_timezone
from responses import matchers

from sync.acumatica import AcumaticaClient, unwrap, wrap
from sync.http import ApiError
from tests.clients_helpers import AC, AC_ENTITY, FakeClock

ENDPOINTS = {"version": {"acumaticaBuildVersion": "23.105.0016"}, "endpoints": [
    {"name": "Default", "version": "20.200.001", "href": "/entity/Default/20.200.001/"},
    {"name": "Default", "version": "22.200.001", "href": "/entity/Default/22.200.001/"},
    {"name": "Default", "version": "23.200.001", "href": "/entity/Default/23.200.001/"},
    {"name": "eCommerce", "version": "23.200.001", "href": "/entity/eCommerce/23.200.001/"}]}


@pytest.fixture
def ac(tenant):
    conn = tenant.acumatica
    conn.access_token, conn.token_expires_at = "valid-token", dj_timezone.now() + timedelta(minutes=30)
    conn.save()
    clock = FakeClock()
    with AcumaticaClient(conn, clock=clock, poll_interval=2.0) as client:
        client.fake_clock = clock
        yield client


def test_it_round_trips_wrap_and_unwrap_on_nested_details():
    plain = {"OrderType": "SO", "CustomerID": "C1", "Hold": False, "OrderTotal": Decimal("20.50"), "id": "9f",
             "ShipToAddress": {"City": "Oslo", "Country": "NO"},
             "Details": [{"InventoryID": "A-1", "OrderQty": Decimal("2")}, {"InventoryID": "B", "OrderQty": 1}],
             "Payments": [], "custom": {"Document": {"UsrX": {"type": "CustomStringField", "value": "x"}}}}
    wrapped = wrap(plain)
    assert wrapped["CustomerID"] == {"value": "C1"}
    assert wrapped["ShipToAddress"] == {"City": {"value": "Oslo"}, "Country": {"value": "NO"}}
    assert wrapped["Details"][1] == {"InventoryID": {"value": "B"}, "OrderQty": {"value": 1}}
    assert wrapped["id"] == "9f" and wrapped["custom"] == plain["custom"]
    assert unwrap(wrapped) == plain
    assert wrap(wrapped) == wrapped  # already-wrapped values are left alone


@responses.activate
def test_it_gets_a_record_by_its_keys_with_expand(ac):
    responses.get(AC_ENTITY + "SalesOrder/SO/000123", match=[matchers.query_param_matcher({"$expand": "Details"})],
                  body='{"OrderNbr": {"value": "000123"}, "OrderTotal": {"value": 10.25}}')
    order = ac.get("SalesOrder", ("SO", "000123"), expand="Details")
    assert order["OrderTotal"]["value"] == Decimal("10.25")
    assert responses.calls[0].request.headers["Authorization"] == "Bearer valid-token"


@responses.activate
def test_it_puts_insert_only_with_if_none_match(ac):
    responses.put(AC_ENTITY + "Customer", json={"CustomerID": {"value": "C9"}})
    ac.put("Customer", wrap({"CustomerID": "C9", "CreditLimit": Decimal("100.00")}), insert_only=True)
    request = responses.calls[0].request
    assert request.headers["If-None-Match"] == "*"
    assert json.loads(request.body) == {"CustomerID": {"value": "C9"}, "CreditLimit": {"value": 100}}


@responses.activate
def test_it_reports_an_existing_record_on_412(ac):
    responses.put(AC_ENTITY + "Customer", status=412)
    with pytest.raises(ApiError) as error:
        ac.put("Customer", wrap({"CustomerID": "C9"}), insert_only=True)
    assert error.value.permanent and "already exists" in error.value.message


@responses.activate
def test_it_pages_a_query_with_top_and_skip(ac):
    base = {"$filter": "Status eq 'Active'", "$select": "InventoryID", "$top": "2"}
    for skip, rows in (("0", [1, 2]), ("2", [3, 4]), ("4", [5])):
        responses.get(AC_ENTITY + "StockItem", match=[matchers.query_param_matcher({**base, "$skip": skip})],
                      json=[{"InventoryID": {"value": n}} for n in rows])
    found = [r["InventoryID"]["value"] for r in
             ac.query("StockItem", filter="Status eq 'Active'", select="InventoryID", top=2)]
    assert found == [1, 2, 3, 4, 5]


@responses.activate
def test_it_polls_a_long_action_until_204_sooner_then_slower(ac):
    status_url = "/entity/Default/24.200.001/SalesOrder/PrepareSalesInvoice/status/abc"
    responses.post(AC_ENTITY + "SalesOrder/PrepareSalesInvoice", status=202, headers={"Location": status_url})
    responses.get(AC.rstrip("/") + status_url, status=202, headers={"Location": status_url})
    responses.get(AC.rstrip("/") + status_url, status=204)
    ac.invoke_action("SalesOrder", "PrepareSalesInvoice", wrap({"OrderType": "SO", "OrderNbr": "1"}))
    assert json.loads(responses.calls[0].request.body) == {
        "entity": {"OrderType": {"value": "SO"}, "OrderNbr": {"value": "1"}}, "parameters": {}}
    assert ac.fake_clock.sleeps == [0.5, 1.0]  # a quarter of the 2 s interval, then doubled


@responses.activate
def test_an_action_whose_effect_is_already_there_is_not_polled(ac):
    status_url = "/entity/Default/24.200.001/SalesOrder/PrepareSalesInvoice/status/abc"
    responses.post(AC_ENTITY + "SalesOrder/PrepareSalesInvoice", status=202, headers={"Location": status_url})
    found = ac.invoke_action("SalesOrder", "PrepareSalesInvoice", wrap({"OrderType": "SO", "OrderNbr": "1"}),
                             done_when=lambda: {"ReferenceNbr": "INV1"})
    assert found == {"ReferenceNbr": "INV1"}
    assert len(responses.calls) == 1 and ac.fake_clock.sleeps == [0.5]   # the POST; the look is the caller's call
    # Not there yet: the status URL says it is still running, and the next look finds it.
    responses.get(AC.rstrip("/") + status_url, status=202, headers={"Location": status_url})
    looks = iter([None, {"ReferenceNbr": "INV2"}])
    found = ac.invoke_action("SalesOrder", "PrepareSalesInvoice", wrap({"OrderType": "SO", "OrderNbr": "1"}),
                             done_when=lambda: next(looks))
    assert found == {"ReferenceNbr": "INV2"}
    assert [c.request.method for c in responses.calls[1:]] == ["POST", "GET"]


@responses.activate
def test_a_failed_action_surfaces_its_error_when_its_effect_is_not_there(ac):
    status_url = "/entity/Default/24.200.001/SalesOrder/PrepareSalesInvoice/status/abc"
    responses.post(AC_ENTITY + "SalesOrder/PrepareSalesInvoice", status=202, headers={"Location": status_url})
    responses.get(AC.rstrip("/") + status_url, status=500, json={"exceptionMessage": "The order is on hold."})
    with pytest.raises(ApiError) as error:
        ac.invoke_action("SalesOrder", "PrepareSalesInvoice", {"id": "g"}, done_when=lambda: None)
    assert "The order is on hold." in error.value.message


@responses.activate
def test_it_gives_up_polling_after_the_timeout(ac):
    responses.post(AC_ENTITY + "Payment/ReleasePayment", status=202, headers={"Location": "/x/status/1"})
    responses.get(AC + "x/status/1", status=202, headers={"Location": "/x/status/1"})
    with pytest.raises(ApiError) as error:
        ac.invoke_action("Payment", "ReleasePayment", {"id": "g"}, poll_timeout=5)
    assert not error.value.permanent and "still running" in error.value.message


@responses.activate
def test_it_turns_a_422_into_field_messages(ac):
    body = {"CustomerID": {"value": "ABARTENDE1", "error": "'Customer' cannot be found in the system."},
            "Details": [{"InventoryID": {"value": "NOPE", "error": "'Inventory ID' cannot be found in the system."}}],
            "error": "Inserting  'Sales Order' record raised at least one error. Please review the errors."}
    responses.put(AC_ENTITY + "SalesOrder", status=422, json=body)
    with pytest.raises(ApiError) as error:
        ac.put("SalesOrder", wrap({"CustomerID": "ABARTENDE1"}))
    assert error.value.message == ("CustomerID: 'Customer' cannot be found in the system.; "
                                   "Details line 1: InventoryID: 'Inventory ID' cannot be found in the system.")
    assert error.value.permanent and error.value.status == 422


@responses.activate
def test_it_uses_the_exception_message_of_an_http_error(ac):
    responses.put(AC_ENTITY + "Payment", status=400,
                  json={"message": "An error has occurred.", "exceptionMessage": "Cash account is required."})
    with pytest.raises(ApiError) as error:
        ac.put("Payment", {})
    assert error.value.permanent and "Cash account is required." in error.value.message


@responses.activate
def test_it_names_the_offered_versions_when_the_pinned_one_is_missing(ac):
    responses.get(AC_ENTITY + "Customer/C1", status=404)
    responses.get(AC + "entity", json=ENDPOINTS)
    with pytest.raises(ApiError) as error:
        ac.get("Customer", "C1")
    assert error.value.message == ("endpoint Default/24.200.001 is not available on this instance; "
                                   "it offers: 20.200.001, 22.200.001, 23.200.001")
    assert error.value.permanent


@responses.activate
def test_it_reports_a_missing_record_when_the_version_exists(ac):
    responses.get(AC_ENTITY + "Customer/C404", status=404)
    responses.get(AC + "entity", json={"endpoints": [{"name": "Default", "version": "24.200.001"}]})
    with pytest.raises(ApiError) as error:
        ac.get("Customer", "C404")
    assert error.value.message == "Customer C404 was not found in Acumatica (404)."


def test_it_picks_field_names_by_version(tenant):
    conn = tenant.acumatica
    since = datetime(2026, 3, 1, 8, 0, tzinfo=timezone.utc)
    for version, field in (("23.200.001", "LastModified"), ("24.200.001", "LastModifiedDateTime")):
        conn.endpoint_version = version
        client = AcumaticaClient(conn)
        assert client.field_name("StockItem", "last_modified") == field
        assert client.modified_since_filter("StockItem", since) == \
            f"{field} gt datetimeoffset'2026-03-01T08:00:00+00:00'"


@responses.activate
def test_it_reads_an_inquiry_with_put_and_resends_it_after_a_gateway_timeout(ac):
    url = AC_ENTITY + "InventoryQuantityAvailable"
    responses.put(url, status=504)
    responses.put(url, match=[matchers.query_param_matcher({"$expand": "Results"})],
                  json={"Results": [{"InventoryID": {"value": "A"}, "QtyAvailable": {"value": 3}}]})
    result = ac.inquire("InventoryQuantityAvailable", wrap({"InventoryID": "A"}))
    assert unwrap(result)["Results"] == [{"InventoryID": "A", "QtyAvailable": 3}]
    assert len(responses.calls) == 2
