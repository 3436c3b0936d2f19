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


def test_it_runs_a_record_again_when_an_event_arrived_during_the_batch(catalog_env, monkeypatch):
    """A push notification for an item the batch run holds flags it; the batch queues the re-run."""
    from sync import catalog

    env = catalog_env
    push_catalog(env.tenant)
    acu_state.set_stock_item(env.instance, "SKU-00008", price="80.00")
    settle = catalog.CatalogPush._settle
    arrived = []

    def event_during_run(self, p, claimed, outcomes):
        if not arrived:  # one notification, while the batch run holds the record
            arrived.append(SyncRecord.objects.upsert_pending(env.tenant, "product", p.item.inventory_id,
                                                             "acumatica_to_bc", "push"))
        settle(self, p, claimed, outcomes)
    monkeypatch.setattr(catalog.CatalogPush, "_settle", event_during_run)

    started = SyncRecord.objects.get(tenant=env.tenant, external_id="SKU-00008").events.filter(
        action="record.started").count()

    push_catalog(env.tenant)

    record = SyncRecord.objects.get(tenant=env.tenant, external_id="SKU-00008")
    assert record.status == "succeeded"
    assert record.events.filter(action="record.requeued").exists()
    # The batch's attempt, then the queued re-run (inline under Q_SYNC) that re-read Acumatica.
    assert record.events.filter(action="record.started").count() == started + 2
    assert env.product("SKU-00008").price == Decimal("80.00")
