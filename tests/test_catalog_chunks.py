"""The scheduled push runs in chunks, one record and task each: a chunk whose worker died runs again
(re-reading its items), the chunks that finished do not, and the next run waits for the chunks."""
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from audit.models import AuditEvent, SyncRecord
from sandbox.acumatica.models import Record
from sync import catalog, catalog_chunks
from sync.catalog import push_catalog
from sync.catalog_chunks import item_from_json, item_to_json, queue_catalog_push
from sync.catalog_values import Item
from sync.tasks import process_record, run_due_records
from tests.catalog_helpers import catalog_env  # noqa: F401 (fixture)

pytestmark = pytest.mark.e2e


class WorkerKilled(BaseException):
    """What a SIGKILL looks like from inside: nothing after it runs (no except Exception, no settle)."""


def test_an_item_survives_its_trip_through_a_chunk_record():
    from fractions import Fraction

    item = Item("CASE-12", True, {"price": Decimal("12.3400"), "cost": Decimal("5.0000"), "inventory": 7},
                source={"InventoryID": "CASE-12"}, modified="2026-11-30T10:00:00+00:00", unit=Fraction(12),
                base_stock=Decimal("84"), needs_stock=True, stock_stamp="2026-11-30T09:00:00", problem=None)
    assert item_from_json(item_to_json(item)) == item


def test_a_killed_chunk_resumes_without_pushing_the_finished_chunks_again(catalog_env, monkeypatch):
    env = catalog_env
    push_catalog(env.tenant)  # ids known, stock in line
    for record in Record.objects.filter(instance=env.instance, entity="StockItem"):
        record.data["DefaultPrice"] = str(Decimal(str(record.data["DefaultPrice"])) + 1)
        record.last_modified = timezone.now()
        record.save()
    monkeypatch.setattr(catalog, "CHUNK", 5)
    queued = []
    monkeypatch.setattr(catalog_chunks, "enqueue_record", lambda record: queued.append(record.pk))

    summary = queue_catalog_push(env.tenant)

    assert summary.chunks == len(queued) >= 3 and summary.changed == 0  # nothing pushed by the reading run
    first, second, *rest = queued
    process_record(first)
    with monkeypatch.context() as patch:  # the second chunk's worker dies after claiming its SKUs
        def killed(self, pending):
            raise WorkerKilled()
        patch.setattr(catalog.CatalogPush, "_send", killed)
        with pytest.raises(WorkerKilled):
            process_record(second)
    dead = SyncRecord.objects.get(pk=second)
    assert dead.status == "running"
    held = SyncRecord.objects.filter(tenant=env.tenant, kind="product", status="running")
    assert held.count() == 5  # its SKUs, claimed under the chunk's token
    assert queue_catalog_push(env.tenant).busy  # the next run waits for this one's chunks

    SyncRecord.objects.filter(pk=second).update(lease_expires_at=timezone.now() - timedelta(seconds=1))
    run_due_records()  # the minute's sweep: the chunk is recovered and queued (inline under Q_SYNC)
    for pk in rest:
        process_record(pk)

    chunks = SyncRecord.objects.filter(pk__in=queued)
    assert {c.status for c in chunks} == {"succeeded"}
    assert [c.attempts for c in chunks.order_by("pk")] == [1, 2] + [1] * len(rest)
    assert AuditEvent.objects.filter(record_id=first, action="record.started").count() == 1
    # Every SKU of the run was pushed exactly once: none of the first chunk's again, none one by one.
    since = dead.created_at
    products = SyncRecord.objects.filter(tenant=env.tenant, kind="product")
    pushed = AuditEvent.objects.filter(record__in=products, action="catalog.pushed", created_at__gte=since)
    per_sku = list(pushed.values_list("record__external_id", flat=True))
    assert len(per_sku) == len(set(per_sku)) and len(per_sku) >= 15
    assert not products.filter(status="running").exists()
    assert not AuditEvent.objects.filter(record__in=products, action="record.recovered").exists()
    price = Decimal(str(Record.objects.get(instance=env.instance, key="SKU-00001").data["DefaultPrice"]))
    assert env.product("SKU-00001").price == price
