"""The sandbox refuses what the contract does not allow: value formats, unknown fields, over-long strings.

Spec: DateTimeValue is `{"value": {"type": "string", "format": "date-time"}}` in every Default version
(Default_22/23.200.001.swagger2.json definitions, Default_24.200.001.openapi3.json components).
"""
import pytest

from sandbox.acumatica import state
from tests.acumatica_sandbox_helpers import (  # noqa: F401
    _acu_server, acu_live, acu, api, create_order, first_customer_id, w)

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("value", ["2026-01-02", "2026-01-02T10:00:00", "02/01/2026", 20260102])
def test_it_refuses_a_date_time_value_that_is_not_an_rfc3339_date_time(api, value):
    reply = api.put("SalesOrder", {**w(OrderType="SO", CustomerID=first_customer_id(api), Date=value),
                                   "Details": [w(InventoryID="SKU-00001", OrderQty=1)]})
    assert reply.status_code == 400, reply.text
    body = reply.json()
    assert set(body) == {"message", "exceptionMessage", "exceptionType"}
    assert "Date" in body["message"] and "DateTimeValue" in body["message"]
    assert state.sales_orders(api.instance) == []


def test_it_accepts_date_time_values_with_an_offset(api):
    order = create_order(api, first_customer_id(api), [("SKU-00001", 1, "1.00")], Date="2026-01-02T00:00:00-05:00")
    assert order["Date"]["value"].startswith("2026-01-02T00:00:00")


@pytest.mark.parametrize("field,value", [("OrderQty", "many"), ("OrderQty", True), ("OrderQty", "NaN"),
                                         ("ManualPrice", "yes")])
def test_it_refuses_values_of_the_wrong_type(api, field, value):
    reply = api.put("SalesOrder", {**w(OrderType="SO", CustomerID=first_customer_id(api)),
                                   "Details": [w(InventoryID="SKU-00001", **{field: value})]})
    assert reply.status_code == 400 and field in reply.json()["message"]


@pytest.mark.parametrize("version", ["22.200.001", "23.200.001", "24.200.001"])
def test_it_refuses_a_field_the_pinned_version_does_not_define(acu, version):
    acu.instance.versions = [version]
    acu.instance.save()
    reply = acu.put("SalesOrder", {**w(OrderType="SO", CustomerID="C000001", NoSuchField="x")}, version=version)
    assert reply.status_code == 400
    assert reply.json()["message"] == f"The field NoSuchField is not defined in SalesOrder of Default/{version}."
    nested = acu.put("Customer", {**w(CustomerName="N"), "MainContact": w(Emial="typo@example.com")}, version=version)
    assert nested.status_code == 400 and "MainContact/Emial" in nested.json()["message"]


def test_a_field_is_known_or_not_per_version(acu):
    # Customer.Email exists from 23.200.001; in 22.200.001 the e-mail lives on MainContact only.
    acu.instance.versions = ["22.200.001", "23.200.001"]
    acu.instance.save()
    assert acu.put("Customer", w(CustomerName="E", Email="e@example.com"), version="23.200.001").status_code == 200
    old = acu.put("Customer", w(CustomerName="E", Email="e@example.com"), version="22.200.001")
    assert old.status_code == 400 and "Email" in old.json()["message"]


def test_it_answers_422_naming_an_over_long_field_and_saves_nothing(api):
    reply = api.put("SalesOrder?$expand=Details,ShipToAddress", {
        **w(OrderType="SO", CustomerID=first_customer_id(api), CustomerOrder="X" * 41),
        "ShipToAddress": w(PostalCode="1" * 21),
        "Details": [w(InventoryID="SKU-00001", OrderQty=1, LineDescription="d" * 257)]})
    assert reply.status_code == 422
    body = reply.json()
    assert body["CustomerOrder"]["error"] == "'CustomerOrder' cannot be longer than 40 characters."
    assert body["ShipToAddress"]["PostalCode"]["error"] == "'PostalCode' cannot be longer than 20 characters."
    assert "cannot be longer than 256" in body["Details"][0]["LineDescription"]["error"]
    assert "CustomerOrder" in body["error"]
    assert state.sales_orders(api.instance) == []


def test_strings_at_the_limit_are_saved_whole(api):
    order = create_order(api, first_customer_id(api), [("SKU-00001", 1, "1.00")], CustomerOrder="X" * 40)
    assert order["CustomerOrder"]["value"] == "X" * 40
