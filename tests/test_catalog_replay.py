"""A product record's run re-reads Acumatica: replays and due retries never send a stale value."""
from decimal import Decimal

import pytest

from audit.models import SyncRecord
from sandbox.acumatica import state as acu_state
from sync.catalog import push_catalog
from sync.tasks import process_record
from tests.catalog_helpers import catalog_env  # noqa: F401 (fixture)

pytestmark = pytest.mark.e2e


def test_it_replays_with_the_values_acumatica_has_now(catalog_env, staff):
    env = catalog_env
    push_catalog(env.tenant)
    acu_state.set_stock_item(env.instance, "SKU-00004", price="70.00")
    push_catalog(env.tenant)
    record = SyncRecord.objects.get(tenant=env.tenant, external_id="SKU-00004")
    assert record.stub["values"]["price"] == "70.0000"
    acu_state.set_stock_item(env.instance, "SKU-00004", price="71.00", qty=6)  # not pushed yet

    record.replay(staff, "check")  # Q_SYNC: runs inline after commit

    record.refresh_from_db()
    assert record.status == "succeeded", record.last_error
    product = env.product("SKU-00004")
    assert product.price == Decimal("71.00")
    assert record.result["pushed"]["price"] == "71.0000"
    assert record.events.filter(action="api.call", url__contains="/StockItem").exists()


def test_it_fails_a_record_for_an_item_acumatica_no_longer_has(catalog_env):
    env = catalog_env
    record, _ = SyncRecord.objects.upsert_pending(env.tenant, "product", "NO-SUCH-ITEM", "acumatica_to_bc", "push")
    process_record(record.pk)
    record.refresh_from_db()
    assert record.status == "needs_attention"
    assert "NO-SUCH-ITEM" in record.last_error
