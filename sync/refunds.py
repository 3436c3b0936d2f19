"""Refunds of an order, posted the way the money went back.

Posted inside the order's run (sync/orders.py), one at a time and oldest first: the order's record is
claimed by one worker at a time, so that is the per-order lock across all workers. For each refund:

- completed parts only: BigCommerce pays refunds asynchronously, so a refund with a part still pending
  stops the run there (a transient failure, retried with backoff) and nothing later is posted before it;
- every part declined: no document, a note on the record;
- some parts declined: only the money that did go back is posted, amount only (a credit memo on the
  refund adjustment item, its Refund payments), with a note on the record; the goods stay as they are;
- otherwise one credit memo for the refund (what was returned, see sync/refund_mapping.py), released,
  and one Refund payment applied to it per part paid back in money (to the original payment method
  with the tenant's method and cash account for that gateway, or offline with the tenant's offline
  refund method). A store credit part gets no payment: its amount stays open on the credit memo, the
  customer's credit in Acumatica.
- when Acumatica invoices at shipment, the refunded units still open on the sales order leave it instead
  of going on the memo (sync/refund_unshipped.py), and the Refund payments pay their money back against
  the payments' freed balance (a refund only of such units makes no credit memo at all).

The credit memo's total is checked against BigCommerce to the cent before it is released, whether it was
just made or found from an earlier run: with Acumatica's own tax calculation (tenant tax mode "acumatica")
that is where a different tax shows.

Every document is found by binding, then by our reference in Acumatica (fields each endpoint version
has: sync/versions.py), before it is created, so duplicates, replays and a crash between a create and
its binding never make a second document.
"""
from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from sync import refund_unshipped, versions
from sync.acumatica import unwrap, wrap
from sync.bindings import bind, bound_key
from sync.documents import first, release
from sync.http import ApiError
from sync.inventory_ids import inventory_ids_for
from sync.mapping import any_of, money, refund_ref
from sync.refund_mapping import (COMPLETED, DECLINED, GOODS_AMOUNT_ONLY, OFFLINE, PENDING, RefundPart, allocate,
                                 credit_memo_payload, part_ref, refund_parts, refund_payment_payload)

if TYPE_CHECKING:
    from sync.orders import OrderSync


class RefundProblem(Exception):
    """Something a merchant must settle for a refund (a mapping, a partly declined refund)."""

    permanent = True


def post_refunds(sync: OrderSync, refunds: list[dict], transactions: list[dict], customer_id: str,
                 sales_order: dict, payment_keys: list[str]) -> list[str]:
    """Posts the order's refunds oldest first; returns what each became, for the record."""
    done = []
    refunds = sorted(refunds, key=lambda r: int(r["id"]))
    for refund in refunds:
        key = bound_key(sync.tenant, "refund", refund["id"])
        if key is None:
            posting = RefundPosting(sync, refund, transactions, customer_id, refunds)
            key = posting.post(sales_order, payment_keys)
        done.append(key)
    return done


class RefundPosting:
    def __init__(self, sync: OrderSync, refund: dict, transactions: list[dict], customer_id: str,
                 all_refunds: list[dict]) -> None:
        self.sync, self.refund, self.transactions, self.customer_id = sync, refund, transactions, customer_id
        self.parts = refund_parts(refund, transactions)
        self.all_refunds = all_refunds
        self.tenant, self.ac = sync.tenant, sync.ac
        self.refund_id = int(refund["id"])
        # Store-scoped (refund ids start at 1 in every store), plus the store-less one of older documents.
        self.references = sync.references(refund_ref, self.refund_id, refund.get("created"))
        self.reference = self.references[0]

    def problem(self, message: str) -> RefundProblem:
        return RefundProblem(message)

    def post(self, sales_order: dict, payment_keys: list[str]) -> str:
        label = f"Refund {self.refund_id} of order #{self.sync.order_id}"
        if any(part.state == PENDING for part in self.parts):
            # Transient: retried with backoff; a refund pending for hours ends in needs_attention.
            raise ApiError(f"{label} is still being processed by the payment provider in BigCommerce; it is "
                           "posted once BigCommerce reports it completed (later refunds wait for it).",
                           permanent=False)
        declined = [part for part in self.parts if part.state == DECLINED]
        completed = [part for part in self.parts if part.state == COMPLETED]
        if declined and not completed:
            note = (f"{label} was declined ({'; '.join(p.message for p in declined)}): no money went back, "
                    "so nothing was posted to Acumatica.")
            self.sync.record.log("refund.declined", message=note)
            return note
        # Every money part's payment method first: a missing mapping must leave no half-posted refund.
        accounts = {part.payment_id: self.account(part) for part in completed if part.pays_cash}
        if declined:
            documents = self.post_partly_declined(label, completed, declined, accounts)
        else:
            documents = self.post_completed(sales_order, payment_keys, accounts) or [f"{label}: nothing to post"]
        bind(self.tenant, "refund", self.refund_id, documents[0])  # its first document marks it posted
        return " + ".join(documents)

    def post_completed(self, sales_order: dict, payment_keys: list[str], accounts: dict) -> list[str]:
        goods = refund_unshipped.UnshippedGoods(self, sales_order)
        memo_total = money(self.refund.get("total_amount")) - (goods.value if goods else Decimal("0.00"))
        balances: list[tuple[str, str, Decimal]] = []
        if goods:
            balances = goods.shrink_applications(payment_keys, goods.reduce_sales_order())
        documents, memo = [], None
        if memo_total:
            memo = self.credit_memo(memo_total, unshipped=goods.units)
            documents.append(f"{memo['Type']}/{memo['ReferenceNbr']}")
        for part in self.parts:
            if part.pays_cash:
                to_memo, to_goods = allocate(self.parts, memo_total)[part.payment_id]
                applies = [("Credit Memo", memo["ReferenceNbr"], to_memo)] if to_memo else []
                documents.append(self.refund_payment(part, accounts[part.payment_id],
                                                     lambda: applies + self.spread(to_goods, balances)))
        if goods:
            documents.append(f"{sales_order['OrderType']}/{sales_order['OrderNbr']} reduced")
        return documents

    def spread(self, amount: Decimal, balances: list[tuple[str, str, Decimal]]) -> list[tuple[str, str, Decimal]]:
        """Applications paying `amount` back against the payments' available balances, in order (each use
        lowers what is left for the next part)."""
        applies = []
        for n, (doc_type, number, available) in enumerate(balances):
            take = min(amount, available)
            if take > 0:
                applies.append((doc_type, number, take))
                balances[n] = (doc_type, number, available - take)
                amount -= take
        if amount > 0:
            raise self.problem(f"Refund {self.refund_id} of order #{self.sync.order_id} pays back {amount} more for goods "
                               "that never shipped than the order's payments have free in Acumatica (is the order "
                               "already invoiced?). Post the refund in Acumatica by hand, then mark the record "
                               "resolved.")
        return applies

    def post_partly_declined(self, label: str, completed: list[RefundPart], declined: list[RefundPart],
                             accounts: dict) -> list[str]:
        """Only the money that went back is posted, amount only: which goods it was for is not known."""
        amount = sum((part.amount for part in completed), Decimal("0.00"))
        note = (f"{label}: the {', '.join(f'{p.provider} part ({p.amount})' for p in declined)} was declined "
                f"({'; '.join(p.message for p in declined)}); only the {amount} that went back is posted, as an "
                "amount on the refund adjustment item, and the refunded goods are left as they are.")
        self.sync.record.log("refund.partly_declined", message=note)
        memo = self.credit_memo(amount, amount_only=True, note=f"{', '.join(p.provider for p in declined)} declined")
        documents = [f"{memo['Type']}/{memo['ReferenceNbr']}"]
        for part in completed:
            if part.pays_cash:
                documents.append(self.refund_payment(part, accounts[part.payment_id],
                                                     lambda p=part: [("Credit Memo", memo["ReferenceNbr"], p.amount)]))
        return [*documents, note]

    # -- credit memo ---------------------------------------------------------------------------

    def credit_memo(self, total: Decimal, *, unshipped: dict | None = None, amount_only: bool = False,
                    note: str = "") -> dict:
        version = self.ac.version
        # SalesInvoice.ExternalRef exists only from 24.200.001; CustomerOrder carries the reference in all.
        field = "ExternalRef" if versions.has_field(version, "SalesInvoice", "ExternalRef") else "CustomerOrder"
        memo = first(self.ac.query("SalesInvoice", filter=f"Type eq 'Credit Memo' and "
                                                          f"{any_of(field, self.references)}"))
        if memo is None:
            memo = self._create_credit_memo(total, unshipped or {}, external_ref=field == "ExternalRef",
                                            manual_price=versions.has_field(version, "SalesInvoiceDetail",
                                                                            "ManualPrice"),
                                            amount_only=amount_only, note=note)
        if money(memo.get("Amount")) != total and memo.get("Status") in ("Balanced", "On Hold"):
            raise RefundProblem(f"Credit memo {memo.get('ReferenceNbr')} for refund {self.refund_id} totals "
                                f"{money(memo.get('Amount'))} in Acumatica; it should be {total} (BigCommerce "
                                "refunded that much, less any goods taken off the sales order). Check the tax "
                                "settings and the refund adjustment item, correct or delete the memo, then replay.")
        release(self.ac, memo, "SalesInvoice", "ReleaseSalesInvoice")
        return memo

    def _create_credit_memo(self, total: Decimal, unshipped: dict, *, external_ref: bool, manual_price: bool,
                            amount_only: bool, note: str) -> dict:
        order, lines = self.sync.order, self.sync.order["products"]
        store_credit = sum((p.amount for p in self.parts if not p.pays_cash and p.state == COMPLETED), Decimal("0.00"))
        payload = credit_memo_payload(
            self.refund, order, lines, inventory_ids_for(self.tenant, [line.get("sku") or "" for line in lines]),
            reference=self.reference, customer_id=self.customer_id,
            adjustment_item=self.tenant.refund_adjustment_item,
            settings=self.sync.settings, external_ref=external_ref, manual_price=manual_price,
            goods=GOODS_AMOUNT_ONLY if amount_only else self.tenant.refund_goods,
            store_credit=min(store_credit, total), unshipped=unshipped, total=total, note=note)
        return unwrap(self.ac.put("SalesInvoice", wrap(payload)))

    # -- refund payments -----------------------------------------------------------------------

    def refund_payment(self, part: RefundPart, account: tuple[str, str], applies_to) -> str:
        """The part's Refund payment, made (applied to what `applies_to()` lists) unless an earlier run made it."""
        payment, reference = self.find_refund_payment(part)
        if payment is None:
            method, cash_account = account
            payment = unwrap(self.ac.put("Payment", wrap(refund_payment_payload(
                self.refund, part, reference=reference, customer_id=self.customer_id, payment_method=method,
                cash_account=cash_account, applies_to=applies_to()))))
        release(self.ac, payment, "Payment", "ReleasePayment")
        return f"{payment['Type']}/{payment['ReferenceNbr']}"

    def find_refund_payment(self, part: RefundPart) -> tuple[dict | None, str]:
        """The part's Refund payment if one was made (under either reference), and the reference a new one gets."""
        references = [part_ref(reference, part, self.parts) for reference in self.references]
        found = first(self.ac.query("Payment", filter=f"Type eq 'Refund' and {any_of('ExternalRef', references)}"))
        return found, references[0]

    def account(self, part: RefundPart) -> tuple[str, str]:
        if part.way != OFFLINE:
            return self.sync.payment_account(part.provider)
        method = self.tenant.offline_refund_method
        cash_account = self.tenant.cash_account_map.get(method) or self.tenant.default_cash_account
        if not method or not cash_account:
            raise RefundProblem(f"Refund {self.refund_id} of order #{self.sync.order_id} was paid back offline "
                                f"({part.provider}, {part.amount}). Set the tenant's offline refund payment method "
                                "(and its cash account) so it can be posted.")
        return method, cash_account

