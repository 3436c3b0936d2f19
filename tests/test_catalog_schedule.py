"""The tenant's catalog schedule runs a changed-since push; a stopped run is audited on the tenant."""
from decimal import Decimal

import pytest
from django.utils import timezone

from audit.models import AuditEvent, SyncRecord
from sandbox.acumatica import state as acu_state
from sync import catalog, catalog_chunks
from sync.http import ApiError
from sync.jobs import push_catalog_job
from tests.catalog_helpers import catalog_env  # noqa: F401 (fixture)


@pytest.mark.e2e
def test_it_pushes_changes_on_the_schedule(catalog_env):
    env = catalog_env
    push_catalog_job(env.tenant.pk)
    acu_state.set_stock_item(env.instance, "SKU-00009", price="19.90")
    started = timezone.now()
    result = push_catalog_job(env.tenant.pk)
    # Read here, pushed by the chunks' own tasks (inline under Q_SYNC): a feed's items are one chunk.
    chunks = SyncRecord.objects.filter(tenant=env.tenant, kind="catalog_chunk", created_at__gte=started)
    assert f"'chunks': {chunks.count()}" in result and chunks.count() >= 1
    assert {chunk.status for chunk in chunks} == {"succeeded"}
    assert sum(chunk.result["summary"]["changed"] for chunk in chunks) == 1
    assert sum(chunk.result["summary"]["failed"] for chunk in chunks) == 0
    assert env.product("SKU-00009").price == Decimal("19.90")


def test_it_audits_a_run_that_could_not_read_acumatica(tenant, monkeypatch):
    def unreachable(*args, **kwargs):
        raise ApiError("Could not reach Acumatica (ConnectionError).")
    monkeypatch.setattr(catalog_chunks, "queue_catalog_push", unreachable)
    assert catalog.scheduled_push(tenant.pk) == {"error": "Could not reach Acumatica (ConnectionError)."}
    assert AuditEvent.objects.get(tenant=tenant, action="catalog.push_failed").message.startswith("Could not reach")


def test_it_skips_a_run_while_another_push_of_the_tenant_holds_the_lock(tenant):
    from sync.locks import job_lock

    with job_lock(f"catalog-push:{tenant.pk}") as held:
        assert held
        summary = catalog.push_catalog(tenant)
    assert summary.busy and summary.read == 0
