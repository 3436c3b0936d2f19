"""Refund quotes and refunds of the simulated store, with the rules the real API enforces."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from . import webhooks
from .gate import ApiError
from .models import Order, Refund, Transaction

CENT = Decimal("0.01")
LOCK_SECONDS = 60  # a crashed refund cannot hold the order forever


@dataclass
class Quote:
    total: Decimal = Decimal("0")
    tax: Decimal = Decimal("0")
    lines: dict[int, int] = field(default_factory=dict)          # order product id -> quantity
    shipping: dict[int, Decimal] = field(default_factory=dict)   # shipping address id -> amount
    order_amount: Decimal = Decimal("0")


def _amount(value: Any) -> Decimal:
    try:
        return Decimal(str(value)).quantize(CENT)
    except (InvalidOperation, ValueError):
        raise ApiError(422, "Invalid amount.", {"amount": f"{value!r} is not a number"})


def quote(order: Order, items: list[dict[str, Any]]) -> Quote:
    """Prices the items to refund, refusing what the order cannot give back (422)."""
    # Reference: specs/bigcommerce/orders.v3.yml refund_quotes (ItemsRefund: PRODUCT by quantity,
    # SHIPPING/ORDER by amount); reference/bigcommerce-api.md §5.
    refuse_while_pending(order)
    if not items:
        raise ApiError(422, "At least one item is required.", {"items": "must not be empty"})
    result = Quote()
    for item in items:
        _add_item(order, item, result)
    remaining = (order.total_inc_tax - order.refunded_amount).quantize(CENT)
    if result.total <= 0 or result.total > remaining:
        raise ApiError(422, "The refund amount is not available on this order.",
                       {"total": f"requested {result.total}, refundable {remaining}"})
    return result


def _add_item(order: Order, item: dict[str, Any], result: Quote) -> None:
    kind, item_id = item.get("item_type"), item.get("item_id")
    if kind == "PRODUCT":
        line = order.lines.filter(pk=item_id).first()
        qty = item.get("quantity")
        if line is None or not isinstance(qty, int) or qty < 1 or qty > line.quantity - line.quantity_refunded:
            raise ApiError(422, "The item cannot be refunded.", {"item_id": f"order product {item_id}"})
        result.lines[line.pk] = result.lines.get(line.pk, 0) + qty
        result.total += product_refund_amount(order, line, qty)
        result.tax += (line.price_tax * qty).quantize(CENT)
    elif kind == "SHIPPING":
        address = order.shipping_addresses.filter(pk=item_id).first()
        amount = _amount(item.get("amount"))
        if address is None or amount > address.cost_ex_tax + address.cost_tax - address.refunded_amount:
            raise ApiError(422, "The shipping cannot be refunded.", {"item_id": f"order address {item_id}"})
        result.shipping[address.pk] = result.shipping.get(address.pk, Decimal("0")) + amount
        result.total += amount
    elif kind == "ORDER":
        amount = _amount(item.get("amount"))
        result.order_amount += amount
        result.total += amount
    else:
        raise ApiError(422, f"Refunds of {kind} items are not supported by the sandbox.", {"item_type": str(kind)})


def line_discounts(order: Order) -> dict[int, Decimal]:
    """The order-level discount and coupon spread over the lines by value (the last line takes the
    rounding), which is what a refunded product gives back less of."""
    lines = list(order.lines.order_by("pk"))
    discount = (order.discount_amount + order.coupon_discount).quantize(CENT)
    value = sum((line.total_ex_tax for line in lines), Decimal("0"))
    if discount <= 0 or value <= 0:
        return {line.pk: Decimal("0") for line in lines}
    shares = {line.pk: (discount * line.total_ex_tax / value).quantize(CENT) for line in lines}
    shares[lines[-1].pk] += discount - sum(shares.values(), Decimal("0"))
    return shares


def product_refund_amount(order: Order, line, qty: int) -> Decimal:
    """What refunding `qty` units gives back: their price after the line's share of the order's
    discounts, plus their tax (the sandbox charges tax before discounts, see storefront)."""
    discount = (line_discounts(order)[line.pk] * qty / line.quantity).quantize(CENT)
    return (line.base_price * qty - discount + line.price_tax * qty).quantize(CENT)


def refund_methods(order: Order, total: Decimal) -> list[list[dict[str, Any]]]:
    """The ways the quoted amount can be paid back; a refund's payment must match one of them."""
    amount = float(total)
    offline = {"provider_id": "custom", "provider_description": "Manual refund", "amount": amount,
               "offline": True, "offline_provider": True, "offline_reason": "Refund outside the gateway"}
    methods = [[offline]]
    paid = order.transactions.filter(event__in=["purchase", "capture"], status="ok")
    by_credit = sum((t.amount for t in paid if t.method == "store_credit"), Decimal("0"))
    if paid.exclude(method="store_credit").exists():
        methods.insert(0, [_gateway_option(order, amount)])
        # An order paid partly with store credit is refunded the same way: that part back to store
        # credit, the rest to the card (the documented example in RefundQuote_Full.refund_methods).
        credit_part = min(by_credit, total).quantize(CENT)
        if 0 < credit_part < total:
            methods.insert(1, [_store_credit_option(float(credit_part)),
                               _gateway_option(order, float(total - credit_part))])
    if order.customer_id:
        methods.append([_store_credit_option(amount)])
    return methods


def _gateway_option(order: Order, amount: float) -> dict[str, Any]:
    return {"provider_id": order.payment_provider, "provider_description": "Test Payment Gateway",
            "amount": amount, "offline": False, "offline_provider": False, "offline_reason": ""}


def _store_credit_option(amount: float) -> dict[str, Any]:
    return {"provider_id": "storecredit", "provider_description": "Store Credit", "amount": amount,
            "offline": False, "offline_provider": False, "offline_reason": ""}


def quote_json(order: Order, result: Quote) -> dict[str, Any]:
    # Reference: specs/bigcommerce/orders.v3.yml RefundQuote_Full.
    return {"order_id": order.pk, "total_refund_amount": float(result.total),
            "total_refund_tax_amount": float(result.tax), "rounding": 0, "adjustment": 0,
            "tax_inclusive": False, "refund_methods": refund_methods(order, result.total)}


def _check_payments(order: Order, result: Quote, payments: list[dict[str, Any]]) -> None:
    # Reference: reference/bigcommerce-api.md §5 (amount must equal a quoted refund method, else 422;
    # store credit for a guest is the documented 422).
    if not payments:
        raise ApiError(422, "At least one payment is required.", {"payments": "must not be empty"})
    methods = refund_methods(order, result.total)
    providers = {option["provider_id"] for method in methods for option in method}
    for payment in payments:
        if payment.get("provider_id") == "storecredit" and not order.customer_id:
            raise ApiError(422, "Unable to provide store credit for a guest customer.")
        if payment.get("provider_id") not in providers:
            raise ApiError(422, "Unknown refund provider.", {"provider_id": str(payment.get("provider_id"))})
    paid = sum((_amount(p.get("amount")) for p in payments), Decimal("0"))
    if paid != result.total:
        raise ApiError(422, "The payment amount does not match the refund quote.",
                       {"amount": f"payments total {paid}, quote total {result.total}"})
    asked = sorted((str(p.get("provider_id")), _amount(p.get("amount"))) for p in payments)
    quoted = [sorted((o["provider_id"], _amount(o["amount"])) for o in method) for method in methods]
    if asked not in quoted:
        raise ApiError(422, "The payments do not match a refund method of the quote.",
                       {"payments": f"{asked} is not one of the quoted refund methods"})


def _take_lock(order: Order) -> bool:
    now = timezone.now()
    free = Q(refund_locked_until__isnull=True) | Q(refund_locked_until__lt=now)
    return bool(Order.objects.filter(free, pk=order.pk).update(refund_locked_until=now + timedelta(seconds=LOCK_SECONDS)))


def pending_parts(order: Order) -> list[tuple[Refund, dict[str, Any]]]:
    """Refund payments whose gateway request has not been answered yet (their transaction is `pending`)."""
    parts = [(refund, part) for refund in order.refunds.order_by("pk") for part in refund.payments]
    waiting = set(Transaction.objects.filter(order=order, event="pending", pk__in=[
        int(part["transaction_id"]) for _, part in parts if str(part.get("transaction_id") or "").isdigit()
    ]).values_list("pk", flat=True))
    return [(refund, part) for refund, part in parts if int(part.get("transaction_id") or 0) in waiting]


def refuse_while_pending(order: Order) -> None:
    # Reference: specs/bigcommerce/orders.v3.yml refund_quotes and refunds ("Order refunds should be
    # processed sequentially"): a refund still being paid out counts as in progress.
    if pending_parts(order):
        raise ApiError(409, "A refund of this order is still being processed; refunds must be sequential.")


def create_refund(order: Order, items: list[dict[str, Any]], payments: list[dict[str, Any]], reason: str = "") -> Refund:
    """Refunds items of the order; a second refund while one is in progress is refused (409)."""
    # Reference: specs/bigcommerce/orders.v3.yml refunds ("processing multiple concurrent refunds on
    # the same order is not yet supported"; no status is documented, the sandbox answers 409).
    if not _take_lock(order):
        raise ApiError(409, "Another refund is in progress for this order; refunds must be sequential.")
    try:
        time.sleep(order.store.refund_processing_ms / 1000)
        with transaction.atomic():
            return _apply_refund(Order.objects.get(pk=order.pk), items, payments, reason)
    finally:
        Order.objects.filter(pk=order.pk).update(refund_locked_until=None)


def _apply_refund(order: Order, items: list[dict[str, Any]], payments: list[dict[str, Any]], reason: str) -> Refund:
    result = quote(order, items)
    _check_payments(order, result, payments)
    refund = Refund.objects.create(order=order, reason=reason, total_amount=result.total, total_tax=result.tax,
                                   items=_refund_items(items), payments=[])
    parts = [_pay_part(order, n + 1, p) for n, p in enumerate(payments)]
    refund.payments = [part for part, _ in parts]
    refund.save(update_fields=["payments"])
    previous_status = order.status_id
    if not all(part["is_declined"] for part in refund.payments):
        _mark_refunded(order, result)
    _emit_refund_events(order, refund, [tx for _, tx in parts], previous_status)
    return refund


# What the store records for each way a refund goes back: (transaction method, gateway).
PART_KINDS = {"storecredit": ("store_credit", "storecredit"), "offline": ("custom", "custom")}
DECLINED_MESSAGE = "The payment gateway declined the refund."


def _pay_part(order: Order, number: int, payment: dict[str, Any]) -> tuple[dict[str, Any], Transaction]:
    """One refund payment: store credit and offline refunds are done at once; a gateway refund is
    settled, left pending or declined as the store's `refund_settlement` says."""
    provider, amount = str(payment["provider_id"]), _amount(payment["amount"])
    offline = bool(payment.get("offline", False)) or provider == "custom"
    kind = "storecredit" if provider == "storecredit" else "offline" if offline else "gateway"
    method, gateway = PART_KINDS.get(kind, ("credit_card", order.payment_provider))
    settlement = order.store.refund_settlement if kind == "gateway" else "immediate"
    event, status = {"pending": ("pending", "ok"), "declined": ("refund", "error")}.get(settlement, ("refund", "ok"))
    tx = Transaction.objects.create(order=order, event=event, amount=amount, currency=order.currency_code,
                                    gateway=gateway, method=method, status=status)
    declined = status == "error"
    part = {"id": number, "provider_id": provider, "amount": float(amount), "offline": offline,
            "is_declined": declined, "declined_message": DECLINED_MESSAGE if declined else "",
            "transaction_id": str(tx.pk)}
    return part, tx


@transaction.atomic
def settle_pending(order: Order, approve: bool = True) -> list[Refund]:
    """The gateway answers every pending refund payment of the order: paid out, or declined.

    A refund whose every payment was declined gives nothing back, so the order's refunded amounts
    and status are restored (the merchant may refund again)."""
    order = Order.objects.select_for_update().get(pk=order.pk)
    settled: dict[int, Refund] = {}
    events = []
    for refund, part in pending_parts(order):
        refund = settled.setdefault(refund.pk, refund)
        part = next(p for p in refund.payments if p["id"] == part["id"])
        waiting = Transaction.objects.get(pk=int(part["transaction_id"]))
        tx = Transaction.objects.create(order=order, event="refund", amount=waiting.amount, currency=waiting.currency,
                                        gateway=waiting.gateway, method=waiting.method,
                                        status="ok" if approve else "error")
        part.update(transaction_id=str(tx.pk), is_declined=not approve,
                    declined_message="" if approve else DECLINED_MESSAGE)
        events.append(tx)
    previous = order.status_id
    for refund in settled.values():
        refund.save(update_fields=["payments"])
        if all(p["is_declined"] for p in refund.payments):
            _unmark_refunded(order, refund)
    order.date_modified = timezone.now()
    order.save(update_fields=["date_modified"])
    for tx in events:
        webhooks.emit(order.store, "store/order/transaction/created", transaction_event_data(tx))
    _emit_order_change(order, previous)
    return list(settled.values())


def _refund_items(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for item in items:
        row = {"item_type": item["item_type"], "item_id": item["item_id"], "reason": item.get("reason", "")}
        if "quantity" in item:
            row["quantity"] = item["quantity"]
        if "amount" in item:
            row["requested_amount"] = float(_amount(item["amount"]))
        out.append(row)
    return out


def _mark_refunded(order: Order, result: Quote) -> None:
    """Records what was refunded."""
    for line in order.lines.filter(pk__in=result.lines):
        qty = result.lines[line.pk]
        line.quantity_refunded += qty
        line.refund_amount += product_refund_amount(order, line, qty)
        line.save(update_fields=["quantity_refunded", "refund_amount"])
    for address in order.shipping_addresses.filter(pk__in=result.shipping):
        address.refunded_amount += result.shipping[address.pk]
        address.save(update_fields=["refunded_amount"])
    order.refunded_amount += result.total
    fully = order.refunded_amount >= order.total_inc_tax.quantize(CENT)
    order.status_id = 4 if fully else 14
    order.payment_status = "refunded" if fully else "partially refunded"
    order.date_modified = timezone.now()
    order.save(update_fields=["refunded_amount", "status_id", "payment_status", "date_modified"])


def _unmark_refunded(order: Order, refund: Refund) -> None:
    """Gives back what a refund marked, when none of its money went back."""
    for item in refund.items:
        if item["item_type"] == "PRODUCT":
            line = order.lines.get(pk=item["item_id"])
            line.refund_amount -= product_refund_amount(order, line, item["quantity"])
            line.quantity_refunded -= item["quantity"]
            line.save(update_fields=["quantity_refunded", "refund_amount"])
        elif item["item_type"] == "SHIPPING":
            address = order.shipping_addresses.get(pk=item["item_id"])
            address.refunded_amount -= Decimal(str(item["requested_amount"]))
            address.save(update_fields=["refunded_amount"])
    order.refunded_amount -= refund.total_amount
    if order.refunded_amount > 0:
        order.status_id, order.payment_status = 14, "partially refunded"
    else:
        order.status_id = 2 if order.date_shipped else 11
        order.payment_status = "captured"
    order.save(update_fields=["refunded_amount", "status_id", "payment_status"])


def _emit_refund_events(order: Order, refund: Refund, transactions: list[Transaction], previous: int) -> None:
    # Reference: reference/bigcommerce-api.md §1.2 (a refund fires refund/created and statusUpdated).
    webhooks.emit(order.store, "store/order/refund/created", {"type": "order", "id": order.pk,
                                                              "refund": {"refund_id": refund.pk}})
    _emit_order_change(order, previous)
    for tx in transactions:
        webhooks.emit(order.store, "store/order/transaction/created", transaction_event_data(tx))


def _emit_order_change(order: Order, previous: int) -> None:
    store = order.store
    if previous != order.status_id:
        webhooks.emit(store, "store/order/statusUpdated", {"type": "order", "id": order.pk, "status": {
            "previous_status_id": previous, "new_status_id": order.status_id}})
    webhooks.emit(store, "store/order/updated", {"type": "order", "id": order.pk})


def transaction_event_data(tx: Transaction) -> dict[str, Any]:
    # Reference: reference/bigcommerce-api.md §1.2 (store/order/transaction/* data).
    return {"type": "transaction", "order_id": str(tx.order_id), "transaction_id": str(tx.pk),
            "transaction_status": tx.status, "transaction_type": tx.event,
            "result": {"code": "1", "message": "Approved", "type": "success"} if tx.status == "ok"
            else {"code": "2", "message": "Declined", "type": "error"},
            "platform_transaction_id": str(tx.pk), "provider_transaction_id": tx.gateway_transaction_id}
