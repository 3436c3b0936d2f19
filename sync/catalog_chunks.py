"""The scheduled catalog push in resumable chunks: one sync record and one task per chunk of items.

A 10,000-SKU push takes minutes at BigCommerce's quota, longer than a task may run (``Q_TIMEOUT``),
and a worker can die in the middle. So the scheduled run (``queue_catalog_push``) only reads what
changed in Acumatica (a few paged calls) and leaves each chunk of ``CHUNK`` items as a record of
kind ``catalog_chunk`` holding the items read (its snapshot), queued as its own task; the cursors
then move on. Each chunk task (``push_chunk``) pushes its items with ``CatalogPush``: the changed
SKUs' own ``product`` records are claimed, audited and settled in bulk under a token derived from
the chunk, so they stay findable and replayable one by one.

Resuming: a chunk is the unit of progress. A finished chunk is a settled record and never runs
again. A chunk whose worker died is recovered like any record (lease expired -> failed -> due at
once) and runs again; that attempt takes over the SKU records its dead attempt had claimed (same
token; they are held for ``SKU_LEASE``, longer than the chunk's own lease, so the recovery sweep
leaves them to the chunk) and re-reads its items from Acumatica, so a late retry never sends a value
older than itself. A SKU's pushed state is saved when its chunk ends, so the SKUs a dead attempt did
push are pushed again (absolute values: the same result).

While chunks of a run are pending or running, the next scheduled run waits (``busy``): items read
later must not be overtaken by a chunk read earlier. A failed chunk does not hold the schedule up:
its retry re-reads Acumatica.
"""
from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

from django.utils import timezone

from audit.models import Direction, Source, Status, SyncRecord, secrets_cached
from audit.redaction import redact_data
from sync import catalog_reads as reads
from sync.catalog import CatalogPush, CatalogRun, Summary, catalog_settings, tenant_call_recorder
from sync.catalog_values import Item, jsonable_values, plain
from sync.clients import open_clients
from sync.locks import job_lock
from sync.tasks import enqueue_record, register_pipeline
from tenants.models import Tenant

KIND = "catalog_chunk"
UNFINISHED = (Status.PENDING, Status.RUNNING)
# The chunk's SKU records are held this long between heartbeats (the chunk record itself has the usual
# short lease): a dead chunk is recovered within a minute or two and its retry takes them over.
SKU_LEASE = timedelta(minutes=15)


def item_to_json(item: Item) -> dict[str, Any]:
    return {"id": item.inventory_id, "stock": item.is_stock, "values": jsonable_values(item.values),
            "source": plain(item.source), "modified": item.modified,
            "unit": None if item.unit is None else str(item.unit),
            "base_stock": None if item.base_stock is None else str(item.base_stock),
            "needs_stock": item.needs_stock, "stamp": item.stock_stamp, "problem": item.problem}


def item_from_json(data: dict[str, Any]) -> Item:
    values = {key: int(value) if key == "inventory" else Decimal(value) for key, value in data["values"].items()}
    return Item(data["id"], data["stock"], values, source=data["source"], modified=data["modified"],
                unit=None if data["unit"] is None else Fraction(data["unit"]),
                base_stock=None if data["base_stock"] is None else Decimal(data["base_stock"]),
                needs_stock=data["needs_stock"], stock_stamp=data["stamp"], problem=data["problem"])


def chunk_token(record: SyncRecord) -> uuid.UUID:
    """The same for every attempt of one chunk, so an attempt can take over what a dead one claimed."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"ml-connector:catalog-chunk:{record.pk}")


def unfinished_chunks(tenant: Tenant) -> bool:
    return SyncRecord.objects.filter(tenant=tenant, kind=KIND, status__in=UNFINISHED).exists()


class ChunkQueue:
    """``CatalogRun``'s sink for the scheduled push: each chunk of read items becomes a queued record."""

    def __init__(self, tenant: Tenant, summary: Summary) -> None:
        self.tenant, self.summary = tenant, summary
        self.run = f"{timezone.now():%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"
        self.count = 0

    def __call__(self, items: list[Item]) -> None:
        if not items:
            return
        self.count += 1
        self.summary.read += len(items)
        self.summary.chunks += 1
        record = SyncRecord.objects.create(
            tenant=self.tenant, kind=KIND, external_id=f"{self.run}-{self.count:03d}",
            direction=Direction.TO_BIGCOMMERCE, source=Source.SCHEDULE,
            stub={"run": self.run, "chunk": self.count, "items": len(items), "first": items[0].inventory_id,
                  "last": items[-1].inventory_id},
            snapshot=redact_data({"items": [item_to_json(item) for item in items]}))
        record.log("record.received", message=f"Chunk {self.count} of catalog push {self.run}: {len(items)} "
                                              f"items read from Acumatica ({items[0].inventory_id} .. "
                                              f"{items[-1].inventory_id}).")
        enqueue_record(record)


def queue_catalog_push(tenant: Tenant) -> Summary:
    """The scheduled changed-since push: reads Acumatica, queues the chunks, moves the cursors."""
    if not (tenant.active and tenant.sync_catalog):
        return Summary()
    with job_lock(f"catalog-push:{tenant.pk}", lease=timedelta(hours=1)) as held:
        if not held or unfinished_chunks(tenant):
            return Summary(busy=True)
        with secrets_cached(), open_clients(tenant, tenant_call_recorder(tenant)) as (bc, ac):
            summary = Summary()
            CatalogRun(tenant, bc, ac, Source.SCHEDULE, sink=ChunkQueue(tenant, summary)).changed()
            return summary


@register_pipeline(KIND)
def push_chunk(record: SyncRecord) -> dict | None:
    """Pushes one chunk's items; a second attempt re-reads them from Acumatica first."""
    tenant = record.tenant
    if not (tenant.active and tenant.sync_catalog):
        record.filter("Catalog sync is off for this tenant; the chunk was not pushed.")
        return None
    items = [item_from_json(data) for data in (record.snapshot or {}).get("items", [])]
    settings = catalog_settings(tenant)
    with open_clients(tenant, tenant_call_recorder(tenant)) as (bc, ac):
        if record.attempts > 1:  # values read before an earlier attempt failed may be stale by now
            items = list(reads.items_by_id(ac, settings, [item.inventory_id for item in items]))
        else:
            items = reads.finish_stock(ac, settings, items)
        pusher = CatalogPush(tenant, bc, record.source, token=chunk_token(record), lease=SKU_LEASE)
        with pusher.heartbeat():
            pusher.push(items)
    summary = pusher.summary
    return {"summary": summary.as_dict(),
            "message": f"{summary.changed} of {summary.read} items changed: {summary.succeeded} pushed, "
                       f"{summary.failed} failed, {summary.not_found} not in BigCommerce."}
