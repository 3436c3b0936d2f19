"""Merchant record pages outside the admin: search, CSV export, the record page, times in the tenant's zone."""
import csv
import io
from datetime import datetime, timedelta, timezone as dt_timezone

from django.utils import timezone

from audit.models import Status
from tenants import records
from tests.audit_helpers import make_record

ORDER_SNAPSHOT = {"order": {"id": 501, "status_id": 11, "billing_address": {"email": "jane@example.com"}},
                  "products": [{"sku": "MUG-BLUE", "quantity": 2}]}


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def test_it_finds_records_by_order_number_sku_and_customer(client, tenant, merchant_of):
    make_record(tenant, "501", status=Status.SUCCEEDED, snapshot=ORDER_SNAPSHOT, acumatica_key="SO/SO000501")
    make_record(tenant, "502", status=Status.SUCCEEDED, snapshot={"order": {"id": 502}})
    client.force_login(merchant_of(tenant))
    base = f"/dashboard/{tenant.slug}/records/"
    for query in ("501", "#501", "MUG-BLUE", "mug-blue", "jane@example.com", "SO000501"):
        html = page(client, f"{base}?q={query.replace('#', '%23')}")
        assert "order 501" in html and "order 502" not in html, query
    assert "1 record(s)" in page(client, f"{base}?q=502")


def test_it_exports_the_filtered_list_as_csv_safe_for_spreadsheets(client, tenant, merchant_of):
    make_record(tenant, "601", status=Status.NEEDS_ATTENTION, last_error="=HYPERLINK(\"http://evil\")")
    make_record(tenant, "602", status=Status.SUCCEEDED)
    client.force_login(merchant_of(tenant))
    response = client.get(f"/dashboard/{tenant.slug}/records/?status=needs_attention&format=csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == records.CSV_COLUMNS
    assert [r[2] for r in rows[1:]] == ["601"]
    assert rows[1][5] == "'=HYPERLINK(\"http://evil\")"


def test_the_record_page_has_error_trail_next_retry_replay_and_links(client, tenant, merchant_of):
    retry_at = timezone.now() + timedelta(minutes=7)
    record = make_record(tenant, "701", status=Status.FAILED, attempts=2, acumatica_key="SO/SO000701",
                         last_error="Acumatica answered 503 Service Unavailable.", next_attempt_at=retry_at)
    record.log("record.failed", message="Acumatica answered 503. Retrying in 420 s (attempt 2).")
    client.force_login(merchant_of(tenant))
    html = page(client, f"/dashboard/{tenant.slug}/records/{record.pk}/")
    assert "What went wrong:</strong> Acumatica answered 503 Service Unavailable." in html
    assert "Next retry" in html and "Retrying in 420 s" in html
    assert html.index(">Replay</button>") < html.index("What went wrong")  # Replay at the top
    assert f'href="https://store-{tenant.bigcommerce.store_hash}.mybigcommerce.com/manage/orders/701"' in html
    assert 'href="https://erp.example.com/Main?ScreenId=SO301000&amp;OrderType=SO&amp;OrderNbr=SO000701"' in html


def test_a_shipment_links_to_its_acumatica_shipment_and_the_bigcommerce_order_it_is_on(client, tenant, merchant_of):
    record = make_record(tenant, "000042", kind="shipment", status=Status.SUCCEEDED, direction="acumatica_to_bc",
                         acumatica_key="000042", bigcommerce_key="1017/3, 1018/4")
    client.force_login(merchant_of(tenant))
    html = page(client, f"/dashboard/{tenant.slug}/records/{record.pk}/")
    assert (f'href="https://store-{tenant.bigcommerce.store_hash}.mybigcommerce.com/manage/orders/1017"'
            in html and "order 1017 in the store's control panel" in html)
    assert 'href="https://erp.example.com/Main?ScreenId=SO302000&amp;ShipmentNbr=000042"' in html


def test_a_drop_ship_links_to_its_acumatica_purchase_receipt(client, tenant, merchant_of):
    record = make_record(tenant, "PR-000045", kind="shipment", status=Status.SUCCEEDED, direction="acumatica_to_bc",
                         acumatica_key="PR-000045", bigcommerce_key="1019/5")
    client.force_login(merchant_of(tenant))
    html = page(client, f"/dashboard/{tenant.slug}/records/{record.pk}/")
    assert 'href="https://erp.example.com/Main?ScreenId=PO302000&amp;ReceiptType=RT&amp;ReceiptNbr=000045"' in html


def test_other_tenants_records_are_not_found(client, tenant, make_tenant, merchant_of):
    other = make_tenant("other")
    record = make_record(other, "801")
    client.force_login(merchant_of(tenant))
    assert client.get(f"/dashboard/{other.slug}/records/{record.pk}/").status_code == 404
    assert client.get(f"/dashboard/{tenant.slug}/records/{record.pk}/").status_code == 404
    assert client.get(f"/dashboard/{other.slug}/records/").status_code == 404
    assert client.post(f"/dashboard/{other.slug}/retry/", {"group": "x"}).status_code == 404


def test_times_are_shown_in_the_tenants_time_zone(client, tenant, merchant_of):
    record = make_record(tenant, "901", status=Status.NEEDS_ATTENTION, last_error="Something.")
    type(record).objects.filter(pk=record.pk).update(created_at=datetime(2026, 7, 1, 12, 0, tzinfo=dt_timezone.utc),
                                                     updated_at=datetime(2026, 7, 1, 12, 0, tzinfo=dt_timezone.utc))
    type(tenant).objects.filter(pk=tenant.pk).update(time_zone="America/New_York")  # the settings page's field
    client.force_login(merchant_of(tenant))
    html = page(client, f"/dashboard/{tenant.slug}/records/{record.pk}/")
    assert "Jul 1, 2026 08:00" in html and "America/New_York" in html
    assert "Jul 1, 08:00" in page(client, f"/dashboard/{tenant.slug}/records/")
    assert "since Jul 1, 08:00" in page(client, f"/dashboard/{tenant.slug}/")  # the problem list
