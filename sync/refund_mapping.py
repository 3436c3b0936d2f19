"""Pure mappers for refunds: a BigCommerce refund -> how its money went back, and the Acumatica credit
memo and Refund payments that record it.

Like sync/mapping.py: no ORM, no HTTP, Decimal money. References (our idempotency keys):
- the credit memo carries "BC-RF-<refund id>" in CustomerOrder on every endpoint version, and also in
  ExternalRef where the version has SalesInvoice.ExternalRef (24.200.001 on);
- a Refund payment carries it in ExternalRef (Payment.ExternalRef exists in every version); a refund
  paid back in several parts gets one Refund payment per part, "BC-RF-<refund id>-<payment id>".
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


def refund_lines(refund: dict, order: dict, lines: list[dict], inventory_ids: dict[str, str],
                 adjustment_item: str, *, goods: str = GOODS_STOCK_LINES,
                 manual_price: bool = True) -> tuple[list[dict], Decimal]:
    """Credit memo lines and the tax they carry.

    Refunded products are credited at their discounted ex-tax price (unless the tenant books goods
    amount-only) with BigCommerce's refunded tax; whatever else the refund covers (shipping,
    handling, an order-level amount, a tax-only refund, rounding) is one line on the adjustment item,
    so lines plus tax equal the refund to the cent. A refund without product lines carries no tax:
    all of it is on the adjustment item."""
    discounted = {int(line["id"]): (line, discount) for line, discount in zip(lines, line_discounts(order, lines))}
    details, products_total = [], Decimal("0.00")
    for item in refund.get("items") or []:
        found = discounted.get(int(item.get("item_id") or 0)) if item.get("item_type") == "PRODUCT" else None
        if found is None or not item.get("quantity") or goods == GOODS_AMOUNT_ONLY:
            continue
        line, discount = found
        quantity, ordered = Decimal(item["quantity"]), Decimal(line["quantity"])
        # The sales order line's exact amount (see mapping.extended_price), net of its discount, per unit.
        unit = ((extended_price(line) - discount) / ordered).quantize(CENT, rounding=ROUND_HALF_UP)
        details.append(_detail(line_inventory_id(line, inventory_ids), quantity, unit,
                               (line.get("name") or "")[:255], manual_price))
        products_total += unit * quantity
    tax = money(refund.get("total_tax")) if details else Decimal("0.00")
    rest = money(refund.get("total_amount")) - tax - products_total
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
                        store_credit: Decimal = Decimal("0.00")) -> dict:
    """The credit memo for a refund. `external_ref` / `manual_price`: whether the pinned endpoint version
    has SalesInvoice.ExternalRef / SalesInvoiceDetail.ManualPrice; `reference`: the refund's (`refund_ref`)."""
    details, tax = refund_lines(refund, order, lines, inventory_ids, adjustment_item, goods=goods,
                                manual_price=manual_price)
    description = f"BigCommerce refund {refund['id']} of order #{order['id']}"
    if store_credit:
        description += f"; {store_credit} to store credit"
    payload = {"Type": "Credit Memo", "CustomerID": customer_id, "CustomerOrder": reference, "Hold": False,
               "Description": description, "Details": details}
    if external_ref:
        payload["ExternalRef"] = reference
    if settings.tax_mode == "bigcommerce" and tax:
        payload["TaxDetails"] = [{"TaxID": settings.tax_id, "TaxAmount": tax,
                                  "TaxableAmount": money(refund.get("total_amount")) - tax}]
    return payload


def refund_payment_payload(refund: dict, part: RefundPart, *, reference: str, customer_id: str,
                           payment_method: str, cash_account: str, applies_to: tuple[str, str]) -> dict:
    """A Refund payment for one part, applied to `applies_to` (DocType, ReferenceNbr): the refund's credit
    memo, or the payment whose balance it pays back (goods that never shipped)."""
    doc_type, reference_nbr = applies_to
    return {
        "Type": "Refund", "CustomerID": customer_id, "PaymentMethod": payment_method, "CashAccount": cash_account,
        "PaymentAmount": part.amount, "ExternalRef": reference, "PaymentRef": f"BC refund {refund['id']}",
        "Hold": False,
        "Description": f"BigCommerce refund {refund['id']} of order #{refund.get('order_id')} via {part.provider}",
        "DocumentsToApply": [{"DocType": doc_type, "ReferenceNbr": reference_nbr, "AmountPaid": part.amount}],
    }
