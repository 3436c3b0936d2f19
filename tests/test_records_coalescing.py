from audit.models import Direction, Source, Status, SyncRecord
from sync.tasks import process_record
from tests.audit_helpers import actions, pipeline


def upsert(tenant, source=Source.WEBHOOK, stub=None, external_id="100"):
    return SyncRecord.objects.upsert_pending(tenant, "order", external_id, Direction.TO_ACUMATICA, source,
                                             stub or {"hash": "abc"})


def test_it_coalesces_a_second_event_for_a_pending_record(tenant):
    first, created_first = upsert(tenant)
    second, created_second = upsert(tenant, Source.POLL)
    assert (created_first, created_second) == (True, False)
    assert first.pk == second.pk and SyncRecord.objects.count() == 1
    assert actions(first) == ["record.received", "record.coalesced"]


def test_it_keeps_records_apart_per_tenant_and_kind(make_tenant):
    one, two = make_tenant("one"), make_tenant("two")
    SyncRecord.objects.upsert_pending(one, "order", "100", Direction.TO_ACUMATICA, Source.WEBHOOK)
    SyncRecord.objects.upsert_pending(two, "order", "100", Direction.TO_ACUMATICA, Source.WEBHOOK)
    SyncRecord.objects.upsert_pending(one, "refund", "100", Direction.TO_ACUMATICA, Source.WEBHOOK)
    assert SyncRecord.objects.count() == 3


def test_it_runs_again_when_an_event_arrives_during_a_run(tenant):
    record, _ = upsert(tenant)
    runs = []

    def pipeline_with_a_late_event(r):
        runs.append(r.attempts)
        if len(runs) == 1:
            _, created = upsert(tenant, stub={"hash": "newer"})
            assert created is False
        return {}

    with pipeline("order", pipeline_with_a_late_event):
        process_record(record.pk)
        record.refresh_from_db()
        assert record.status == Status.PENDING  # queued on commit, which a test transaction never does
        process_record(record.pk)
    record.refresh_from_db()
    assert len(runs) == 2 and record.status == Status.SUCCEEDED
    assert "record.requeued" in actions(record)


def test_it_reopens_a_settled_record_for_a_new_event(tenant):
    record, _ = upsert(tenant)
    SyncRecord.objects.claim(record.pk).filter("Not paid.")
    again, created = upsert(tenant, Source.POLL, {"hash": "paid-now"})
    assert created is True and again.pk == record.pk
    again.refresh_from_db()
    assert (again.status, again.source, again.attempts, again.stub) == (Status.PENDING, "poll", 0, {"hash": "paid-now"})
    assert actions(again)[-1] == "record.received"


def test_it_makes_a_failed_record_due_now_for_a_new_event(tenant):
    record, _ = upsert(tenant)
    SyncRecord.objects.filter(pk=record.pk).update(status=Status.FAILED, attempts=3)
    again, created = upsert(tenant)
    again.refresh_from_db()
    assert created is True
    assert (again.status, again.attempts, again.next_attempt_at) == (Status.PENDING, 3, None)


def test_an_event_for_a_change_the_run_in_progress_reads_does_not_run_it_again(tenant):
    """A webhook delivered late, for a change made before the run was claimed: that run reads it."""
    from datetime import timedelta

    from django.utils import timezone

    from audit.models import CHANGE_STAMP_MARGIN

    record, _ = upsert(tenant)
    runs = []

    def pipeline_with_late_deliveries(r):
        runs.append(r.attempts)
        before = r.claimed_at - CHANGE_STAMP_MARGIN - timedelta(seconds=1)
        SyncRecord.objects.upsert_pending(tenant, "order", "100", Direction.TO_ACUMATICA, Source.WEBHOOK,
                                          {"hash": "old"}, changed_at=before)
        assert not SyncRecord.objects.get(pk=r.pk).rerun_requested
        SyncRecord.objects.upsert_pending(tenant, "order", "100", Direction.TO_ACUMATICA, Source.WEBHOOK,
                                          {"hash": "new"}, changed_at=timezone.now())  # may be after the read
        assert SyncRecord.objects.get(pk=r.pk).rerun_requested
        return {}

    with pipeline("order", pipeline_with_late_deliveries):
        process_record(record.pk)
    assert len(runs) == 1
    assert SyncRecord.objects.get(pk=record.pk).status == Status.PENDING  # only the second asked for a rerun


def test_a_webhooked_run_waits_for_the_rest_of_the_burst(tenant, monkeypatch, settings):
    """Events arriving while the task settles are coalesced into its one run instead of a second run."""
    import time

    from sync import tasks

    settings.WEBHOOK_SETTLE_SECONDS = 0.3
    record, _ = upsert(tenant)
    waits = []

    def sleep(seconds):
        waits.append(seconds)
        if len(waits) == 1:  # the order's other webhooks arrive during the wait
            assert upsert(tenant, stub={"hash": "transaction"})[1] is False
            assert upsert(tenant, stub={"hash": "status"})[1] is False
        time.sleep(seconds)  # the real clock: the claim compares the record's stamps with it

    monkeypatch.setattr(tasks, "_sleep", sleep)
    runs = []
    with pipeline("order", lambda r: runs.append(r.attempts) or {}):
        process_record(record.pk, settle_until=time.time() + 0.3)
    record.refresh_from_db()
    assert runs == [1] and record.status == Status.SUCCEEDED
    assert 0 < waits[0] <= 0.3
    assert actions(record).count("record.coalesced") == 2 and "record.requeued" not in actions(record)


def test_a_task_picked_up_after_the_window_does_not_wait(tenant, monkeypatch, settings):
    import time

    from django.utils import timezone

    from sync import tasks

    settings.WEBHOOK_SETTLE_SECONDS = 0.3
    record, _ = upsert(tenant)
    monkeypatch.setattr(tasks, "_now", lambda: timezone.now().timestamp() + 5)  # long after the events
    monkeypatch.setattr(tasks, "_sleep", lambda seconds: (_ for _ in ()).throw(AssertionError("slept")))
    with pipeline("order", lambda r: {}):
        process_record(record.pk, settle_until=time.time() + 0.3)
    record.refresh_from_db()
    assert record.status == Status.SUCCEEDED


def test_the_settle_window_stretches_while_deliveries_find_the_record_pending(tenant, monkeypatch, settings):
    """A delivery arriving at the end of the wait (it stamps the pending record, ``touch_pending``) makes the
    run wait until that one is half a window old; without it the run starts when the window ends. The quiet
    test is part of the claim's UPDATE: a quiet record is claimed without a read."""
    from datetime import datetime, timezone

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from sync import tasks

    settings.WEBHOOK_SETTLE_SECONDS = 0.3
    record, _ = upsert(tenant)
    clock = [record.updated_at.timestamp()]
    waits, deliveries = [], [1]

    def sleep(seconds):
        waits.append(seconds)
        clock[0] += seconds
        if deliveries and deliveries.pop():  # the order's last webhook, at the end of the first wait
            assert SyncRecord.objects.touch_pending(tenant, "order", "100")
            SyncRecord.objects.filter(pk=record.pk).update(updated_at=datetime.fromtimestamp(clock[0], timezone.utc))

    monkeypatch.setattr(tasks, "_now", lambda: clock[0])
    monkeypatch.setattr(tasks, "_sleep", sleep)
    claimed = tasks.claim_settled(record.pk, until=clock[0] + 0.3)
    assert claimed is not None and claimed.status == Status.RUNNING
    assert [round(w, 2) for w in waits] == [0.3, 0.15]

    waits.clear()
    quiet, _ = upsert(tenant, external_id="101")
    clock[0] = quiet.updated_at.timestamp()
    with CaptureQueriesContext(connection) as statements:
        assert tasks.claim_settled(quiet.pk, until=clock[0] + 0.3) is not None  # quiet since: the window alone
    assert [round(w, 3) for w in waits] == [0.3]
    assert [q["sql"].split()[0] for q in statements.captured_queries][:2] == ["UPDATE", "SELECT"]  # claim: no read before
