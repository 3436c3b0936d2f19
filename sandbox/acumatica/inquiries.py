"""Inquiry entities, which the contract reads with PUT (the body holds the inquiry's filter fields).

Reference: acumatica-api.md section 4 "Reading available quantity" -- PUT
.../InventoryQuantityAvailable?$expand=Results with {"InventoryID", "LastModifiedDateTime"} (both filters);
Results[] = {InventoryID, QtyAvailable, LastModifiedDateTime}, an item-level aggregate over warehouses,
changed-since on the availability's own clock (an inventory movement does not touch the item).
"""
import uuid
from decimal import Decimal
from typing import Any

from .models import Instance, Record
from .schema import parse_datetime, render_record


def quantity_available(instance: Instance, version: str, filters: dict, query: Any) -> dict:
    items = Record.objects.filter(instance=instance, entity="StockItem").order_by("id")
    if filters.get("InventoryID"):
        items = items.filter(key=filters["InventoryID"])
    if filters.get("LastModifiedDateTime"):
        items = items.filter(qty_modified__gte=parse_datetime(filters["LastModifiedDateTime"]))
    results = [{"id": str(uuid.uuid4()), "InventoryID": item.key,
                "QtyAvailable": str(sum((Decimal(str(w.get("QtyOnHand") or 0))
                                         for w in item.data.get("WarehouseDetails") or []), Decimal("0"))),
                "LastModifiedDateTime": item.qty_modified.isoformat()} for item in items]
    plain = {"id": str(uuid.uuid4()), **filters, "Results": results}
    return render_record(version, "InventoryQuantityAvailable", plain, query.expand, query.select)


INQUIRIES = {"InventoryQuantityAvailable": quantity_available}
