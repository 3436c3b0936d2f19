"""A run's short lease is renewed by a heartbeat while the run is alive, and only while it owns the record."""
import time

import pytest

from audit.lease import LeaseHeartbeat
from audit.models import Status, SyncRecord
from tests.audit_helpers import make_record

pytestmark = pytest.mark.django_db(transaction=True)  # the heartbeat thread has its own connection


def lease_of(record) -> float:
    return SyncRecord.objects.values_list("lease_expires_at", flat=True).get(pk=record.pk).timestamp()


def test_a_live_run_keeps_renewing_its_lease(tenant):
    run = SyncRecord.objects.claim(make_record(tenant).pk)
    first = lease_of(run)
    with LeaseHeartbeat(run, interval=0.2):
        time.sleep(0.5)
        renewed = lease_of(run)
        time.sleep(0.5)
        renewed_again = lease_of(run)
    assert first < renewed < renewed_again


def test_the_heartbeat_stops_when_the_run_lost_its_claim(tenant):
    run = SyncRecord.objects.claim(make_record(tenant).pk)
    SyncRecord.objects.filter(pk=run.pk).update(status=Status.FAILED, claim_token=None)  # recovered as dead
    heartbeat = LeaseHeartbeat(run, interval=0.1)
    with heartbeat:
        time.sleep(0.4)
        assert not heartbeat._thread.is_alive()
    assert run.renew_lease() is False
