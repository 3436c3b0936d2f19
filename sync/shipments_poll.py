"""Catch-up poll of Acumatica shipments modified since the tenant's cursor (push notifications can be lost).

Same rules as the BigCommerce polls (sync/polling.py): the window starts ``OVERLAP`` before the cursor, the
cursor never passes the poll's own start, and it advances only with the page's records, in one transaction.
A shipment is queued when it is shipped (confirmed or later) or when we already hold a record for it (a
correction must reach BigCommerce); one whose last settled run read this very LastModifiedDateTime is not
queued again. A deleted shipment leaves no row to find: only its push notification brings it.

The first poll of a tenant starts where it runs (minus the overlap), not days back: shipments confirmed before
the flow was on were shipped without the connector, and BigCommerce may already show them (by hand, or another
app); sending them now would make duplicates or a wall of "more than left to ship". `sync_shipments --since`
sends older ones on purpose.
"""
from collections.abc import Iterable
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from audit.models import Direction, Source, SyncRecord
from sync.acumatica import unwrap
from sync.batches import chunked
from sync.clients import acumatica_client
from sync.mapping import bc_datetime
from sync.models import Cursor
from sync.polling import OVERLAP, SETTLED
from sync.shipments_dropship import poll_drop_ships
from sync.shipments_mapping import SHIPPED_STATUSES
from sync.tasks import enqueue_record, enqueue_records
from tenants.models import Tenant

STREAM = "shipments"
PAGE = 100


def _modified(row: dict) -> datetime | None:
    value = row.get("LastModifiedDateTime")
    return bc_datetime(value) if value else None


def _already_seen(record: SyncRecord | None, row: dict) -> bool:
    if record is None or record.status not in SETTLED or not isinstance(record.snapshot, dict):
        return False
    seen = record.snapshot.get("shipment") or {}
    return bool(row.get("LastModifiedDateTime")) and seen.get("LastModifiedDateTime") == row["LastModifiedDateTime"]


def _store_page(tenant: Tenant, cursor: Cursor, rows: list[dict], started: datetime) -> int:
    queued = 0
    with transaction.atomic():
        existing = {r.external_id: r for r in SyncRecord.objects.filter(
            tenant=tenant, kind="shipment", external_id__in=[str(row["ShipmentNbr"]) for row in rows])}
        for row in rows:
            record = existing.get(str(row["ShipmentNbr"]))
            if (record is None and row.get("Status") not in SHIPPED_STATUSES) or _already_seen(record, row):
                continue
            stub = {"ShipmentNbr": row["ShipmentNbr"], "Status": row.get("Status"),
                    "LastModifiedDateTime": row.get("LastModifiedDateTime"), "poll": True}
            record, created = SyncRecord.objects.upsert_pending(tenant, "shipment", row["ShipmentNbr"],
                                                                Direction.TO_BIGCOMMERCE, Source.POLL, stub=stub)
            if created:
                enqueue_record(record)
                queued += 1
        advance(cursor, [_modified(row) for row in rows], started)
    return queued


def advance(cursor: Cursor, stamps: list[datetime | None], started: datetime) -> None:
    """Moves the cursor to the newest of the page's stamps, never past the poll's own start."""
    stamps = [m for m in stamps if m]
    if stamps:
        newest = min(max(stamps), started)
        if cursor.position is None or newest > cursor.position:
            cursor.position = newest
            cursor.save(update_fields=["position", "updated_at"])


def poll_shipments(tenant_id: int, since: datetime | None = None) -> int:
    """Queues a record for every shipped (or already known) shipment changed since the cursor; returns how many."""
    tenant = Tenant.objects.select_related("acumatica").get(pk=tenant_id)
    if not (tenant.active and tenant.sync_shipments):
        return 0
    cursor, _ = Cursor.objects.get_or_create(tenant=tenant, stream=STREAM)
    start = since or (cursor.position or timezone.now()) - OVERLAP
    started = timezone.now()
    queued = 0
    with acumatica_client(tenant.acumatica) as ac:
        rows = (unwrap(row) for row in ac.query(
            "Shipment", filter=ac.modified_since_filter("Shipment", start),
            select="ShipmentNbr,Status,LastModifiedDateTime", top=PAGE))
        for page in chunked(rows, PAGE):
            queued += _store_page(tenant, cursor, page, started)
        # Drop-ship receipts have no Shipment row: they are found on the sales orders (sync/shipments_dropship.py).
        queued += poll_drop_ships(tenant, ac, since, started)
    return queued


def queue_shipments(tenant: Tenant, shipment_nbrs: Iterable[str], source: str = Source.MANUAL) -> int:
    """Queues the given shipments by number, whatever their state (a command, a test, the demo)."""
    with transaction.atomic():
        to_run = SyncRecord.objects.upsert_pending_many(tenant, "shipment", [str(n) for n in shipment_nbrs],
                                                        Direction.TO_BIGCOMMERCE, source, stub={"manual": True})
        enqueue_records(to_run)
    return len(to_run)
