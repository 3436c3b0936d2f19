"""Pure mappers: BigCommerce records -> Acumatica payloads (plain values; the client wraps them).

No ORM, no HTTP, no settings: dicts in, dicts out, so every rule here is tested without a database.
Money is Decimal throughout; BigCommerce sends decimal strings (v2) or numbers (v3).

External references are our idempotency keys in Acumatica, looked up before anything is created:
sales order ExternalRef "BC-<order id>", payment ExternalRef "BC-TXN-<transaction id>"; refund
documents carry "BC-RF-<refund id>" (see sync/refund_mapping.py).
"""
from dataclasses import dataclass
from datetime import datetime, time, timezone, tzinfo
from decimal import Decimal
from email.utils import parsedate_to_datetime

from sync.addresses import acumatica_address, from_order_address
from sync.field_lengths import require_fits

CENT = Decimal("0.01")
POSTED_TRANSACTION_EVENTS = {"capture", "purchase"}


def money(value) -> Decimal:
    """BigCommerce money ("336.3200", 12.5, None) as Decimal rounded to the cent."""
    if value in (None, ""):
        return Decimal("0.00")
    return Decimal(str(value)).quantize(CENT)


def order_ref(order_id: int) -> str:
    return f"BC-{order_id}"


def payment_ref(transaction_id: int) -> str:
    return f"BC-TXN-{transaction_id}"


def refund_ref(refund_id: int) -> str:
    return f"BC-RF-{refund_id}"


def odata_string(value: object) -> str:
    """An Acumatica $filter string literal: quoted, with embedded quotes doubled (OData v3)."""
    return "'" + str(value).replace("'", "''") + "'"


def bc_datetime(value: str) -> datetime:
    """v2 dates are RFC 2822 ("Tue, 20 Nov 2012 00:00:00 +0000"); v3 dates are ISO 8601."""
    try:
        return parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return datetime.fromisoformat(value.replace("Z", "+00:00"))


def acumatica_date(moment: datetime, zone: tzinfo = timezone.utc) -> str:
    """A document date as Acumatica's DateTimeValue wants it: an RFC 3339 date-time (the specs declare
    `format: date-time`), midnight of the calendar day `moment` falls on in `zone`, with the offset."""
    day = moment.astimezone(zone).date()
    return datetime.combine(day, time(), tzinfo=zone).isoformat()


def customer_name(person: dict) -> str:
    full = " ".join(p for p in (person.get("first_name", "").strip(), person.get("last_name", "").strip()) if p)
    return person.get("company", "").strip() or full or person.get("email", "")


def address_payload(address: dict) -> dict:
    """An Acumatica Address from a v2 order address (ISO state and country codes, fitted lines)."""
    what = f"Order {address['order_id']}'s shipping address" if address.get("order_id") else "The order's address"
    return acumatica_address(from_order_address(address), what)


class UnmappedSku(Exception):
    def __init__(self, sku: str) -> None:
        super().__init__(f"SKU {sku!r} has no Acumatica InventoryID: add a SKU mapping or create the item.")
        self.sku = sku


@dataclass(frozen=True)
class OrderSettings:
    order_type: str = "SO"
    branch: str = ""
    tax_mode: str = "bigcommerce"   # or "acumatica"
    tax_id: str = "BCTAX"
    tax_zone: str = ""


def line_discount(line: dict) -> Decimal:
    return sum((money(d.get("amount")) for d in line.get("applied_discounts") or []), Decimal("0.00"))


def order_level_discount(order: dict) -> Decimal:
    return money(order.get("discount_amount")) + money(order.get("coupon_discount"))


def line_discounts(order: dict, lines: list[dict]) -> list[Decimal]:
    """Each line's share of the order's discounts.

    Lines carry the discounts BigCommerce allocated to them (`applied_discounts`); whatever part of
    the order-level discount and coupons is not allocated there is spread over the lines in
    proportion to their value, the last line taking the rounding, so the lines add up exactly.
    """
    allocated = [line_discount(line) for line in lines]
    rest = order_level_discount(order) - sum(allocated, Decimal("0.00"))
    values = [money(line.get("price_ex_tax")) * Decimal(line["quantity"]) for line in lines]
    total = sum(values, Decimal("0.00"))
    if rest <= 0 or total <= 0:
        return allocated
    shares = [(rest * value / total).quantize(CENT) for value in values]
    shares[-1] += rest - sum(shares, Decimal("0.00"))
    return [a + s for a, s in zip(allocated, shares)]


def sales_order_lines(lines: list[dict], inventory_ids: dict[str, str], discounts: list[Decimal] | None = None) -> list[dict]:
    discounts = discounts or [line_discount(line) for line in lines]
    details = []
    for line, discount in zip(lines, discounts):
        sku = line.get("sku") or ""
        inventory_id = inventory_ids.get(sku)
        if not inventory_id:
            raise UnmappedSku(sku or f"(empty, product {line.get('product_id')})")
        details.append({
            "InventoryID": inventory_id, "OrderQty": Decimal(line["quantity"]),
            "UnitPrice": money(line.get("price_ex_tax")), "ManualPrice": True,
            "DiscountAmount": discount, "ManualDiscount": True,
            "LineDescription": (line.get("name") or "")[:255], "ExternalRef": str(line["id"]),
        })
    return details


def freight(order: dict) -> Decimal:
    # Handling and gift wrapping ride with freight: Acumatica's order has one freight amount.
    return money(order.get("shipping_cost_ex_tax")) + money(order.get("handling_cost_ex_tax")) \
        + money(order.get("wrapping_cost_ex_tax"))


def sales_order_payload(order: dict, lines: list[dict], shipping_addresses: list[dict], *, customer_id: str,
                        inventory_ids: dict[str, str], settings: OrderSettings) -> dict:
    payload = {
        "OrderType": settings.order_type, "CustomerID": customer_id,
        "CustomerOrder": str(order["id"]), "ExternalRef": order_ref(order["id"]),
        "Description": f"BigCommerce order #{order['id']}",
        "Date": acumatica_date(bc_datetime(order["date_created"])),
        "CurrencyID": order.get("currency_code") or order.get("default_currency_code") or "",
        "Hold": False, "Details": sales_order_lines(lines, inventory_ids, line_discounts(order, lines)),
        "Totals": {"Freight": freight(order), "OverrideFreightAmount": True},
    }
    if settings.branch:
        payload["Branch"] = settings.branch
    if settings.tax_mode == "bigcommerce":
        payload["DisableAutomaticTaxCalculation"] = True
        payload["TaxDetails"] = [{"TaxID": settings.tax_id, "TaxAmount": money(order.get("total_tax")),
                                  "TaxableAmount": money(order.get("subtotal_ex_tax")) + freight(order)}]
    elif settings.tax_zone:
        payload["TaxZone"] = settings.tax_zone
    if shipping_addresses:
        ship_to = shipping_addresses[0]
        payload["ShipToAddressOverride"] = True
        payload["ShipToAddress"] = address_payload(ship_to)
        payload["ShipToContactOverride"] = True
        # A ship-to contact Acumatica would cut stops the order: the warehouse ships to it.
        payload["ShipToContact"] = require_fits("DocContact", {
            "Attention": customer_name({**ship_to, "company": ""}), "BusinessName": ship_to.get("company", ""),
            "Email": ship_to.get("email", ""), "Phone1": ship_to.get("phone", "")}, f"Order {order['id']}'s ship-to")
    return {k: v for k, v in payload.items() if v != ""}


def bigcommerce_order_total(order: dict) -> Decimal:
    return money(order.get("total_inc_tax"))


def totals_mismatch(order: dict, acumatica_total: Decimal) -> str | None:
    """A merchant-readable message when Acumatica's total differs from BigCommerce's by more than a cent."""
    expected = bigcommerce_order_total(order)
    if abs(expected - money(acumatica_total)) <= CENT:
        return None
    return (f"Order totals differ: BigCommerce {expected} vs Acumatica {money(acumatica_total)}. "
            "Check discounts, freight and tax settings before replaying.")


def is_posted_payment(transaction: dict) -> bool:
    """Captures and purchases that succeeded are money received; authorizations are not."""
    return transaction.get("event") in POSTED_TRANSACTION_EVENTS and transaction.get("status") == "ok"


def payment_payload(transaction: dict, *, customer_id: str, payment_method: str, cash_account: str,
                    order_type: str, order_nbr: str) -> dict:
    amount = money(transaction["amount"])
    return {
        "Type": "Payment", "CustomerID": customer_id, "PaymentMethod": payment_method,
        "CashAccount": cash_account, "PaymentAmount": amount,
        "PaymentRef": str(transaction.get("gateway_transaction_id") or transaction["id"])[:40],
        "ExternalRef": payment_ref(transaction["id"]), "Hold": False,
        "Description": f"BigCommerce order #{transaction['order_id']} {transaction.get('gateway', '')} payment",
        "ApplicationDate": acumatica_date(bc_datetime(transaction["date_created"])),
        "OrdersToApply": [{"OrderType": order_type, "OrderNbr": order_nbr, "AppliedToOrder": amount}],
    }
