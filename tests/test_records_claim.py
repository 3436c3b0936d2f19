import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from audit.models import Status, SyncRecord
from sync.tasks import process_record
from tests.audit_helpers import make_record, pipeline


def test_it_claims_a_pending_record_once(tenant):
    record = make_record(tenant)
    first = SyncRecord.objects.claim(record.pk)
    second = SyncRecord.objects.claim(record.pk)
    assert first is not None and first.status == Status.RUNNING and first.claim_token is not None
    assert second is None


def test_it_does_not_claim_a_failed_record_before_its_time(tenant):
    record = make_record(tenant, status=Status.FAILED, next_attempt_at=timezone.now() + timedelta(minutes=5))
    assert SyncRecord.objects.claim(record.pk) is None
    SyncRecord.objects.filter(pk=record.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    assert SyncRecord.objects.claim(record.pk) is not None


@pytest.mark.parametrize("status", [Status.SUCCEEDED, Status.NEEDS_ATTENTION, Status.FILTERED])
def test_it_does_not_claim_a_settled_record(tenant, status):
    record = make_record(tenant, status=status)
    assert SyncRecord.objects.claim(record.pk) is None


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="SQLite serialises every writer, so it cannot show a race; the test above covers exclusivity")
def test_it_runs_a_record_once_under_concurrent_workers(make_tenant):
    record = make_record(make_tenant("race"))
    workers = 8
    start = threading.Barrier(workers)
    runs: list[int] = []
    lock = threading.Lock()

    def count_run(r: SyncRecord) -> dict:
        with lock:
            runs.append(r.pk)
        return {}

    def worker() -> None:
        try:
            start.wait()
            process_record(record.pk)
        finally:
            connection.close()  # each thread has its own connection

    with pipeline("order", count_run):
        threads = [threading.Thread(target=worker) for _ in range(workers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    record.refresh_from_db()
    assert runs == [record.pk]
    assert (record.status, record.attempts) == (Status.SUCCEEDED, 1)
    assert record.events.filter(action="record.started").count() == 1
