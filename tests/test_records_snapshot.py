from datetime import datetime, timezone
from decimal import Decimal

from audit.models import Direction, Source, SyncRecord


def test_it_keeps_decimal_money_and_dates_in_snapshots(tenant):
    record = SyncRecord.objects.create(tenant=tenant, kind="customer", external_id="7", status="running",
                                       direction=Direction.TO_ACUMATICA, source=Source.WEBHOOK)
    # A BigCommerce customer with store credit, as the client parses it (money as Decimal).
    record.store_snapshot({"id": 7, "store_credit_amounts": [{"amount": Decimal("43.15")}],
                           "date_modified": datetime(2026, 11, 26, tzinfo=timezone.utc)})
    record.refresh_from_db()
    assert record.snapshot["store_credit_amounts"] == [{"amount": "43.15"}]
    assert record.snapshot["date_modified"].startswith("2026-11-26T00:00:00")
