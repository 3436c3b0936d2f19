"""A catalog push costs the database a fixed number of statements per chunk, not a record's worth per SKU.

Exact counts on the worker's own connection (the sandbox answers from another thread); no timing."""
import re
from collections import Counter

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audit.models import AuditEvent, SyncRecord
from sandbox.acumatica.models import Record
from sandbox.catalog_data import demo_catalog
from sync.catalog import push_catalog
from tests.catalog_helpers import wire_tenant

pytestmark = pytest.mark.e2e

SANDBOX_TABLE = re.compile(r'"(sandbox_|django_q_)\w*"|\b(sandbox_|django_q_)\w*')


def change_in_acumatica(env, step: int) -> int:
    """+step on every price and cost in Acumatica; returns the SKUs changed."""
    changed = 0
    for record in Record.objects.filter(instance=env.instance, entity="StockItem"):
        for name in ("DefaultPrice", "CurrentStdCost", "AverageCost", "LastCost"):
            record.data[name] = str(float(record.data[name]) + step)
        record.save()
        changed += 1
    return changed


def connector_statements(queries) -> list[str]:
    return [q["sql"] for q in queries if not SANDBOX_TABLE.search(q["sql"])]


def test_a_push_of_changed_skus_stays_within_half_a_statement_per_sku(make_tenant, live_server):
    catalog = demo_catalog(count=250)  # 200 simple products + 50 with 4 variants = 400 SKUs
    env = wire_tenant(make_tenant, live_server.url, "budget", catalog)
    push_catalog(env.tenant)  # ids cached, stock in line: the steady state of a scheduled push
    changed = change_in_acumatica(env, 1)

    with CaptureQueriesContext(connection) as captured:
        summary = push_catalog(env.tenant)

    statements = connector_statements(captured.captured_queries)
    assert summary.changed == changed and summary.failed == 0
    assert len(statements) <= 0.5 * changed, Counter(sql.split()[0] for sql in statements)
    # Each SKU is still traceable on its own: a record with a catalog.pushed event (before and after).
    record = SyncRecord.objects.get(tenant=env.tenant, kind="product", external_id="SKU-00001")
    pushed = record.events.filter(action="catalog.pushed").last()
    assert record.status == "succeeded" and '"before"' in pushed.request_body and '"pushed"' in pushed.request_body
    assert AuditEvent.objects.filter(tenant=env.tenant, action="catalog.pushed").count() >= changed

    with CaptureQueriesContext(connection) as captured:  # nothing changed: reads only, no writes at all
        assert push_catalog(env.tenant).changed == 0
    writes = [sql for sql in connector_statements(captured.captured_queries)
              if sql.startswith(("INSERT", "UPDATE", "DELETE"))]
    # The run's own bookkeeping only: its lock, the cursors and the audit of its read calls.
    assert all(re.match(r'(UPDATE "sync_joblock"|UPDATE "sync_cursor"|INSERT INTO "audit_auditevent")', sql)
               for sql in writes), writes
    assert not any("'catalog.pushed'" in sql or "'record." in sql for sql in writes)
