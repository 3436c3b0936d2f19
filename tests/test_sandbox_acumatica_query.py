"""$filter, $expand, $select, $top and $skip on list reads; last-modified field names per version."""
import datetime as dt
from urllib.parse import quote

import pytest

from sandbox.acumatica import state
from sandbox.acumatica.models import Record
from tests.acumatica_sandbox_helpers import (  # noqa: F401
    _acu_server, acu_live, V23, V24, acu, api, create_order, first_customer_id, w)

pytestmark = pytest.mark.e2e


def _ids(reply) -> list[str]:
    assert reply.status_code == 200, reply.text
    return [r["InventoryID"]["value"] for r in reply.json()]


def test_it_pages_with_skip_before_top(api):
    everything = _ids(api.get("StockItem"))
    assert _ids(api.get("StockItem?$top=3")) == everything[:3]
    assert _ids(api.get("StockItem?$skip=2&$top=3")) == everything[2:5]
    assert _ids(api.get(f"StockItem?$skip={len(everything)}")) == []


def test_it_filters_with_eq_ne_and_or(api):
    assert _ids(api.get("StockItem?$filter=" + quote("InventoryID eq 'SKU-00003'"))) == ["SKU-00003"]
    both = api.get("StockItem?$filter=" + quote("InventoryID eq 'SKU-00003' or InventoryID eq 'SKU-00004'"))
    assert _ids(both) == ["SKU-00003", "SKU-00004"]
    none = api.get("StockItem?$filter=" + quote("InventoryID eq 'SKU-00003' and InventoryID ne 'SKU-00003'"))
    assert _ids(none) == []


def test_it_filters_numbers_with_gt_and_le(api):
    cheap = api.get("StockItem?$filter=" + quote("DefaultPrice le 50"))
    prices = [r["DefaultPrice"]["value"] for r in cheap.json()]
    assert prices and all(p <= 50 for p in prices)
    dear = [r["DefaultPrice"]["value"] for r in api.get("StockItem?$filter=" + quote("DefaultPrice gt 50")).json()]
    assert all(p > 50 for p in dear)
    assert len(prices) + len(dear) == len(api.get("StockItem").json())


def test_it_filters_on_the_versions_last_modified_field_with_datetimeoffset(api):
    old = dt.datetime(2020, 1, 1, tzinfo=dt.timezone.utc)
    Record.objects.filter(instance=api.instance, entity="StockItem").update(last_modified=old)
    state.set_stock_item(api.instance, "SKU-00002", price="12.34")
    since = quote("datetimeoffset'2024-07-15T10:31:28.402+03:00'")
    assert _ids(api.get(f"StockItem?$filter=LastModified gt {since}")) == ["SKU-00002"]
    assert _ids(api.get(f"StockItem?$filter=LastModifiedDateTime gt {since}")) == ["SKU-00002"]
    assert api.get(f"StockItem?$filter=LastModifiedDateTime gt {since}", version=V23).status_code == 400
    assert _ids(api.get(f"StockItem?$filter=LastModified gt {since}", version=V23)) == ["SKU-00002"]


def test_it_names_last_modified_fields_exactly_as_each_version(api):
    item24 = api.get("StockItem/SKU-00001").json()
    item23 = api.get("StockItem/SKU-00001", version=V23).json()
    assert "LastModified" in item24 and "LastModifiedDateTime" in item24
    assert "LastModified" in item23 and "LastModifiedDateTime" not in item23
    order = create_order(api, first_customer_id(api), [("SKU-00001", 1, "1.00")])
    assert "LastModified" in order and "LastModifiedDateTime" not in order


def test_it_filters_on_linked_fields(api):
    reply = api.get("Customer?$expand=MainContact&$filter=" + quote("MainContact/Email eq 'grace@example.com'"))
    [grace] = reply.json()
    assert grace["CustomerName"] == {"value": "Grace Hopper"}
    assert grace["MainContact"]["Email"] == {"value": "grace@example.com"}


def test_it_expands_details_and_linked_entities_only_on_request(api):
    plain = api.get("StockItem/SKU-00001").json()
    assert "WarehouseDetails" not in plain
    expanded = api.get("StockItem/SKU-00001?$expand=WarehouseDetails").json()
    assert [r["WarehouseID"]["value"] for r in expanded["WarehouseDetails"]] == ["MAIN", "EAST"]
    assert expanded["WarehouseDetails"][0]["rowNumber"] == 1
    customer = api.get("Customer?$top=1&$expand=MainContact/Address").json()[0]
    assert customer["MainContact"]["Address"]["City"]["value"]


def test_it_returns_only_selected_fields(api):
    [item] = api.get("StockItem?$top=1&$select=InventoryID,DefaultPrice").json()
    assert set(item) - {"id", "rowNumber", "note", "custom", "_links"} == {"InventoryID", "DefaultPrice"}


def test_it_refuses_a_filter_on_an_unknown_field_or_bad_syntax(api):
    assert api.get("StockItem?$filter=" + quote("Nope eq 'x'")).status_code == 400
    assert api.get("StockItem?$filter=" + quote("InventoryID eq")).status_code == 400
    assert api.get("StockItem?$top=abc").status_code == 400


def test_it_filters_orders_by_customer_order(api):
    customer_id = first_customer_id(api)
    create_order(api, customer_id, [("SKU-00001", 1, "1.00")], CustomerOrder="BC-1")
    wanted = create_order(api, customer_id, [("SKU-00001", 1, "1.00")], CustomerOrder="BC-2")
    [found] = api.get("SalesOrder?$filter=" + quote("CustomerOrder eq 'BC-2' and OrderType eq 'SO'")).json()
    assert found["OrderNbr"] == wanted["OrderNbr"]
