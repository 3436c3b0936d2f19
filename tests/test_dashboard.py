import json
from datetime import timedelta

from django.utils import timezone

from audit.models import AuditEvent, Direction, Source, SyncRecord
from sync.models import WebhookRefusals


def make_record(tenant, external_id: str, status: str, error: str = "") -> SyncRecord:
    record = SyncRecord.objects.create(tenant=tenant, kind="order", external_id=external_id, status=status,
                                       direction=Direction.TO_ACUMATICA, source=Source.WEBHOOK, last_error=error,
                                       finished_at=timezone.now())
    action = {"succeeded": "record.succeeded", "needs_attention": "record.needs_attention"}[status]
    record.log(action, message=error or "Done.")
    return record


def test_it_shows_counts_attention_webhooks_and_a_chart(client, tenant, merchant_of):
    make_record(tenant, "1", "succeeded")
    make_record(tenant, "2", "needs_attention", "SKU 'X-1' has no Acumatica InventoryID: add a SKU mapping.")
    AuditEvent.write(action="webhook.checked", tenant_id=tenant.pk, message="ok",
                     response_body=json.dumps([{"scope": "store/order/created", "action": "reactivated",
                                                "hook_id": 7}]))
    WebhookRefusals.count_refusal(tenant, "secret header does not match")
    client.force_login(merchant_of(tenant))
    html = client.get(f"/dashboard/{tenant.slug}/").content.decode()
    # The problem is shown by its cause (the SKU taken out, so many SKUs are one group) with its fix.
    assert "SKU … has no Acumatica InventoryID" in html and "Fix: Match the SKUs" in html
    assert "store/order/created" in html and "reactivated" in html
    assert "Refused deliveries: 1 (last: secret header does not match)" in html
    assert html.count('fill="#1a7f4b"') == 24 and "1 succeeded, 1 failed or need attention" in html
    assert "Orders -&gt; Acumatica: " in html and "never" in html  # catalog has never synced


def test_it_hides_other_merchants_dashboards(client, tenant, make_tenant, merchant_of):
    other = make_tenant("other")
    client.force_login(merchant_of(tenant))
    assert client.get(f"/dashboard/{other.slug}/").status_code == 404


def test_it_leaves_old_records_out_of_the_day(client, tenant, merchant_of):
    record = make_record(tenant, "9", "succeeded")
    SyncRecord.objects.filter(pk=record.pk).update(updated_at=timezone.now() - timedelta(days=2))
    client.force_login(merchant_of(tenant))
    assert "No records in the last 24 hours." in client.get(f"/dashboard/{tenant.slug}/").content.decode()
