"""Sync records (one unit of work each) and their append-only audit trail.

One record per (tenant, kind, external_id), reused for the whole life of that object
----------------------------------------------------------------------------------
A database unique constraint on (tenant, kind, external_id) makes coalescing safe under any
concurrency: two webhook deliveries for the same order cannot both insert, the loser of the race
gets the existing row (``upsert_pending``). What happens to an event for an existing record:

- ``pending``: nothing new; the queued run will read the source fresh anyway (coalesced).
- ``running``: the run in flight may already have read stale data, so ``rerun_requested`` is set and
  the record goes back to ``pending`` as soon as that run ends.
- ``failed``: due now, instead of waiting out its backoff.
- ``succeeded`` / ``filtered`` / ``needs_attention``: reopened as ``pending`` with a fresh attempt
  count; a later modification may change the outcome (an order becomes paid) and pipelines are
  idempotent through bindings.

History lives in AuditEvents, never in the record's own fields, so reusing the row loses nothing.
State changes that race with each other (finishing a run, a new event, replay, recovery) lock the
row (``select_for_update``; SQLite serialises writers with IMMEDIATE transactions) or use a
conditional UPDATE, so two workers never run one record.
"""
from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from contextvars import ContextVar
from datetime import datetime, timedelta
from typing import Any, Callable

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, models, transaction
from django.db.models import Case, Count, F, OuterRef, Q, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.functional import cached_property

from audit import backoff
from audit.redaction import REDACTED, clean_body, clean_url, redact_data, redact_headers, redact_values
from sync.batches import chunked, update_rows
from tenants.models import AcumaticaConnection, BigCommerceConnection, TenantScopedQuerySet


class Status(models.TextChoices):
    PENDING = "pending", "Pending"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed (will retry)"
    NEEDS_ATTENTION = "needs_attention", "Needs attention"
    FILTERED = "filtered", "Filtered"


class Direction(models.TextChoices):
    TO_ACUMATICA = "bc_to_acumatica", "BigCommerce → Acumatica"
    TO_BIGCOMMERCE = "acumatica_to_bc", "Acumatica → BigCommerce"


class Source(models.TextChoices):
    WEBHOOK = "webhook", "Webhook"
    POLL = "poll", "Poll"
    PUSH = "push", "Push notification"
    SCHEDULE = "schedule", "Schedule"
    REPLAY = "replay", "Replay"
    MANUAL = "manual", "Manual"


CLAIMABLE = Q(status=Status.PENDING)
# A source's change stamp has whole seconds and another clock: a run claimed this long after the stamp
# surely read the change (sync/polling.py SAME_SECOND, the same allowance).
CHANGE_STAMP_MARGIN = timedelta(seconds=2)
BULK_CHUNK = 500  # rows per IN (...) list and bulk insert; well under SQLite's variable limit


def savepoint_if_in_transaction():
    """A savepoint around a statement that may fail (a unique key) only inside a caller's transaction, where
    the failure would otherwise spoil it (PostgreSQL); in autocommit the statement is its own transaction."""
    return transaction.atomic() if transaction.get_connection().in_atomic_block else nullcontext()


def _event(record_id: int, action: str, message: str) -> dict:
    return {"record_id": record_id, "action": action, "message": message}


# Tenant id -> its secret values, while a ``secrets_cached()`` block runs (a task, a catalog push).
_SECRETS: ContextVar[dict[int, list[str]] | None] = ContextVar("tenant_secrets", default=None)


def tenant_secrets(tenant_id: int) -> list[str]:
    """The tenant's own secret values, so they can be scrubbed from stored bodies verbatim.

    Reading them is 2 SELECTs and a decryption per connection; inside ``secrets_cached()`` that is
    done once per tenant for the whole block instead of once per record or event."""
    cache = _SECRETS.get()
    if cache is not None and tenant_id in cache:
        return list(cache[tenant_id])
    values: list[str] = []
    for model in (BigCommerceConnection, AcumaticaConnection):
        connection = model.objects.filter(tenant_id=tenant_id).first()
        if connection is not None:
            values += [getattr(connection, name) or "" for name in model.SECRET_FIELDS]
    values = [v for v in values if v]
    if cache is not None:
        cache[tenant_id] = values
    return list(values)


def remember_secrets(tenant) -> None:
    """Inside ``secrets_cached()``: takes the secrets from a tenant whose connections are already loaded
    (``select_related("bigcommerce", "acumatica")``, as the webhook receivers load it), so the block's
    events scrub them without reading the connections again."""
    cache = _SECRETS.get()
    if cache is None:
        return
    values: list[str] = []
    for name, model in (("bigcommerce", BigCommerceConnection), ("acumatica", AcumaticaConnection)):
        connection = getattr(tenant, name, None)
        if connection is not None:
            values += [getattr(connection, field) or "" for field in model.SECRET_FIELDS]
    cache[tenant.pk] = [v for v in values if v]


@contextmanager
def secrets_cached() -> Iterator[None]:
    """Each tenant's secrets are read once within the block (one task or one push: seconds to minutes).

    Short-lived on purpose: a rotated secret is picked up by the next task. Nested blocks share the
    outer cache; threads started inside do not see it (context variables are per thread)."""
    if _SECRETS.get() is not None:
        yield
        return
    token = _SECRETS.set({})
    try:
        yield
    finally:
        _SECRETS.reset(token)


# Earlier attempts that may have written to the other system: every attempt logs ``record.started``
# (written at the latest when it settles), a crashed one may have lost it but is always followed by
# ``record.recovered`` (the only way a dead run's record becomes runnable again), and a filtered attempt
# stopped before writing anything. A crashed attempt whose ``record.started`` was written counts twice:
# one lookup too many, never one too few.
MAY_HAVE_WRITTEN = {"record.started": 1, "record.recovered": 1, "record.filtered": -1}


def _earlier_writers() -> Any:
    """The claim's annotation: attempts logged before this one that may have written (> 0: some may have)."""
    weight = Case(*(When(action=action, then=Value(n)) for action, n in MAY_HAVE_WRITTEN.items()),
                  output_field=models.IntegerField())
    events = AuditEvent.objects.filter(record=OuterRef("pk"), action__in=list(MAY_HAVE_WRITTEN)).order_by() \
        .values("record").annotate(n=Sum(weight)).values("n")
    return Coalesce(Subquery(events, output_field=models.IntegerField()), Value(0))


class SyncRecordQuerySet(TenantScopedQuerySet):
    def claim(self, record_id: int, facts: dict[str, Any] | None = None,
              quiet_since: datetime | None = None) -> "SyncRecord | None":
        """Atomically moves a runnable record to ``running``; None if it is not runnable or taken.

        ``quiet_since``: claim it only if its latest event came no later than that (``updated_at``: see
        ``sync.tasks.claim_settled``); None also when it is not yet quiet.

        A conditional UPDATE: of two workers racing, exactly one sees one updated row. The record is then
        read with what its run needs to know: the tenant and its connections, the count of earlier attempts
        that may have written (``earlier_attempt_may_have_written``), and ``facts``, annotations the
        pipelines registered (e.g. whether a refund webhook came for an order), all in one SELECT.
        From here the run's audit events are kept back and written at the points that matter
        (``call_recorder``, ``_finish``).
        """
        now = timezone.now()
        runnable = CLAIMABLE | Q(status=Status.FAILED, next_attempt_at__lte=now)
        token = uuid.uuid4()
        quiet = Q(updated_at__lte=quiet_since) if quiet_since is not None else Q()
        updated = self.filter(runnable, quiet, pk=record_id).update(
            status=Status.RUNNING, claim_token=token, claimed_at=now, lease_expires_at=now + backoff.lease(),
            attempts=F("attempts") + 1, rerun_requested=False, updated_at=now)
        if updated != 1:
            return None
        # The tenant and its connections come along (the run needs them); inside ``secrets_cached()`` their
        # secrets are taken from them instead of being read again for the audit events.
        record = self.select_related("tenant__bigcommerce", "tenant__acumatica").annotate(
            earlier_writers=_earlier_writers(), **(facts or {})).get(pk=record_id)
        remember_secrets(record.tenant)
        record.in_run = True
        record.log("record.started", message=f"Attempt {record.attempts} started.")
        return record

    def due(self, pending_grace: timedelta = timedelta(minutes=2)) -> "SyncRecordQuerySet":
        """Failed records whose backoff is over, and pending records no worker has picked up.

        The grace keeps freshly queued records out: their task is already in the queue.
        """
        now = timezone.now()
        return self.filter(Q(status=Status.FAILED, next_attempt_at__lte=now)
                           | Q(status=Status.PENDING, updated_at__lte=now - pending_grace))

    def recover_stuck(self) -> int:
        """Records whose worker died mid-run (lease expired) become retryable again."""
        count = 0
        for record_id in self.filter(status=Status.RUNNING, lease_expires_at__lt=timezone.now()).values_list("pk", flat=True):
            record = self.model.objects.get(pk=record_id)
            count += record.recover_if_stuck()
        return count

    def touch_pending(self, tenant, kind: str, external_id: str) -> bool:
        """One more event for a record whose run has not been claimed yet: True if it is pending.

        One UPDATE, no transaction and no audit event (the caller keeps the event itself, e.g. the
        WebhookReceipt). Safe without a lock: the record was pending when this committed, so its run is
        claimed later and reads the source after this event's change. ``updated_at`` becomes the time of
        the latest event, which the settle window of the queued run reads (``sync.tasks.claim_settled``, in the
        claim's UPDATE)."""
        return self.filter(tenant=tenant, kind=kind, external_id=str(external_id), status=Status.PENDING) \
            .update(updated_at=timezone.now()) == 1

    def create_pending(self, tenant, kind: str, external_id: str, direction: str, source: str,
                       stub: dict | None = None) -> "SyncRecord | None":
        """The record of a first event for an object, with its ``record.received`` event; None if the object
        already has a record (then ``upsert_pending`` decides). Two statements, no transaction: the unique
        constraint is the arbiter, as in ``upsert_pending``. Queue it with ``sync.tasks.enqueue_record``."""
        stub = redact_data(stub or {})
        try:
            with savepoint_if_in_transaction():
                record = self.model.objects.create(tenant=tenant, kind=kind, external_id=str(external_id),
                                                   direction=direction, source=source, stub=stub)
        except IntegrityError:
            return None
        record.log("record.received", message=f"Received from {source}.", data=stub)
        return record

    def upsert_pending(self, tenant, kind: str, external_id: str, direction: str, source: str,
                       stub: dict | None = None, changed_at=None) -> tuple["SyncRecord", bool]:
        """Creates or coalesces the record for an incoming event; (record, created).

        Call inside the caller's transaction and enqueue after commit (``sync.tasks.enqueue_record``).
        ``created`` is True only when a new unit of work exists (a new row or a reopened one).
        ``changed_at``: when the change happened, in whole seconds as the source stamps it, if known; a
        run in progress claimed ``CHANGE_STAMP_MARGIN`` after it reads the change, so it need not run again.
        """
        external_id = str(external_id)
        stub = redact_data(stub or {})  # the API shows stubs; a webhook body should hold no secret, but make sure
        for _ in range(3):
            # The caller's transaction (no savepoint needed: nothing here is undone on its own), or one of its own.
            with transaction.atomic(savepoint=False):
                # The usual case, an event for a known object: one locking read, then the event.
                record = self.model.objects.select_for_update().filter(
                    tenant=tenant, kind=kind, external_id=external_id).first()
                if record is not None:
                    return record._absorb_event(source, stub, changed_at)
                try:
                    with transaction.atomic():  # a savepoint: losing the race for the insert spoils nothing else
                        record = self.model.objects.create(tenant=tenant, kind=kind, external_id=external_id,
                                                           direction=direction, source=source, stub=stub)
                except IntegrityError:
                    continue  # another transaction inserted the same key between our read and insert: lock theirs
                record.log("record.received", message=f"Received from {source}.", data=stub)
                return record, True
        raise RuntimeError(f"Could not upsert sync record {tenant.pk}/{kind}/{external_id}")

    def upsert_pending_many(self, tenant, kind: str, external_ids: list[str], direction: str, source: str,
                            stub: dict | None = None) -> list[int]:
        """``upsert_pending`` for many objects of one event (a push naming thousands of items).

        Same outcome per record, in a fixed number of queries per chunk instead of several per record:
        existing rows are locked and absorbed by status with one UPDATE each, new rows are inserted in
        bulk, and the audit events are written in bulk. Returns the ids of records that need a run.
        Call inside the caller's transaction; a concurrent insert of the same key raises IntegrityError
        and the caller's transaction (and the whole event) is rolled back, to be re-delivered.
        """
        stub = redact_data(stub or {})
        secrets = tenant_secrets(tenant.pk)
        to_run: list[int] = []
        for chunk in chunked(dict.fromkeys(str(e) for e in external_ids), BULK_CHUNK):
            existing = list(self.select_for_update().filter(tenant=tenant, kind=kind, external_id__in=chunk)
                            .only("pk", "external_id", "status", "attempts"))
            known = {record.external_id for record in existing}
            created = self.bulk_create([
                self.model(tenant=tenant, kind=kind, external_id=external_id, direction=direction, source=source,
                           stub=stub) for external_id in chunk if external_id not in known])
            events = [_event(record.pk, "record.received", f"Received from {source}.") for record in created]
            to_run += [record.pk for record in created]
            by_status: dict[str, list[int]] = {}
            for record in existing:
                by_status.setdefault(record.status, []).append(record.pk)
            pending = by_status.pop(Status.PENDING, [])
            events += [_event(pk, "record.coalesced", f"Another {source} event; already queued.") for pk in pending]
            running = by_status.pop(Status.RUNNING, [])
            self.filter(pk__in=running).update(rerun_requested=True)
            events += [_event(pk, "record.coalesced", f"Another {source} event during a run; will run again.")
                       for pk in running]
            for status, pks in by_status.items():  # settled or failed: reopened, as _reopen does
                keep_attempts = status == Status.FAILED and source not in (Source.REPLAY, Source.MANUAL)
                self.filter(pk__in=pks).update(
                    status=Status.PENDING, source=source, attempts=F("attempts") if keep_attempts else 0,
                    next_attempt_at=None, rerun_requested=False, status_reason="", stub=stub,
                    updated_at=timezone.now())
                events += [_event(pk, "record.received", f"Received from {source}; queued again (was {status}).")
                           for pk in pks]
                to_run += pks
            AuditEvent.objects.bulk_create([AuditEvent.build(tenant_id=tenant.pk, known_secrets=secrets,
                                                             request_body=redact_data(stub), **event)
                                            for event in events])
        return to_run


    # --- batch runs: many records claimed and settled together (the catalog push) ------------------

    def claim_many(self, tenant, kind: str, direction: str, source: str, stubs: dict[str, dict],
                   snapshots: dict[str, dict], token: uuid.UUID, secrets: list[str],
                   lease: timedelta | None = None) -> dict[str, "SyncRecord"]:
        """``upsert_pending`` + ``claim`` + ``store_snapshot`` for many objects, in a fixed number of
        statements per ``BULK_CHUNK`` instead of about 15 per object; external id -> claimed record.

        Same outcome per record as the one-by-one path: a new record is inserted already running; a
        pending, failed or settled one is reopened and claimed (attempts as ``_reopen`` + ``claim``
        count them), and so is one still running under ``token`` (an earlier attempt of the same batch
        whose worker died); one running elsewhere is left alone and flagged to run again (that run re-reads
        the source, so nothing is lost). Claiming is a conditional UPDATE that stamps ``token``, and
        the claimed rows are read back by it, so a record another worker took in between is simply
        not returned. The caller renews the leases (``renew_batch``) and settles with ``settle_many``.
        ``lease``: a batch run with a record of its own (a catalog chunk) holds the records it claims
        longer than that record's lease, so that when its worker dies the batch's next attempt takes
        them over (same token) before the recovery sweep re-runs them one by one.
        """
        now = timezone.now()
        claim = {"status": Status.RUNNING, "source": source, "claim_token": token, "claimed_at": now,
                 "lease_expires_at": now + (lease or backoff.lease()), "next_attempt_at": None, "rerun_requested": False,
                 "status_reason": "", "updated_at": now}
        reset = (Status.SUCCEEDED, Status.FILTERED, Status.NEEDS_ATTENTION)
        if source in (Source.REPLAY, Source.MANUAL):
            reset += (Status.FAILED,)  # as _reopen: a human's run starts counting again
        claimed: dict[str, SyncRecord] = {}
        for chunk in chunked(list(stubs), BULK_CHUNK):
            scope = self.filter(tenant=tenant, kind=kind, external_id__in=chunk)
            rows = list(scope.values_list("external_id", "status", "pk", "claim_token"))
            was = {key: status for key, status, _, _ in rows}
            ours = {key for key, status, _, owner in rows if status == Status.RUNNING and owner == token}
            self.bulk_create([self.model(tenant=tenant, kind=kind, external_id=key, direction=direction,
                                         stub=redact_data(stubs[key]), snapshot=redact_data(snapshots.get(key)),
                                         attempts=1, **claim)
                              for key in chunk if key not in was], ignore_conflicts=True)
            busy = [key for key, status in was.items() if status == Status.RUNNING and key not in ours]
            restart = [key for key, status in was.items() if status in reset]
            again = [key for key, status in was.items() if status not in reset and key not in busy]
            if busy:
                scope.filter(external_id__in=busy, status=Status.RUNNING).update(rerun_requested=True)
            if restart:
                scope.filter(external_id__in=restart, status__in=reset).update(attempts=1, **claim)
            if again:
                # Pending, failed, or running under this very token: a dead attempt of the same batch.
                scope.filter(Q(status__in=(Status.PENDING, Status.FAILED)) | Q(status=Status.RUNNING, claim_token=token),
                             external_id__in=again).update(attempts=F("attempts") + 1, **claim)
            mine = list(scope.filter(claim_token=token))
            reopened = [record for record in mine if record.external_id in was]
            for record in reopened:
                record.stub = redact_data(stubs[record.external_id])
                record.snapshot = redact_data(snapshots.get(record.external_id))
            update_rows(reopened, ["stub", "snapshot"])
            events = [_event(pk, "record.coalesced", f"Another {source} event during a run; will run again.")
                      for key, status, pk, _ in rows if key in busy]
            for record in mine:
                record.__dict__["known_secrets"] = secrets  # the cached_property: not read again per record
                status = was.get(record.external_id)
                received = f"Received from {source}." if status is None else (
                    f"Received from {source}; queued again (was {status})." if status != Status.PENDING
                    else f"Another {source} event; already queued.")
                events.append({**_event(record.pk, "record.received" if status != Status.PENDING
                                        else "record.coalesced", received), "request_body": record.stub})
                events.append(_event(record.pk, "record.started", f"Attempt {record.attempts} started."))
                claimed[record.external_id] = record
            AuditEvent.objects.bulk_create([AuditEvent.build(tenant_id=tenant.pk, known_secrets=secrets, **event)
                                            for event in events])
        return claimed

    def renew_batch(self, tenant_id: int, token: uuid.UUID, lease: timedelta | None = None) -> int:
        """Extends the leases of every record a batch run claimed with ``token`` (its heartbeat)."""
        return self.filter(tenant_id=tenant_id, status=Status.RUNNING, claim_token=token).update(
            lease_expires_at=timezone.now() + (lease or backoff.lease()))

    def settle_many(self, outcomes: list[tuple["SyncRecord", "dict | BaseException"]],
                    events: list["AuditEvent"] = ()) -> list["SyncRecord"]:
        """``succeed`` / ``fail`` for many records claimed by one batch run, plus ``events`` (unsaved,
        e.g. built with ``AuditEvent.build``), in a few statements per ``BULK_CHUNK``.

        As ``_finish``: only records this run still owns are settled (the others get
        ``record.stale_result``); a record flagged to run again meanwhile is reopened. Returns the
        reopened records, for the caller to queue."""
        fields = ["status", "result", "last_error", "last_error_class", "status_reason", "next_attempt_at",
                  "acumatica_key", "bigcommerce_key", "claim_token", "lease_expires_at", "finished_at", "updated_at"]
        events, rerun = list(events), []
        for chunk in chunked(outcomes, BULK_CHUNK):
            with transaction.atomic():
                owned = dict(self.select_for_update().filter(
                    pk__in=[record.pk for record, _ in chunk], status=Status.RUNNING,
                    claim_token__in={record.claim_token for record, _ in chunk}).values_list("pk", "claim_token"))
                settled = []
                for record, outcome in chunk:
                    if owned.get(record.pk) != record.claim_token:
                        events.append(record.event("record.stale_result",
                                                   "A run that lost its lease ended; ignored."))
                        continue
                    events += record.__dict__.pop("_unsaved_events", ())  # a ``claim``ed record's, if any
                    changes, action, message = (record.failure(outcome) if isinstance(outcome, BaseException)
                                                else record.success(outcome))
                    now = timezone.now()
                    changes.update(claim_token=None, lease_expires_at=None, finished_at=now, updated_at=now)
                    for name, value in changes.items():
                        setattr(record, name, value)
                    settled.append(record)
                    events.append(record.event(action, message))
                update_rows(settled, fields)
                flagged = set(self.filter(pk__in=[r.pk for r in settled], rerun_requested=True)
                              .values_list("pk", flat=True))
                for record in settled:
                    if record.pk in flagged:
                        rerun.append(record)
        AuditEvent.objects.bulk_create(events, batch_size=BULK_CHUNK)
        for record in rerun:
            record._reopen(record.source, "record.requeued", "A newer event arrived during the run; running again.")
        return rerun


class SyncRecord(models.Model):
    """One unit of work: bringing one object (an order, a product, ...) across, with its outcome."""

    Status = Status
    Direction = Direction
    Source = Source

    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="sync_records")
    direction = models.CharField(max_length=20, choices=Direction.choices)
    kind = models.CharField(max_length=30, help_text="customer, order, payment, refund, product, ...")
    external_id = models.CharField(max_length=100, help_text="Id of the object in the system it comes from.")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING, db_index=True)
    attempts = models.PositiveIntegerField(default=0, help_text="Tries in the current run; reset when reopened.")
    last_error = models.TextField(blank=True)
    last_error_class = models.CharField(max_length=200, blank=True)
    status_reason = models.TextField(blank=True, help_text="Why it was filtered, skipped or resolved.")
    source = models.CharField(max_length=20, choices=Source.choices)
    # DjangoJSONEncoder: fetched records and results carry Decimal money and datetimes.
    stub = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder, help_text="The event that started it.")
    snapshot = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder,
                                help_text="Latest fetched source record.")
    result = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    acumatica_key = models.CharField(max_length=200, blank=True, db_index=True)
    bigcommerce_key = models.CharField(max_length=200, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True, db_index=True)
    rerun_requested = models.BooleanField(default=False, help_text="A new event arrived while running.")
    claim_token = models.UUIDField(null=True, blank=True, editable=False)
    claimed_at = models.DateTimeField(null=True, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SyncRecordQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["tenant", "kind", "external_id"],
                                               name="unique_sync_record_per_object")]
        indexes = [models.Index(fields=["tenant", "status"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.external_id} ({self.status})"

    # --- audit ---------------------------------------------------------------------------------

    @cached_property
    def known_secrets(self) -> list[str]:
        # Decrypting the tenant's secrets for every event is most of an event's cost; once per
        # loaded record is enough (a run is minutes at most).
        return tenant_secrets(self.tenant_id)

    # A claimed run's events are kept back (``in_run``, set by ``claim``) and written in one INSERT at the
    # points that matter: its first write call (the attempt's start, the reads before it and the first
    # document made, usually the sales order: what a look at a crashed run needs most), then at the settle,
    # in its transaction, with the outcome. A worker killed in between loses the events of its later calls
    # (at most UNSAVED_CALLS_MAX of them); the record then shows ``record.recovered``, and the next attempt
    # looks documents up by reference before creating any. Outside a run every event is written at once.
    in_run = False
    _wrote = False  # a write call of this run was answered (its events are stored from there)
    _snapshot_unsaved = False  # store_snapshot in a run: written as it settles

    def log(self, action: str, **fields: Any) -> "AuditEvent":
        """Appends an AuditEvent for this record. ``data`` (a dict) is stored as the request body."""
        data = fields.pop("data", None)
        if data is not None and "request_body" not in fields:
            fields["request_body"] = redact_data(data)
        fields.setdefault("known_secrets", self.known_secrets)
        event = AuditEvent.build(action=action, record=self, tenant_id=self.tenant_id, **fields)
        if self.in_run:
            self._unsaved_events.append(event)
        else:
            self.flush_events(with_event=event)  # the calls it follows first, in the same statement
        return event

    def event(self, action: str, message: str, **fields: Any) -> "AuditEvent":
        """An unsaved event of this record, cleaned as ``log`` does, for a ``bulk_create``."""
        data = fields.pop("data", None)
        if data is not None and "request_body" not in fields:
            fields["request_body"] = redact_data(data)
        return AuditEvent.build(action=action, record_id=self.pk, tenant_id=self.tenant_id,
                                known_secrets=self.known_secrets, message=message, **fields)

    def call_recorder(self) -> Callable[[Any], None]:
        """A ``sync.http`` CallHook writing one ``api.call`` event per HTTP attempt.

        Read calls' events wait for the next point that matters (above); outside a run, a write call's event
        (and the reads' before it) is inserted as soon as it is answered."""
        secrets = self.known_secrets

        def record_call(call: Any) -> None:
            self._unsaved_events.append(api_call_event(self.tenant_id, call, record=self, known_secrets=secrets))
            first_write = call.method not in READ_METHODS and not (self.in_run and self._wrote)
            if first_write or len(self._unsaved_events) >= UNSAVED_CALLS_MAX:
                self._wrote = self._wrote or call.method not in READ_METHODS
                self.flush_events()
        return record_call

    @cached_property
    def _unsaved_events(self) -> list["AuditEvent"]:
        return []

    def flush_events(self, with_event: "AuditEvent | None" = None) -> None:
        """Inserts the events not yet stored (and ``with_event`` after them) in one statement."""
        events = [*self.__dict__.get("_unsaved_events", ()), *([with_event] if with_event else [])]
        self.__dict__.pop("_unsaved_events", None)
        if len(events) == 1:
            events[0].save(force_insert=True)  # bulk_create would add a transaction around one INSERT
        elif events:
            AuditEvent.objects.bulk_create(events)

    @cached_property
    def settle_writes(self) -> list[Callable[[], None]]:
        """Writes a run defers to its settle (e.g. its bindings, ``sync.bindings.written_at_settle``): run
        first in the settle's transaction, whatever the outcome, even for a run that lost its claim (what
        it made in the other system is so all the same)."""
        return []

    def earlier_attempt_may_have_written(self) -> bool:
        """Whether an earlier attempt of this record may have written documents it did not bind.

        A filtered attempt stopped before any write; any other earlier attempt (failed, crashed, recovered,
        succeeded before a later change) may have written, and so may a run without that history (no claim).
        A claimed record knows it from the claim's query (``earlier_writers``)."""
        if "earlier_writers" in self.__dict__:
            return self.earlier_writers > 0
        counts = dict(self.events.filter(action__in=("record.started", "record.filtered"))
                      .values_list("action").annotate(n=Count("id")).order_by())
        started, filtered = counts.get("record.started", 0), counts.get("record.filtered", 0)
        return started == 0 or started - 1 > filtered

    # --- while running (called by pipelines) -----------------------------------------------------

    def store_snapshot(self, data: dict) -> None:
        """Keeps the latest fetched source record; pipelines call it right after fetching. A claimed run's is
        written with its outcome (``_finish``: one statement fewer; a killed run keeps the previous one)."""
        self.snapshot = redact_data(data)
        if self.in_run:
            self._snapshot_unsaved = True
            return
        SyncRecord.objects.filter(pk=self.pk).update(snapshot=self.snapshot, updated_at=timezone.now())

    def renew_lease(self) -> bool:
        """Extends this run's lease (called by the heartbeat); False if the run no longer owns the record."""
        return SyncRecord.objects.filter(pk=self.pk, status=Status.RUNNING, claim_token=self.claim_token).update(
            lease_expires_at=timezone.now() + backoff.lease()) == 1

    # --- outcomes of a run ----------------------------------------------------------------------

    def succeed(self, result: dict | None = None) -> bool:
        return self._finish(*self.success(result))

    def fail(self, error: BaseException) -> bool:
        """Transient errors retry with backoff; permanent ones, or exhausted attempts, need a human."""
        return self._finish(*self.failure(error))

    def success(self, result: dict | None = None) -> tuple[dict, str, str]:
        """The field changes, action and message of a successful run (``succeed``, ``settle_many``)."""
        result = result or {}
        changes = {"status": Status.SUCCEEDED, "result": redact_data(result), "last_error": "",
                   "last_error_class": "", "status_reason": "", "next_attempt_at": None}
        for key in ("acumatica_key", "bigcommerce_key"):
            if result.get(key):
                changes[key] = str(result[key])
        return changes, "record.succeeded", "Done."

    def failure(self, error: BaseException) -> tuple[dict, str, str]:
        """The field changes, action and message of a failed run (``fail``, ``settle_many``)."""
        message = str(error) or error.__class__.__name__
        changes = {"last_error": message, "last_error_class": error_class(error)}
        if getattr(error, "permanent", False):
            changes.update(status=Status.NEEDS_ATTENTION, next_attempt_at=None)
            return changes, "record.needs_attention", message
        if self.attempts >= backoff.max_attempts():
            changes.update(status=Status.NEEDS_ATTENTION, next_attempt_at=None, last_error=(
                f"Gave up after {self.attempts} attempts. Last error: {message.rstrip('.')}. "
                "Check that both systems are reachable and the credentials are valid, then replay the record."))
            return changes, "record.needs_attention", changes["last_error"]
        if getattr(error, "retry_now", False):
            delay = timedelta(0)
        else:
            delay = backoff.retry_delay(self.attempts, getattr(error, "retry_after", None))
        changes.update(status=Status.FAILED, next_attempt_at=timezone.now() + delay)
        return changes, "record.failed", \
            f"{message} Retrying in {int(delay.total_seconds())} s (attempt {self.attempts})."

    def filter(self, reason: str) -> bool:
        changes = {"status": Status.FILTERED, "status_reason": reason, "next_attempt_at": None,
                   "last_error": "", "last_error_class": ""}
        return self._finish(changes, "record.filtered", reason)

    def _finish(self, changes: dict, action: str, message: str) -> bool:
        """Applies a run's outcome if this run still owns the record; False for a stale run."""
        token, now = self.claim_token, timezone.now()
        changes.update(claim_token=None, lease_expires_at=None, finished_at=now)
        if self._snapshot_unsaved:
            changes["snapshot"] = self.snapshot
        with transaction.atomic():
            for write in self.__dict__.pop("settle_writes", ()):
                write()
            # The usual end is one conditional UPDATE: the run still owns the record and no event asked for
            # another run meanwhile (an event sets ``rerun_requested`` under the row's lock, which this waits
            # for). Otherwise the row is locked and read to tell a stale run from a rerun.
            done = SyncRecord.objects.filter(pk=self.pk, status=Status.RUNNING, claim_token=token,
                                             rerun_requested=False).update(**changes, updated_at=now)
            current = None if done else SyncRecord.objects.select_for_update().get(pk=self.pk)
            if current is not None and (current.status != Status.RUNNING or current.claim_token != token):
                self.log("record.stale_result", message=f"A run that lost its lease ended ({action}); ignored.")
                self._end_run()
                return False
            for name, value in changes.items():
                setattr(self, name, value)
            self._snapshot_unsaved = False
            if current is not None:
                self.save(update_fields=[*changes, "updated_at"])
            self.log(action, message=message)
            self._end_run()
            if current is not None and current.rerun_requested:
                self._reopen(current.source, "record.requeued", "A newer event arrived during the run; running again.")
        return True

    def _end_run(self) -> None:
        """The run's kept-back events, written (inside the settle's transaction); later events go at once."""
        self.in_run = False
        self.flush_events()

    # --- human actions -------------------------------------------------------------------------

    def replay(self, user, reason: str = "") -> None:
        """Queues a new run that re-reads the source; the audit trail gets a ``record.replayed`` event."""
        from sync.tasks import enqueue_record  # sync.tasks imports this module
        with transaction.atomic():
            current = SyncRecord.objects.select_for_update().get(pk=self.pk)
            who = _user_label(user)
            message = f"Replay requested by {who}" + (f": {reason}" if reason else ".")
            if current.status == Status.RUNNING:
                SyncRecord.objects.filter(pk=self.pk).update(rerun_requested=True, source=Source.REPLAY)
                self.refresh_from_db()
                self.log("record.replayed", message=message + " It will run again when the current run ends.", user=user)
                return
            self.refresh_from_db()
            self._reopen(Source.REPLAY, "record.replayed", message, user=user)
            enqueue_record(self)

    def skip(self, user, reason: str) -> bool:
        return self._settle_by_hand(user, Status.FILTERED, "record.skipped", f"Skipped by {_user_label(user)}: {reason}")

    def mark_resolved(self, user, reason: str) -> bool:
        return self._settle_by_hand(user, Status.SUCCEEDED, "record.resolved",
                                    f"Resolved by hand by {_user_label(user)}: {reason}")

    def _settle_by_hand(self, user, status: str, action: str, message: str) -> bool:
        with transaction.atomic():
            current = SyncRecord.objects.select_for_update().get(pk=self.pk)
            if current.status == Status.RUNNING:
                return False  # let the run finish first; its outcome must not be overwritten blind
            changes = {"status": status, "status_reason": message, "next_attempt_at": None,
                       "finished_at": timezone.now()}
            SyncRecord.objects.filter(pk=self.pk).update(**changes, updated_at=timezone.now())
            self.refresh_from_db()
            self.log(action, message=message, user=user)
        return True

    # --- internals -----------------------------------------------------------------------------

    def _absorb_event(self, source: str, stub: dict | None, changed_at=None) -> tuple["SyncRecord", bool]:
        """A new event for an existing record (row locked by the caller). See the module docstring."""
        if self.status == Status.PENDING:
            self.log("record.coalesced", message=f"Another {source} event; already queued.", data=stub)
            return self, False
        if self.status == Status.RUNNING and changed_at is not None and self.claimed_at is not None \
                and self.claimed_at >= changed_at + CHANGE_STAMP_MARGIN:
            self.log("record.coalesced", data=stub,
                     message=f"Another {source} event, for a change the run in progress reads (it started after it).")
            return self, False
        if self.status == Status.RUNNING:
            SyncRecord.objects.filter(pk=self.pk).update(rerun_requested=True)
            self.rerun_requested = True
            self.log("record.coalesced", message=f"Another {source} event during a run; will run again.", data=stub)
            return self, False
        if stub:
            self.stub = stub
        self._reopen(source, "record.received", f"Received from {source}; queued again (was {self.status}).",
                     data=stub)
        return self, True

    def _reopen(self, source: str, action: str, message: str, **log_fields: Any) -> None:
        keep_attempts = self.status == Status.FAILED and source not in (Source.REPLAY, Source.MANUAL)
        self.status = Status.PENDING
        self.source = source
        self.attempts = self.attempts if keep_attempts else 0
        self.next_attempt_at = None
        self.rerun_requested = False
        self.status_reason = ""
        self.save(update_fields=["status", "source", "attempts", "next_attempt_at", "rerun_requested",
                                 "status_reason", "stub", "updated_at"])
        self.log(action, message=message, **log_fields)

    def recover_if_stuck(self) -> int:
        """Ends a run whose lease expired as a transient failure, so backoff and max attempts apply."""
        with transaction.atomic():
            current = SyncRecord.objects.select_for_update().get(pk=self.pk)
            if current.status != Status.RUNNING or not current.lease_expires_at \
                    or current.lease_expires_at >= timezone.now():
                return 0
            self.refresh_from_db()  # takes over the dead run's claim token
            error = WorkerLost(f"The worker running attempt {self.attempts} stopped answering (lease expired).")
            self.log("record.recovered", message=str(error))
            self.fail(error)
        return 1


def api_call_recorder(tenant_id: int, record: SyncRecord | None = None, known_secrets: list[str] | None = None,
                      default_message: str = "") -> Callable[[Any], None]:
    """A ``sync.http`` CallHook writing one ``api.call`` event per HTTP attempt, on the record if
    given (calls made for one record) or on the tenant only (batch calls serving many records)."""
    secrets = tenant_secrets(tenant_id) if known_secrets is None else known_secrets

    def record_call(call: Any) -> None:
        api_call_event(tenant_id, call, record=record, known_secrets=secrets, default_message=default_message).save(
            force_insert=True)
    return record_call


READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
UNSAVED_CALLS_MAX = 50  # read events kept back at most (a catalog run reads many pages before it writes)


def api_call_event(tenant_id: int, call: Any, record: SyncRecord | None, known_secrets: list[str],
                   default_message: str = "") -> "AuditEvent":
    """The unsaved ``api.call`` event of one HTTP attempt (a ``sync.http.CallRecord``)."""
    return AuditEvent.build(
        action="api.call", record=record, tenant_id=tenant_id, known_secrets=known_secrets,
        method=call.method, url=call.url, status_code=call.status, duration_ms=call.duration_ms,
        request_headers=call.request_headers, request_body=call.request_body,
        response_headers=call.response_headers, response_body=call.response_body,
        message=getattr(call, "error", None) or default_message, attempt=getattr(call, "attempt", 1))


class WorkerLost(Exception):
    """A run whose worker died; retried at once by the recovery sweep (max attempts still stop a record
    that kills every worker that runs it)."""
    permanent = False
    retry_now = True


def error_class(error: BaseException) -> str:
    name = error.__class__.__name__
    status = getattr(error, "status", None)
    return f"{name} (HTTP {status})" if status else name


def _user_label(user) -> str:
    if user is None or not getattr(user, "is_authenticated", False):
        return "the system"
    return user.get_username()


class AuditEventQuerySet(TenantScopedQuerySet):
    def delete(self):
        raise PermissionError("Audit events are append-only; they cannot be deleted.")

    def update(self, **kwargs):
        raise PermissionError("Audit events are append-only; use prune_bodies() for retention.")

    def prune_bodies(self) -> int:
        """Retention: drops bodies and headers, keeps the metadata (who, what, when, status)."""
        return models.QuerySet.update(self.filter(bodies_pruned_at__isnull=True),
            request_body="", response_body="", request_headers={}, response_headers={},
            bodies_pruned_at=timezone.now())


class AuditEvent(models.Model):
    """One thing that happened to a record (or a tenant). Never edited, never deleted one by one."""

    record = models.ForeignKey(SyncRecord, null=True, blank=True, on_delete=models.CASCADE, related_name="events")
    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="audit_events")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    action = models.CharField(max_length=60, db_index=True, help_text="Dotted, e.g. record.replayed, api.call")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+")
    message = models.TextField(blank=True)
    method = models.CharField(max_length=10, blank=True)
    url = models.TextField(blank=True)
    status_code = models.PositiveIntegerField(null=True, blank=True)
    duration_ms = models.FloatField(null=True, blank=True)
    attempt = models.PositiveIntegerField(null=True, blank=True)
    request_headers = models.JSONField(default=dict, blank=True)
    request_body = models.TextField(blank=True)
    response_headers = models.JSONField(default=dict, blank=True)
    response_body = models.TextField(blank=True)
    bodies_pruned_at = models.DateTimeField(null=True, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["record", "created_at"])]

    def __str__(self) -> str:
        return f"{self.action} at {self.created_at:%Y-%m-%d %H:%M:%S}"

    @classmethod
    def write(cls, action: str, tenant_id: int, known_secrets: list[str] | None = None, **fields: Any) -> "AuditEvent":
        """The one way events are created: bodies redacted and capped, message scrubbed."""
        event = cls.build(action=action, tenant_id=tenant_id, known_secrets=known_secrets, **fields)
        event.save(force_insert=True)
        return event

    @classmethod
    def build(cls, action: str, tenant_id: int, known_secrets: list[str] | None = None, **fields: Any) -> "AuditEvent":
        """An unsaved event, cleaned as ``write`` does (for ``bulk_create``)."""
        secrets = tenant_secrets(tenant_id) if known_secrets is None else known_secrets
        for name in ("request_body", "response_body"):
            fields[name] = clean_body(fields.get(name), secrets)
        for name in ("request_headers", "response_headers"):
            fields[name] = {k: redact_values(v, secrets) for k, v in redact_headers(fields.get(name)).items()}
        fields["url"] = clean_url(fields.get("url") or "", secrets)
        fields["message"] = clean_body(fields.get("message") or "", secrets)
        fields["method"] = fields.get("method") or ""
        if fields.get("user") is not None and not getattr(fields["user"], "is_authenticated", False):
            fields["user"] = None
        return cls(action=action, tenant_id=tenant_id, **fields)

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None and not kwargs.get("force_insert"):
            raise PermissionError("Audit events are append-only; they cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Audit events are append-only; they cannot be deleted.")


from audit.api_tokens import ApiToken  # noqa: E402,F401  (its own module; imported here so Django finds it)
from audit.alerts import AlertPreference, AlertState  # noqa: E402,F401
