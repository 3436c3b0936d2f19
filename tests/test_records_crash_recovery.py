"""kill -9 of a real qcluster mid-run: the record is retried and done within 2 minutes, once.

Production settings (the 20 s lease, the every-minute recovery schedule); the run hangs on a slow
sandbox Acumatica, the heartbeat is seen renewing its lease, then the whole qcluster gets SIGKILL and a
fresh one (as a supervisor would start) recovers the record.
"""
import time

import pytest
from django_q.conf import Conf
from django_q.models import Schedule

from audit.models import Status, SyncRecord
from sandbox.acumatica import state
from sandbox.acumatica.models import Instance
from sandbox.bigcommerce import storefront
from sandbox.bigcommerce.models import Store
from sandbox.catalog_data import demo_catalog
from sandbox.demo import connect_sandbox_tenant
from sync.polling import queue_orders
from tests.qcluster_helpers import kill_hard, running_qcluster, wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_record_whose_qcluster_was_killed_is_done_within_two_minutes(live_server, monkeypatch):
    monkeypatch.setattr(Conf, "SYNC", False)
    # The migration's schedule does not survive the flush between transactional tests.
    Schedule.objects.get_or_create(func="sync.tasks.run_due_records", defaults={
        "name": "Run due sync records", "schedule_type": Schedule.MINUTES, "minutes": 1, "repeats": -1})
    tenant = connect_sandbox_tenant(live_server.url, catalog=demo_catalog(count=5))
    Instance.objects.filter(slug="demo").update(latency_ms=110_000)  # every Acumatica call hangs
    order = storefront.place_order(Store.objects.get(store_hash="demo1234"), lines=[("SKU-00001", 1)])
    queue_orders(tenant, [order.pk])
    record = SyncRecord.objects.get(tenant=tenant, kind="order", external_id=str(order.pk))

    with running_qcluster(workers=1) as doomed:
        running = wait_until(lambda: SyncRecord.objects.filter(pk=record.pk, status=Status.RUNNING).first(), 60)
        wait_until(lambda: SyncRecord.objects.get(pk=record.pk).lease_expires_at > running.lease_expires_at, 30)
        kill_hard(doomed)
        killed_at = time.monotonic()
    Instance.objects.filter(slug="demo").update(latency_ms=0)

    with running_qcluster(workers=1):
        done = wait_until(lambda: SyncRecord.objects.filter(pk=record.pk, status=Status.SUCCEEDED).first(), 150)
    recovered_after = time.monotonic() - killed_at
    assert recovered_after < 120, f"recovered after {recovered_after:.0f} s"
    assert done.attempts == 2
    assert list(done.events.filter(action__in=["record.recovered", "record.succeeded"])
                .values_list("action", flat=True)) == ["record.recovered", "record.succeeded"]
    refs = [so.get("ExternalRef") or "" for so in state.sales_orders("demo")]
    assert len(refs) == 1 and refs[0].endswith(f"-{order.pk}")
