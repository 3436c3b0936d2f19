"""Pure mappers: BigCommerce records -> Acumatica payloads (plain values; the client wraps them).

No ORM, no HTTP, no settings: dicts in, dicts out, so every rule here is tested without a database.
Money is Decimal throughout; BigCommerce sends decimal strings (v2) or numbers (v3).

External references are our idempotency keys in Acumatica, looked up before anything is created,
scoped to the store: sales order ExternalRef "BC-<store hash>-<order id>", payment
"BC-<store hash>-TXN-<transaction id>", credit memo and refund "BC-<store hash>-RF-<refund id>" (sync/refund_mapping.py).
Documents made before references were scoped carry "BC-<order id>", "BC-TXN-<id>", "BC-RF-<id>".
"""
from dataclasses import dataclass
from datetime import datetime, time, timezone, tzinfo
from decimal import ROUND_HALF_UP, Decimal
from email.utils import parsedate_to_datetime

from sync.addresses import acumatica_address, from_order_address
from sync.field_lengths import require_fits

CENT = Decimal("0.01")
POSTED_TRANSACTION_EVENTS = {"capture", "purchase"}


def exact(value) -> Decimal:
    """BigCommerce money as sent ("8.3250", 12.5, None), not rounded: prices keep their 4 decimals
    until they are multiplied."""
    if value in (None, ""):
        return Decimal("0")
    return Decimal(str(value))


def money(value) -> Decimal:
    """BigCommerce money as Decimal rounded to the cent, half up (as shops and accountants round;
    Python's default, banker's rounding, would turn 0.125 into 0.12)."""
    return exact(value).quantize(CENT, rounding=ROUND_HALF_UP)


def order_ref(order_id: int, store: str = "") -> str:
    """Sales order ExternalRef. Scoped to the store (order ids start at 100 in every store, and several
    stores may feed one Acumatica company); without a store, the references made before that."""
    return f"BC-{store}-{order_id}" if store else f"BC-{order_id}"


def payment_ref(transaction_id: int, store: str = "") -> str:
    return f"BC-{store}-TXN-{transaction_id}" if store else f"BC-TXN-{transaction_id}"


def refund_ref(refund_id: int, store: str = "") -> str:
    return f"BC-{store}-RF-{refund_id}" if store else f"BC-RF-{refund_id}"


def refs_filter(references: list[str]) -> str:
    """An OData condition matching any of the references, e.g. "(ExternalRef eq 'a' or ExternalRef eq 'b')"."""
    return any_of("ExternalRef", references)


def any_of(field: str, values: list[str]) -> str:
    """An OData condition true when `field` equals any of the values: "(F eq 'a' or F eq 'b')"."""
    return "(" + " or ".join(f"{field} eq {odata_string(v)}" for v in values) + ")"


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
    `format: date-time`), midnight of the calendar day `moment` falls on in `zone`, with that zone's offset,
    so an order placed at 20:30 on 31 December in New York is dated 31 December."""
    day = moment.astimezone(zone).date()
    return datetime.combine(day, time(), tzinfo=zone).isoformat()


def customer_name(person: dict) -> str:
    full = " ".join(p for p in (person.get("first_name", "").strip(), person.get("last_name", "").strip()) if p)
    return person.get("company", "").strip() or full or person.get("email", "")


def address_payload(address: dict) -> dict:
    """An Acumatica Address from a v2 order address (ISO state and country codes, fitted lines)."""
    what = f"Order {address['order_id']}'s shipping address" if address.get("order_id") else "The order's address"
    return acumatica_address(from_order_address(address), what)


class MappingProblem(Exception):
    """An order we cannot map as it is; the message tells the merchant what to set or fix."""


class UnmappedSku(MappingProblem):
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
    freight_taxable: bool = True    # whether the tax copied from BigCommerce was charged on freight too
    no_sku_item: str = ""           # non-stock InventoryID for lines without a SKU (custom products, gift certificates)
    fee_item: str = ""              # non-stock InventoryID for order fees
    zone: tzinfo = timezone.utc     # the store's time zone: document dates are its calendar days
    store: str = ""                 # BigCommerce store hash, scoping our external references
    version: str = "24.200.001"     # the tenant's pinned Acumatica endpoint version


class OrderDoesNotAddUp(MappingProblem):
    """BigCommerce's own figures disagree (lines, discounts, freight and tax vs the order total)."""


def line_discount(line: dict) -> Decimal:
    return money(sum((exact(d.get("amount")) for d in line.get("applied_discounts") or []), Decimal("0")))


def order_level_discount(order: dict) -> Decimal:
    return money(order.get("discount_amount")) + money(order.get("coupon_discount"))


def extended_price(line: dict) -> Decimal:
    """The line's amount before discounts, to the cent, as BigCommerce charged it: its own ex-tax line
    total when it has one (exact for 4-decimal prices and tax-inclusive stores), else price x quantity."""
    if line.get("total_ex_tax") not in (None, ""):
        return money(line["total_ex_tax"])
    return money(exact(line.get("price_ex_tax")) * exact(line["quantity"]))


def fee_amount(fee: dict) -> Decimal:
    # The v2 spec's examples spell it both ways (cost_ex_tax and cost_exc_tax).
    return money(fee.get("cost_ex_tax", fee.get("cost_exc_tax")))


def lines_target(order: dict) -> Decimal:
    """What the order's lines (products and fees, after discounts) must add up to in Acumatica:
    BigCommerce's total less its tax and freight, each rounded to the cent as the order shows them."""
    return money(order.get("total_inc_tax")) - money(order.get("total_tax")) - freight(order)


def allocate_discounts(order: dict, extended: list[Decimal], allocated: list[Decimal]) -> list[Decimal]:
    """Each line's discount, so that the lines add up to `lines_target` to the cent.

    Lines carry the discounts BigCommerce allocated to them (`applied_discounts`). The rest of the
    order-level discounts and coupons (and the cents lost rounding each line) is spread over the lines
    in proportion to their discounted value; the rounding cent goes to the largest line, never to a
    zero-priced one (a bundle or pick-list line). Raises OrderDoesNotAddUp when what is left is not
    the order-level discount BigCommerce reports, within a cent a line.
    """
    rest = sum(extended, Decimal("0")) - sum(allocated, Decimal("0")) - lines_target(order)
    expected = order_level_discount(order) - sum(allocated, Decimal("0"))
    if abs(rest - max(expected, Decimal("0"))) > CENT * max(1, len(extended)):
        raise OrderDoesNotAddUp(
            f"BigCommerce's figures do not add up: lines {sum(extended, Decimal('0'))}, discounts "
            f"{order_level_discount(order)}, freight {freight(order)}, tax {money(order.get('total_tax'))}, "
            f"total {money(order.get('total_inc_tax'))}.")
    values = [e - a for e, a in zip(extended, allocated)]
    total = sum((v for v in values if v > 0), Decimal("0"))
    if rest == 0 or total <= 0:
        return list(allocated)
    shares = [(rest * v / total).quantize(CENT, rounding=ROUND_HALF_UP) if v > 0 else Decimal("0.00")
              for v in values]
    largest = max(range(len(values)), key=lambda n: values[n])
    shares[largest] += rest - sum(shares, Decimal("0"))
    return [a + s for a, s in zip(allocated, shares)]


def line_discounts(order: dict, lines: list[dict]) -> list[Decimal]:
    """Each product line's share of the order's discounts, as the sales order carries them."""
    fees = order.get("fees") or []
    extended = [extended_price(line) for line in lines] + [fee_amount(fee) for fee in fees]
    allocated = [line_discount(line) for line in lines] + [Decimal("0.00")] * len(fees)
    return allocate_discounts(order, extended, allocated)[:len(lines)]


def line_inventory_id(line: dict, inventory_ids: dict[str, str], settings: "OrderSettings | None" = None) -> str:
    sku = line.get("sku") or ""
    if not sku and settings and settings.no_sku_item:
        return settings.no_sku_item
    inventory_id = inventory_ids.get(sku)
    if not inventory_id:
        if not sku:
            raise MappingProblem(f"Line '{line.get('name')}' (product {line.get('product_id')}) has no SKU: choose "
                                 "the non-stock item for lines without a SKU in the tenant's order settings.")
        raise UnmappedSku(sku)
    return inventory_id


def sales_order_lines(order: dict, lines: list[dict], inventory_ids: dict[str, str],
                      settings: OrderSettings) -> list[dict]:
    """Product lines, then one line per order fee. Each line carries the exact amount BigCommerce
    charged: ExtendedPrice (the cent amount, from which Acumatica computes the line Amount) with
    ManualPrice, the 4-decimal UnitPrice for people, and the discount with ManualDiscount."""
    fees = order.get("fees") or []
    if fees and not settings.fee_item:
        names = ", ".join(str(f.get("display_name_merchant") or f.get("type") or "fee") for f in fees)
        raise MappingProblem(f"The order has fees ({names}): choose the non-stock item for order fees in the "
                             "tenant's order settings.")
    details = []
    for line in lines:
        details.append({
            "InventoryID": line_inventory_id(line, inventory_ids, settings), "OrderQty": exact(line["quantity"]),
            "UnitPrice": exact(line.get("price_ex_tax")), "ExtendedPrice": extended_price(line), "ManualPrice": True,
            "LineDescription": (line.get("name") or "")[:255], "ExternalRef": str(line["id"])})
    for fee in fees:
        amount = fee_amount(fee)
        details.append({
            "InventoryID": settings.fee_item, "OrderQty": Decimal("1"), "UnitPrice": amount, "ExtendedPrice": amount,
            "ManualPrice": True,
            "LineDescription": str(fee.get("display_name_merchant") or fee.get("display_name_customer") or "Fee")[:255],
            "ExternalRef": f"fee-{fee.get('id')}"})
    discounts = allocate_discounts(order, [d["ExtendedPrice"] for d in details],
                                   [line_discount(line) for line in lines] + [Decimal("0.00")] * len(fees))
    for detail, discount in zip(details, discounts):
        detail.update({"DiscountAmount": discount, "ManualDiscount": True})
    return details


def freight(order: dict) -> Decimal:
    # Handling and gift wrapping ride with freight: Acumatica's order has one freight amount.
    return money(order.get("shipping_cost_ex_tax")) + money(order.get("handling_cost_ex_tax")) \
        + money(order.get("wrapping_cost_ex_tax"))


def sales_order_payload(order: dict, lines: list[dict], shipping_addresses: list[dict], *, customer_id: str,
                        inventory_ids: dict[str, str], settings: OrderSettings) -> dict:
    """Created on hold: the connector compares it with BigCommerce before anyone can release it."""
    details = sales_order_lines(order, lines, inventory_ids, settings)
    payload = {
        "OrderType": settings.order_type, "CustomerID": customer_id,
        "CustomerOrder": str(order["id"]), "ExternalRef": order_ref(order["id"], settings.store),
        "Description": f"BigCommerce order #{order['id']}",
        "Date": acumatica_date(bc_datetime(order["date_created"]), settings.zone),
        "Hold": True, "Details": details,
        "Totals": {"Freight": freight(order), "OverrideFreightAmount": True},
        **currency_fields(order),
    }
    financial = {}
    # FinancialSettings.Branch exists in every version; the top-level Branch only from 23.200.001.
    if settings.branch:
        financial["Branch"] = settings.branch
    if settings.tax_mode == "bigcommerce":
        lines_net = sum((d["ExtendedPrice"] - d["DiscountAmount"] for d in details), Decimal("0"))
        payload["DisableAutomaticTaxCalculation"] = True
        payload["TaxDetails"] = [{"TaxID": settings.tax_id, "TaxAmount": money(order.get("total_tax")),
                                  "TaxableAmount": lines_net + (freight(order) if settings.freight_taxable else 0)}]
    elif settings.tax_zone:
        # SalesOrder has no TaxZone field in any version: the zone lives under FinancialSettings.
        financial.update({"CustomerTaxZone": settings.tax_zone, "OverrideTaxZone": True})
    if financial:
        payload["FinancialSettings"] = financial
    if len(shipping_addresses) > 1:
        others = "; ".join(", ".join(p for p in (customer_name({**a, "company": ""}), a.get("street_1"), a.get("city"),
                                                a.get("zip"), a.get("country_iso2")) if p)
                           for a in shipping_addresses[1:])
        payload["note"] = f"BigCommerce order #{order['id']} also ships to: {others}"
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


def transactional_currency(order: dict) -> str:
    """The currency the shopper paid in (v2 `default_currency_code`); `currency_code` is only the display one."""
    return order.get("default_currency_code") or order.get("currency_code") or ""


def currency_fields(order: dict) -> dict:
    """CurrencyID, and the rate when the order is not in the store's default currency.

    BigCommerce gives `store_default_to_transactional_exchange_rate` r (1 default unit = r transactional
    units); Acumatica's CurrencyRate converts the document's currency into the base currency (the store's
    default), so it is 1 / r, to 8 places as Acumatica keeps rates."""
    fields = {"CurrencyID": transactional_currency(order)}
    rate = exact(order.get("store_default_to_transactional_exchange_rate") or 1)
    default = order.get("store_default_currency_code") or fields["CurrencyID"]
    if rate > 0 and (rate != 1 or default != fields["CurrencyID"]):
        fields["CurrencyRate"] = (1 / rate).quantize(Decimal("0.00000001"), rounding=ROUND_HALF_UP)
    return fields


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


@dataclass(frozen=True)
class PaymentState:
    """What an order's BigCommerce transactions say about its money."""
    total: Decimal
    captured: Decimal            # successful captures and purchases (gift certificates and store credit too)
    authorized: Decimal          # successful authorizations, not money received
    gateway_payments: bool       # any successful capture, purchase or authorization at all

    @classmethod
    def of(cls, order: dict, transactions: list[dict]) -> "PaymentState":
        ok = [t for t in transactions if t.get("status") == "ok"]
        return cls(total=money(order.get("total_inc_tax")),
                   captured=sum((money(t.get("amount")) for t in ok if is_posted_payment(t)), Decimal("0.00")),
                   authorized=sum((money(t.get("amount")) for t in ok if t.get("event") == "authorization"),
                                  Decimal("0.00")),
                   gateway_payments=any(t.get("event") in {*POSTED_TRANSACTION_EVENTS, "authorization"} for t in ok))

    @property
    def authorized_only(self) -> bool:
        return self.authorized > 0 and self.captured == 0

    def settled(self, paid_status: bool) -> bool:
        """Invoice-ready: the whole total captured. An order paid outside BigCommerce's payment flow (no
        gateway transaction at all, e.g. marked paid by the merchant) counts as paid by its status."""
        if self.gateway_payments:
            return self.captured >= self.total
        return paid_status


def payment_payload(transaction: dict, *, customer_id: str, payment_method: str, cash_account: str,
                    order_type: str, order_nbr: str, invoice_nbr: str | None = None, currency: str = "",
                    zone: tzinfo = timezone.utc, store: str = "") -> dict:
    """A payment applied to the sales order, or to its invoice once the order is invoiced."""
    amount = money(transaction["amount"])
    payload = {
        "Type": "Payment", "CustomerID": customer_id, "PaymentMethod": payment_method,
        "CashAccount": cash_account, "PaymentAmount": amount,
        "PaymentRef": str(transaction.get("gateway_transaction_id") or transaction["id"])[:40],
        "ExternalRef": payment_ref(transaction["id"], store), "Hold": False,
        "Description": f"BigCommerce order #{transaction['order_id']} {transaction.get('gateway', '')} payment",
        "ApplicationDate": acumatica_date(bc_datetime(transaction["date_created"]), zone),
    }
    if currency:
        payload["CurrencyID"] = currency
    if invoice_nbr:
        payload["DocumentsToApply"] = [{"DocType": "Invoice", "ReferenceNbr": invoice_nbr, "AmountPaid": amount}]
    else:
        payload["OrdersToApply"] = [{"OrderType": order_type, "OrderNbr": order_nbr, "AppliedToOrder": amount}]
    return payload



def order_payment_row(payment: dict) -> dict:
    """The sales order's Payments row (SalesOrderPayment) that makes the same payment as `payment`, a
    payment_payload applied to the order: same amount, method, cash account, references, description and date.
    The payment takes the order's customer; Currency (the payment's CuryID) is named as CurrencyID was."""
    row = {"DocType": payment["Type"], "AppliedToOrder": payment["OrdersToApply"][0]["AppliedToOrder"],
           **{name: payment[name] for name in ("PaymentMethod", "CashAccount", "PaymentAmount", "PaymentRef",
                                                "ExternalRef", "Description", "ApplicationDate", "Hold")}}
    if payment.get("CurrencyID"):
        row["Currency"] = payment["CurrencyID"]
    return row
