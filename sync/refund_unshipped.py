"""Refunds of goods that never shipped, when Acumatica invoices at shipment (tenant invoice mode "acumatica").

Nothing is invoiced yet, so a credit memo would credit the customer twice (once by the memo, once by the
smaller invoice the reduced order gets). Instead, as Acumatica's own BigCommerce connector does for
orders not yet shipped: the sales order loses the refunded quantities (and their copied tax), so the
warehouse ships nothing refunded; the payment's application to the order shrinks to the new total; and a
Refund payment pays back that freed balance of the payment.

Every step sets an absolute target computed from all the order's refunds up to this one, so a re-run
after a crash at any point repeats nothing; the Refund payment is found by its reference first.
"""
from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from sync.acumatica import unwrap, wrap
from sync.documents import release
from sync.mapping import money
from sync.refund_mapping import RefundPart, refund_payment_payload

if TYPE_CHECKING:
    from sync.refunds import RefundPosting


def applies(posting: RefundPosting) -> bool:
    """A refund only of products, of an order nothing of which has shipped, when Acumatica invoices."""
    items = posting.refund.get("items") or []
    return (posting.tenant.invoice_mode == "acumatica" and bool(items)
            and all(item.get("item_type") == "PRODUCT" for item in items)
            and not any(int(line.get("quantity_shipped") or 0) for line in posting.sync.order["products"]))


def post(posting: RefundPosting, sales_order: dict, payment_keys: list[str],
         accounts: dict[int, tuple[str, str]]) -> list[str]:
    cash = [part for part in posting.parts if part.pays_cash]
    if len(cash) != len(posting.parts) or len(cash) != 1 or len(payment_keys) != 1:
        raise posting.problem(f"Refund {posting.refund_id} of order #{posting.sync.order_id} gives back goods that never "
                            "shipped, from an order with several payments or to store credit. Reduce the sales "
                            "order and post the refund in Acumatica by hand, then mark the record resolved.")
    [part], [payment_key] = cash, payment_keys
    refund, reference = posting.find_refund_payment(part)
    if refund is None:
        new_total = reduce_sales_order(posting, sales_order)
        payment = shrink_application(posting, payment_key, sales_order, new_total)
        refund = create_refund(posting, part, reference, payment, accounts[part.payment_id])
    release(posting.ac, refund, "Payment", "ReleasePayment")
    return [f"{refund['Type']}/{refund['ReferenceNbr']}", f"{sales_order['OrderType']}/{sales_order['OrderNbr']} reduced"]


def refunded_so_far(posting: RefundPosting) -> list[dict]:
    """The order's refunds up to and including this one, without declined ones."""
    return [r for r in posting.all_refunds if int(r["id"]) <= posting.refund_id
            and not all(p.get("is_declined") for p in r.get("payments") or [])]


def reduce_sales_order(posting: RefundPosting, sales_order: dict) -> Decimal:
    """Sets each refunded line's quantity (and the copied tax) to what is left; returns the new total."""
    ac, order, refunds = posting.ac, posting.sync.order, refunded_so_far(posting)
    keys = [sales_order["OrderType"], sales_order["OrderNbr"]]
    current = unwrap(ac.get("SalesOrder", keys, expand="Details,TaxDetails"))
    refunded_qty: dict[str, Decimal] = {}
    for refund in refunds:
        for item in refund.get("items") or []:
            if item.get("item_type") == "PRODUCT":
                line_id = str(item["item_id"])
                refunded_qty[line_id] = refunded_qty.get(line_id, Decimal(0)) + Decimal(item.get("quantity") or 0)
    ordered = {str(line["id"]): Decimal(line["quantity"]) for line in order["products"]}
    details = [reduced_line(row, ordered[row["ExternalRef"]], refunded_qty[row["ExternalRef"]])
               for row in current.get("Details") or [] if row.get("ExternalRef") in refunded_qty]
    payload = {"OrderType": keys[0], "OrderNbr": keys[1], "Details": details}
    refunded_tax = sum((money(r.get("total_tax")) for r in refunds), Decimal("0.00"))
    refunded_total = sum((money(r.get("total_amount")) for r in refunds), Decimal("0.00"))
    if posting.sync.settings.tax_mode == "bigcommerce" and current.get("TaxDetails"):
        tax = current["TaxDetails"][0]
        taxable = money(order.get("subtotal_ex_tax")) + freight_of(current) - (refunded_total - refunded_tax)
        payload["TaxDetails"] = [{"id": tax["id"], "TaxAmount": money(order.get("total_tax")) - refunded_tax,
                                  "TaxableAmount": taxable}]
    reduced = unwrap(ac.put("SalesOrder", wrap(payload)))
    expected = money(order.get("total_inc_tax")) - refunded_total
    if abs(money(reduced.get("OrderTotal")) - expected) > Decimal("0.01"):
        raise posting.problem(f"Sales order {keys[1]} totals {money(reduced.get('OrderTotal'))} after removing the "
                            f"refunded goods; BigCommerce's order less its refunds is {expected}. Check the order "
                            "in Acumatica before replaying.")
    return money(reduced.get("OrderTotal"))


def reduced_line(row: dict, ordered: Decimal, refunded: Decimal) -> dict:
    """The line with what is left of it. Its discount is a manual amount, which a smaller quantity does not
    shrink: it keeps the share of the units left (a coupon's discount on a refunded unit went back with it)."""
    left = ordered - refunded
    line = {"id": row["id"], "OrderQty": left}
    discount = money(row.get("DiscountAmount"))
    if discount:
        line["DiscountAmount"] = money(discount * left / ordered) if ordered else Decimal("0.00")
    return line


def freight_of(sales_order: dict) -> Decimal:
    return money((sales_order.get("Totals") or {}).get("Freight"))


def shrink_application(posting: RefundPosting, payment_key: str, sales_order: dict, new_total: Decimal) -> dict:
    """The payment stays applied to the order for no more than the order's new total."""
    payment = unwrap(posting.ac.get("Payment", payment_key.split("/", 1), expand="OrdersToApply"))
    rows = [row for row in payment.get("OrdersToApply") or []
            if (row.get("OrderType"), row.get("OrderNbr")) == (sales_order["OrderType"], sales_order["OrderNbr"])]
    if rows and money(rows[0].get("AppliedToOrder")) > new_total:
        payment = unwrap(posting.ac.put("Payment", wrap({
            "Type": payment["Type"], "ReferenceNbr": payment["ReferenceNbr"],
            "OrdersToApply": [{"id": rows[0]["id"], "AppliedToOrder": new_total}]})))
    return payment


def create_refund(posting: RefundPosting, part: RefundPart, reference: str, payment: dict,
                  account: tuple[str, str]) -> dict:
    method, cash_account = account
    return unwrap(posting.ac.put("Payment", wrap(refund_payment_payload(
        posting.refund, part, reference=reference, customer_id=posting.customer_id, payment_method=method,
        cash_account=cash_account, applies_to=(payment["Type"], payment["ReferenceNbr"])))))
