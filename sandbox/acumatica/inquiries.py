"""Inquiry entities, which the contract reads with PUT (the body holds the inquiry's filter fields).

Reference: acumatica-api.md section 4 "Reading available quantity":
- PUT .../InventoryQuantityAvailable?$expand=Results with {"InventoryID", "LastModifiedDateTime"} (both
  filters); Results[] = {InventoryID, QtyAvailable, LastModifiedDateTime}, an item-level aggregate over
  warehouses (on hand minus allocations), changed-since on the availability's own clock (an inventory
  movement or allocation does not touch the item).
- PUT .../InventorySummaryInquiry?$expand=Results with {"InventoryID", "WarehouseID", ...}; Results[] per
  warehouse: QtyOnHand, QtyAvailable, QtyAvailableForShipment, QtyNotAvailable, BaseUOM (base unit). Like
  the Inventory Summary form (IN401000), it shows nothing until an item is chosen.
Quantities are computed by `stock.py` (allocations by open sales orders, units of measure).
- PUT .../CompaniesStructure?$expand=Results with {} (no filter fields): Results[] one row per branch of
  each company (CompanyID, CompanyName, BranchID, BranchName, statuses), as the Companies Structure
  inquiry lists them. A seeded instance is one company with the branches in BRANCHES.
"""
import uuid
from typing import Any

from . import stock
from .models import Instance, Record
from .schema import parse_datetime, render_record


def quantity_available(instance: Instance, version: str, filters: dict, query: Any) -> dict:
    items = Record.objects.filter(instance=instance, entity="StockItem").order_by("id")
    if filters.get("InventoryID"):
        items = items.filter(key=filters["InventoryID"])
    if filters.get("LastModifiedDateTime"):
        items = items.filter(qty_modified__gte=parse_datetime(filters["LastModifiedDateTime"]))
    items = {item.key: item for item in items}
    available = stock.available_by_item(instance, items)
    results = [{"id": str(uuid.uuid4()), "InventoryID": key, "QtyAvailable": str(available[key]),
                "LastModifiedDateTime": item.qty_modified.isoformat()} for key, item in items.items()]
    plain = {"id": str(uuid.uuid4()), **filters, "Results": results}
    return render_record(version, "InventoryQuantityAvailable", plain, query.expand, query.select)


def inventory_summary(instance: Instance, version: str, filters: dict, query: Any) -> dict:
    rows = []
    if filters.get("InventoryID"):
        rows = stock.summary_rows(instance, str(filters["InventoryID"]), filters.get("WarehouseID"))
    results = [{"id": str(uuid.uuid4()), **row} for row in rows]
    plain = {"id": str(uuid.uuid4()), **filters, "Results": results}
    return render_record(version, "InventorySummaryInquiry", plain, query.expand, query.select)


BRANCHES = [("MAIN", "Main branch"), ("EAST", "East branch")]  # what seed.py's warehouses belong to


def companies_structure(instance: Instance, version: str, filters: dict, query: Any) -> dict:
    results = [{"id": str(uuid.uuid4()), "CompanyID": instance.company, "CompanyName": instance.company,
                "CompanyStatus": True, "CompanyType": "With Branches Not Requiring Balancing",
                "BranchID": branch, "BranchName": name, "BranchStatus": True, "BaseCurrencyID": "USD"}
               for branch, name in BRANCHES]
    plain = {"id": str(uuid.uuid4()), **filters, "Results": results}
    return render_record(version, "CompaniesStructure", plain, query.expand, query.select)


INQUIRIES = {"InventoryQuantityAvailable": quantity_available, "InventorySummaryInquiry": inventory_summary,
             "CompaniesStructure": companies_structure}
