"""Shipments (SO302000): created from sales order lines, packages with tracking numbers, confirmed or corrected
by long-running actions, with a push notification whenever one changes.

Reference: the Shipment entity of the Default endpoint (../shared/specs/acumatica/, 22.200.001, 23.200.001 and
24.200.001 alike: Details rows ShipmentDetail with OrderType/OrderNbr/OrderLineNbr/InventoryID/ShippedQty,
Packages rows ShipmentPackage with TrackingNbr, Orders rows ShipmentOrderDetail, actions ConfirmShipment and
CorrectShipment) and acumatica-api.md sections 3-5 (422 bodies, long-running actions, push notifications).

Statuses follow the Shipments form: On Hold / Open while it can be edited, Confirmed after ConfirmShipment;
CorrectShipment brings a confirmed shipment back to Open, and only an unconfirmed one can be deleted (that is
how a shipment is cancelled). A sales order line's OpenQty is what is left after confirmed shipments, its
QtyOnShipments what unconfirmed ones hold; the order is Completed when nothing is left open, else Back Order.
"""
from decimal import Decimal

from django.utils import timezone

from .documents import ZERO, Invalid, dec, find, next_number, today
from .models import Instance, Record

EDITABLE = ("On Hold", "Open")
CONFIRMED = "Confirmed"
NOT_FOUND = "'{what}' cannot be found in the system."
SHIPPABLE_ORDER_STATUSES = ("Open", "Back Order", "Shipping")


def qty(value: Decimal) -> str:
    return str(value.quantize(Decimal("0.01")))


def _other_shipments(instance: Instance, shipment_nbr: str | None) -> list[Record]:
    return [r for r in Record.objects.filter(instance=instance, entity="Shipment")
            if r.data.get("ShipmentNbr") != shipment_nbr]


def _held(shipments: list[Record], order_type: str, order_nbr: str, line_nbr: object, confirmed: bool) -> Decimal:
    """Quantity of one order line on the given shipments, confirmed ones or unconfirmed ones."""
    total = ZERO
    for shipment in shipments:
        if (shipment.data.get("Status") == CONFIRMED) != confirmed:
            continue
        for row in shipment.data.get("Details") or []:
            if (row.get("OrderType"), row.get("OrderNbr"), str(row.get("OrderLineNbr"))) == \
                    (order_type, order_nbr, str(line_nbr)):
                total += dec(row.get("ShippedQty"))
    return total


def shipment(instance: Instance, data: dict, created: bool) -> None:
    """BEFORE_SAVE rule: checks every line against its sales order line and fills the computed fields."""
    if not created and data.get("Status") not in (None, *EDITABLE):
        raise Invalid("Shipment", data, {"Status": f"The shipment cannot be changed in the {data['Status']} status."})
    errors: dict[str, str] = {}
    if find(instance, "Customer", {"CustomerID": data.get("CustomerID")}) is None:
        errors["CustomerID"] = NOT_FOUND.format(what="Customer")
    others = _other_shipments(instance, data.get("ShipmentNbr"))
    orders: dict[tuple[str, str], Decimal] = {}
    for n, row in enumerate(data.setdefault("Details", [])):
        _check_line(instance, data, row, n, others, errors)
        key = (row.get("OrderType"), row.get("OrderNbr"))
        orders[key] = orders.get(key, ZERO) + dec(row.get("ShippedQty"))
    for n, package in enumerate(data.setdefault("Packages", [])):
        package.setdefault("LineNbr", n + 1)
        package.setdefault("Type", "Manual")
        package.setdefault("Confirmed", False)
    if errors:
        raise Invalid("Shipment", data, errors)
    if created and not data.get("ShipmentNbr"):
        data["ShipmentNbr"] = next_number(instance, "SHIPMENT")
    data.setdefault("Operation", "Issue")
    data.setdefault("ShipmentDate", today())
    data.setdefault("WarehouseID", instance.branch)
    data["Status"] = "On Hold" if data.get("Hold") else "Open"
    data["ShippedQty"] = qty(sum(orders.values(), ZERO))
    data["PackageCount"] = len(data["Packages"])
    data["Orders"] = [{"OrderType": t, "OrderNbr": nbr, "ShipmentNbr": data["ShipmentNbr"],
                       "ShipmentType": data["Type"], "ShippedQty": qty(q)} for (t, nbr), q in orders.items()]


def _check_line(instance: Instance, data: dict, row: dict, n: int, others: list[Record],
                errors: dict[str, str]) -> None:
    where = f"Details/{n}/"
    row.setdefault("OrderType", "SO")
    row.setdefault("LineNbr", n + 1)
    order = find(instance, "SalesOrder", {"OrderType": row["OrderType"], "OrderNbr": row.get("OrderNbr")})
    if order is None:
        errors[where + "OrderNbr"] = NOT_FOUND.format(what="Order Nbr.")
        return
    if order.data.get("CustomerID") != data.get("CustomerID"):
        errors[where + "OrderNbr"] = "The sales order belongs to another customer."
        return
    if order.data.get("Status") not in SHIPPABLE_ORDER_STATUSES:
        errors[where + "OrderNbr"] = f"The order cannot be shipped in the {order.data.get('Status')} status."
        return
    line = next((r for r in order.data.get("Details") or [] if str(r.get("LineNbr")) == str(row.get("OrderLineNbr"))),
                None)
    if line is None:
        errors[where + "OrderLineNbr"] = NOT_FOUND.format(what="Order Line Nbr.")
        return
    if row.get("InventoryID") not in (None, line.get("InventoryID")):
        errors[where + "InventoryID"] = "The item differs from the item of the sales order line."
        return
    row.update({"InventoryID": line["InventoryID"], "UOM": line.get("UOM"), "Description": line.get("LineDescription"),
                "WarehouseID": line.get("WarehouseID") or _default_warehouse(instance, line.get("InventoryID")),
                "OrderedQty": qty(dec(line.get("OrderQty")))})
    open_qty = dec(line.get("OrderQty")) - _held(others, row["OrderType"], row["OrderNbr"], row["OrderLineNbr"], True)
    available = open_qty - _held(others, row["OrderType"], row["OrderNbr"], row["OrderLineNbr"], False)
    shipped = dec(row.get("ShippedQty") if row.get("ShippedQty") is not None else available)
    if shipped <= 0:
        errors[where + "ShippedQty"] = "The shipped quantity must be greater than zero."
    elif shipped > available:
        errors[where + "ShippedQty"] = (f"The shipped quantity ({qty(shipped)}) exceeds the quantity left to ship "
                                        f"on the sales order line ({qty(available)}).")
    row["ShippedQty"] = qty(shipped)
    row["OpenQty"] = qty(open_qty)
    for name in ("UOM", "Description"):
        if row.get(name) is None:
            row.pop(name, None)


def _default_warehouse(instance: Instance, inventory_id: str | None) -> str:
    """The warehouse a line without one ships from: its item's default warehouse (then the branch's name)."""
    item = find(instance, "StockItem", {"InventoryID": inventory_id})
    return (item.data.get("DefaultWarehouseID") if item else None) or instance.branch


def shipment_after(instance: Instance, record: Record, before: dict | None) -> None:
    refresh_orders(instance, record.data, before)
    notify(instance, record, before)


def refresh_orders(instance: Instance, *shipments: dict | None) -> None:
    """Recomputes OpenQty, QtyOnShipments, the Shipments tab and the status of the orders these shipments touch."""
    from .dropship import received
    keys = {(r.get("OrderType"), r.get("OrderNbr")) for s in shipments if s for r in s.get("Details") or []}
    all_shipments = list(Record.objects.filter(instance=instance, entity="Shipment"))
    for order_type, order_nbr in keys:
        order = find(instance, "SalesOrder", {"OrderType": order_type, "OrderNbr": order_nbr})
        if order is None:
            continue
        left = ZERO
        for line in order.data.get("Details") or []:
            # Released drop-ship receipts ship too, without an SO shipment (sandbox/acumatica/dropship.py).
            confirmed = _held(all_shipments, order_type, order_nbr, line.get("LineNbr"), True) + \
                received(instance, order_type, order_nbr, line.get("LineNbr"))
            line["OpenQty"] = qty(dec(line.get("OrderQty")) - confirmed)
            line["QtyOnShipments"] = qty(_held(all_shipments, order_type, order_nbr, line.get("LineNbr"), False))
            left += dec(line["OpenQty"])
        rows = [r for r in order.data.get("Shipments") or [] if r.get("ShipmentType") != "Issue"]
        rows += [_order_shipment_row(s, order_type, order_nbr) for s in all_shipments
                 if any((r.get("OrderType"), r.get("OrderNbr")) == (order_type, order_nbr)
                        for r in s.data.get("Details") or [])]
        order.data["Shipments"] = rows
        if order.data.get("Status") in SHIPPABLE_ORDER_STATUSES + ("Completed",):
            shipped_any = any(dec(line["OpenQty"]) < dec(line.get("OrderQty")) for line in order.data["Details"])
            order.data["Status"] = "Completed" if left <= 0 else "Back Order" if shipped_any else "Open"
        order.last_modified = timezone.now()
        order.save()


def _order_shipment_row(shipment: Record, order_type: str, order_nbr: str) -> dict:
    shipped = sum((dec(r.get("ShippedQty")) for r in shipment.data.get("Details") or []
                   if (r.get("OrderType"), r.get("OrderNbr")) == (order_type, order_nbr)), ZERO)
    # ShipmentType "Issue" is how the Shipments tab of a sales order names a shipment (vs. "Invoice" rows).
    return {"id": str(shipment.note_id), "ShipmentType": "Issue", "ShipmentNbr": shipment.data["ShipmentNbr"],
            "ShipmentDate": shipment.data.get("ShipmentDate"), "Status": shipment.data.get("Status"),
            "ShippedQty": qty(shipped), "ShippingNoteID": str(shipment.note_id)}


def notify(instance: Instance, record: Record, before: dict | None, deleted: bool = False) -> None:
    from .push import notify_shipment_change
    notify_shipment_change(instance, None if deleted else record.data, before)


# ---------------------------------------------------------------- actions

def precheck(action: str, record: Record) -> str | None:
    status = record.data.get("Status")
    if action == "ConfirmShipment" and status != "Open":
        return f"The shipment cannot be confirmed in the {status} status."
    if action == "ConfirmShipment" and not record.data.get("Details"):
        return "The shipment has no lines to confirm."
    if action == "CorrectShipment" and status != CONFIRMED:
        return f"The shipment cannot be corrected in the {status} status."
    return None


def _set_status(instance: Instance, record: Record, status: str, packages_confirmed: bool) -> None:
    from .stock import issue_shipment
    before = {**record.data}
    record.data["Status"] = status
    for package in record.data.get("Packages") or []:
        package["Confirmed"] = packages_confirmed
    record.last_modified = timezone.now()
    record.save()
    # The goods leave the warehouse on confirmation (the IN issue) and come back when it is corrected.
    issue_shipment(instance, record.data, 1 if status == CONFIRMED else -1)
    refresh_orders(instance, record.data)
    notify(instance, record, before)


def confirm_shipment(instance: Instance, record: Record) -> None:
    _set_status(instance, record, CONFIRMED, True)


def correct_shipment(instance: Instance, record: Record) -> None:
    _set_status(instance, record, "Open", False)


def deletion_refused(record: Record) -> str | None:
    if record.entity == "Shipment" and record.data.get("Status") not in EDITABLE:
        return f"The shipment cannot be deleted in the {record.data.get('Status')} status."
    return None


def deleted(instance: Instance, record: Record) -> None:
    if record.entity == "Shipment":
        refresh_orders(instance, record.data)
        notify(instance, record, record.data, deleted=True)


# ---------------------------------------------------------------- the warehouse (demo and tests)

def ship_order(instance: Instance, order_nbr: str, lines: list[tuple[int, object]] | None = None,
               tracking: tuple[str, ...] = ("1Z999AA10123456784",), ship_via: str = "UPSGROUND",
               order_type: str = "SO", confirm: bool = True) -> Record:
    """What a warehouse clerk does on the Shipments form: a shipment of the given (line number, quantity) pairs
    (default: everything left to ship), one package per tracking number, then Confirm Shipment."""
    from .documents import put_record
    order = find(instance, "SalesOrder", {"OrderType": order_type, "OrderNbr": order_nbr})
    if lines is None:
        lines = [(line["LineNbr"], None) for line in order.data.get("Details") or []
                 if dec(line.get("OpenQty", line.get("OrderQty"))) - dec(line.get("QtyOnShipments")) > 0]
    details = [{"OrderType": order_type, "OrderNbr": order_nbr, "OrderLineNbr": n,
                **({"ShippedQty": str(q)} if q is not None else {})} for n, q in lines]
    record, _ = put_record(instance, "Shipment", {
        "CustomerID": order.data["CustomerID"], "ShipVia": ship_via, "Details": details,
        "Packages": [{"TrackingNbr": t, "Weight": "1.5", "BoxID": "BOX"} for t in tracking]})
    if confirm:
        confirm_shipment(instance, record)
    return record


def cancel_shipment(instance: Instance, shipment_nbr: str) -> None:
    """Correct Shipment, then delete it: how a confirmed shipment is taken back."""
    record = find(instance, "Shipment", {"ShipmentNbr": shipment_nbr})
    if record.data.get("Status") == CONFIRMED:
        correct_shipment(instance, record)
    record.delete()
    deleted(instance, record)


def open_to_ship(instance: Instance, order_type: str = "SO") -> list[dict]:
    """Sales orders released for shipping with quantity not yet on a shipment, oldest first."""
    orders = Record.objects.filter(instance=instance, entity="SalesOrder").order_by("pk")
    return [o.data for o in orders if o.data.get("OrderType") == order_type and not o.data.get("Hold")
            and o.data.get("Status") in SHIPPABLE_ORDER_STATUSES
            and any(dec(line.get("OpenQty", line.get("OrderQty"))) - dec(line.get("QtyOnShipments")) > 0
                    for line in o.data.get("Details") or [])]
