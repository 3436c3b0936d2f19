"""Catch-up polls: BigCommerce orders and customers modified since the tenant's cursor.

Webhooks can be lost (a deactivated hook, an outage), so each tenant's schedule also reads what
changed since the cursor, moved back by an overlap window. The rules that make a poll unable to
skip a change:

- **Overlap**: a poll starts ``OVERLAP`` before the cursor. BigCommerce dates have whole-second
  resolution, so the newest second of the last poll is always read again.
- **The cursor never passes the poll's own start**: it moves to the newest modification read, but
  not beyond the moment the poll began, so whatever is edited while a poll runs is in the next
  poll's window.
- **Orders are paged by id** (``iter_orders_modified_since_by_id``), not by offset over a date sort,
  where an edit between two pages shifts an unread order into a page already read.
- **Webhooks first**: the scheduled poll (``sync.jobs.poll_orders_job``) leaves whatever changed in the last
  ``POLL_WEBHOOK_GRACE_SECONDS`` to its webhooks, which are normally in flight then, and keeps its cursor
  before it, so the next poll reads it if they never come. Otherwise an order changed just before a poll
  gets a polled record beside its webhooks' (which must read its refunds and may run it twice).
- **De-duplication**: an object whose record is pending is coalesced (one queued run); one whose
  last settled run read this very ``date_modified`` is not queued again, unless that read happened
  in the same second as the modification (``SAME_SECOND``): a second edit within that second has
  the same ``date_modified`` text and would otherwise be skipped for good.

The cursor advances only after a page's records are stored, in the same transaction.
"""
import json
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from audit.models import Direction, Source, Status, SyncRecord
from audit.redaction import redact_data
from sync.batches import chunked
from sync.bigcommerce import BigCommerceClient
from sync.clients import bigcommerce_client
from sync.mapping import bc_datetime
from sync.models import Cursor
from sync.tasks import enqueue_record
from tenants.models import Tenant

OVERLAP = timedelta(minutes=10)
# A read this long after the modified second has surely seen it (whole-second dates, small clock skew).
SAME_SECOND = timedelta(seconds=2)
FIRST_RUN_LOOKBACK = timedelta(days=7)
PAGE = 250
ORDER_PAGE = 250  # orders per request (BigCommerce's maximum); tests make it small to page across edits
SETTLED = (Status.SUCCEEDED, Status.FILTERED, Status.NEEDS_ATTENTION)

Progress = Callable[[int, int], None]  # (seen, queued)


def poll_start(tenant: Tenant, cursor: Cursor) -> datetime:
    if cursor.position:
        return cursor.position - OVERLAP
    return tenant.orders_backfill_from or timezone.now() - FIRST_RUN_LOOKBACK


def _comparable(data: Any) -> Any:
    """JSON-plain and redacted, as a snapshot is stored, so a row read now compares with one stored then."""
    return json.loads(json.dumps(redact_data(data), cls=DjangoJSONEncoder))


def _same_content(row: dict, seen: dict) -> bool:
    """The row's own fields equal the snapshot's (sub-resource links, which a snapshot holds as lists, aside)."""
    row = _comparable(row)
    return all(seen.get(key) == value for key, value in row.items()
               if not (isinstance(value, dict) and "resource" in value))


def _already_seen(record: SyncRecord | None, row: dict) -> bool:
    """True when the last settled run, or the one in progress, surely read this very modification of the object.

    Same ``date_modified`` is not enough on its own: dates have whole seconds, and a second edit in
    the second of our read has the same text. So the read must have happened after that second
    (plus ``SAME_SECOND`` of clock skew), or what it read must equal the row in every field.
    """
    modified = row.get("date_modified")
    if record is not None and record.status == SyncRecord.Status.RUNNING and modified and record.claimed_at \
            and record.claimed_at >= bc_datetime(modified) + SAME_SECOND:
        return True  # the run in progress reads the object after this modification: no second run for it
    # A run in progress that has already stored what it read (or an earlier run that read it) is compared like
    # a settled one: a poll landing right after an order's webhooks would otherwise run it twice.
    if record is None or record.status not in (*SETTLED, SyncRecord.Status.RUNNING) \
            or not isinstance(record.snapshot, dict) or not modified:
        return False
    seen = record.snapshot.get("order", record.snapshot)
    if not isinstance(seen, dict) or seen.get("date_modified") != modified:
        return False
    if record.claimed_at is not None and record.claimed_at >= bc_datetime(modified) + SAME_SECOND:
        return True
    return _same_content(row, seen)


def _store_page(tenant: Tenant, cursor: Cursor, kind: str, rows: list[dict], horizon: datetime) -> int:
    queued = 0
    with transaction.atomic():
        existing = {r.external_id: r for r in SyncRecord.objects.filter(
            tenant=tenant, kind=kind, external_id__in=[str(row["id"]) for row in rows])}
        for row in rows:
            if _already_seen(existing.get(str(row["id"])), row):
                continue
            stub = {"id": row["id"], "date_modified": row.get("date_modified"), "poll": True}
            record, created = SyncRecord.objects.upsert_pending(tenant, kind, row["id"], Direction.TO_ACUMATICA,
                                                                Source.POLL, stub=stub)
            if created:
                # Settled like a webhook's run: an order the poll finds moments after it changed usually has
                # its webhooks in flight, and a run started at once would be flagged by them to run again.
                enqueue_record(record, settle=True)
                queued += 1
        newest = min(max(bc_datetime(row["date_modified"]) for row in rows), horizon)  # never past the horizon
        if cursor.position is None or newest > cursor.position:
            cursor.position = newest
            cursor.save(update_fields=["position", "updated_at"])
    return queued


def _poll(tenant: Tenant, kind: str, stream: str, rows_since: Callable[[BigCommerceClient, datetime], Iterable[dict]],
          since: datetime | None, progress: Progress | None, grace: timedelta) -> int:
    cursor, _ = Cursor.objects.get_or_create(tenant=tenant, stream=stream)
    start = since or poll_start(tenant, cursor)
    # Changes after the horizon are left to their webhooks, and to the next poll: the cursor stays before them.
    # Without a grace every row is taken, also one stamped ahead of our clock.
    horizon = timezone.now() - grace
    seen = queued = 0
    with bigcommerce_client(tenant.bigcommerce) as bc:
        for page in chunked(rows_since(bc, start), PAGE):
            settled = [row for row in page if bc_datetime(row["date_modified"]) <= horizon] if grace else page
            if settled:
                queued += _store_page(tenant, cursor, kind, settled, horizon)
            seen += len(page)
            if progress:
                progress(seen, queued)
    return queued


def poll_orders(tenant_id: int, since: datetime | None = None, progress: Progress | None = None,
                grace: timedelta = timedelta(0)) -> int:
    """Queues a record for every order changed since the cursor (and at least ``grace`` ago); returns how many
    were queued."""
    tenant = Tenant.objects.select_related("bigcommerce").get(pk=tenant_id)
    if not (tenant.active and tenant.sync_orders):
        return 0
    return _poll(tenant, "order", "orders", lambda bc, start: bc.iter_orders_modified_since_by_id(start, ORDER_PAGE),
                 since, progress, grace)


def poll_customers(tenant_id: int, since: datetime | None = None, progress: Progress | None = None,
                   grace: timedelta = timedelta(0)) -> int:
    tenant = Tenant.objects.select_related("bigcommerce").get(pk=tenant_id)
    if not (tenant.active and tenant.sync_customers):
        return 0
    return _poll(tenant, "customer", "customers", lambda bc, start: bc.iter_customers_modified_since(start),
                 since, progress, grace)


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
