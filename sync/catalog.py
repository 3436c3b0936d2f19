"""Catalog pipeline: Acumatica price, cost and availability -> BigCommerce products and variants, by SKU.

Two ways in, one push:

- ``push_catalog(tenant, full=False, inventory_ids=None)``: the ``push_catalog`` command's run, in
  this process. Reads what changed since the cursors (``sync/catalog_reads.py``), or everything
  with ``full``, in chunks of ``CHUNK`` items, and pushes each chunk in batches. The schedule reads
  the same way but pushes each chunk in a task of its own (``sync/catalog_chunks.py``).
- ``sync_product(record)``: the pipeline of kind ``product`` (push notifications, replays, due
  retries). One record = one Acumatica InventoryID (``external_id``); it re-reads that item from
  Acumatica, so a replay never re-sends a stale value.

Per chunk (``CatalogPush.push``): InventoryID -> SKU (mapping, then same code); SKU -> BigCommerce
product or variant id, cached on ``CatalogState`` (and the SKU mapping), looked up in batches
(``sku:in``), or, when a run meets many unknown SKUs, by reading BigCommerce's catalog once
(``sync/catalog_lookup.py``); stock moves merged into the same item's price read (one record per
SKU per run);
values diffed against the last pushed state; one ``SyncRecord`` per changed SKU, claimed by the run
itself (the claim is also the per-item lock: no two workers push one item at once), all of a chunk's
records claimed, audited and settled together in a few statements (``claim_many``/``settle_many``:
about 0.4 database statements per changed SKU instead of ~19); then product
batch PUTs (10), variant batch PUTs (50) and one absolute inventory adjustment request (up to 2000
items, the tenant's location). A batch refused by BigCommerce is split in halves until the bad
item stands alone, so one bad item does not fail the others. An id BigCommerce says is gone is
looked up again once. A SKU BigCommerce does not have (or a value it refuses) ends
``needs_attention`` once for the same values, not on every run (``CatalogState.refused_values``).

Audit: each SKU's record gets ``record.*`` events and a ``catalog.pushed`` event naming the values
pushed and what BigCommerce held before (as far as the last push knows);
batch calls serve many records, so a run's ``api.call`` events are written on the tenant (no
record). A record's own run (push notification, replay) records its calls on the record.
"""
from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from fractions import Fraction
from typing import Any

from django.db.models import Q
from django.db.models.functions import Upper
from django.utils import timezone

from audit.lease import LeaseHeartbeat
from audit.models import (AuditEvent, Direction, Source, Status, SyncRecord, api_call_recorder, secrets_cached,
                          tenant_secrets)
from sync import catalog_reads as reads
from sync.acumatica import AcumaticaClient
from sync.batches import chunked, update_rows
from sync.bigcommerce import BigCommerceClient
from sync.catalog_values import (WAREHOUSE_DETAILS, CatalogSettings, Item, adjustment_item, catalog_body, changes,
                                 halves, jsonable_values, later)
from sync.catalog_lookup import (PRODUCT_FIELDS, STATE_BATCH, STATE_FIELDS, TRACKING_FIELDS, VARIANT_FIELDS,
                                 cache_on_mappings, copy_ids, forget, found, scan_catalog)
from sync.clients import open_clients
from sync.http import ApiError, CallHook
from sync.inventory_ids import skus_for
from sync.locks import job_lock
from sync.models import CatalogState, Cursor
from sync.tasks import enqueue_record, register_pipeline
from tenants.models import Tenant

log = logging.getLogger(__name__)

KIND = "product"
CHUNK = 2000            # items handled together: bounded memory, and one inventory request per chunk
OVERLAP = timedelta(minutes=5)  # cursors are moved back by this; re-read items diff to nothing
SCAN_THRESHOLD = 100    # more unknown SKUs than this in one run: read BigCommerce's catalog once instead
PRICE_KEYS = ("price", "cost")
INVENTORY_KEYS = ("inventory",)

Progress = Callable[["Summary"], None]


# Tenant settings naming Acumatica items that exist only for documents the connector makes (never
# products in the store): they are left out of the push without a word.
ERP_ONLY_ITEM_SETTINGS = ("refund_adjustment_item",)


def excluded_items(tenant: Tenant) -> frozenset[str]:
    named = [getattr(tenant, name, "") for name in ERP_ONLY_ITEM_SETTINGS]
    return frozenset(str(i).strip().upper() for i in [*named, *(tenant.catalog_excluded_items or [])] if str(i).strip())


def catalog_settings(tenant: Tenant) -> CatalogSettings:
    return CatalogSettings(push_price=tenant.push_price, push_cost=tenant.push_cost,
                           push_inventory=tenant.push_inventory, cost_field=tenant.cost_field,
                           quantity=tenant.stock_quantity, warehouses=tuple(tenant.warehouses or ()),
                           safety_stock=tenant.safety_stock, excluded=excluded_items(tenant))


def not_found_error(sku: str, inventory_id: str) -> ApiError:
    return ApiError(f"SKU {sku} not found in BigCommerce (Acumatica InventoryID {inventory_id}). Create a product "
                    "or variant with this SKU, or map the InventoryID to the right SKU, then replay; if the item "
                    "is not sold online, add it to the tenant's excluded catalog items. It is not reported again.",
                    status=404, permanent=True)


def tenant_call_recorder(tenant: Tenant) -> CallHook:
    """Batch calls serve many records at once, so they are audited on the tenant, not on one record."""
    return api_call_recorder(tenant.pk, default_message="catalog push")


@dataclass
class Summary:
    read: int = 0          # Acumatica items seen
    changed: int = 0       # SKUs with something to push (records claimed)
    succeeded: int = 0
    failed: int = 0
    not_found: int = 0
    busy: bool = False     # another run of this tenant's push held the lock (or its chunks are not done)
    chunks: int = 0        # chunk records queued (the scheduled push, sync/catalog_chunks.py)

    def as_dict(self) -> dict[str, Any]:
        return {"read": self.read, "changed": self.changed, "succeeded": self.succeeded, "failed": self.failed,
                "not_found": self.not_found, "busy": self.busy, "chunks": self.chunks}


@dataclass
class Pending:
    """One claimed SKU on its way to BigCommerce."""

    item: Item
    state: CatalogState
    record: SyncRecord | None  # None until the batch claims it (``CatalogPush._claim_all``)
    changed: dict[str, Any]
    done: set[str] = field(default_factory=set)
    error: ApiError | None = None
    gone: bool = False

    def fail(self, error: ApiError) -> None:
        self.error = error


# ---------------------------------------------------------------------------------------------
# The push of one chunk


class CatalogPush:
    """Pushes chunks of Acumatica items for one tenant over open clients; keeps a run summary."""

    def __init__(self, tenant: Tenant, bc: BigCommerceClient, source: str, full: bool = False,
                 token: uuid.UUID | None = None, lease: timedelta | None = None) -> None:
        self.tenant, self.bc, self.source, self.full = tenant, bc, source, full
        self.summary = Summary()
        self.scanned = False  # BigCommerce's catalog was read whole in this run
        self.secrets = tenant_secrets(tenant.pk)  # read once per run, not once per audit event
        self.excluded = excluded_items(tenant)
        # Stamps every record this run claims: one lease to renew, one owner to settle. A chunk passes
        # its own, so its next attempt takes over what a dead attempt had claimed (sync/catalog_chunks.py).
        self.token = token or uuid.uuid4()
        self.lease = lease  # how long the SKU records stay claimed between heartbeats (None: SYNC_LEASE_SECONDS)
        # The heartbeat's UPDATE of this run's records and the run's own claim/settle statements on the
        # same rows never overlap: two multi-row UPDATEs locking rows in different orders deadlock.
        self.writing = threading.Lock()

    def heartbeat(self) -> LeaseHeartbeat:
        """Keeps the leases of the records this run claimed alive while it runs (one UPDATE a beat)."""
        return LeaseHeartbeat(BatchLease(self.tenant.pk, self.token, self.lease, self.writing))

    def push(self, items: list[Item], claimed: dict[str, SyncRecord] | None = None,
             force: bool = False) -> dict[str, dict | ApiError]:
        """Pushes what changed; returns the outcome of each record in ``claimed`` (others are settled here)."""
        claimed = claimed or {}
        items = [item for item in _merged(items) if item.inventory_id.upper() not in self.excluded]
        self.summary.read += len(items)
        skus = skus_for(self.tenant, [item.inventory_id for item in items])
        items = [item for item in items if item.inventory_id in skus]
        states = self._states(items, skus)
        loaded = {inventory_id: _fields(state) for inventory_id, state in states.items()}
        self._adopt(items, states, skus)
        self._resolve([states[i.inventory_id] for i in items
                       if self._needs_lookup(i, states[i.inventory_id], claimed)])
        outcomes: dict[str, dict | ApiError] = {}
        pending = self._claim_all([p for item in items
                                   if (p := self._prepare(item, states[item.inventory_id], claimed, force, outcomes))])
        try:
            self._send(pending)
            self._retry_gone([p for p in pending if p.gone])
        except Exception as error:  # a crash, not a refusal: the claimed records must not hang until their lease ends
            with self.writing:
                SyncRecord.objects.settle_many([(p.record, error) for p in pending
                                                if p.item.inventory_id not in claimed])
            raise
        self.settled: list[tuple[SyncRecord, dict | ApiError]] = []
        self.events: list[AuditEvent] = []
        for p in pending:
            self._settle(p, claimed, outcomes)
        with self.writing:
            rerun = SyncRecord.objects.settle_many(self.settled, self.events)
        for record in rerun:
            if record.status == Status.PENDING:  # a push notification came in meanwhile: run it again
                enqueue_record(record)
        dirty = [state for state in states.values() if _fields(state) != loaded[state.inventory_id]]
        update_rows(dirty, STATE_FIELDS, size=STATE_BATCH)
        return outcomes

    # -- states and lookups --------------------------------------------------------------------

    def _states(self, items: list[Item], skus: dict[str, str]) -> dict[str, CatalogState]:
        ids = [item.inventory_id for item in items]
        existing = set(CatalogState.objects.filter(tenant=self.tenant, inventory_id__in=ids)
                       .values_list("inventory_id", flat=True))
        CatalogState.objects.bulk_create([CatalogState(tenant=self.tenant, inventory_id=i, sku=skus[i])
                                          for i in ids if i not in existing], ignore_conflicts=True)
        states = {s.inventory_id: s for s in CatalogState.objects.filter(tenant=self.tenant, inventory_id__in=ids)}
        return states

    def _adopt(self, items: list[Item], states: dict[str, CatalogState], skus: dict[str, str]) -> None:
        for item in items:
            state = states[item.inventory_id]
            state.is_stock = item.is_stock
            if item.is_stock and item.unit is not None and not item.problem:
                state.sales_unit = str(item.unit)
            if item.stock_stamp:  # cleared again if the push of this item fails (_settle)
                state.stock_stamp = item.stock_stamp
            if state.sku != skus[item.inventory_id]:  # the mapping changed: what we knew was another product's
                forget(state, keep_values=False)
                state.sku = skus[item.inventory_id]

    def _needs_lookup(self, item: Item, state: CatalogState, claimed: dict) -> bool:
        if item.problem:
            return False
        if state.target:  # a full run re-reads whether a product that did not track inventory does now
            return self.full and not state.tracks_inventory
        if self.full or item.inventory_id in claimed:
            return True
        return not state.not_in_bigcommerce and state.refused_values != jsonable_values(item.values)

    def _resolve(self, states: list[CatalogState]) -> None:
        """Finds BigCommerce ids for SKUs we do not know yet."""
        if not states or self.scanned:
            return  # a whole-catalog read in this run already saw every SKU BigCommerce has
        if len(states) > SCAN_THRESHOLD:
            scan_catalog(self.tenant, self.bc)
            self.scanned = True
            fresh = {s.pk: s for s in CatalogState.objects.filter(pk__in=[s.pk for s in states])}
            for state in states:
                copy_ids(fresh[state.pk], state)
            return
        self._look_up(states)

    def _look_up(self, states: list[CatalogState]) -> None:
        by_sku = {s.sku.lower(): s for s in states}
        for sku, product in self.bc.find_products_by_skus([s.sku for s in states], PRODUCT_FIELDS).items():
            found(by_sku.pop(sku.lower()), "product", product)
        if by_sku:
            variants = self.bc.find_variants_by_skus([s.sku for s in by_sku.values()], VARIANT_FIELDS)
            # A variant's stock is its own only when its product tracks inventory by variant.
            parents = self.bc.find_products_by_ids([v["product_id"] for v in variants.values()], TRACKING_FIELDS)
            for sku, variant in variants.items():
                tracking = (parents.get(int(variant["product_id"])) or {}).get("inventory_tracking")
                found(by_sku.pop(sku.lower()), "variant", variant, tracking)
        cache_on_mappings(self.tenant, [s for s in states if s.target])

    # -- records -------------------------------------------------------------------------------

    def _prepare(self, item: Item, state: CatalogState, claimed: dict[str, SyncRecord], force: bool,
                 outcomes: dict) -> Pending | None:
        record = claimed.get(item.inventory_id)
        if item.problem:
            self._report_once(item, state, record, outcomes, ApiError(item.problem, permanent=True))
            return None
        if record is None and self._refused_before(item, state):
            return None
        if not state.target:
            if record is not None or not state.not_in_bigcommerce:
                self._notfound(item, state, record, outcomes)
            return None
        values = item.values if state.tracks_inventory else {k: v for k, v in item.values.items() if k != "inventory"}
        changed = dict(values) if force else changes(values, _known(state))
        if not changed:
            if record is not None:
                outcomes[item.inventory_id] = _result(state, {}, "BigCommerce already holds these values.")
            return None
        return Pending(item, state, record, changed)

    def _claim_all(self, pending: list[Pending]) -> list[Pending]:
        """Claims the records of the changed SKUs the caller did not claim, all at once; a SKU whose
        record another worker is running is left to that worker (flagged to run again)."""
        batch = {p.item.inventory_id: p for p in pending if p.record is None}
        with self.writing:
            records = SyncRecord.objects.claim_many(
                self.tenant, KIND, Direction.TO_BIGCOMMERCE, self.source,
                stubs={key: _stub(p.item, p.changed) for key, p in batch.items()},
                snapshots={key: p.item.source or {"InventoryID": key} for key, p in batch.items()},
                token=self.token, secrets=self.secrets, lease=self.lease) if batch else {}
        for key, record in records.items():
            batch[key].record = record
        pending = [p for p in pending if p.record is not None]
        self.summary.changed += len(pending)
        return pending

    def _refused_before(self, item: Item, state: CatalogState) -> bool:
        """Ended in a permanent error for these very values: reported once, not again on every run.

        New values or a replay ask again; a --full run retries what BigCommerce refused and what it
        now has, but leaves a SKU that is still missing alone.
        """
        if state.refused_values != jsonable_values(item.values):
            return False
        return not (self.full and state.target)

    def _claim(self, item: Item, changed: dict[str, Any]) -> SyncRecord | None:
        """Creates or reopens the SKU's record and claims it; None while another worker runs it.

        A record that is running elsewhere is flagged to run again by ``upsert_pending``, and that
        run re-reads Acumatica, so skipping it here loses nothing.
        """
        record, _ = SyncRecord.objects.upsert_pending(self.tenant, KIND, item.inventory_id, Direction.TO_BIGCOMMERCE,
                                                      self.source, stub=_stub(item, changed))
        claimed = SyncRecord.objects.claim(record.pk)
        if claimed is not None:
            claimed.store_snapshot(item.source or {"InventoryID": item.inventory_id})
        return claimed

    def _notfound(self, item: Item, state: CatalogState, record: SyncRecord | None, outcomes: dict) -> None:
        """Reported once; until a full run or a replay finds the SKU, later changes of the item are not."""
        if self._report_once(item, state, record, outcomes, not_found_error(state.sku, item.inventory_id)):
            state.not_in_bigcommerce = True
            self.summary.not_found += 1

    def _report_once(self, item: Item, state: CatalogState, record: SyncRecord | None, outcomes: dict,
                     error: ApiError) -> bool:
        """Ends the item's record with a permanent error, unless these very values were reported already."""
        values = jsonable_values({**item.values, **({"problem": item.problem} if item.problem else {})})
        if record is not None:
            outcomes[item.inventory_id] = error
        elif state.refused_values == values:
            return False
        else:
            record = self._claim(item, item.values)
            if record is None:
                return False
            record.fail(error)
        state.refused_values = values
        return True

    def _settle(self, p: Pending, claimed: dict[str, SyncRecord], outcomes: dict) -> None:
        pushed = {key: p.changed[key] for key in p.done}
        before = {key: value for key, value in _known(p.state).items() if key in pushed}
        _remember(p.state, pushed)
        if p.error is not None and not p.error.permanent:
            p.state.stock_stamp = ""  # read this move again next time (a refused value is remembered instead)
        if p.error is None:
            p.state.refused_values = None
        elif p.error.permanent:
            p.state.refused_values = jsonable_values(p.item.values)
        result = p.error or _result(p.state, pushed, _describe(p, pushed))
        if pushed:  # the SKU's own audit row: what BigCommerce held before (as far as we know) and now
            data = {"sku": p.state.sku, "target": p.state.target, "pushed": jsonable_values(pushed),
                    "before": jsonable_values(before)}
            if p.item.inventory_id in claimed:
                p.record.log("catalog.pushed", message=_describe(p, pushed), known_secrets=self.secrets, data=data)
            else:
                self.events.append(p.record.event("catalog.pushed", _describe(p, pushed), data=data))
        if p.item.inventory_id in claimed:
            outcomes[p.item.inventory_id] = result
        else:
            self.settled.append((p.record, result))
        if p.error:
            self.summary.failed += 1
        else:
            self.summary.succeeded += 1

    # -- BigCommerce writes --------------------------------------------------------------------

    def _send(self, pending: list[Pending]) -> None:
        products, variants, stock = [], [], []
        for p in pending:
            target_id = p.state.bc_variant_id if p.state.target == "variant" else p.state.bc_product_id
            body = catalog_body(target_id, {k: v for k, v in p.changed.items() if k not in p.done})
            if body is not None:
                (variants if p.state.target == "variant" else products).append((p, body))
            if "inventory" in p.changed and "inventory" not in p.done and p.item.is_stock and p.state.tracks_inventory:
                stock.append((p, adjustment_item(p.state.target, target_id, p.changed["inventory"])))
        self._batches(products, 10, self.bc.update_products, PRICE_KEYS)
        self._batches(variants, 50, self.bc.update_variants, PRICE_KEYS)
        # One request per chunk at most: adjustments to one item are never sent concurrently.
        self._batches(stock, 2000, self._adjust, INVENTORY_KEYS)

    def _adjust(self, items: list[dict]) -> list:
        return self.bc.set_inventory_absolute(items, self.tenant.bigcommerce.location_id,
                                              reason="Acumatica stock (ml-connector)")

    def _batches(self, ops: list[tuple[Pending, dict]], size: int, call: Callable[[list[dict]], Any],
                 keys: tuple[str, ...]) -> None:
        for batch in chunked(ops, size):
            self._batch(batch, call, keys)

    def _batch(self, batch: list[tuple[Pending, dict]], call: Callable[[list[dict]], Any],
               keys: tuple[str, ...]) -> None:
        try:
            call([body for _, body in batch])
        except ApiError as error:
            if error.permanent and len(batch) > 1:
                for half in halves(batch):  # find the item BigCommerce refuses; the others go through
                    self._batch(half, call, keys)
                return
            for p, _ in batch:
                p.gone = p.gone or (len(batch) == 1 and _says_gone(error))
                p.fail(error)
            return
        for p, _ in batch:
            p.done.update(key for key in keys if key in p.changed)

    def _retry_gone(self, gone: list[Pending]) -> None:
        """BigCommerce says the cached id no longer exists: look the SKU up again and retry once."""
        if not gone:
            return
        for p in gone:
            forget(p.state, keep_values=True)
        try:
            self._look_up([p.state for p in gone])
        except ApiError as error:  # the records are claimed: they must end with this error, not hang
            for p in gone:
                p.gone, p.error = False, error
            return
        again = []
        for p in gone:
            p.gone, p.error = False, None
            if p.state.target:
                again.append(p)
            else:
                p.fail(not_found_error(p.state.sku, p.item.inventory_id))
        self._send(again)


# ---------------------------------------------------------------------------------------------
# Small helpers on states


def _merged(items: Iterable[Item]) -> list[Item]:
    """One entry per InventoryID (a later read's values win), so no item is pushed twice in a request."""
    merged: dict[str, Item] = {}
    for item in items:
        if not item.inventory_id:
            continue
        key = item.inventory_id.upper()
        if key in merged:
            merged[key].values.update(item.values)
            merged[key].source.update(item.source)
        else:
            merged[key] = item
    return list(merged.values())


def _stub(item: Item, changed: dict[str, Any]) -> dict[str, Any]:
    return {"values": jsonable_values(item.values), "changed": jsonable_values(changed)}


class BatchLease:
    """What ``LeaseHeartbeat`` renews for a batch run: every record claimed with the run's token."""

    def __init__(self, tenant_id: int, token: uuid.UUID, lease: timedelta | None, writing: threading.Lock) -> None:
        self.pk, self.tenant_id, self.token, self.lease = f"catalog-{tenant_id}", tenant_id, token, lease
        self.writing = writing

    def renew_lease(self) -> bool:
        with self.writing:
            SyncRecord.objects.renew_batch(self.tenant_id, self.token, self.lease)
        return True  # records claimed later in the run need it too


def _fields(state: CatalogState) -> tuple:
    return tuple(getattr(state, name) for name in STATE_FIELDS)


def _known(state: CatalogState) -> dict[str, Any]:
    return {"price": state.price, "cost": state.cost, "inventory": state.inventory}


def _remember(state: CatalogState, pushed: dict[str, Any]) -> None:
    for key, value in pushed.items():
        setattr(state, key, value)
    if pushed:
        state.pushed_at = timezone.now()


def _says_gone(error: ApiError) -> bool:
    text = str(error).lower()
    return error.status == 404 or (error.status == 422 and ("does not exist" in text or "not found" in text))


def _result(state: CatalogState, pushed: dict[str, Any], message: str) -> dict[str, Any]:
    key = f"variant/{state.bc_variant_id}" if state.target == "variant" else f"product/{state.bc_product_id}"
    return {"bigcommerce_key": key, "sku": state.sku, "pushed": jsonable_values(pushed), "message": message}


def _describe(p: Pending, pushed: dict[str, Any]) -> str:
    if not pushed:
        return "Nothing was pushed."
    parts = ", ".join(f"{key} {value}" for key, value in jsonable_values(pushed).items())
    return f"Pushed {parts} to BigCommerce {p.state.target} of SKU {p.state.sku}."


# ---------------------------------------------------------------------------------------------
# Runs


def _cursor_start(tenant: Tenant, stream: str, full: bool) -> datetime | None:
    cursor, _ = Cursor.objects.get_or_create(tenant=tenant, stream=stream)
    if full or cursor.position is None:
        return None
    return cursor.position - OVERLAP


def advance_cursor(tenant: Tenant, stream: str, newest: datetime | None) -> None:
    """Moves the cursor forward only (a slower concurrent run must not move it back)."""
    if newest is None:
        return
    Cursor.objects.filter(Q(position__isnull=True) | Q(position__lt=newest), tenant=tenant,
                          stream=stream).update(position=newest, updated_at=timezone.now())


def _with_moved_stock(items: Iterable[Item], moves: reads.Moves, every: bool) -> Iterator[Item]:
    """Marks the stock move of each item read for its price; takes it out of ``moves``.

    ``every``: the version has no changed-since stock source, so every stock item's stock is read."""
    for item in items:
        key = item.inventory_id.upper()
        if key in moves.quantities or every:
            reads.stock_moved(item, *moves.take(key))
        yield item


class CatalogRun:
    """One scheduled or manual push for a tenant: feeds of changed items, chunked into CatalogPush."""

    def __init__(self, tenant: Tenant, bc: BigCommerceClient, ac: AcumaticaClient, source: str,
                 full: bool = False, progress: Progress | None = None,
                 sink: Callable[[list[Item]], None] | None = None) -> None:
        """``sink``: where each chunk of read items goes instead of being pushed here (the scheduled push
        leaves them as chunk records, ``sync/catalog_chunks.py``)."""
        self.tenant, self.ac, self.full, self.progress, self.sink = tenant, ac, full, progress, sink
        self.settings = catalog_settings(tenant)
        self.pusher = CatalogPush(tenant, bc, source, full)

    def changed(self) -> Summary:
        """Items whose price or cost changed, merged with those whose stock moved: one record per SKU."""
        stock_since = _cursor_start(self.tenant, "stock_items", self.full)
        moves = reads.moved_stock(self.ac, self.settings, _cursor_start(self.tenant, "availability", self.full))
        if not self.full:
            moves.forget(self._stock_stamps(list(moves.quantities)))
        # Before 22.200.001 nothing says which stock moved: every stock item is read, with its stock.
        every = self.settings.push_inventory and not reads.has_availability_inquiry(self.ac)
        stock = reads.stock_items(self.ac, self.settings, None if every else stock_since)
        newest = self._feed(_with_moved_stock(stock, moves, every))
        newest = max(filter(None, [newest, self._feed(reads.non_stock_items(self.ac, self.settings, stock_since))]),
                     default=None)
        advance_cursor(self.tenant, "stock_items", newest)
        self._feed(self._rest_of_moved(moves))
        advance_cursor(self.tenant, "availability", moves.newest)
        return self.pusher.summary

    def _stock_stamps(self, keys: list[str]) -> dict[str, str]:
        rows = (CatalogState.objects.filter(tenant=self.tenant).annotate(key=Upper("inventory_id"))
                .filter(key__in=keys).exclude(stock_stamp="").values_list("key", "stock_stamp"))
        return dict(rows)

    def _rest_of_moved(self, moves: reads.Moves) -> Iterator[Item]:
        """Stock moves of items whose price did not change (the price feed already took the others).

        An item's sales unit is remembered from its last read; an item never read, or whose on-hand
        stock is on its warehouse details, is read again (40 a request)."""
        units = {inventory_id.upper(): unit for inventory_id, unit in CatalogState.objects.filter(
            tenant=self.tenant, inventory_id__in=list(moves.quantities), is_stock=True).exclude(sales_unit="")
            .values_list("inventory_id", "sales_unit")}
        reread = []
        for inventory_id in list(moves.quantities):
            if inventory_id in units and self.settings.stock_source != WAREHOUSE_DETAILS:
                yield reads.moved_item(inventory_id, *moves.take(inventory_id), Fraction(units[inventory_id]))
            else:
                reread.append(inventory_id)
        for item in reads.stock_items_by_id(self.ac, self.settings, reread):
            reads.stock_moved(item, *moves.take(item.inventory_id.upper()))
            item.values = {}  # its price did not change (the price feed would have read it)
            item.modified = None  # the item's own last-modified says nothing about its stock
            yield item

    def only(self, inventory_ids: list[str]) -> Summary:
        self._feed(reads.items_by_id(self.ac, self.settings, inventory_ids))
        return self.pusher.summary

    def _unit_changed(self, chunk: list[Item]) -> None:
        """An item whose sales unit changed needs its stock again, in the new unit, even if it did not move."""
        stock = [item for item in chunk if item.is_stock and item.unit is not None and not item.needs_stock
                 and item.base_stock is None]
        if not stock or not self.settings.push_inventory:
            return
        known = dict(CatalogState.objects.filter(tenant=self.tenant, inventory_id__in=[i.inventory_id for i in stock])
                     .exclude(sales_unit="").values_list("inventory_id", "sales_unit"))
        for item in stock:
            if item.inventory_id in known and Fraction(known[item.inventory_id]) != item.unit:
                item.needs_stock = True

    def _feed(self, items: Iterator[Item]) -> datetime | None:
        newest = None
        for chunk in chunked(items, CHUNK):
            for item in chunk:
                newest = later(newest, item.modified)
            self._unit_changed(chunk)
            if self.sink is not None:
                self.sink(chunk)
                continue
            self.pusher.push(reads.finish_stock(self.ac, self.settings, chunk))
            if self.progress:
                self.progress(self.pusher.summary)
        return newest


def push_catalog(tenant: Tenant, *, full: bool = False, inventory_ids: list[str] | None = None,
                 source: str = Source.SCHEDULE, progress: Progress | None = None) -> Summary:
    """Pushes what changed (or everything with ``full``, or only ``inventory_ids``); one run per tenant at a time."""
    if not (tenant.active and tenant.sync_catalog):
        return Summary()
    with job_lock(f"catalog-push:{tenant.pk}", lease=timedelta(hours=1)) as held:
        if not held:
            return Summary(busy=True)
        with secrets_cached(), open_clients(tenant, tenant_call_recorder(tenant)) as (bc, ac):
            run = CatalogRun(tenant, bc, ac, source, full, progress)
            with run.pusher.heartbeat():
                return run.only(inventory_ids) if inventory_ids else run.changed()


def scheduled_push(tenant_id: int) -> dict[str, Any]:
    """The tenant's catalog schedule (``sync.jobs.push_catalog_job``): a changed-since push, read here
    and pushed by one task per chunk (``sync/catalog_chunks.py``), so no task runs for long.

    A run that Acumatica stops while reading leaves the cursors where they were, so the next run
    reads the same changes again; the failure is audited on the tenant.
    """
    from sync.catalog_chunks import queue_catalog_push  # it builds on this module

    tenant = Tenant.objects.select_related("bigcommerce", "acumatica").get(pk=tenant_id)
    try:
        return queue_catalog_push(tenant).as_dict()
    except ApiError as error:
        AuditEvent.write(action="catalog.push_failed", tenant_id=tenant.pk, message=str(error))
        return {"error": str(error)}


@register_pipeline(KIND)
def sync_product(record: SyncRecord) -> dict | None:
    """One SKU, re-read from Acumatica now; replays push the current values even if unchanged."""
    tenant = record.tenant
    inventory_id = record.external_id
    if inventory_id.strip().upper() in excluded_items(tenant):
        record.filter(f"Acumatica item {inventory_id} is excluded from the catalog push (an ERP-only item).")
        return None
    with open_clients(tenant, record.call_recorder()) as (bc, ac):
        items = list(reads.items_by_id(ac, catalog_settings(tenant), [inventory_id]))
        if not items:
            raise ApiError(f"Acumatica has no stock or non-stock item {inventory_id}.", status=404, permanent=True)
        items[0].inventory_id = inventory_id  # the record's spelling keys the outcome
        record.store_snapshot(items[0].source)
        force = record.source in (Source.REPLAY, Source.MANUAL)
        outcome = CatalogPush(tenant, bc, record.source).push(items, claimed={inventory_id: record}, force=force)
    result = outcome.get(inventory_id)
    if result is None:
        raise ApiError(f"InventoryID {inventory_id} has no SKU mapping and the tenant does not use the same code "
                       "on both sides. Add a SKU mapping, then replay.", permanent=True)
    if isinstance(result, ApiError):
        raise result
    return result
