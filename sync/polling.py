"""Catch-up polls: BigCommerce orders and customers modified since the tenant's cursor.

Webhooks can be lost (a deactivated hook, an outage), so each tenant's schedule also reads what
changed since the cursor, moved back by an overlap window so an order modified while the last
poll ran is not missed. The cursor advances only after a page's records are stored, in the same
transaction; duplicates from the overlap are harmless because records coalesce and writes are
idempotent.
"""
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from audit.models import Direction, Source, Status, SyncRecord
from sync.batches import chunked
from sync.bigcommerce import BigCommerceClient
from sync.clients import bigcommerce_client
from sync.mapping import bc_datetime
from sync.models import Cursor
from sync.tasks import enqueue_record
from tenants.models import Tenant

OVERLAP = timedelta(minutes=10)
FIRST_RUN_LOOKBACK = timedelta(days=7)
PAGE = 250
SETTLED = (Status.SUCCEEDED, Status.FILTERED, Status.NEEDS_ATTENTION)

Progress = Callable[[int, int], None]  # (seen, queued)


def poll_start(tenant: Tenant, cursor: Cursor) -> datetime:
    if cursor.position:
        return cursor.position - OVERLAP
    return tenant.orders_backfill_from or timezone.now() - FIRST_RUN_LOOKBACK


def _already_seen(record: SyncRecord | None, modified: str) -> bool:
    """True when the last settled run already read this very modification of the object."""
    if record is None or record.status not in SETTLED or not isinstance(record.snapshot, dict):
        return False
    seen = record.snapshot.get("order", record.snapshot)
    return isinstance(seen, dict) and seen.get("date_modified") == modified


def _store_page(tenant: Tenant, cursor: Cursor, kind: str, rows: list[dict]) -> int:
    queued = 0
    with transaction.atomic():
        existing = {r.external_id: r for r in SyncRecord.objects.filter(
            tenant=tenant, kind=kind, external_id__in=[str(row["id"]) for row in rows])}
        for row in rows:
            if _already_seen(existing.get(str(row["id"])), row.get("date_modified")):
                continue
            stub = {"id": row["id"], "date_modified": row.get("date_modified"), "poll": True}
            record, created = SyncRecord.objects.upsert_pending(tenant, kind, row["id"], Direction.TO_ACUMATICA,
                                                                Source.POLL, stub=stub)
            if created:
                enqueue_record(record)
                queued += 1
        newest = max(bc_datetime(row["date_modified"]) for row in rows)
        if cursor.position is None or newest > cursor.position:
            cursor.position = newest
            cursor.save(update_fields=["position", "updated_at"])
    return queued


def _poll(tenant: Tenant, kind: str, stream: str, rows_since: Callable[[BigCommerceClient, datetime], Iterable[dict]],
          since: datetime | None, progress: Progress | None) -> int:
    cursor, _ = Cursor.objects.get_or_create(tenant=tenant, stream=stream)
    start = since or poll_start(tenant, cursor)
    seen = queued = 0
    with bigcommerce_client(tenant.bigcommerce) as bc:
        for page in chunked(rows_since(bc, start), PAGE):
            queued += _store_page(tenant, cursor, kind, page)
            seen += len(page)
            if progress:
                progress(seen, queued)
    return queued


def poll_orders(tenant_id: int, since: datetime | None = None, progress: Progress | None = None) -> int:
    """Queues a record for every order changed since the cursor; returns how many were queued."""
    tenant = Tenant.objects.select_related("bigcommerce").get(pk=tenant_id)
    if not (tenant.active and tenant.sync_orders):
        return 0
    return _poll(tenant, "order", "orders", lambda bc, start: bc.iter_orders_modified_since(start), since, progress)


def poll_customers(tenant_id: int, since: datetime | None = None, progress: Progress | None = None) -> int:
    tenant = Tenant.objects.select_related("bigcommerce").get(pk=tenant_id)
    if not (tenant.active and tenant.sync_customers):
        return 0
    return _poll(tenant, "customer", "customers", lambda bc, start: bc.iter_customers_modified_since(start),
                 since, progress)


def queue_orders(tenant: Tenant, order_ids: Iterable[int]) -> int:
    """Queues the given orders by id, whatever their modification time (the command's --order)."""
    queued = 0
    for order_id in order_ids:
        with transaction.atomic():
            record, created = SyncRecord.objects.upsert_pending(tenant, "order", int(order_id), Direction.TO_ACUMATICA,
                                                                Source.MANUAL, stub={"id": int(order_id)})
            if created:
                enqueue_record(record)
                queued += 1
    return queued
