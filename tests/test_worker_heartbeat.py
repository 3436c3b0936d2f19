"""A real qcluster reports itself alive; /healthz says so, and says so no more once its heartbeat is old."""
from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from sync.heartbeat import worker_status
from sync.models import WorkerHeartbeat
from tests.qcluster_helpers import running_qcluster, wait_until

pytestmark = [pytest.mark.django_db(transaction=True)]
ASYNC_WORKERS = {"name": "t", "orm": "default", "sync": False}


@override_settings(Q_CLUSTER=ASYNC_WORKERS)
def test_a_running_qcluster_writes_the_heartbeat_healthz_reads(client, staff):
    assert not worker_status()["ok"]
    with running_qcluster(workers=1):
        wait_until(lambda: WorkerHeartbeat.objects.exists(), timeout=60)
    assert worker_status()["ok"]
    client.force_login(staff)
    assert client.get("/healthz").json()["workers"]["ok"] is True
    WorkerHeartbeat.objects.update(beat_at=timezone.now() - timedelta(minutes=4))
    response = client.get("/healthz")
    assert response.status_code == 503 and response.json()["workers"]["ok"] is False
