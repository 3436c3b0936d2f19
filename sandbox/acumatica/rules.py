"""Per-entity rules run on every PUT: defaults, auto-numbering, lookups (422 on unknown keys), totals.

Reference: acumatica-api.md section 3 "Error bodies" (422 carries the record with per-field `error`,
e.g. CustomerID "'Customer' cannot be found in the system.") and section 4 (entity fields, AR types,
payments applied to orders with OrdersToApply, DocumentsToApply with DocType/ReferenceNbr/AmountPaid).
"""
import functools
from decimal import ROUND_HALF_UP, Decimal

import pycountry
from django.utils import timezone

from . import dropship, shipments
from .documents import PROCESSES_SHIPMENTS, ZERO, Invalid, dec, find, find_item, money, next_number, today
from . import stock
from .models import Instance, Record

NOT_FOUND = "'{what}' cannot be found in the system."
CUSTOMER_ADDRESSES = ("MainContact/Address", "BillingContact/Address", "ShippingContact/Address")
# Unit prices keep the decimal places the site is set up for (System Preferences, CS101500: "Price/Cost
# Decimal Places"); we simulate the common 2, so a 4-decimal BigCommerce price is rounded here unless the
# line's Ext. Price is given with a manual price.
PRICE_PLACES = Decimal("0.01")


def no_rules(instance: Instance, data: dict, created: bool) -> None:
    return None


def no_after(instance: Instance, record: Record, before: dict | None) -> None:
    return None


# ---------------------------------------------------------------- Addresses

@functools.cache
def state_ids(country: str) -> frozenset[str]:
    """The State IDs of the simulated Countries/States table: ISO 3166-2 codes without the country."""
    return frozenset(sub.code.split("-", 1)[1] for sub in pycountry.subdivisions.get(country_code=country) or [])


def check_address(address: dict | None, path: str, errors: dict[str, str]) -> None:
    """Country and State are selectors in Acumatica: an unknown CountryID, or a State that is not
    one of the country's states, is refused. The stock Countries/States table holds ISO 3166
    codes (US "TX", CA "QC"); a country without states takes any State text."""
    # Reference: Acumatica CR.Address (State is a State selector restricted to the address's
    # CountryID). Read from pycountry here on purpose, not through the connector's code.
    if not address:
        return
    country, state = (address.get("Country") or "").strip(), (address.get("State") or "").strip()
    if country and pycountry.countries.get(alpha_2=country.upper()) is None:
        errors[f"{path}Country"] = NOT_FOUND.format(what="Country")
        return
    if state and country and state_ids(country.upper()) and state.upper() not in state_ids(country.upper()):
        errors[f"{path}State"] = NOT_FOUND.format(what="State")


def _check_addresses(data: dict, paths: tuple[str, ...], errors: dict[str, str]) -> None:
    for path in paths:
        node: dict | None = data
        for part in path.split("/"):
            node = node.get(part) if isinstance(node, dict) else None
        check_address(node, f"{path}/", errors)


# ---------------------------------------------------------------- Customer

def customer(instance: Instance, data: dict, created: bool) -> None:
    if created and not data.get("CustomerID"):
        if not instance.auto_number_customers:
            raise Invalid("Customer", data, {"CustomerID": "'Customer ID' cannot be empty."})
        data["CustomerID"] = next_number(instance, "CUSTOMER", prefix="C")
    if not data.get("CustomerName"):
        raise Invalid("Customer", data, {"CustomerName": "'Customer Name' cannot be empty."})
    errors: dict[str, str] = {}
    _check_addresses(data, CUSTOMER_ADDRESSES, errors)
    if errors:
        raise Invalid("Customer", data, errors)
    data.setdefault("Status", "Active")
    data.setdefault("CustomerClass", "DEFAULT")
    contact = data.setdefault("MainContact", {})
    # The Email field on the Customer form is the main contact's e-mail.
    if data.get("Email") and not contact.get("Email"):
        contact["Email"] = data["Email"]
    data["Email"] = contact.get("Email")


# ---------------------------------------------------------------- SalesOrder

def _check_customer(instance: Instance, data: dict, errors: dict[str, str]) -> None:
    if find(instance, "Customer", {"CustomerID": data.get("CustomerID")}) is None:
        errors["CustomerID"] = NOT_FOUND.format(what="Customer")


def _check_lines(instance: Instance, rows: list[dict], errors: dict[str, str], qty_field: str) -> Decimal:
    total = ZERO
    for n, row in enumerate(rows):
        item = find_item(instance, row.get("InventoryID"))
        if item is None:
            errors[f"Details/{n}/InventoryID"] = NOT_FOUND.format(what="Inventory ID")
            continue
        row.setdefault("LineNbr", n + 1)
        # A line is in the item's sales unit unless it names another; its default price follows the unit.
        row.setdefault("UOM", item.data.get("SalesUOM") or item.data.get("BaseUOM") or item.data.get("BaseUnit")
                       or "EA")
        if item.entity == "StockItem" and not stock.has_unit(item.data, row["UOM"]):
            errors[f"Details/{n}/UOM"] = f"Unit conversion {row['UOM']} is missing for item {item.key}."
            continue
        if row.get("UnitPrice") is None:
            row["UnitPrice"] = str(stock.in_base(item.data, item.data.get("DefaultPrice") or "0", row["UOM"]))
        if item.entity == "StockItem":
            row.setdefault("WarehouseID", instance.branch)
        row["UnitPrice"] = str(dec(row["UnitPrice"]).quantize(PRICE_PLACES, rounding=ROUND_HALF_UP))
        qty, sent = dec(row.get(qty_field)), row.get("ExtendedPrice")
        # An Ext. Price entered with a manual price stands as entered; once the quantity changes (and no new
        # Ext. Price comes with it) Acumatica computes it again from the unit price.
        if sent is not None and row.get("ManualPrice") and (
                row.get("_ext_qty") in (None, str(qty)) or money(dec(sent)) != row.get("_ext_amount")):
            extended = dec(sent)
        else:
            extended = qty * dec(row["UnitPrice"])
        row["ExtendedPrice"] = row["_ext_amount"] = money(extended)
        row["_ext_qty"] = str(qty)          # internal: not a contract field, never rendered
        row["Amount"] = money(extended - dec(row.get("DiscountAmount")))
        total += dec(row["Amount"])
    return total


def sales_order(instance: Instance, data: dict, created: bool) -> None:
    errors: dict[str, str] = {}
    if data.get("OrderType") not in PROCESSES_SHIPMENTS:
        raise Invalid("SalesOrder", data, {"OrderType": NOT_FOUND.format(what="Order Type")})
    _check_customer(instance, data, errors)
    _check_addresses(data, ("ShipToAddress", "BillToAddress"), errors)
    lines = _check_lines(instance, data.setdefault("Details", []), errors, "OrderQty")
    if not created:
        _follow_shipments(instance, data, errors)
    if errors:
        raise Invalid("SalesOrder", data, errors)
    if created and not data.get("OrderNbr"):
        data["OrderNbr"] = next_number(instance, f"SO-{data['OrderType']}")
    data.setdefault("Date", today())
    data.setdefault("CurrencyID", "USD")
    if created or data.get("Status") in (None, "Open", "On Hold"):
        data["Status"] = "On Hold" if data.get("Hold") else "Open"
    _order_totals(data, lines)


def _follow_shipments(instance: Instance, data: dict, errors: dict[str, str]) -> None:
    """A line's quantity can be lowered to what is shipped (confirmed shipments, released drop-ship receipts) or on
    a shipment, not below (SO301000 refuses it); its OpenQty keeps following, and an order whose open quantities
    are all shipped is Completed."""
    from .dropship import received
    keys = (data["OrderType"], data.get("OrderNbr"))
    order_shipments = [s for s in shipments._other_shipments(instance, None)
                       if any((r.get("OrderType"), r.get("OrderNbr")) == keys for r in s.data.get("Details") or [])]
    rows = data.get("Details") or []
    shipped = [shipments._held(order_shipments, *keys, row.get("LineNbr"), True)
               + received(instance, *keys, row.get("LineNbr")) for row in rows]
    on_shipments = [shipments._held(order_shipments, *keys, row.get("LineNbr"), False) for row in rows]
    if not any(shipped) and not any(on_shipments):
        return
    left = ZERO
    for n, row in enumerate(rows):
        held = shipped[n] + on_shipments[n]
        if dec(row.get("OrderQty")) < held:
            errors[f"Details/{n}/OrderQty"] = (f"The quantity cannot be less than the quantity shipped or on "
                                               f"shipments ({shipments.qty(held)}).")
            continue
        row["OpenQty"] = shipments.qty(dec(row.get("OrderQty")) - shipped[n])
        left += dec(row["OpenQty"])
    if left <= 0 and data.get("Status") in ("Open", "Back Order"):
        data["Status"] = "Completed"


def _order_totals(data: dict, lines: Decimal) -> None:
    totals = data.setdefault("Totals", {})
    shipping = (data.get("ShippingSettings") or {}).get("FreightPrice")
    freight = dec(shipping if shipping is not None else totals.get("Freight"))
    tax = sum((dec(t.get("TaxAmount")) for t in data.get("TaxDetails") or []), ZERO) or dec(data.get("TaxTotal"))
    discounts = sum((dec(d.get("DiscountAmount")) for d in data.get("DiscountDetails") or []), ZERO)
    total = lines + freight + tax - discounts
    applied = sum((dec(p.get("AppliedToOrder")) for p in data.get("Payments") or []), ZERO)
    totals.update({"LineTotalAmount": money(lines), "Freight": money(freight), "TaxTotal": money(tax),
                   "DiscountTotal": money(discounts), "UnpaidBalance": money(total - applied)})
    data.update({"OrderTotal": money(total), "TaxTotal": money(tax),
                 "OrderedQty": money(sum((dec(r.get("OrderQty")) for r in data["Details"]), ZERO))})


def sales_order_after(instance: Instance, record: Record, before: dict | None) -> None:
    """Payments rows without a ReferenceNbr create a payment applied to the order, in the order's transaction:
    put_record is atomic, so a payment refused (422 on the order's Payments row) leaves the order unsaved too.

    Stock lines of an order that is not on hold allocate their quantity (``stock.py``)."""
    stock.order_saved(instance, before, record.data)
    rows, changed = record.data.get("Payments") or [], False
    for n, row in enumerate(rows):
        if row.get("ReferenceNbr"):
            changed = _apply_existing_payment(instance, record, row, n) or changed
        else:
            _create_order_payment(instance, record, row, n)
            changed = True
    if changed:
        record.save()


def _create_order_payment(instance: Instance, order: Record, row: dict, n: int) -> None:
    """The payment a new Payments row stands for (SO301000 Payments tab, "Create Payment"). Its customer, currency
    and branch are the order's: a row naming another currency is refused, as the payment could not apply."""
    from .documents import put_record
    data = order.data
    errors: dict[str, str] = {}
    doc_type = row.get("DocType") or "Payment"
    if doc_type not in PAYMENT_DOC_TYPES:
        errors[f"Payments/{n}/DocType"] = f"A payment of the {doc_type} type cannot be created from a sales order."
    if row.get("Currency") not in (None, data.get("CurrencyID")):
        errors[f"Payments/{n}/Currency"] = (f"The currency of the payment must be the currency of the order "
                                            f"({data.get('CurrencyID')}).")
    if errors:
        raise Invalid("SalesOrder", data, errors)
    amount = row.get("AppliedToOrder") if row.get("AppliedToOrder") is not None else row.get("PaymentAmount")
    payment = {"Type": doc_type, "CustomerID": data["CustomerID"], "CurrencyID": data.get("CurrencyID"),
               "Branch": (data.get("FinancialSettings") or {}).get("Branch") or instance.branch,
               "PaymentMethod": row.get("PaymentMethod"), "CashAccount": row.get("CashAccount"),
               "PaymentAmount": row.get("PaymentAmount") or amount, "PaymentRef": row.get("PaymentRef"),
               "ExternalRef": row.get("ExternalRef"), "Description": row.get("Description"),
               "ApplicationDate": row.get("ApplicationDate"), "Hold": row.get("Hold"),
               "OrdersToApply": [{"OrderType": data["OrderType"], "OrderNbr": data["OrderNbr"], "AppliedToOrder": amount}]}
    try:
        put_record(instance, "Payment", {k: v for k, v in payment.items() if v is not None}, run_hooks=True)
    except Invalid as e:
        raise Invalid("SalesOrder", data, {f"Payments/{n}/{k.split('/')[-1]}": v for k, v in e.errors.items()}) from None
    order.refresh_from_db()


def _apply_existing_payment(instance: Instance, order: Record, row: dict, n: int) -> bool:
    """A PUT on the order with Payments [{DocType, ReferenceNbr, AppliedToOrder}] applies an existing payment."""
    from .documents import put_record
    payment = find(instance, "Payment", {"Type": row.get("DocType") or "Payment", "ReferenceNbr": row["ReferenceNbr"]})
    if payment is None:
        raise Invalid("SalesOrder", order.data, {f"Payments/{n}/ReferenceNbr": NOT_FOUND.format(what="Reference Nbr.")})
    keys = (order.data["OrderType"], order.data["OrderNbr"])
    if any((r.get("OrderType"), r.get("OrderNbr")) == keys for r in payment.data.get("OrdersToApply") or []):
        return False
    put_record(instance, "Payment", {"id": str(payment.note_id), "OrdersToApply": [
        {"OrderType": keys[0], "OrderNbr": keys[1], "AppliedToOrder": row.get("AppliedToOrder")}]})
    order.refresh_from_db()
    return True


def apply_payment_to_order(instance: Instance, order: Record, payment: Record, amount: str) -> None:
    """Shows an applied payment on the order's Payments tab and recomputes its unpaid balance."""
    rows = [r for r in order.data.get("Payments") or []
            if r.get("ReferenceNbr") not in (None, payment.data["ReferenceNbr"])]
    rows.append({"id": str(payment.note_id), "DocType": payment.data["Type"],
                 "ReferenceNbr": payment.data["ReferenceNbr"], "AppliedToOrder": amount,
                 "PaymentAmount": payment.data.get("PaymentAmount"), "PaymentMethod": payment.data.get("PaymentMethod"),
                 "CashAccount": payment.data.get("CashAccount"), "Status": payment.data.get("Status"),
                 "ExternalRef": payment.data.get("ExternalRef"), "PaymentRef": payment.data.get("PaymentRef")})
    order.data["Payments"] = rows
    lines = sum((dec(r.get("Amount")) for r in order.data.get("Details") or []), ZERO)
    _order_totals(order.data, lines)
    order.last_modified = timezone.now()
    order.save()


# ---------------------------------------------------------------- SalesInvoice

def sales_invoice(instance: Instance, data: dict, created: bool) -> None:
    errors: dict[str, str] = {}
    _check_customer(instance, data, errors)
    lines = _check_lines(instance, data.setdefault("Details", []), errors, "Qty")
    if errors:
        raise Invalid("SalesInvoice", data, errors)
    if created and not data.get("ReferenceNbr"):
        data["ReferenceNbr"] = next_number(instance, "ARINVOICE")
    data.setdefault("Date", today())
    if data.get("Status") in (None, "Balanced", "On Hold"):
        data["Status"] = "On Hold" if data.get("Hold") else "Balanced"
    tax = sum((dec(t.get("TaxAmount")) for t in data.get("TaxDetails") or []), ZERO) or dec(data.get("TaxTotal"))
    amount = lines + dec(data.get("FreightPrice")) + tax - dec(data.get("DiscountTotal"))
    paid = dec(data.get("PaymentTotal"))
    data.update({"DetailTotal": money(lines), "TaxTotal": money(tax), "Amount": money(amount),
                 "Balance": money(amount - paid)})


# ---------------------------------------------------------------- Payment

def payment(instance: Instance, data: dict, created: bool) -> None:
    errors: dict[str, str] = {}
    _check_customer(instance, data, errors)
    applied_docs = _check_documents(instance, data, errors)
    applied_orders = _check_orders(instance, data, errors)
    if errors:
        raise Invalid("Payment", data, errors)
    if created and not data.get("ReferenceNbr"):
        data["ReferenceNbr"] = next_number(instance, "ARPAYMENT")
    if created:
        data.setdefault("Branch", instance.branch)   # the signed-in user's branch unless one is sent
    data.setdefault("ApplicationDate", today())
    if data.get("Status") in (None, "Balanced", "On Hold"):
        data["Status"] = "On Hold" if data.get("Hold") else "Balanced"
    amount = dec(data.get("PaymentAmount"))
    data.update({"AppliedToDocuments": money(applied_docs), "AppliedToOrders": money(applied_orders),
                 "AvailableBalance": money(amount - applied_docs - applied_orders)})


# A Refund pays back a credit memo, or the unapplied balance of a payment (AR302000 "Documents to Apply").
PAYMENT_DOC_TYPES = {"Payment", "Prepayment"}


def applied_document(instance: Instance, row: dict) -> tuple[Record | None, str]:
    """The document a DocumentsToApply row names, and the field holding what is left to apply on it."""
    if row.get("DocType") in PAYMENT_DOC_TYPES:
        return find(instance, "Payment", {"Type": row["DocType"], "ReferenceNbr": row.get("ReferenceNbr")}), \
            "AvailableBalance"
    return find(instance, "SalesInvoice", {"Type": row["DocType"], "ReferenceNbr": row.get("ReferenceNbr")}), "Balance"


def _check_documents(instance: Instance, data: dict, errors: dict[str, str]) -> Decimal:
    total = ZERO
    default_type = "Credit Memo" if data.get("Type") == "Refund" else "Invoice"
    for n, row in enumerate(data.get("DocumentsToApply") or []):
        row.setdefault("DocType", default_type)
        doc, balance = applied_document(instance, row)
        if doc is None:
            errors[f"DocumentsToApply/{n}/ReferenceNbr"] = NOT_FOUND.format(what="Reference Nbr.")
            continue
        if row.get("AmountPaid") is None:
            row["AmountPaid"] = doc.data.get(balance)
        if row["DocType"] in PAYMENT_DOC_TYPES and dec(row["AmountPaid"]) > dec(doc.data.get(balance)):
            errors[f"DocumentsToApply/{n}/AmountPaid"] = "The amount paid exceeds the document's available balance."
        total += dec(row["AmountPaid"])
    return total


def _check_orders(instance: Instance, data: dict, errors: dict[str, str]) -> Decimal:
    total = ZERO
    for n, row in enumerate(data.get("OrdersToApply") or []):
        row.setdefault("OrderType", "SO")
        order = find(instance, "SalesOrder", {"OrderType": row["OrderType"], "OrderNbr": row.get("OrderNbr")})
        if order is None:
            errors[f"OrdersToApply/{n}/OrderNbr"] = NOT_FOUND.format(what="Order Nbr.")
            continue
        if row.get("AppliedToOrder") is None:
            row["AppliedToOrder"] = order.data.get("Totals", {}).get("UnpaidBalance")
        total += dec(row["AppliedToOrder"])
    return total


def payment_after(instance: Instance, record: Record, before: dict | None) -> None:
    for row in record.data.get("OrdersToApply") or []:
        order = find(instance, "SalesOrder", {"OrderType": row["OrderType"], "OrderNbr": row["OrderNbr"]})
        if order is not None:
            apply_payment_to_order(instance, order, record, row["AppliedToOrder"])


# ---------------------------------------------------------------- Items

def stock_item(instance: Instance, data: dict, created: bool) -> None:
    data.setdefault("ItemStatus", "Active")
    data.setdefault("BaseUOM", "EA")
    data.setdefault("SalesUOM", data["BaseUOM"])
    for row in data.setdefault("WarehouseDetails", []):
        row.setdefault("QtyOnHand", "0")
        row.setdefault("Status", "Active")


def non_stock_item(instance: Instance, data: dict, created: bool) -> None:
    data.setdefault("ItemStatus", "Active")
    data.setdefault("BaseUnit", "EA")


def stock_item_after(instance: Instance, record: Record, before: dict | None) -> None:
    from .push import notify_stock_change
    if before is None or _tracked(before) != _tracked(record.data):
        if before is not None and _quantities(before) != _quantities(record.data):
            record.qty_modified = timezone.now()
            record.save(update_fields=["qty_modified"])
        notify_stock_change(instance, record, before)


def _quantities(data: dict) -> dict:
    return {r.get("WarehouseID"): r.get("QtyOnHand") for r in data.get("WarehouseDetails") or []}


def _tracked(data: dict) -> tuple:
    prices = tuple(data.get(f) for f in ("DefaultPrice", "CurrentStdCost", "LastCost", "AverageCost"))
    return prices + (tuple(sorted(_quantities(data).items(), key=lambda kv: str(kv[0]))),)


BEFORE_SAVE = {"Customer": customer, "SalesOrder": sales_order, "SalesInvoice": sales_invoice, "Payment": payment,
               "StockItem": stock_item, "NonStockItem": non_stock_item, "Shipment": shipments.shipment,
               "PurchaseReceipt": dropship.purchase_receipt}
AFTER_SAVE = {"SalesOrder": sales_order_after, "Payment": payment_after, "StockItem": stock_item_after,
              "Shipment": shipments.shipment_after}
