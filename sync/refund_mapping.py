"""Pure mappers for refunds: a BigCommerce refund -> how its money went back, and the Acumatica credit
memo and Refund payments that record it.

Like sync/mapping.py: no ORM, no HTTP, Decimal money. References (our idempotency keys):
- the credit memo carries "BC-RF-<refund id>" in CustomerOrder on every endpoint version, and also in
  ExternalRef where the version has SalesInvoice.ExternalRef (24.200.001 on);
- a Refund payment carries it in ExternalRef (Payment.ExternalRef exists in every version); a refund
  paid back in several parts gets one Refund payment per part, "BC-RF-<refund id>-<payment id>".

Goods that never shipped (tenant invoice mode "acumatica") leave the sales order instead of going on the credit
memo (sync/refund_unshipped.py): `unshipped` maps an order product id to the units taken off the order; the memo
then carries the rest of the refund, and `allocate` says which money part pays what back.
"""
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from sync.mapping import CENT, OrderSettings, extended_price, line_discounts, line_inventory_id, money

# How a part of a refund went back (RefundPayment.provider_id / offline in orders.v3.yml).
ORIGINAL, STORE_CREDIT, OFFLINE = "original", "store credit", "offline"
# Where that part stands; only completed parts post.
COMPLETED, PENDING, DECLINED = "completed", "pending", "declined"

GOODS_STOCK_LINES, GOODS_AMOUNT_ONLY = "stock_lines", "amount_only"


@dataclass(frozen=True)
class RefundPart:
    payment_id: int
    provider: str
    amount: Decimal
    way: str          # ORIGINAL, STORE_CREDIT or OFFLINE
    state: str        # COMPLETED, PENDING or DECLINED
    message: str = ""

    @property
    def pays_cash(self) -> bool:
        """Money left the merchant (card or offline); store credit stays on the customer's account."""
        return self.way != STORE_CREDIT


def refund_parts(refund: dict, transactions: list[dict]) -> list[RefundPart]:
    """Each payment of the refund with how and whether its money went back.

    BigCommerce schedules a refund and pays it asynchronously: the payment's transaction is `pending`
    until the gateway answers with a `refund` transaction (status ok) or a decline (`is_declined`, or
    status error). Store credit and offline refunds involve no gateway, so they are done when recorded.
    """
    by_id = {str(t.get("id")): t for t in transactions}
    parts = []
    for payment in refund.get("payments") or []:
        provider = str(payment.get("provider_id") or "")
        way = STORE_CREDIT if provider == "storecredit" else OFFLINE if payment.get("offline") else ORIGINAL
        transaction_id = str(payment.get("transaction_id") or "")
        transaction = by_id.get(transaction_id)
        if payment.get("is_declined") or (transaction or {}).get("status") == "error":
            state, message = DECLINED, payment.get("declined_message") or "declined by the payment provider"
        elif way == ORIGINAL and transaction_id and (transaction is None or transaction.get("event") == "pending"):
            state, message = PENDING, ""
        else:
            state, message = COMPLETED, ""
        parts.append(RefundPart(int(payment.get("id") or 0), provider, money(payment.get("amount")), way, state,
                                message))
    return parts


def part_ref(reference: str, part: RefundPart, parts: list[RefundPart]) -> str:
    """The Refund payment's reference, from the refund's (`refund_ref`): a refund paid back in one part
    keeps the plain reference (documents made before parts existed)."""
    cash_parts = [p for p in parts if p.pays_cash]
    return reference if len(cash_parts) == 1 else f"{reference}-{part.payment_id}"


def unit_prices(order: dict, lines: list[dict]) -> dict[int, Decimal]:
    """Each product line's unit price as the sales order has it: the line's exact amount (see
    mapping.extended_price) net of its discount, per unit."""
    return {int(line["id"]): ((extended_price(line) - discount) / Decimal(line["quantity"])).quantize(
        CENT, rounding=ROUND_HALF_UP) for line, discount in zip(lines, line_discounts(order, lines))}


def unit_tax(line: dict) -> Decimal:
    """BigCommerce's tax on one unit of a line (what a refund of the unit gives back as tax)."""
    return money(line.get("price_tax"))


def goods_value(order: dict, lines: list[dict], units: dict[int, Decimal]) -> tuple[Decimal, Decimal]:
    """(ex-tax amount, tax) of `units` (order product id -> quantity) at the sales order's prices."""
    prices, by_id = unit_prices(order, lines), {int(line["id"]): line for line in lines}
    amount = sum((prices[line_id] * qty for line_id, qty in units.items()), Decimal("0.00"))
    tax = sum(((unit_tax(by_id[line_id]) * qty).quantize(CENT, rounding=ROUND_HALF_UP)
               for line_id, qty in units.items()), Decimal("0.00"))
    return amount, tax


def refund_lines(refund: dict, order: dict, lines: list[dict], inventory_ids: dict[str, str],
                 adjustment_item: str, *, goods: str = GOODS_STOCK_LINES, manual_price: bool = True,
                 unshipped: dict[int, Decimal] | None = None, total: Decimal | None = None) -> tuple[list[dict], Decimal]:
    """Credit memo lines and the tax they carry, for `total` (default: the refund's total).

    Refunded products are credited at their discounted ex-tax price (unless the tenant books goods
    amount-only) with BigCommerce's refunded tax; whatever else the refund covers (shipping,
    handling, an order-level amount, a tax-only refund, rounding) is one line on the adjustment item,
    so lines plus tax equal the memo's total to the cent. A memo without product lines carries no tax:
    all of it is on the adjustment item. Units in `unshipped` left the sales order instead: they are
    not on the memo, and neither is their value or tax (the caller's `total` leaves them out)."""
    unshipped = unshipped or {}
    prices, by_id = unit_prices(order, lines), {int(line["id"]): line for line in lines}
    details, products_total = [], Decimal("0.00")
    for item in refund.get("items") or []:
        line_id = int(item.get("item_id") or 0)
        if item.get("item_type") != "PRODUCT" or line_id not in by_id or goods == GOODS_AMOUNT_ONLY:
            continue
        quantity = Decimal(item.get("quantity") or 0) - unshipped.get(line_id, Decimal(0))
        if quantity <= 0:
            continue
        line = by_id[line_id]
        details.append(_detail(line_inventory_id(line, inventory_ids), quantity, prices[line_id],
                               (line.get("name") or "")[:255], manual_price))
        products_total += prices[line_id] * quantity
    _, unshipped_tax = goods_value(order, lines, unshipped)
    tax = money(refund.get("total_tax")) - unshipped_tax if details else Decimal("0.00")
    rest = (money(refund.get("total_amount")) if total is None else total) - tax - products_total
    if rest != 0:
        details.append(_detail(adjustment_item, Decimal(1), rest,
                               "Refund of shipping, handling, tax or an order amount", manual_price))
    return details, tax


def _detail(inventory_id: str, quantity: Decimal, unit_price: Decimal, description: str, manual_price: bool) -> dict:
    detail = {"InventoryID": inventory_id, "Qty": quantity, "UnitPrice": unit_price,
              "TransactionDescr": description}
    if manual_price:  # SalesInvoiceDetail.ManualPrice exists from 24.200.001 on
        detail["ManualPrice"] = True
    return detail


def credit_memo_payload(refund: dict, order: dict, lines: list[dict], inventory_ids: dict[str, str], *,
                        reference: str, customer_id: str, adjustment_item: str, settings: OrderSettings,
                        external_ref: bool, manual_price: bool, goods: str = GOODS_STOCK_LINES,
                        store_credit: Decimal = Decimal("0.00"), unshipped: dict[int, Decimal] | None = None,
                        total: Decimal | None = None, note: str = "") -> dict:
    """The credit memo for a refund (for `total` of it, default all; see refund_lines). `external_ref` /
    `manual_price`: whether the pinned endpoint version has SalesInvoice.ExternalRef /
    SalesInvoiceDetail.ManualPrice; `reference`: the refund's (`refund_ref`)."""
    total = money(refund.get("total_amount")) if total is None else total
    details, tax = refund_lines(refund, order, lines, inventory_ids, adjustment_item, goods=goods,
                                manual_price=manual_price, unshipped=unshipped, total=total)
    description = f"BigCommerce refund {refund['id']} of order #{order['id']}"
    if store_credit:
        description += f"; {store_credit} to store credit"
    if note:
        description += f"; {note}"
    payload = {"Type": "Credit Memo", "CustomerID": customer_id, "CustomerOrder": reference, "Hold": False,
               "Description": description, "Details": details}
    if external_ref:
        payload["ExternalRef"] = reference
    if settings.tax_mode == "bigcommerce" and tax:
        payload["TaxDetails"] = [{"TaxID": settings.tax_id, "TaxAmount": tax, "TaxableAmount": total - tax}]
    return payload


def allocate(parts: list[RefundPart], memo_total: Decimal) -> dict[int, tuple[Decimal, Decimal]]:
    """How each part's money goes back: (to the credit memo, to the payment the unshipped goods freed).

    The memo takes the store credit first (its open balance is the customer's credit), then cash parts in
    order; what is left of a cash part pays back the payment's freed balance. Store credit beyond the memo
    stays on that payment, unapplied: the customer's credit as well."""
    credit = sum((p.amount for p in parts if not p.pays_cash), Decimal("0.00"))
    memo_cash = max(memo_total - credit, Decimal("0.00"))
    shares = {}
    for part in parts:
        if not part.pays_cash:
            continue
        to_memo = min(part.amount, memo_cash)
        memo_cash -= to_memo
        shares[part.payment_id] = (to_memo, part.amount - to_memo)
    return shares


def refund_payment_payload(refund: dict, part: RefundPart, *, reference: str, customer_id: str,
                           payment_method: str, cash_account: str,
                           applies_to: list[tuple[str, str, Decimal]]) -> dict:
    """A Refund payment for one part, applied to `applies_to` [(DocType, ReferenceNbr, amount)]: the refund's
    credit memo, and/or the payments whose balance it pays back (goods that never shipped)."""
    return {
        "Type": "Refund", "CustomerID": customer_id, "PaymentMethod": payment_method, "CashAccount": cash_account,
        "PaymentAmount": part.amount, "ExternalRef": reference, "PaymentRef": f"BC refund {refund['id']}",
        "Hold": False,
        "Description": f"BigCommerce refund {refund['id']} of order #{refund.get('order_id')} via {part.provider}",
        "DocumentsToApply": [{"DocType": doc_type, "ReferenceNbr": reference_nbr, "AmountPaid": amount}
                             for doc_type, reference_nbr, amount in applies_to if amount],
    }
