"""A create Acumatica committed but answered 500 for is never sent twice.

The sandbox applies the next SalesOrder and Payment PUTs and then answers 500, as a real instance does
when something fails after the save. The HTTP layer must not resend the keyless PUT; the record fails
(transient), and its next run finds the document by its external reference instead of creating it again.
"""
import pytest
from django.utils import timezone

from audit.models import Status, SyncRecord
from sandbox.acumatica import state
from sandbox.acumatica.models import Instance
from sandbox.bigcommerce import storefront
from sandbox.bigcommerce.models import Store
from sandbox.catalog_data import demo_catalog
from sandbox.demo import connect_sandbox_tenant
from sync.polling import queue_orders
from sync.tasks import process_record

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def run_again(record: SyncRecord) -> SyncRecord:
    SyncRecord.objects.filter(pk=record.pk).update(next_attempt_at=timezone.now())
    process_record(record.pk)
    record.refresh_from_db()
    return record


@pytest.mark.parametrize("version", ["22.200.001", "23.200.001", "24.200.001"])
def test_an_ambiguous_answer_to_a_create_never_makes_a_second_document(live_server, version):
    tenant = connect_sandbox_tenant(live_server.url, endpoint_version=version, catalog=demo_catalog(count=5))
    Instance.objects.filter(slug="demo").update(versions=[version], commit_then_fail={"SalesOrder": 1, "Payment": 1})
    order = storefront.place_order(Store.objects.get(store_hash="demo1234"), lines=[("SKU-00001", 2)])

    queue_orders(tenant, [order.pk])  # Q_SYNC: the first run happens inline
    record = SyncRecord.objects.get(tenant=tenant, kind="order", external_id=str(order.pk))
    assert record.status == Status.FAILED and "(500)" in record.last_error, record.last_error
    record = run_again(record)  # finds the sales order by ExternalRef; the payment answers 500 now
    assert record.status == Status.FAILED, record.last_error
    record = run_again(record)
    assert record.status == Status.SUCCEEDED, record.last_error

    refs = [so.get("ExternalRef") or "" for so in state.sales_orders("demo")]
    assert [ref for ref in refs if ref.endswith(f"-{order.pk}")] == refs and len(refs) == 1
    payments = [p for p in state.payments("demo") if p.get("Type") == "Payment"]
    assert len(payments) == 1
    assert Instance.objects.get(slug="demo").commit_then_fail == {"SalesOrder": 0, "Payment": 0}
    put_statuses = list(record.events.filter(action="api.call", method="PUT", status_code__isnull=False)
                        .values_list("url", "status_code"))
    assert sum(1 for url, status in put_statuses if url.endswith("/SalesOrder") and status == 500) == 1
