"""Drop-ship: the vendor ships straight to the shopper, so there is no SO shipment; a purchase receipt of the
drop-ship purchase order records it (PO302000), and its release shows on the sales order's Shipments tab.

Reference: the Default endpoint of 22.200.001, 23.200.001 and 24.200.001 alike (../shared/specs/acumatica/):
- SalesOrderDetail.PurchasingDetails rows PurchasingDetail (POOrderType, POOrderNbr, POOrderLineNbr, Selected;
  mapped to the SupplyPOLines view of SO301000): the purchase order line a sales order line is linked to;
- PurchaseReceipt (ReceiptNbr, Type, Status, VendorRef, Details) with PurchaseReceiptDetail rows (POOrderType,
  POOrderNbr, POLineNbr, InventoryID, ReceiptQty) and the action ReleasePurchaseReceipt; LastModifiedDateTime
  only from 23.200.001;
- SalesOrder.Shipments rows SalesOrderShipment (mapped to ShipmentList = SOOrderShipment): a released drop-ship
  receipt is a row whose ShipmentNbr is the receipt number. ShipmentType is the SOShipmentType label
  "Drop-Shipment" (public Acumatica source, SO messages), as "Issue" names an SO shipment; the purchase order
  type label is "Drop Ship" (PO messages).

The purchase order itself is not modelled (the connector never reads it): a sales order line's link row stands
for it. Only a released receipt moves quantities; receipts are made here by the helpers below (what a buyer does
on the forms), PUT through the API is checked by the same rule.
"""
from decimal import Decimal

from django.utils import timezone

from .documents import ZERO, Invalid, dec, find, next_number, put_record, today
from .models import Instance, Record
from .shipments import SHIPPABLE_ORDER_STATUSES, qty

DROP_SHIP_PO = "Drop Ship"
DROP_SHIPMENT = "Drop-Shipment"
RELEASED = "Released"


def linked_line(instance: Instance, row: dict) -> tuple[Record, dict] | None:
    """The sales order and its line linked to the drop-ship purchase order line a receipt line receives."""
    wanted = (row.get("POOrderType"), row.get("POOrderNbr"), str(row.get("POLineNbr")))
    for order in Record.objects.filter(instance=instance, entity="SalesOrder"):
        for line in order.data.get("Details") or []:
            for link in line.get("PurchasingDetails") or []:
                if link.get("Selected") and (link.get("POOrderType"), link.get("POOrderNbr"),
                                             str(link.get("POOrderLineNbr"))) == wanted:
                    return order, line
    return None


def received(instance: Instance, order_type: str, order_nbr: str, line_nbr: object, but: str | None = None) -> Decimal:
    """Quantity of a sales order line the released drop-ship receipts (other than `but`) have received."""
    total = ZERO
    for receipt in Record.objects.filter(instance=instance, entity="PurchaseReceipt"):
        if receipt.data.get("ReceiptNbr") == but or receipt.data.get("Status") != RELEASED:
            continue
        for row in receipt.data.get("Details") or []:
            found = linked_line(instance, row)
            if found and (found[0].data.get("OrderType"), found[0].data.get("OrderNbr"), str(found[1].get("LineNbr"))) \
                    == (order_type, order_nbr, str(line_nbr)):
                total += dec(row.get("ReceiptQty"))
    return total


def purchase_receipt(instance: Instance, data: dict, created: bool) -> None:
    """BEFORE_SAVE rule: every line receives a drop-ship purchase order line linked to a sales order line."""
    if not created and data.get("Status") == RELEASED:
        raise Invalid("PurchaseReceipt", data, {"Status": "The receipt cannot be changed in the Released status."})
    errors: dict[str, str] = {}
    for n, row in enumerate(data.setdefault("Details", [])):
        where = f"Details/{n}/"
        row.setdefault("LineNbr", n + 1)
        found = linked_line(instance, row) if row.get("POOrderType") == DROP_SHIP_PO else None
        if found is None:
            errors[where + "POOrderNbr"] = "'PO Order Nbr.' cannot be found in the system."
            continue
        order, line = found
        if row.get("InventoryID") not in (None, line.get("InventoryID")):
            errors[where + "InventoryID"] = "The item differs from the item of the purchase order line."
            continue
        row["InventoryID"] = line.get("InventoryID")
        left = dec(line.get("OrderQty")) - received(instance, order.data["OrderType"], order.data["OrderNbr"],
                                                    line.get("LineNbr"), data.get("ReceiptNbr"))
        quantity = dec(row.get("ReceiptQty") if row.get("ReceiptQty") is not None else left)
        if quantity <= 0 or quantity > left:
            errors[where + "ReceiptQty"] = f"The receipt quantity must be greater than zero and at most {qty(left)}."
        row["ReceiptQty"] = qty(quantity)
    if errors:
        raise Invalid("PurchaseReceipt", data, errors)
    if created and not data.get("ReceiptNbr"):
        data["ReceiptNbr"] = next_number(instance, "PORECEIPT")
    data.setdefault("Date", today())
    data["Status"] = "On Hold" if data.get("Hold") else "Balanced"
    data["TotalQty"] = qty(sum((dec(r["ReceiptQty"]) for r in data["Details"]), ZERO))


def release_purchase_receipt(instance: Instance, record: Record) -> None:
    """The vendor shipped: the receipt is released and each sales order it serves shows it on its Shipments tab."""
    record.data["Status"] = RELEASED
    record.last_modified = timezone.now()
    record.save()
    shipped: dict[str, Decimal] = {}
    for row in record.data.get("Details") or []:
        order, line = linked_line(instance, row)
        shipped[order.data["OrderNbr"]] = shipped.get(order.data["OrderNbr"], ZERO) + dec(row["ReceiptQty"])
        line["OpenQty"] = qty(dec(line.get("OpenQty", line.get("OrderQty"))) - dec(row["ReceiptQty"]))
        order.save()
    for order_nbr, quantity in shipped.items():
        order = find(instance, "SalesOrder", {"OrderType": "SO", "OrderNbr": order_nbr})
        order.data.setdefault("Shipments", []).append({
            "id": str(record.note_id), "ShipmentType": DROP_SHIPMENT, "ShipmentNbr": record.data["ReceiptNbr"],
            "ShipmentDate": record.data.get("Date"), "ShippedQty": qty(quantity), "Status": "Completed"})
        if order.data.get("Status") in SHIPPABLE_ORDER_STATUSES:
            left = any(dec(line.get("OpenQty", line.get("OrderQty"))) > 0 for line in order.data.get("Details") or [])
            order.data["Status"] = "Back Order" if left else "Completed"
        order.last_modified = timezone.now()
        order.save()


# ---------------------------------------------------------------- the buyer (demo and tests)

def drop_ship(instance: Instance, order_nbr: str, lines: list[tuple[int, object]], vendor_ref: str,
              release: bool = True) -> Record:
    """Links the given sales order lines (line number, quantity to receive or None for all) to a new drop-ship
    purchase order (Create Purchase Orders, PO505000), then enters its receipt with the vendor's reference (the
    carrier's tracking number) and releases it."""
    po_nbr = next_number(instance, "PURCHASEORDER", prefix="PO")
    order = find(instance, "SalesOrder", {"OrderType": "SO", "OrderNbr": order_nbr})
    details = []
    for po_line, (line_nbr, quantity) in enumerate(lines, start=1):
        line = next(r for r in order.data["Details"] if str(r.get("LineNbr")) == str(line_nbr))
        line["POSource"] = "Drop-Ship"
        line["PurchasingDetails"] = [{"POOrderType": DROP_SHIP_PO, "POOrderNbr": po_nbr, "POOrderLineNbr": po_line,
                                      "Selected": True}]
        details.append({"POOrderType": DROP_SHIP_PO, "POOrderNbr": po_nbr, "POLineNbr": po_line,
                        **({"ReceiptQty": str(quantity)} if quantity is not None else {})})
    order.save()
    record, _ = put_record(instance, "PurchaseReceipt", {"VendorRef": vendor_ref, "Details": details})
    if release:
        release_purchase_receipt(instance, record)
    return record
