from datetime import timedelta

import pytest
from django.utils import timezone

from audit.models import Status, SyncRecord
from sync.http import ApiError
from sync.tasks import process_record
from tests.audit_helpers import actions, make_record, pipeline


@pytest.fixture
def running(tenant) -> SyncRecord:
    record = make_record(tenant)
    return SyncRecord.objects.claim(record.pk)


def test_it_creates_a_pending_record_with_a_received_event(tenant):
    record = make_record(tenant)
    assert (record.status, record.attempts, record.source) == (Status.PENDING, 0, "webhook")
    assert actions(record) == ["record.received"]


def test_it_succeeds_with_result_keys(running):
    assert running.status == Status.RUNNING and running.attempts == 1
    assert running.succeed({"acumatica_key": "SO/SO004711", "bigcommerce_key": "100", "extra": 1})
    running.refresh_from_db()
    assert running.status == Status.SUCCEEDED
    assert (running.acumatica_key, running.bigcommerce_key) == ("SO/SO004711", "100")
    assert running.claim_token is None and running.finished_at is not None
    assert actions(running) == ["record.received", "record.started", "record.succeeded"]


def test_it_retries_a_transient_error_with_backoff(running, settings):
    settings.SYNC_RETRY_BASE_SECONDS = 10
    running.fail(ApiError("Acumatica answered 503", status=503))
    running.refresh_from_db()
    assert running.status == Status.FAILED
    assert running.last_error == "Acumatica answered 503"
    assert running.last_error_class == "ApiError (HTTP 503)"
    assert timezone.now() <= running.next_attempt_at <= timezone.now() + timedelta(seconds=10)


def test_it_waits_at_least_the_servers_retry_after(running):
    running.fail(ApiError("Too many requests", status=429, retry_after=900))
    running.refresh_from_db()
    assert running.next_attempt_at >= timezone.now() + timedelta(seconds=890)


def test_it_needs_attention_on_a_permanent_error(running):
    running.fail(ApiError("SKU 'BLUE-1' has no InventoryID in Acumatica; add a SKU mapping.", permanent=True))
    running.refresh_from_db()
    assert running.status == Status.NEEDS_ATTENTION
    assert "BLUE-1" in running.last_error and running.next_attempt_at is None


def test_it_needs_attention_when_attempts_are_exhausted(tenant, settings):
    settings.SYNC_MAX_ATTEMPTS = 2
    record = make_record(tenant)
    for _ in range(2):
        claimed = SyncRecord.objects.claim(record.pk)
        claimed.fail(ApiError("timeout"))
        SyncRecord.objects.filter(pk=record.pk).update(next_attempt_at=timezone.now())
    record.refresh_from_db()
    assert record.status == Status.NEEDS_ATTENTION
    assert record.last_error.startswith("Gave up after 2 attempts. Last error: timeout")
    assert "replay" in record.last_error


def test_it_stores_the_reason_when_filtered(running):
    running.filter("Order status 'Pending' (1) is not a paid status for this store.")
    running.refresh_from_db()
    assert running.status == Status.FILTERED
    assert "not a paid status" in running.status_reason
    assert actions(running)[-1] == "record.filtered"


def test_it_dispatches_process_record_by_kind(tenant):
    record = make_record(tenant)
    seen = []
    with pipeline("order", lambda r: seen.append(r.pk) or {"acumatica_key": "SO/1"}):
        process_record(record.pk)
    record.refresh_from_db()
    assert seen == [record.pk]
    assert (record.status, record.acumatica_key) == (Status.SUCCEEDED, "SO/1")


def test_it_lets_a_pipeline_filter_the_record_itself(tenant):
    record = make_record(tenant)
    with pipeline("order", lambda r: r.filter("Not paid yet.")):
        process_record(record.pk)
    record.refresh_from_db()
    assert (record.status, record.status_reason) == (Status.FILTERED, "Not paid yet.")


def test_it_records_an_api_error_raised_by_the_pipeline(tenant):
    record = make_record(tenant)

    def broken(r):
        raise ApiError("Customer e-mail is invalid.", status=422, permanent=True)
    with pipeline("order", broken):
        process_record(record.pk)
    record.refresh_from_db()
    assert (record.status, record.last_error) == (Status.NEEDS_ATTENTION, "Customer e-mail is invalid.")


def test_it_retries_an_unexpected_crash_and_says_what_happened(tenant):
    record = make_record(tenant)
    with pipeline("order", lambda r: {}["missing"]):
        process_record(record.pk)
    record.refresh_from_db()
    assert record.status == Status.FAILED and record.last_error_class == "KeyError"


def test_it_needs_attention_for_a_kind_without_pipeline(tenant):
    record = make_record(tenant, kind="unknown-kind")
    process_record(record.pk)
    record.refresh_from_db()
    assert record.status == Status.NEEDS_ATTENTION
    assert "No pipeline handles records of kind 'unknown-kind'" in record.last_error
