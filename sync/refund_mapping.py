"""Pure mappers for refunds: BigCommerce refunds -> Acumatica credit memo and Refund payment payloads.

Like sync/mapping.py: no ORM, no HTTP, Decimal money; the credit memo and the refund payment carry
ExternalRef "BC-RF-<refund id>".
"""
from decimal import Decimal

from sync.mapping import CENT, OrderSettings, line_discounts, money, refund_ref, sales_order_lines


def refund_lines(refund: dict, order: dict, lines: list[dict], inventory_ids: dict[str, str],
                 adjustment_item: str) -> list[dict]:
    """Credit memo lines: refunded products at their discounted ex-tax price, plus one adjustment
    line for whatever else the refund covers (shipping, handling, an order-level amount)."""
    discounted = {int(line["id"]): (line, discount) for line, discount in zip(lines, line_discounts(order, lines))}
    details, products_total = [], Decimal("0.00")
    for item in refund.get("items") or []:
        found = discounted.get(int(item.get("item_id") or 0)) if item.get("item_type") == "PRODUCT" else None
        if found is None or not item.get("quantity"):
            continue
        line, discount = found
        quantity, ordered = Decimal(item["quantity"]), Decimal(line["quantity"])
        unit = ((money(line.get("price_ex_tax")) * ordered - discount) / ordered).quantize(CENT)
        [detail] = sales_order_lines([line], inventory_ids)
        details.append({"InventoryID": detail["InventoryID"], "Qty": quantity, "UnitPrice": unit,
                        "ManualPrice": True, "TransactionDescr": detail["LineDescription"]})
        products_total += unit * quantity
    rest = money(refund.get("total_amount")) - money(refund.get("total_tax")) - products_total
    if rest != 0:
        details.append({"InventoryID": adjustment_item, "Qty": Decimal(1), "UnitPrice": rest, "ManualPrice": True,
                        "TransactionDescr": "Refund of shipping, handling or an order amount"})
    return details


def credit_memo_payload(refund: dict, order: dict, lines: list[dict], inventory_ids: dict[str, str], *,
                        customer_id: str, adjustment_item: str, settings: OrderSettings) -> dict:
    payload = {
        "Type": "Credit Memo", "CustomerID": customer_id, "CustomerOrder": str(order["id"]),
        "ExternalRef": refund_ref(refund["id"]), "Hold": False,
        "Description": f"BigCommerce refund {refund['id']} of order #{order['id']}",
        "Details": refund_lines(refund, order, lines, inventory_ids, adjustment_item),
    }
    if settings.tax_mode == "bigcommerce":
        payload["TaxDetails"] = [{"TaxID": settings.tax_id, "TaxAmount": money(refund.get("total_tax")),
                                  "TaxableAmount": money(refund.get("total_amount")) - money(refund.get("total_tax"))}]
    return payload


def refund_payment_payload(refund: dict, *, customer_id: str, payment_method: str, cash_account: str,
                           credit_memo_nbr: str) -> dict:
    amount = money(refund.get("total_amount"))
    return {
        "Type": "Refund", "CustomerID": customer_id, "PaymentMethod": payment_method, "CashAccount": cash_account,
        "PaymentAmount": amount, "ExternalRef": refund_ref(refund["id"]), "PaymentRef": f"BC refund {refund['id']}",
        "Hold": False, "Description": f"BigCommerce refund {refund['id']} of order #{refund.get('order_id')}",
        "DocumentsToApply": [{"DocType": "Credit Memo", "ReferenceNbr": credit_memo_nbr, "AmountPaid": amount}],
    }
