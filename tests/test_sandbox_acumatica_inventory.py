"""InventoryQuantityAvailable is read with PUT: item-level availability changed since a time."""
import datetime as dt

import pytest

from sandbox.acumatica import state
from sandbox.acumatica.models import Record
from tests.acumatica_sandbox_helpers import _acu_server, acu_live, V23, acu, api, w  # noqa: F401

pytestmark = pytest.mark.e2e


def _results(reply) -> dict[str, float]:
    assert reply.status_code == 200, reply.text
    return {r["InventoryID"]["value"]: r["QtyAvailable"]["value"] for r in reply.json()["Results"]}


def test_it_sums_the_warehouses_of_one_item(api):
    state.set_stock_item(api.instance, "SKU-00001", qty=10, warehouse="MAIN")
    state.set_stock_item(api.instance, "SKU-00001", qty=5, warehouse="EAST")
    reply = api.put("InventoryQuantityAvailable?$expand=Results", w(InventoryID="SKU-00001"))
    assert _results(reply) == {"SKU-00001": 15.0}


def test_it_returns_only_items_whose_availability_changed_since(api):
    old = dt.datetime(2020, 1, 1, tzinfo=dt.timezone.utc)
    Record.objects.filter(instance=api.instance).update(qty_modified=old, last_modified=old)
    state.set_stock_item(api.instance, "SKU-00003", qty=4)
    since = "2024-01-01T00:00:00+00:00"
    reply = api.put("InventoryQuantityAvailable?$expand=Results", w(LastModifiedDateTime=since))
    assert list(_results(reply)) == ["SKU-00003"]
    assert api.put("InventoryQuantityAvailable?$expand=Results", w(LastModifiedDateTime=since),
                   version=V23).status_code == 200
    # A movement does not touch the item's own last-modified time.
    assert state.get(api.instance, "StockItem", "SKU-00003")["LastModified"].startswith("2020-01-01")


def test_it_leaves_results_out_without_expand(api):
    reply = api.put("InventoryQuantityAvailable", w(InventoryID="SKU-00001"))
    assert reply.status_code == 200
    assert "Results" not in reply.json()
