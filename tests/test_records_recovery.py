from datetime import timedelta

from django.utils import timezone

from audit.models import Status, SyncRecord
from sync.tasks import recover_stuck_records, run_due_records
from tests.audit_helpers import actions, make_record, pipeline


def expire_lease(record: SyncRecord) -> None:
    SyncRecord.objects.filter(pk=record.pk).update(lease_expires_at=timezone.now() - timedelta(seconds=1))


def test_it_recovers_a_record_whose_worker_died(tenant):
    record = make_record(tenant)
    SyncRecord.objects.claim(record.pk)
    expire_lease(record)
    assert recover_stuck_records() == 1
    record.refresh_from_db()
    assert record.status == Status.FAILED
    assert "stopped answering" in record.last_error and record.last_error_class == "WorkerLost"
    assert actions(record)[-2:] == ["record.recovered", "record.failed"]


def test_it_leaves_a_running_record_within_its_lease_alone(tenant):
    record = make_record(tenant)
    SyncRecord.objects.claim(record.pk)
    assert recover_stuck_records() == 0
    record.refresh_from_db()
    assert record.status == Status.RUNNING


def test_it_ignores_the_late_result_of_a_run_that_lost_its_lease(tenant):
    record = make_record(tenant)
    dead_run = SyncRecord.objects.claim(record.pk)
    expire_lease(record)
    recover_stuck_records()
    SyncRecord.objects.filter(pk=record.pk).update(next_attempt_at=timezone.now())
    new_run = SyncRecord.objects.claim(record.pk)
    assert dead_run.succeed({"acumatica_key": "SO/STALE"}) is False
    new_run.refresh_from_db()
    assert new_run.status == Status.RUNNING and new_run.acumatica_key == ""
    assert "record.stale_result" in actions(record)


def test_it_runs_due_failed_records_and_forgotten_pending_ones(tenant):
    make_record(tenant, "1", status=Status.FAILED, next_attempt_at=timezone.now() - timedelta(seconds=1))
    make_record(tenant, "2", status=Status.FAILED, next_attempt_at=timezone.now() + timedelta(hours=1))
    make_record(tenant, "3", updated_at=timezone.now() - timedelta(minutes=10))
    make_record(tenant, "4")
    ran = []
    with pipeline("order", lambda r: ran.append(r.external_id) or {}):
        assert run_due_records() == 2  # Q_SYNC: the queued tasks run inline
    assert sorted(ran) == ["1", "3"]
    statuses = dict(SyncRecord.objects.values_list("external_id", "status"))
    assert statuses == {"1": "succeeded", "2": "failed", "3": "succeeded", "4": "pending"}


def test_it_recovers_stuck_records_before_running_due_ones(tenant, settings):
    settings.SYNC_RETRY_BASE_SECONDS = 0  # recovered records are due at once
    record = make_record(tenant)
    SyncRecord.objects.claim(record.pk)
    expire_lease(record)
    with pipeline("order", lambda r: {"acumatica_key": "SO/9"}):
        assert run_due_records() == 1
    record.refresh_from_db()
    assert (record.status, record.attempts, record.acumatica_key) == (Status.SUCCEEDED, 2, "SO/9")
    assert actions(record)[-4:] == ["record.recovered", "record.failed", "record.started", "record.succeeded"]
