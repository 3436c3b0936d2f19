"""django-q2 entry points: run one sync record, run the due ones, recover stuck ones.

Pipelines (orders, catalog, ...) register themselves by kind with ``@register_pipeline("order")``;
``SyncConfig.ready()`` imports their modules, so every process (web, qcluster) has them all.
A pipeline takes the claimed record, re-reads the source, does its work and returns a result dict
(``acumatica_key`` / ``bigcommerce_key`` are copied onto the record), or calls ``record.filter(reason)``
itself and returns None. It raises ``sync.http.ApiError`` for failures; ``permanent`` decides between
a retry with backoff and ``needs_attention``.
"""
from __future__ import annotations

import logging
import time
from datetime import datetime, timezone
from typing import Any, Callable

from django.conf import settings
from django.db import transaction
from django_q.conf import Conf
from django_q.tasks import async_task

from audit.lease import LeaseHeartbeat
from audit.models import Status, SyncRecord, secrets_cached
from sync.bindings import written_at_settle
from sync.http import ApiError

log = logging.getLogger(__name__)

_now, _sleep = time.time, time.sleep  # the settle window's clock (tests replace them)
Pipeline = Callable[[SyncRecord], "dict | None"]
PIPELINES: dict[str, Pipeline] = {}
# Annotations a pipeline wants answered by the claim's query (name -> expression over the record's row),
# instead of a query of their own during the run; read as ``getattr(record, name, None)``.
CLAIM_FACTS: dict[str, Any] = {}
DUE_BATCH = 500


class NoPipeline(Exception):
    permanent = True


def register_pipeline(kind: str, facts: dict[str, Any] | None = None) -> Callable[[Pipeline], Pipeline]:
    def register(pipeline: Pipeline) -> Pipeline:
        PIPELINES[kind] = pipeline
        CLAIM_FACTS.update(facts or {})
        return pipeline
    return register


def enqueue_record(record: SyncRecord, settle: bool = False) -> None:
    """Queues ``process_record`` once the surrounding transaction commits (so the worker sees the row).

    ``settle`` (webhooks, and polled records: their webhooks may be in flight): the run waits until the
    object's burst of events is over (``claim_settled``), so one run sees them all: BigCommerce sends an order's
    created, transaction and status events within a fraction of a second, and a run started on the first
    would run again for the others."""
    record_id = record.pk
    seconds = settings.WEBHOOK_SETTLE_SECONDS if settle and not Conf.SYNC else 0
    transaction.on_commit(lambda: _queue(record_id, settle_until=_now() + seconds if seconds else None))


def enqueue_records(record_ids: list[int]) -> None:
    """Queues many records after commit with one task that fans out in a worker, so a request that
    created thousands of records answers at once (each ``async_task`` is a broker write)."""
    ids = list(record_ids)
    if ids:
        transaction.on_commit(lambda: async_task("sync.tasks.fan_out", ids, task_name=f"fan-out-{ids[0]}-{len(ids)}",
                                                 group="sync-records"))


def fan_out(record_ids: list[int]) -> int:
    for record_id in record_ids:
        _queue(record_id)
    return len(record_ids)


def _queue(record_id: int, settle_until: float | None = None) -> None:
    extra = {"settle_until": settle_until} if settle_until else {}
    async_task("sync.tasks.process_record", record_id, task_name=f"sync-record-{record_id}", group="sync-records",
               **extra)


def claim_settled(record_id: int, until: float) -> SyncRecord | None:
    """Claims a webhooked record once its burst of events is over: waits until ``until`` (the first event's
    arrival + WEBHOOK_SETTLE_SECONDS), then claims it only while its latest event is at least half a window
    old, waiting for that up to twice the window in all, so events still arriving are coalesced into this
    run instead of a second one. A worker that picks the task late does not wait.

    The latest event's time is the pending record's ``updated_at`` (its creation, reopening, or the last
    delivery that found it pending: ``SyncRecord.objects.touch_pending``). The quiet test is part of the
    claim's UPDATE, so a burst that is over costs no read; only a record still being stamped is read, to
    know how long to wait."""
    window = settings.WEBHOOK_SETTLE_SECONDS
    deadline = until + window
    if (wait := until - _now()) > 0:
        _sleep(wait)
    while True:
        now = _now()
        quiet_since = None if now >= deadline else datetime.fromtimestamp(now - window / 2, tz=timezone.utc)
        record = SyncRecord.objects.claim(record_id, CLAIM_FACTS, quiet_since=quiet_since)
        if record is not None or quiet_since is None:
            return record
        latest = SyncRecord.objects.filter(pk=record_id, status=Status.PENDING) \
            .values_list("updated_at", flat=True).first()
        if latest is None:  # not pending: another task has it, or it failed and is due (no burst to wait for)
            return SyncRecord.objects.claim(record_id, CLAIM_FACTS)
        # A millisecond past the quiet time, so the claim's test (to the microsecond) then holds.
        _sleep(max(0.0, min(latest.timestamp() + window / 2, deadline) - _now()) + 0.001)


def process_record(record_id: int, settle_until: float | None = None) -> None:
    with secrets_cached():  # the tenant's secrets decrypted once per task
        # None: another worker has it, or nothing to do
        record = claim_settled(record_id, settle_until) if settle_until is not None \
            else SyncRecord.objects.claim(record_id, CLAIM_FACTS)
        if record is None:
            return
        with LeaseHeartbeat(record):
            run_pipeline(record)
    if record.status == Status.PENDING:  # reopened as it settled: a newer event or a replay came during the run
        enqueue_record(record)


def is_business_problem(error: BaseException) -> bool:
    """API refusals and the pipelines' own problems (errors that declare ``permanent``), not crashes."""
    return isinstance(error, ApiError) or isinstance(getattr(error, "permanent", None), bool)


def run_pipeline(record: SyncRecord) -> None:
    pipeline = PIPELINES.get(record.kind)
    try:
        if pipeline is None:
            raise NoPipeline(f"No pipeline handles records of kind '{record.kind}'. "
                             "This is a connector bug; tell support, then replay the record.")
        with written_at_settle(record):  # the run's bindings: one statement, in the settle's transaction
            result = pipeline(record)
    except Exception as error:
        if is_business_problem(error):  # expected: the record says what to do; a traceback would be noise
            log.warning("Sync record %s (%s %s): %s", record.pk, record.kind, record.external_id, error)
        else:  # a bug or a database hiccup: retried, and the traceback is what a developer needs
            log.exception("Pipeline %s crashed on record %s", record.kind, record.pk)
        record.fail(error)
    else:
        if record.status == Status.RUNNING:  # the pipeline did not settle it (e.g. filter) itself
            record.succeed(result)


def recover_stuck_records() -> int:
    return SyncRecord.objects.recover_stuck()


def run_due_records() -> int:
    """Scheduled every minute: recovers dead runs (due at once), then queues failed-and-due and never-started records."""
    recover_stuck_records()
    ids = list(SyncRecord.objects.due().order_by("next_attempt_at", "id").values_list("pk", flat=True)[:DUE_BATCH])
    for record_id in ids:
        _queue(record_id)
    return len(ids)
