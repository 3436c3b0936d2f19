"""The changed-since read uses the pinned version's field names: 23.200.001 and 24.200.001 differ."""
from decimal import Decimal
from urllib.parse import unquote_plus

import pytest

from audit.models import AuditEvent
from sandbox.acumatica import state as acu_state
from sandbox.catalog_data import demo_catalog
from sync.catalog import push_catalog
from tests.catalog_helpers import wire_tenant

pytestmark = pytest.mark.e2e


def stock_item_filters(env) -> list[str]:
    urls = AuditEvent.objects.filter(tenant=env.tenant, action="api.call", method="GET",
                                     url__contains="/StockItem").values_list("url", flat=True)
    return [unquote_plus(url) for url in urls if "filter" in url]


@pytest.mark.parametrize("version, field, other", [
    ("23.200.001", "LastModified", "LastModifiedDateTime"),
    ("24.200.001", "LastModifiedDateTime", "LastModified "),
])
def test_it_reads_changes_on_the_versions_last_modified_field(make_tenant, live_server, version, field, other):
    env = wire_tenant(make_tenant, live_server.url, f"v{version[:2]}", demo_catalog(count=5), version=version)
    push_catalog(env.tenant)
    acu_state.set_stock_item(env.instance, "SKU-00002", price="42.42", qty=9)

    summary = push_catalog(env.tenant)

    assert summary.changed == 1 and summary.failed == 0
    product = env.product("SKU-00002")
    assert product.price == Decimal("42.42")
    assert product.inventory_level == sum(int(Decimal(w["QtyOnHand"])) for w in
                                          acu_state.get(env.instance, "StockItem", "SKU-00002")["WarehouseDetails"])
    [changed_since] = stock_item_filters(env)
    assert f"$filter={field} gt datetimeoffset'" in changed_since
    assert other not in changed_since.split("$filter=")[1].split("&")[0]


def test_it_counts_only_the_chosen_warehouses(make_tenant, live_server):
    env = wire_tenant(make_tenant, live_server.url, "wh", demo_catalog(count=5), version="23.200.001")
    env.tenant.warehouses = ["EAST"]
    env.tenant.save()
    push_catalog(env.tenant)
    acu_state.set_stock_item(env.instance, "SKU-00003", qty=13, warehouse="EAST")
    acu_state.set_stock_item(env.instance, "SKU-00004", qty=500, warehouse="MAIN")  # not counted: no push

    summary = push_catalog(env.tenant)

    assert env.product("SKU-00003").inventory_level == 13
    assert summary.changed == 1


def test_it_reads_every_items_warehouses_where_the_version_has_no_availability_inquiry(make_tenant, live_server):
    env = wire_tenant(make_tenant, live_server.url, "v20", demo_catalog(count=5), version="20.200.001")
    push_catalog(env.tenant)
    acu_state.set_stock_item(env.instance, "SKU-00001", qty=4, warehouse="MAIN")

    summary = push_catalog(env.tenant)

    east = [w for w in acu_state.get(env.instance, "StockItem", "SKU-00001")["WarehouseDetails"]
            if w["WarehouseID"] == "EAST"]
    assert env.product("SKU-00001").inventory_level == 4 + int(Decimal(east[0]["QtyOnHand"]))
    assert summary.changed == 1
    assert not AuditEvent.objects.filter(tenant=env.tenant, url__contains="InventoryQuantityAvailable").exists()
