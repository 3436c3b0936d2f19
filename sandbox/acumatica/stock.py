"""Stock of the simulated instance: on hand per warehouse, allocations by sales orders, units of measure.

What the real site keeps in its item-site status (INSiteStatus) is computed here from the records:

- **On hand** is `StockItem.WarehouseDetails[].QtyOnHand` (base unit). Confirming a shipment issues its
  lines from their warehouses, correcting it puts them back (`issue_shipment`); releasing the invoice of a
  sales order issues what its lines still have open, i.e. not shipped (`issue_order`, the invoice-first flow).
- **Allocations**: the open quantity (`OpenQty`, what confirmed shipments left; the ordered quantity before
  any) of a stock line on a sales order that is not on hold
  (`ALLOCATING` statuses: the default availability calculation deducts booked, allocated and
  shipped sales order quantities, not prepared ones on hold) reduces *available*, never *on hand*.
  Lines on a shipment (`Shipping`) reduce *available for shipment* too.
- **Units**: quantities and prices on order lines are in the line's `UOM` (the item's sales unit by
  default); stock is kept in the item's base unit. `UOMConversions[]` rows {FromUOM, ToUOM,
  ConversionFactor, MultiplyOrDivide} convert: From = BOX, To = EA, Multiply, 12 means 1 BOX = 12 EA.
- The availability clock (`Record.qty_modified`, read by InventoryQuantityAvailable's
  LastModifiedDateTime) moves whenever on hand or an allocation of the item moves.

Reference: acumatica-api.md section 4 "Reading available quantity" (InventoryQuantityAvailable: item-level
QtyAvailable; InventorySummaryInquiry: QtyOnHand, QtyAvailable, QtyAvailableForShipment, QtyNotAvailable per
WarehouseID and LocationID, in the base unit); specs/acumatica Default_22/23/24 (InventorySummaryRow,
InventoryItemUOMConversion have the same fields in the three versions).
"""
from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from fractions import Fraction

from django.utils import timezone

from .documents import CREDIT_ORDER_TYPES
from .models import Instance, Record

ZERO = Decimal("0")
ALLOCATING = {"Open", "Back Order", "Shipping", "Invoiced"}
ON_SHIPMENTS = {"Shipping"}


def dec(value: object) -> Decimal:
    return ZERO if value in (None, "") else Decimal(str(value))


def unit_factor(item: dict, uom: str | None) -> Fraction:
    """Base units in one `uom` of the item (1 for the base unit or an unknown unit)."""
    base, unit = str(item.get("BaseUOM") or "EA").upper(), str(uom or "").upper()
    if not unit or unit == base:
        return Fraction(1)
    for row in item.get("UOMConversions") or []:
        rate = Fraction(dec(row.get("ConversionFactor")))
        if rate <= 0:
            continue
        multiply = str(row.get("MultiplyOrDivide") or "Multiply").lower().startswith("m")
        pair = (str(row.get("FromUOM") or "").upper(), str(row.get("ToUOM") or "").upper())
        if pair == (unit, base):
            return rate if multiply else 1 / rate
        if pair == (base, unit):
            return 1 / rate if multiply else rate
    return Fraction(1)


def has_unit(item: dict, uom: str | None) -> bool:
    base, unit = str(item.get("BaseUOM") or "EA").upper(), str(uom or "").upper()
    return not unit or unit == base or any(
        unit in (str(r.get("FromUOM") or "").upper(), str(r.get("ToUOM") or "").upper())
        for r in item.get("UOMConversions") or [])


def in_base(item: dict, quantity: object, uom: str | None) -> Decimal:
    value = Fraction(dec(quantity)) * unit_factor(item, uom)
    return Decimal(value.numerator) / Decimal(value.denominator)


def _stock_items(instance: Instance, keys: set[str] | None = None) -> dict[str, Record]:
    items = Record.objects.filter(instance=instance, entity="StockItem")
    if keys is not None:
        items = items.filter(key__in=keys)
    return {item.key: item for item in items}


def allocations(instance: Instance, items: dict[str, Record]) -> dict[tuple[str, str], tuple[Decimal, Decimal]]:
    """(InventoryID, WarehouseID) -> (allocated by open orders, of which on shipments), in base units."""
    totals: dict[tuple[str, str], list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
    for order in Record.objects.filter(instance=instance, entity="SalesOrder"):
        status = order.data.get("Status")
        if not _allocates(order.data):
            continue
        for line in order.data.get("Details") or []:
            item = items.get(str(line.get("InventoryID") or ""))
            if item is None:
                continue
            qty = in_base(item.data, open_quantity(line), line.get("UOM"))
            row = totals[(item.key, str(line.get("WarehouseID") or item.data.get("DefaultWarehouseID") or ""))]
            row[0] += qty
            if status in ON_SHIPMENTS:
                row[1] += qty
    return {key: (value[0], value[1]) for key, value in totals.items()}


def open_quantity(line: dict) -> object:
    """What a sales order line has left to ship: OpenQty once shipments touched it, else the ordered quantity."""
    return line.get("OpenQty", line.get("OrderQty"))


def _allocates(order: dict) -> bool:
    """Sales orders (not returns: credit memo and RMA types receive stock) in an allocating status."""
    return order.get("Status") in ALLOCATING and order.get("OrderType") not in CREDIT_ORDER_TYPES


def summary_rows(instance: Instance, inventory_id: str, warehouse: str | None = None) -> list[dict]:
    """InventorySummaryInquiry results for one item: one row per warehouse, base unit."""
    items = _stock_items(instance, {inventory_id})
    item = items.get(inventory_id)
    if item is None:
        return []
    allocated = allocations(instance, items)
    rows = []
    for detail in item.data.get("WarehouseDetails") or []:
        warehouse_id = str(detail.get("WarehouseID") or "")
        if warehouse and warehouse_id.upper() != warehouse.upper():
            continue
        on_hand = dec(detail.get("QtyOnHand"))
        booked, shipping = allocated.get((item.key, warehouse_id), (ZERO, ZERO))
        rows.append({"InventoryID": item.key, "WarehouseID": warehouse_id, "LocationID": None,
                     "BaseUOM": item.data.get("BaseUOM") or "EA", "QtyOnHand": str(on_hand),
                     "QtyAvailable": str(on_hand - booked), "QtyAvailableForShipment": str(on_hand - shipping),
                     "QtyNotAvailable": "0"})
    return rows


def available_by_item(instance: Instance, items: dict[str, Record]) -> dict[str, Decimal]:
    """Item-level available quantity (InventoryQuantityAvailable), base unit: on hand minus allocations."""
    allocated = allocations(instance, items)
    totals = {key: sum((dec(w.get("QtyOnHand")) for w in item.data.get("WarehouseDetails") or []), ZERO)
              for key, item in items.items()}
    for (key, _), (booked, _) in allocated.items():
        totals[key] = totals.get(key, ZERO) - booked
    return totals


def touch(instance: Instance, inventory_ids: set[str]) -> None:
    """Moves the availability clock of the named stock items."""
    if inventory_ids:
        Record.objects.filter(instance=instance, entity="StockItem", key__in=inventory_ids).update(
            qty_modified=timezone.now())


def allocated_items(order_data: dict | None) -> dict[str, tuple]:
    """What an order version allocates, for telling whether a save moved any item's availability."""
    if not order_data or not _allocates(order_data):
        return {}
    lines: dict[str, tuple] = {}
    for line in order_data.get("Details") or []:
        key = str(line.get("InventoryID") or "")
        lines[key] = lines.get(key, ()) + ((open_quantity(line), line.get("UOM"), line.get("WarehouseID"),
                                            order_data.get("Status") in ON_SHIPMENTS),)
    return lines


def order_saved(instance: Instance, before: dict | None, after: dict) -> None:
    """A sales order save that changes what it allocates moves the availability of those items."""
    old, new = allocated_items(before), allocated_items(after)
    touch(instance, {key for key in set(old) | set(new) if old.get(key) != new.get(key)})


def issue_order(instance: Instance, order: Record) -> None:
    """The order's stock lines leave their warehouses (on hand goes down, in base units), as far as shipments
    have not issued them already."""
    if order.data.get("OrderType") in CREDIT_ORDER_TYPES:
        return
    _issue(instance, [(line, open_quantity(line)) for line in order.data.get("Details") or []], Decimal(1))


def issue_shipment(instance: Instance, shipment: dict, sign: int) -> None:
    """A confirmed shipment's lines leave their warehouses (sign 1); a corrected one's come back (sign -1)."""
    _issue(instance, [(line, line.get("ShippedQty")) for line in shipment.get("Details") or []], Decimal(sign))


def _issue(instance: Instance, lines: list[tuple[dict, object]], sign: Decimal) -> None:
    items = _stock_items(instance, {str(line.get("InventoryID") or "") for line, _ in lines})
    for line, quantity in lines:
        item = items.get(str(line.get("InventoryID") or ""))
        if item is None:
            continue
        warehouse = str(line.get("WarehouseID") or item.data.get("DefaultWarehouseID") or "")
        moved = sign * in_base(item.data, quantity, line.get("UOM"))
        for detail in item.data.get("WarehouseDetails") or []:
            if str(detail.get("WarehouseID") or "") == warehouse:
                detail["QtyOnHand"] = str(dec(detail.get("QtyOnHand")) - moved)
    now = timezone.now()
    for item in items.values():
        item.qty_modified = now
        item.save(update_fields=["data", "qty_modified"])
