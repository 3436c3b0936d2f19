"""End to end over real HTTP: Acumatica changes reach BigCommerce products and variants; no change, no write."""
from decimal import Decimal

import pytest

from audit.models import SyncRecord
from sandbox.acumatica import state as acu_state
from sync.catalog import push_catalog
from tests.catalog_helpers import catalog_env  # noqa: F401 (fixture)

pytestmark = pytest.mark.e2e


def available(env, inventory_id: str) -> int:
    item = acu_state.get(env.instance, "StockItem", inventory_id)
    return sum(int(Decimal(w["QtyOnHand"])) for w in item["WarehouseDetails"])


def test_it_pushes_changed_price_cost_and_quantity_then_nothing(catalog_env):
    env = catalog_env
    push_catalog(env.tenant)  # first run: brings stock levels in line
    acu_state.set_stock_item(env.instance, "SKU-00001", price="123.45", cost="60.10", qty=77)
    acu_state.set_stock_item(env.instance, "SKU-00005-RED", price="31.50", cost="12.25")
    acu_state.set_stock_item(env.instance, "SKU-00005-BLUE", qty=3, warehouse="EAST")
    acu_state.set_stock_item(env.instance, "TS-LEG-001", qty=5)

    summary = push_catalog(env.tenant)

    assert summary.changed == 4 and summary.failed == 0
    product = env.product("SKU-00001")
    assert (product.price, product.cost_price) == (Decimal("123.45"), Decimal("60.10"))
    assert product.inventory_level == available(env, "SKU-00001")
    red, blue = env.variant("SKU-00005-RED"), env.variant("SKU-00005-BLUE")
    assert (red.price, red.cost_price) == (Decimal("31.50"), Decimal("12.25"))
    assert blue.inventory_level == available(env, "SKU-00005-BLUE")
    assert env.product("TSHIRT-LEGACY-01").inventory_level == available(env, "TS-LEG-001")
    record = SyncRecord.objects.get(tenant=env.tenant, kind="product", external_id="SKU-00001")
    assert record.status == "succeeded" and record.events.filter(action="catalog.pushed").exists()

    writes = env.bc_writes()
    again = push_catalog(env.tenant)
    assert again.changed == 0
    assert env.bc_writes() == writes


def test_it_uses_the_chosen_cost_field_and_holds_back_safety_stock(catalog_env):
    env = catalog_env
    tenant = env.tenant
    tenant.cost_field, tenant.safety_stock = "last", 2
    tenant.save()
    push_catalog(tenant)
    acu_state.set_stock_item(env.instance, "SKU-00002", cost="9.99", qty=10)
    push_catalog(tenant)
    product = env.product("SKU-00002")
    assert product.cost_price == Decimal("9.99")
    assert product.inventory_level == available(env, "SKU-00002") - 2


def test_it_pushes_only_the_values_the_tenant_chose(catalog_env):
    env = catalog_env
    tenant = env.tenant
    tenant.push_price, tenant.push_inventory = False, False
    tenant.save()
    before = env.product("SKU-00003")
    acu_state.set_stock_item(env.instance, "SKU-00003", price="77.00", cost="33.00", qty=99)
    push_catalog(tenant)
    after = env.product("SKU-00003")
    assert after.price == before.price and after.inventory_level == before.inventory_level
    assert after.cost_price == Decimal("33.00")
