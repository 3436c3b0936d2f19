"""Refunded goods that never shipped leave the sales order, when Acumatica invoices at shipment (tenant
invoice mode "acumatica").

Nothing of those units is invoiced yet, so crediting them on a credit memo would credit the customer twice
(once by the memo, once by the smaller invoice the order gets). Instead, as Acumatica's own BigCommerce
connector does for goods not yet shipped: the sales order loses the refunded units that are still open (and
their copied tax), so the warehouse ships nothing refunded; the payments stay applied to the order for no
more than its new total; and the refund's money for those units pays back the payments' freed balance
(sync/refunds.py). The rest of the refund (shipped units, shipping, order-level amounts) is a credit memo.

A partly shipped line loses only what is still open: Acumatica's own figures decide (SalesOrderDetail
OrderQty, OpenQty and QtyOnShipments, in every endpoint version), not BigCommerce's shipped quantities,
which lag behind the warehouse.

Every step sets an absolute target computed from all the order's refunds up to this one, so a re-run after
a crash at any point repeats nothing.
"""
from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from sync.acumatica import unwrap, wrap
from sync.mapping import CENT, extended_price, freight, line_discounts, money
from sync.refund_mapping import DECLINED, goods_value, refund_parts, unit_prices, unit_tax

if TYPE_CHECKING:
    from sync.refunds import RefundPosting

ZERO = Decimal(0)


def takes_goods(refund: dict, transactions: list[dict]) -> bool:
    """Whether a refund gives goods back: not when any of its money was declined (then only the money that
    did go back is posted, amount only; see sync/refunds.py)."""
    return all(part.state != DECLINED for part in refund_parts(refund, transactions))


def refunded_units(refunds: list[dict], transactions: list[dict]) -> dict[int, Decimal]:
    """Units of each order product the refunds give back (order product id -> quantity)."""
    units: dict[int, Decimal] = {}
    for refund in refunds:
        for item in refund.get("items") or []:
            if item.get("item_type") == "PRODUCT" and takes_goods(refund, transactions):
                line_id = int(item["item_id"])
                units[line_id] = units.get(line_id, ZERO) + Decimal(item.get("quantity") or 0)
    return units


class UnshippedGoods:
    """The refund's units that are still open on the sales order, and how the order is brought down to the
    units nobody refunded (never below what is shipped or on a shipment)."""

    def __init__(self, posting: RefundPosting, sales_order: dict) -> None:
        self.posting, self.ac, self.order = posting, posting.ac, posting.sync.order
        self.keys = [sales_order["OrderType"], sales_order["OrderNbr"]]
        self.units: dict[int, Decimal] = {}
        self.current: dict | None = None
        self.transactions = posting.transactions
        if posting.tenant.invoice_mode != "acumatica" or not refunded_units([posting.refund], self.transactions):
            return
        self.current = unwrap(self.ac.get("SalesOrder", self.keys, expand="Details,TaxDetails"))
        before = [r for r in posting.all_refunds if int(r["id"]) < posting.refund_id]
        earlier = refunded_units(before, self.transactions)
        upto = refunded_units([*before, posting.refund], self.transactions)
        for line_id in refunded_units([posting.refund], self.transactions):
            floor = self._ordered(line_id) - earlier.get(line_id, ZERO)
            taken = self._target(line_id, floor) - self._target(line_id, self._ordered(line_id) - upto[line_id])
            if taken > 0:
                self.units[line_id] = taken

    def __bool__(self) -> bool:
        return bool(self.units)

    @property
    def value(self) -> Decimal:
        """What the units cost the customer, tax included: the money that goes back through the payments."""
        amount, tax = goods_value(self.order, self.order["products"], self.units)
        return amount + tax

    def _ordered(self, line_id: int) -> Decimal:
        return next(Decimal(line["quantity"]) for line in self.order["products"] if int(line["id"]) == line_id)

    def _row(self, line_id: int) -> dict | None:
        return next((row for row in (self.current or {}).get("Details") or []
                     if str(row.get("ExternalRef")) == str(line_id)), None)

    def _target(self, line_id: int, wanted: Decimal) -> Decimal:
        """The line's quantity once `wanted` units are all it should keep, never below what the warehouse
        shipped or has on a shipment (those are returns, on the credit memo)."""
        row = self._row(line_id)
        if row is None:  # not on the order (never was, or removed in Acumatica): nothing to take off
            return self._ordered(line_id)
        quantity = Decimal(str(row.get("OrderQty") or 0))
        open_qty = Decimal(str(row["OpenQty"])) if row.get("OpenQty") is not None else quantity
        held = quantity - open_qty + Decimal(str(row.get("QtyOnShipments") or 0))
        return max(wanted, held)

    def reduce_sales_order(self) -> Decimal:
        """Sets each refunded line's quantity (and the copied tax) to what nobody refunded; returns the
        order's new total."""
        upto = refunded_units([r for r in self.posting.all_refunds if int(r["id"]) <= self.posting.refund_id],
                              self.transactions)
        details, removed = [], {}
        for line_id, refunded in upto.items():
            row = self._row(line_id)
            if row is None:
                continue
            target = self._target(line_id, self._ordered(line_id) - refunded)
            removed[line_id] = self._ordered(line_id) - target
            if target < Decimal(str(row.get("OrderQty") or 0)):
                details.append({"id": row["id"], **self._reduced_line(line_id, target)})
        payload = {"OrderType": self.keys[0], "OrderNbr": self.keys[1], "Details": details}
        copied_tax = self.posting.sync.settings.tax_mode == "bigcommerce" and (self.current or {}).get("TaxDetails")
        if copied_tax:
            payload["TaxDetails"] = [self._tax_detail(removed)]
        if not details:
            return money(self.current.get("OrderTotal"))
        reduced = unwrap(self.ac.put("SalesOrder", wrap(payload)))
        if copied_tax:
            self._check(reduced, details)
        return money(reduced.get("OrderTotal"))

    def _reduced_line(self, line_id: int, target: Decimal) -> dict:
        """The line at `target` units. Its amounts were sent exact (Ext. Price with a manual price, a manual
        discount), which a smaller quantity does not recompute: the line keeps the discount share of the units
        left, and its amount goes down by exactly what those units cost (the value refunded for them)."""
        lines = self.order["products"]
        line = next(x for x in lines if int(x["id"]) == line_id)
        discount = dict(zip((int(x["id"]) for x in lines), line_discounts(self.order, lines)))[line_id]
        ordered = self._ordered(line_id)
        amount = extended_price(line) - discount - (ordered - target) * unit_prices(self.order, lines)[line_id]
        kept_discount = money(discount * target / ordered) if ordered else Decimal("0.00")
        return {"OrderQty": target, "ExtendedPrice": amount + kept_discount, "ManualPrice": True,
                "DiscountAmount": kept_discount}

    def _tax_detail(self, removed: dict[int, Decimal]) -> dict:
        """The copied tax less the tax of every unit taken off, and its taxable amount likewise."""
        lines, settings = self.order["products"], self.posting.sync.settings
        prices, by_id = unit_prices(self.order, lines), {int(line["id"]): line for line in lines}
        taxable = sum((extended_price(line) - discount for line, discount in zip(lines, line_discounts(self.order, lines))),
                      ZERO) + (freight(self.order) if settings.freight_taxable else ZERO)
        taxable -= sum((prices[line_id] * qty for line_id, qty in removed.items()), ZERO)
        tax = money(self.order.get("total_tax")) - sum(
            ((unit_tax(by_id[line_id]) * qty).quantize(CENT) for line_id, qty in removed.items()), ZERO)
        return {"id": self.current["TaxDetails"][0]["id"], "TaxAmount": tax, "TaxableAmount": taxable}

    def _check(self, reduced: dict, details: list[dict]) -> None:
        """The order lost exactly the value of the units taken off now (an Acumatica edit, e.g. freight added,
        stays)."""
        taken = {}
        for row in details:
            line_id = int(next(r["ExternalRef"] for r in self.current["Details"] if r["id"] == row["id"]))
            taken[line_id] = Decimal(str(self._row(line_id).get("OrderQty"))) - row["OrderQty"]
        amount, tax = goods_value(self.order, self.order["products"], taken)
        expected = money(money(self.current.get("OrderTotal")) - amount - tax)
        if money(reduced.get("OrderTotal")) != expected:
            raise self.posting.problem(
                f"Sales order {self.keys[1]} totals {money(reduced.get('OrderTotal'))} after removing the refunded "
                f"goods that never shipped; it should be {expected}. Check the order in Acumatica before replaying.")

    def shrink_applications(self, payment_keys: list[str], new_total: Decimal) -> list[tuple[str, str, Decimal]]:
        """The payments stay applied to the order for no more than its new total (the last ones give back
        first); returns each payment's (DocType, ReferenceNbr, available balance) afterwards."""
        payments = [unwrap(self.ac.get("Payment", key.split("/", 1), expand="OrdersToApply")) for key in payment_keys]
        applied = [self._application(p) for p in payments]
        excess = sum((money(row.get("AppliedToOrder")) for row in applied if row), ZERO) - new_total
        for n in reversed(range(len(payments))):
            row = applied[n]
            if excess <= 0 or row is None:
                continue
            give_back = min(excess, money(row.get("AppliedToOrder")))
            excess -= give_back
            payments[n] = unwrap(self.ac.put("Payment", wrap({
                "Type": payments[n]["Type"], "ReferenceNbr": payments[n]["ReferenceNbr"],
                "OrdersToApply": [{"id": row["id"], "AppliedToOrder": money(row.get("AppliedToOrder")) - give_back}]})))
        return [(p["Type"], p["ReferenceNbr"], money(p.get("AvailableBalance"))) for p in payments]

    def _application(self, payment: dict) -> dict | None:
        return next((row for row in payment.get("OrdersToApply") or []
                     if [row.get("OrderType"), row.get("OrderNbr")] == self.keys), None)

