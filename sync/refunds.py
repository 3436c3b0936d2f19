"""Refunds of an order: each BigCommerce refund becomes a credit memo and a Refund payment applied to it.

Posted inside the order's run (sync/orders.py), one at a time and oldest first: the order's record is
claimed by one worker at a time, so that is the per-order lock across all workers. Every document is
found by binding, then by our external reference in Acumatica, before it is created, so duplicates,
replays and a crash between a create and its binding never make a second document.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from sync import refund_mapping
from sync.acumatica import unwrap, wrap
from sync.bindings import bind, bound_key
from sync.documents import first, release
from sync.inventory_ids import inventory_ids_for
from sync.mapping import odata_string, refund_ref

if TYPE_CHECKING:
    from sync.orders import OrderSync


def post_refunds(sync: OrderSync, refunds: list[dict], customer_id: str) -> list[str]:
    return [post_refund(sync, refund, customer_id) for refund in sorted(refunds, key=lambda r: int(r["id"]))]


def post_refund(sync: OrderSync, refund: dict, customer_id: str) -> str:
    tenant, ac = sync.tenant, sync.ac
    key = bound_key(tenant, "refund", refund["id"])
    if key:
        return key
    reference = odata_string(refund_ref(refund["id"]))
    memo = first(ac.query("SalesInvoice", filter=f"Type eq 'Credit Memo' and ExternalRef eq {reference}")) \
        or _create_credit_memo(sync, refund, customer_id)
    release(ac, memo, "SalesInvoice", "ReleaseSalesInvoice")
    payment = first(ac.query("Payment", filter=f"Type eq 'Refund' and ExternalRef eq {reference}"))
    if payment is None:
        gateway = next((p.get("provider_id") for p in refund.get("payments") or []), "")
        method, cash_account = sync.payment_account(gateway or "")
        payment = unwrap(ac.put("Payment", wrap(refund_mapping.refund_payment_payload(
            refund, customer_id=customer_id, payment_method=method, cash_account=cash_account,
            credit_memo_nbr=memo["ReferenceNbr"]))))
    release(ac, payment, "Payment", "ReleasePayment")
    key = f"{payment['Type']}/{payment['ReferenceNbr']}"
    bind(tenant, "refund", refund["id"], key)
    return key


def _create_credit_memo(sync: OrderSync, refund: dict, customer_id: str) -> dict:
    lines = sync.order["products"]
    payload = refund_mapping.credit_memo_payload(
        refund, sync.order, lines, inventory_ids_for(sync.tenant, [line.get("sku") or "" for line in lines]),
        customer_id=customer_id, adjustment_item=sync.tenant.refund_adjustment_item, settings=sync.settings)
    return unwrap(sync.ac.put("SalesInvoice", wrap(payload)))
