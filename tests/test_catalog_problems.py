"""One bad item does not fail its batch; a SKU BigCommerce lacks is reported once; a gone id is looked up again."""
from decimal import Decimal

import pytest

from audit.models import SyncRecord
from sandbox.acumatica import state as acu_state
from sandbox.bigcommerce.models import Product, Variant
from sandbox.catalog_data import demo_catalog
from sync.catalog import push_catalog
from sync.models import CatalogState
from tests.catalog_helpers import catalog_env, wire_tenant  # noqa: F401 (fixture)

pytestmark = pytest.mark.e2e


def record(env, inventory_id: str) -> SyncRecord:
    return SyncRecord.objects.get(tenant=env.tenant, kind="product", external_id=inventory_id)


def test_it_splits_a_refused_batch_so_the_other_items_go_through(catalog_env):
    env = catalog_env
    push_catalog(env.tenant)
    for n, colour in enumerate(["RED", "BLUE", "GREEN", "BLACK"]):
        acu_state.set_stock_item(env.instance, f"SKU-00005-{colour}", price=f"{40 + n}.00")
        acu_state.set_stock_item(env.instance, f"SKU-00010-{colour}", price=f"{50 + n}.00")
    acu_state.set_stock_item(env.instance, "SKU-00010-GREEN", price="-1.00")  # BigCommerce refuses a negative price

    summary = push_catalog(env.tenant)

    assert (summary.changed, summary.succeeded, summary.failed) == (8, 7, 1)
    assert env.variant("SKU-00005-BLACK").price == Decimal("43.00")
    assert env.variant("SKU-00010-BLACK").price == Decimal("53.00")
    bad = record(env, "SKU-00010-GREEN")
    assert bad.status == "needs_attention" and "price" in bad.last_error
    assert record(env, "SKU-00010-RED").status == "succeeded"
    events, writes = bad.events.count(), env.bc_writes()
    push_catalog(env.tenant)  # the same refused value is not sent again on every run
    assert record(env, "SKU-00010-GREEN").events.count() == events and env.bc_writes() == writes
    acu_state.set_stock_item(env.instance, "SKU-00010-GREEN", price="52.00")
    push_catalog(env.tenant)
    assert record(env, "SKU-00010-GREEN").status == "succeeded"
    assert env.variant("SKU-00010-GREEN").price == Decimal("52.00")


def test_it_reports_a_sku_missing_in_bigcommerce_once_even_as_its_values_change(make_tenant, live_server):
    env = wire_tenant(make_tenant, live_server.url, "miss", demo_catalog(count=5), map_codes=False)
    push_catalog(env.tenant)
    missing = record(env, "TS-LEG-001")
    assert missing.status == "needs_attention"
    assert "SKU TS-LEG-001 not found in BigCommerce" in missing.last_error
    events = missing.events.count()

    push_catalog(env.tenant, full=True)
    push_catalog(env.tenant)
    acu_state.set_stock_item(env.instance, "TS-LEG-001", price="21.00", qty=7)  # new values: still not again
    push_catalog(env.tenant)
    assert record(env, "TS-LEG-001").events.count() == events
    lookups = env.bc_calls().filter(url__contains="TS-LEG-001").count()
    push_catalog(env.tenant)
    assert env.bc_calls().filter(url__contains="TS-LEG-001").count() == lookups  # nor looked up on every run

    # The merchant adds the product: the next full push finds it and pushes the current values.
    product = Product.objects.create(store=env.store, name="Legacy tee", sku="TS-LEG-001", price=1, cost_price=1,
                                     weight=1, inventory_level=0, inventory_tracking="product")
    Variant.objects.create(product=product, sku="TS-LEG-001", is_base=True, inventory_level=0)
    push_catalog(env.tenant, full=True)
    product.refresh_from_db()
    assert product.price == Decimal("21.00")
    assert record(env, "TS-LEG-001").status == "succeeded"
    assert record(env, "TS-LEG-001").events.filter(action="record.needs_attention").count() == 1


def test_it_looks_a_sku_up_again_when_its_cached_id_is_gone(catalog_env):
    env = catalog_env
    push_catalog(env.tenant)
    old = env.product("SKU-00001")
    assert CatalogState.objects.get(tenant=env.tenant, inventory_id="SKU-00001").bc_product_id == old.pk
    Variant.objects.filter(product=old).delete()
    old.delete()
    new = Product.objects.create(store=env.store, name="Re-created", sku="SKU-00001", price=1, cost_price=1,
                                 weight=1, inventory_level=0, inventory_tracking="product")
    Variant.objects.create(product=new, sku="SKU-00001", is_base=True, inventory_level=0)
    acu_state.set_stock_item(env.instance, "SKU-00001", price="88.00", qty=11)

    summary = push_catalog(env.tenant)

    assert summary.failed == 0
    new.refresh_from_db()
    assert new.price == Decimal("88.00")
    assert CatalogState.objects.get(tenant=env.tenant, inventory_id="SKU-00001").bc_product_id == new.pk
    assert record(env, "SKU-00001").status == "succeeded"
