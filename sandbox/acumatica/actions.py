"""Long-running actions: PrepareSalesInvoice, ReleaseSalesInvoice, ReleasePayment, ConfirmShipment, CorrectShipment,
ReleasePurchaseReceipt (a drop-ship receipt, sandbox/acumatica/dropship.py).

Reference: acumatica-api.md section 4 "Actions" / "Long-running actions" -- POST .../<Entity>/<Action> with
{"entity": {keys or id}, "parameters": {}}; 202 with a Location (.../<Entity>/<Action>/status/<guid>) to GET
until it answers 204. The effect is applied when the run completes (after `Instance.action_polls` polls or
`Instance.action_ms` milliseconds), so a client that reads early sees the record unchanged, as on a real site.
A real site finishes the run in the background whether or not anyone polls: here every request to the instance
first completes its runs whose `action_ms` has passed (`complete_due`), so a client may read the effect instead of
polling the status.
"""
import datetime as dt
import uuid
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from .documents import CREDIT_ORDER_TYPES, PROCESSES_SHIPMENTS, ZERO, dec, find, find_item, money, put_record
from . import stock
from .models import ActionRun, Instance, Record
from . import dropship, shipments
from .rules import applied_document

SUPPORTED = {("SalesOrder", "PrepareSalesInvoice"), ("SalesInvoice", "ReleaseSalesInvoice"),
             ("Payment", "ReleasePayment"), ("Shipment", "ConfirmShipment"), ("Shipment", "CorrectShipment"),
             ("PurchaseReceipt", "ReleasePurchaseReceipt")}


class ActionFailed(Exception):
    pass


def start(instance: Instance, entity: str, action: str, record: Record, parameters: dict) -> ActionRun:
    _precheck(entity, action, record)
    run = ActionRun.objects.create(instance=instance, entity=entity, action=action, record=record,
                                   parameters=parameters)
    if instance.action_polls == 0:
        complete(run)
    return run


def poll(run: ActionRun) -> ActionRun:
    """Counts a status poll and completes the run when it is due."""
    run.polls += 1
    run.save(update_fields=["polls"])
    elapsed_ms = (timezone.now() - run.created_at) / dt.timedelta(milliseconds=1)
    if not run.done and (run.polls >= run.instance.action_polls or elapsed_ms >= run.instance.action_ms):
        complete(run)
    return run


def complete_due(instance: Instance) -> None:
    """Completes the instance's runs whose time is up, as a real site's background operation would have."""
    due = timezone.now() - dt.timedelta(milliseconds=instance.action_ms)
    for run in ActionRun.objects.filter(instance=instance, done=False, created_at__lte=due).order_by("id"):
        run.instance = instance
        complete(run)


@transaction.atomic
def complete(run: ActionRun) -> None:
    # Claimed by a conditional UPDATE: a status poll and another request's complete_due may both find the run
    # due, and only one of them may apply its effect.
    if not ActionRun.objects.filter(pk=run.pk, done=False).update(done=True):
        run.refresh_from_db()
        return
    try:
        EFFECTS[run.action](run.instance, Record.objects.select_for_update().get(pk=run.record_id))
    except ActionFailed as e:
        run.error = str(e)
    run.done = True
    run.save()


def _precheck(entity: str, action: str, record: Record) -> None:
    status = record.data.get("Status")
    refusal = shipments.precheck(action, record) if entity == "Shipment" else None
    if refusal:
        raise ActionFailed(refusal)
    if action == "PrepareSalesInvoice":
        invoiced = any(row.get("ShipmentType") == "Invoice" for row in record.data.get("Shipments") or [])
        if status not in ("Open", "Back Order", "Completed") or record.data.get("Hold") or invoiced:
            raise ActionFailed(f"The order cannot be invoiced in the {status} status.")
        unshipped = _unshipped_stock(record)
        if unshipped:
            raise ActionFailed(f"The order cannot be invoiced: the {record.data['OrderType']} order type processes "
                               f"shipments, and {', '.join(unshipped)} must be shipped (the shipment confirmed) "
                               "before the order is invoiced.")
    if action in ("ReleaseSalesInvoice", "ReleasePayment", "ReleasePurchaseReceipt") and status != "Balanced":
        raise ActionFailed(f"The document cannot be released in the {status} status.")


def _unshipped_stock(order: Record) -> list[str]:
    """Stock items of an order whose type processes shipments that are not shipped yet: real Acumatica invoices
    those only from a confirmed shipment (a non-stock item, or an order type without shipments, is invoiced
    from the order)."""
    if not PROCESSES_SHIPMENTS.get(order.data.get("OrderType"), True):
        return []
    open_lines = [row for row in order.data.get("Details") or []
                  if dec(row.get("OpenQty") if row.get("OpenQty") is not None else row.get("OrderQty")) > 0]
    return [str(row.get("InventoryID")) for row in open_lines
            if getattr(find_item(order.instance, row.get("InventoryID")), "entity", "StockItem") == "StockItem"]


def prepare_sales_invoice(instance: Instance, order: Record) -> None:
    # Checked again when the run executes, not only when it starts: another run started before this one
    # completed may have invoiced the order meanwhile, and a real site then has nothing left to invoice.
    _precheck("SalesOrder", "PrepareSalesInvoice", order)
    data = order.data
    applied = sum((dec(p.get("AppliedToOrder")) for p in data.get("Payments") or []), ZERO)
    invoice_type = "Credit Memo" if data["OrderType"] in CREDIT_ORDER_TYPES else "Invoice"
    # The invoice lines copy the order lines' amounts (Ext. Price included), as SOInvoiceEntry does.
    details = [{"InventoryID": r["InventoryID"], "Qty": r.get("OrderQty"), "UnitPrice": r.get("UnitPrice"),
                "ExtendedPrice": r.get("ExtendedPrice"), "ManualPrice": True,
                "DiscountAmount": r.get("DiscountAmount"), "UOM": r.get("UOM"), "WarehouseID": r.get("WarehouseID"),
                "OrderType": data["OrderType"], "OrderNbr": data["OrderNbr"], "OrderLineNbr": r.get("LineNbr"),
                "Description": r.get("LineDescription")} for r in data.get("Details") or []]
    invoice, _ = put_record(instance, "SalesInvoice", _drop_none({
        "Type": invoice_type, "CustomerID": data["CustomerID"], "CustomerOrder": data.get("CustomerOrder"),
        "ExternalRef": data.get("ExternalRef"), "Description": data.get("Description"),
        "Currency": data.get("CurrencyID"), "FreightPrice": (data.get("Totals") or {}).get("Freight"),
        "TaxTotal": data.get("TaxTotal"), "DiscountTotal": (data.get("Totals") or {}).get("DiscountTotal"),
        "PaymentTotal": money(applied), "Details": [_drop_none(d) for d in details]}))
    data["Status"] = "Invoiced"
    data.setdefault("Shipments", []).append({"id": str(uuid.uuid4()), "ShipmentType": "Invoice",
                                             "InvoiceType": invoice_type,
                                             "InvoiceNbr": invoice.data["ReferenceNbr"], "Status": "Open"})
    order.last_modified = timezone.now()
    order.save()


def release_sales_invoice(instance: Instance, invoice: Record) -> None:
    invoice.data["Status"] = "Open" if dec(invoice.data.get("Balance")) > 0 else "Closed"
    invoice.last_modified = timezone.now()
    invoice.save()
    for order_key in {(d.get("OrderType"), d.get("OrderNbr")) for d in invoice.data.get("Details") or []}:
        order = find(instance, "SalesOrder", {"OrderType": order_key[0], "OrderNbr": order_key[1]})
        if order is not None:
            order.data["Status"] = "Completed"
            order.save()
            stock.issue_order(instance, order)  # the goods leave the warehouse; the allocation ends


def release_payment(instance: Instance, payment: Record) -> None:
    for row in payment.data.get("DocumentsToApply") or []:
        doc, field = applied_document(instance, row)
        if doc is None:
            continue
        balance = dec(doc.data.get(field)) - dec(row.get("AmountPaid"))
        doc.data[field] = money(max(balance, Decimal("0")))
        if doc.data.get("Status") == "Open" and balance <= 0:
            doc.data["Status"] = "Closed"
        doc.last_modified = timezone.now()
        doc.save()
    available = dec(payment.data.get("AvailableBalance"))
    fully_used = payment.data["Type"] == "Refund" or available <= 0
    payment.data["Status"] = "Closed" if fully_used and payment.data.get("DocumentsToApply") else "Open"
    payment.last_modified = timezone.now()
    payment.save()
    for row in payment.data.get("OrdersToApply") or []:
        order = find(instance, "SalesOrder", {"OrderType": row["OrderType"], "OrderNbr": row["OrderNbr"]})
        if order is not None:
            for p in order.data.get("Payments") or []:
                if p.get("ReferenceNbr") == payment.data["ReferenceNbr"]:
                    p["Status"] = payment.data["Status"]
            order.save()


def _drop_none(values: dict) -> dict:
    return {k: v for k, v in values.items() if v is not None}


EFFECTS = {"PrepareSalesInvoice": prepare_sales_invoice, "ReleaseSalesInvoice": release_sales_invoice,
           "ReleasePayment": release_payment, "ConfirmShipment": shipments.confirm_shipment,
           "CorrectShipment": shipments.correct_shipment, "ReleasePurchaseReceipt": dropship.release_purchase_receipt}
