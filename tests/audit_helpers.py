"""Shared bits for the audit / sync record tests."""
from __future__ import annotations

import re
from contextlib import contextmanager
from typing import Callable, Iterator

from audit.models import Direction, Source, SyncRecord
from sync import tasks


def make_record(tenant, external_id: str = "100", kind: str = "order", **fields) -> SyncRecord:
    record, _ = SyncRecord.objects.upsert_pending(
        tenant, kind, external_id, Direction.TO_ACUMATICA, fields.pop("source", Source.WEBHOOK),
        fields.pop("stub", {"scope": "store/order/updated", "data": {"id": external_id}}))
    if fields:
        SyncRecord.objects.filter(pk=record.pk).update(**fields)
        record.refresh_from_db()
    return record


@contextmanager
def pipeline(kind: str, func: Callable[[SyncRecord], dict | None]) -> Iterator[None]:
    """Registers a test pipeline for the duration of a test."""
    previous = tasks.PIPELINES.get(kind)
    tasks.PIPELINES[kind] = func
    try:
        yield
    finally:
        if previous is None:
            tasks.PIPELINES.pop(kind, None)
        else:
            tasks.PIPELINES[kind] = previous


def actions(record: SyncRecord) -> list[str]:
    return list(record.events.order_by("created_at", "id").values_list("action", flat=True))


def csrf_token_from(html: str) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert match, "the page has no CSRF token"
    return match.group(1)
