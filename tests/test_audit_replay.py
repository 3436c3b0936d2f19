import pytest

from audit.models import AuditEvent, Source, Status, SyncRecord
from sync.http import ApiError
from tests.audit_helpers import actions, make_record, pipeline


def history(record: SyncRecord) -> list[tuple]:
    return list(record.events.order_by("id").values_list("id", "action", "message", "created_at", "request_body"))


@pytest.fixture
def failed_record(tenant) -> SyncRecord:
    record = make_record(tenant)
    SyncRecord.objects.claim(record.pk).fail(ApiError("Unmapped SKU BLUE-1", permanent=True))
    record.refresh_from_db()
    return record


def test_it_requeues_and_names_who_replayed(failed_record, staff, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        failed_record.replay(staff, "SKU mapping added")
    failed_record.refresh_from_db()
    assert (failed_record.status, failed_record.source, failed_record.attempts) == (Status.PENDING, Source.REPLAY, 0)
    event = failed_record.events.order_by("id").last()
    assert (event.action, event.user) == ("record.replayed", staff)
    assert event.message == "Replay requested by staff: SKU mapping added"
    assert len(callbacks) == 1  # process_record is queued once the transaction commits


def test_it_keeps_history_untouched(failed_record, staff):
    before = history(failed_record)
    failed_record.replay(staff, "again")
    assert history(failed_record)[:len(before)] == before
    assert len(history(failed_record)) == len(before) + 1


def test_it_runs_the_pipeline_again_on_replay(failed_record, staff, django_capture_on_commit_callbacks):
    with pipeline("order", lambda r: {"acumatica_key": "SO/42"}):
        with django_capture_on_commit_callbacks(execute=True):
            failed_record.replay(staff, "fixed")
    failed_record.refresh_from_db()
    assert (failed_record.status, failed_record.acumatica_key) == (Status.SUCCEEDED, "SO/42")
    assert actions(failed_record)[-3:] == ["record.replayed", "record.started", "record.succeeded"]


def test_it_replays_a_running_record_after_the_run(tenant, staff):
    record = make_record(tenant)
    running = SyncRecord.objects.claim(record.pk)
    record.replay(staff, "while running")
    running.succeed({})
    record.refresh_from_db()
    assert (record.status, record.source) == (Status.PENDING, Source.REPLAY)


def test_it_skips_and_resolves_by_hand_with_an_event(failed_record, staff):
    assert failed_record.skip(staff, "Cancelled in BigCommerce")
    failed_record.refresh_from_db()
    assert failed_record.status == Status.FILTERED
    assert failed_record.status_reason == "Skipped by staff: Cancelled in BigCommerce"
    assert failed_record.mark_resolved(staff, "Entered in Acumatica by hand")
    failed_record.refresh_from_db()
    assert failed_record.status == Status.SUCCEEDED
    assert actions(failed_record)[-2:] == ["record.skipped", "record.resolved"]


def test_it_does_not_settle_a_running_record_by_hand(tenant, staff):
    record = make_record(tenant)
    SyncRecord.objects.claim(record.pk)
    assert record.skip(staff, "no") is False
    record.refresh_from_db()
    assert record.status == Status.RUNNING


def test_it_refuses_to_edit_or_delete_audit_events(failed_record):
    event = failed_record.events.first()
    event.message = "rewritten"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).update(message="rewritten")
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.get(pk=event.pk).message != "rewritten"
