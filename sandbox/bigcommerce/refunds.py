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
        result.total += ((line.base_price + line.price_tax) * qty).quantize(CENT)
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


def refund_methods(order: Order, total: Decimal) -> list[list[dict[str, Any]]]:
    """The ways the quoted amount can be paid back; a refund's payment must match one of them."""
    amount = float(total)
    offline = {"provider_id": "custom", "provider_description": "Manual refund", "amount": amount,
               "offline": True, "offline_provider": True, "offline_reason": "Refund outside the gateway"}
    methods = [[offline]]
    if order.transactions.filter(event__in=["purchase", "capture"], status="ok").exists():
        methods.insert(0, [{"provider_id": order.payment_provider, "provider_description": "Test Payment Gateway",
                            "amount": amount, "offline": False, "offline_provider": False, "offline_reason": ""}])
    if order.customer_id:
        methods.append([{"provider_id": "storecredit", "provider_description": "Store Credit", "amount": amount,
                         "offline": False, "offline_provider": False, "offline_reason": ""}])
    return methods


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
    providers = {option["provider_id"] for method in refund_methods(order, result.total) for option in method}
    for payment in payments:
        if payment.get("provider_id") == "storecredit" and not order.customer_id:
            raise ApiError(422, "Unable to provide store credit for a guest customer.")
        if payment.get("provider_id") not in providers:
            raise ApiError(422, "Unknown refund provider.", {"provider_id": str(payment.get("provider_id"))})
    paid = sum((_amount(p.get("amount")) for p in payments), Decimal("0"))
    if paid != result.total:
        raise ApiError(422, "The payment amount does not match the refund quote.",
                       {"amount": f"payments total {paid}, quote total {result.total}"})


def _take_lock(order: Order) -> bool:
    now = timezone.now()
    free = Q(refund_locked_until__isnull=True) | Q(refund_locked_until__lt=now)
    return bool(Order.objects.filter(free, pk=order.pk).update(refund_locked_until=now + timedelta(seconds=LOCK_SECONDS)))


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
    previous_status = _mark_refunded(order, result)
    refund = Refund.objects.create(order=order, reason=reason, total_amount=result.total, total_tax=result.tax,
                                   items=_refund_items(items), payments=[])
    tx = Transaction.objects.create(order=order, event="refund", amount=result.total, currency=order.currency_code,
                                    gateway=order.payment_provider, method="credit_card")
    refund.payments = [{"id": n + 1, "provider_id": p["provider_id"], "amount": float(_amount(p["amount"])),
                        "offline": bool(p.get("offline", False)), "is_declined": False, "declined_message": "",
                        "transaction_id": str(tx.pk)} for n, p in enumerate(payments)]
    refund.save(update_fields=["payments"])
    _emit_refund_events(order, refund, tx, previous_status)
    return refund


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


def _mark_refunded(order: Order, result: Quote) -> int:
    """Records what was refunded; returns the status the order had before."""
    for line in order.lines.filter(pk__in=result.lines):
        qty = result.lines[line.pk]
        line.quantity_refunded += qty
        line.refund_amount += ((line.base_price + line.price_tax) * qty).quantize(CENT)
        line.save(update_fields=["quantity_refunded", "refund_amount"])
    for address in order.shipping_addresses.filter(pk__in=result.shipping):
        address.refunded_amount += result.shipping[address.pk]
        address.save(update_fields=["refunded_amount"])
    order.refunded_amount += result.total
    previous = order.status_id
    fully = order.refunded_amount >= order.total_inc_tax.quantize(CENT)
    order.status_id = 4 if fully else 14
    order.payment_status = "refunded" if fully else "partially refunded"
    order.date_modified = timezone.now()
    order.save(update_fields=["refunded_amount", "status_id", "payment_status", "date_modified"])
    return previous


def _emit_refund_events(order: Order, refund: Refund, tx: Transaction, previous: int) -> None:
    # Reference: reference/bigcommerce-api.md §1.2 (a refund fires refund/created and statusUpdated).
    store = order.store
    webhooks.emit(store, "store/order/refund/created", {"type": "order", "id": order.pk,
                                                        "refund": {"refund_id": refund.pk}})
    if previous != order.status_id:
        webhooks.emit(store, "store/order/statusUpdated", {"type": "order", "id": order.pk, "status": {
            "previous_status_id": previous, "new_status_id": order.status_id}})
    webhooks.emit(store, "store/order/updated", {"type": "order", "id": order.pk})
    webhooks.emit(store, "store/order/transaction/created", transaction_event_data(tx))


def transaction_event_data(tx: Transaction) -> dict[str, Any]:
    # Reference: reference/bigcommerce-api.md §1.2 (store/order/transaction/* data).
    return {"type": "transaction", "order_id": str(tx.order_id), "transaction_id": str(tx.pk),
            "transaction_status": tx.status, "transaction_type": tx.event,
            "result": {"code": "1", "message": "Approved", "type": "success"},
            "platform_transaction_id": str(tx.pk), "provider_transaction_id": tx.gateway_transaction_id}
