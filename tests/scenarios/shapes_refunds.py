"""Refund shapes of the corpus (issue #12): how each way a BigCommerce refund went back lands in Acumatica.

Every shape is also checked by `books_match`: each completed BigCommerce refund of the order has one
credit memo (our reference for the refund in CustomerOrder) equal to it to the cent, one Refund payment per part
paid back in money, and whatever went to store credit left open on the memo; a declined refund has none.
"""
from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo
from decimal import Decimal

from audit.models import AuditEvent
from sandbox.acumatica import shipments, state
from sandbox.acumatica.documents import put_record
from sandbox.bigcommerce import storefront
from sandbox.bigcommerce.models import Store
from tests.scenarios.harness import Expect, Run, Shape, cents, expect_now, sync_after
from sync.models import Binding
from tests.scenarios.shapes_orders import foreign_customer, registered

# Acumatica invoices at shipment: the order type processes shipments (the connector invoices an IN order).
ACUMATICA_INVOICES = {"invoice_mode": "acumatica", "order_type": "SO"}
REFUND_TENANT = {"offline_refund_method": "CHECK",
                 "cash_account_map": {"CC": "10250", "STCREDIT": "10300", "CHECK": "10200"},
                 "payment_method_map": {"testgateway": "CC", "storecredit": "STCREDIT"}}


def books_match(run: Run) -> None:
    """Each refund's money that went back (declined parts left out) is on its credit memo; each cash part has
    its Refund payment applied to the memo, and store credit stays open on it."""
    docs = run.docs()
    memos = {m["CustomerOrder"]: m for m in docs.credit_memos}
    for refund in run.order.refunds.order_by("pk"):
        memo = memos.pop(run.refund_ref(refund), None)
        went_back = [p for p in refund.payments if not p["is_declined"]]
        if not went_back:
            assert memo is None, memo
            continue
        total = sum((cents(p["amount"]) for p in went_back), Decimal(0))
        assert memo is not None and cents(memo["Amount"]) == total, (refund.pk, memo)
        cash = sorted(cents(p["amount"]) for p in went_back if p["provider_id"] != "storecredit")
        paid = sorted(cents(r["PaymentAmount"]) for r in docs.refunds
                      if any((d["DocType"], d["ReferenceNbr"]) == ("Credit Memo", memo["ReferenceNbr"])
                             for d in r["DocumentsToApply"]))
        assert paid == cash, (refund.pk, paid, cash)
        credit = sum((cents(p["amount"]) for p in went_back if p["provider_id"] == "storecredit"), Decimal(0))
        assert cents(memo["Balance"]) == credit, (refund.pk, memo["Balance"], credit)
    assert memos == {}, memos


def refund(**kwargs):
    def change(order):
        storefront.refund(order, **kwargs)
    change.__name__ = f"refund({', '.join(f'{k}={v}' for k, v in kwargs.items())})"
    return change


def refund_line(quantity: int = 1, line: int = 0):
    def change(order):
        product = order.lines.order_by("pk")[line]
        storefront.refund(order, items=[{"item_type": "PRODUCT", "item_id": product.pk, "quantity": quantity}])
    return change


def refund_shipping(amount: str):
    def change(order):
        address = order.shipping_addresses.get()
        storefront.refund(order, items=[{"item_type": "SHIPPING", "item_id": address.pk, "amount": amount}])
    return change


def gateway_settles(settlement: str, change):
    """Makes the change while the store's gateway answers refunds this way ("pending", "declined")."""
    def step(order):
        Store.objects.filter(pk=order.store_id).update(refund_settlement=settlement)
        try:
            change(order)
        finally:
            Store.objects.filter(pk=order.store_id).update(refund_settlement="immediate")
    return step


def edit_freight_in_acumatica(run: Run) -> None:
    sales_order = run.docs().sales_orders[0]
    put_record(state.instance(run.instance), "SalesOrder", {
        "OrderType": sales_order["OrderType"], "OrderNbr": sales_order["OrderNbr"], "Totals": {"Freight": "99"}})


def paid_with_store_credit(store):
    order = storefront.place_order(store, customer=registered(store), lines=[("SKU-00002", 3)], paid=False)
    storefront.pay_with_store_credit(order, Decimal("20.00"))
    return order


def declined_noted(run: Run) -> None:
    note = f"Refund {run.order.refunds.get().pk} of order #{run.order.pk} was declined"
    assert any(note in str(said) for said in run.record.result["refunds"]), run.record.result
    assert AuditEvent.objects.filter(record=run.record, action="refund.declined", message__contains=note).exists()


def two_refunds_then_one_run(order) -> None:
    refund_line()(order)
    refund_shipping("5.00")(order)


def memos_oldest_first(run: Run) -> None:
    refunds = list(run.order.refunds.order_by("pk"))
    assert len(refunds) == 2
    assert [m["CustomerOrder"] for m in run.docs().credit_memos] == [run.refund_ref(r) for r in refunds]


def lose_refund_bindings_and_sync(run: Run) -> None:
    """As if the run crashed after Acumatica made the documents but before they were bound."""
    Binding.objects.filter(tenant=run.tenant, kind="refund").delete()
    run.sync()


def refunded_before_first_sync(store):
    """Paid, then partly refunded (status 14) before the connector ever read it (e.g. during an outage)."""
    order = _line(store)
    storefront.refund(order, amount=Decimal("8.00"))
    return order


def _line(store, lines=(("SKU-00001", 2), ("SKU-00004", 1)), **kwargs):
    return storefront.place_order(store, lines=list(lines), **kwargs)


def paid_offline_with_the_tenants_method(run: Run) -> None:
    assert [(r["PaymentMethod"], r["CashAccount"]) for r in run.docs().refunds] == [("CHECK", "10200")]


def unshipped_goods_left_the_order(run: Run) -> None:
    """No credit memo: the sales order lost the refunded unit, the payment is applied to the new total,
    and a Refund pays back the freed balance of that payment."""
    docs = run.docs()
    [sales_order], [payment], [refund] = docs.sales_orders, docs.payments, run.order.refunds.all()
    assert docs.credit_memos == [] and [(d["InventoryID"], cents(d["OrderQty"])) for d in sales_order["Details"]] == [
        ("SKU-00001", 1), ("SKU-00004", 1)]
    assert [cents(r["AppliedToOrder"]) for r in payment["OrdersToApply"]] == [cents(sales_order["OrderTotal"])]
    [paid_back] = [p for p in state.payments(run.instance) if p.get("Type") == "Refund"
                   and (p["DocumentsToApply"][0]["DocType"], p["DocumentsToApply"][0]["ReferenceNbr"]) ==
                   (payment["Type"], payment["ReferenceNbr"])]
    assert cents(paid_back["PaymentAmount"]) == cents(refund.total_amount) and paid_back["Status"] == "Closed"
    assert cents(payment["PaymentAmount"]) == cents(sales_order["OrderTotal"]) + cents(paid_back["PaymentAmount"])


def ship_in_acumatica(line: int = 0, quantity: int | None = None):
    """The warehouse ships `quantity` units of a line (None: every line in full) and confirms the shipment in
    Acumatica; BigCommerce hears of it (the connector's shipment sync, done here by hand)."""
    def step(run: Run) -> None:
        [sales_order] = run.docs().sales_orders
        lines = list(run.order.lines.order_by("pk"))
        chosen = {lines[line].pk: quantity} if quantity is not None else {x.pk: x.quantity for x in lines}
        rows = {d["ExternalRef"]: d for d in sales_order["Details"]}
        instance = state.instance(run.instance)
        shipment, _ = put_record(instance, "Shipment", {
            "Type": "Shipment", "CustomerID": sales_order["CustomerID"], "Details": [
                {"OrderType": sales_order["OrderType"], "OrderNbr": sales_order["OrderNbr"],
                 "OrderLineNbr": rows[str(pk)]["LineNbr"], "ShippedQty": str(qty)} for pk, qty in chosen.items()]})
        shipments.confirm_shipment(instance, shipment)
        storefront.ship(run.order, chosen)
    return step


def refund_items(*items):
    """A refund of (line index, quantity) products and ("shipping", amount) items."""
    def change(order):
        lines, address = list(order.lines.order_by("pk")), order.shipping_addresses.get()
        storefront.refund(order, items=[
            {"item_type": "SHIPPING", "item_id": address.pk, "amount": amount} if kind == "shipping" else
            {"item_type": "PRODUCT", "item_id": lines[kind].pk, "quantity": amount} for kind, amount in items])
    return change


def order_quantities(*expected):
    """The sales order's line quantities after the refunds (the units nobody refunded, or shipped)."""
    def check(run: Run) -> None:
        [sales_order] = run.docs().sales_orders
        assert [cents(d["OrderQty"]) for d in sales_order["Details"]] == [cents(q) for q in expected], \
            sales_order["Details"]
    return check


def half_the_refund(run: Run) -> Decimal:
    return cents(run.order.refunds.get().total_amount) / 2


def goods_paid_back_from_the_payment(memo_total, lines: list[tuple[str, int]]):
    """The refund's credit memo carries `memo_total` (None: no memo) with `lines` (InventoryID, quantity) plus
    the adjustment item; its one Refund payment pays the memo and, for the goods that left the sales order,
    the payment, all of the refund's money; the payment stays applied for no more than the order's total.
    `memo_total` may be computed from the run."""
    def check(run: Run) -> None:
        memo_total_ = memo_total(run) if callable(memo_total) else memo_total
        docs = run.docs()
        [refund] = run.order.refunds.all()
        [sales_order], [payment] = docs.sales_orders, docs.payments
        [paid_back] = [p for p in state.payments(run.instance) if p.get("Type") == "Refund" and any(
            (d["DocType"], d["ReferenceNbr"]) == (payment["Type"], payment["ReferenceNbr"])
            for d in p["DocumentsToApply"])]
        assert cents(paid_back["PaymentAmount"]) == cents(refund.total_amount) and paid_back["Status"] == "Closed"
        applied = {(d["DocType"], d["ReferenceNbr"]): cents(d["AmountPaid"]) for d in paid_back["DocumentsToApply"]}
        goods = applied.pop((payment["Type"], payment["ReferenceNbr"]))
        if memo_total_ is None:
            assert docs.credit_memos == [] and applied == {}, (docs.credit_memos, applied)
        else:
            [memo] = docs.credit_memos
            assert cents(memo["Amount"]) == cents(memo_total_) == applied[("Credit Memo", memo["ReferenceNbr"])]
            assert [(d["InventoryID"], cents(d["Qty"])) for d in memo["Details"] if d["InventoryID"] != "BCREFUND"] \
                == [(i, cents(q)) for i, q in lines], memo["Details"]
        assert goods + (cents(memo_total_) if memo_total_ else 0) == cents(refund.total_amount)
        assert [cents(r["AppliedToOrder"]) for r in payment["OrdersToApply"]] == [cents(sales_order["OrderTotal"])]
        assert cents(payment["PaymentAmount"]) == cents(sales_order["OrderTotal"]) + goods
    return check


def partly_declined_noted(run: Run) -> None:
    refund = run.order.refunds.get()
    note = f"Refund {refund.pk} of order #{run.order.pk}: the testgateway part"
    assert any(note in str(said) for said in run.record.result["refunds"]), run.record.result
    assert AuditEvent.objects.filter(record=run.record, action="refund.partly_declined",
                                     message__contains="was declined").exists()
    [memo] = run.docs().credit_memos
    assert [d["InventoryID"] for d in memo["Details"]] == ["BCREFUND"], memo["Details"]


def tax_free_store(place):
    """Places the order in a store that charges no tax (Acumatica's own tax calculation then agrees)."""
    def step(store):
        rate = store.tax_rate
        Store.objects.filter(pk=store.pk).update(tax_rate=Decimal("0"))
        try:
            return place(Store.objects.get(pk=store.pk))
        finally:
            Store.objects.filter(pk=store.pk).update(tax_rate=rate)
    return step


def released_by_hand(run: Run) -> None:
    """Someone in Acumatica takes the order off hold (its tax is Acumatica's, not BigCommerce's)."""
    [sales_order] = run.docs().sales_orders
    put_record(state.instance(run.instance), "SalesOrder", {
        "OrderType": sales_order["OrderType"], "OrderNbr": sales_order["OrderNbr"], "Hold": False})


def memo_left_unreleased(run: Run) -> None:
    [memo] = run.docs().credit_memos
    [refund] = run.order.refunds.all()
    assert memo["Status"] == "Balanced" and cents(memo["Amount"]) == cents(refund.total_amount) - cents(refund.total_tax)
    assert run.docs().refunds == []


def then_store_less_memo(change, amount: str):
    """Makes the refund, then puts in the store's Acumatica company a credit memo referenced
    "BC-RF-<that refund's id>" (in CustomerOrder, and ExternalRef as 24.200.001 has it), the store-less reference: another store's refund with the same number (ids
    start at 1 in every store), or the memo this tenant made for this refund before references were scoped."""
    def step(order):
        change(order)
        refund_id = order.refunds.order_by("pk").last().pk
        instance = state.instance(order.store.store_hash)
        put_record(instance, "SalesInvoice", {
            "Type": "Credit Memo", "CustomerID": foreign_customer(instance), "CustomerOrder": f"BC-RF-{refund_id}",
            "ExternalRef": f"BC-RF-{refund_id}", "Hold": False, "Details": [{"InventoryID": "SKU-00007", "Qty": "1", "UnitPrice": amount}]})
    return step


def store_less_memo_used(run: Run) -> None:
    [refund] = run.order.refunds.all()
    [memo] = run.docs().credit_memos
    assert memo["CustomerOrder"] == f"BC-RF-{refund.pk}", memo["CustomerOrder"]
    paid_back = [d["ReferenceNbr"] for r in run.docs().refunds for d in r["DocumentsToApply"]]
    assert paid_back == [memo["ReferenceNbr"]], paid_back


def own_memo_and_foreign_untouched(run: Run) -> None:
    [refund] = run.order.refunds.all()
    memos = {m["CustomerOrder"]: m for m in run.docs().credit_memos}
    ours, foreign = memos[run.refund_ref(refund)], memos[f"BC-RF-{refund.pk}"]
    assert run.refund_ref(refund) == f"BC-{run.store.store_hash}-RF-{refund.pk}"
    assert cents(ours["Amount"]) == cents(refund.total_amount) and cents(foreign["Amount"]) == cents("3.00")
    paid_back = [d["ReferenceNbr"] for r in run.docs().refunds for d in r["DocumentsToApply"]]
    assert paid_back == [ours["ReferenceNbr"]], paid_back   # nothing paid against the other store's memo


def shape(name, place, then, expect=Expect(), tenant=None, books=True) -> Shape:
    def checks(run):
        if books:
            books_match(run)
        if expect.check:
            expect.check(run)
    return Shape(name, place=place, then=then, tenant={**REFUND_TENANT, **(tenant or {})},
                 expect=replace(expect, check=checks))


SHAPES = [
    shape("partial refund", place=_line, then=[sync_after(refund_line())]),
    shape("full refund", place=_line, then=[sync_after(refund())]),
    shape("several partial refunds", place=lambda s: _line(s, coupon="SAVE10"),
          then=[sync_after(refund_line()), sync_after(refund(amount=Decimal("3.33"))),
                sync_after(refund_line(line=1)), sync_after(refund())]),
    shape("two refunds in one run, then their bindings lost", place=_line,
          then=[sync_after(two_refunds_then_one_run), lose_refund_bindings_and_sync, lambda run: run.sync()],
          expect=Expect(check=memos_oldest_first)),
    shape("shipping-only refund", place=_line, then=[sync_after(refund_shipping("5.00"))],
          expect=Expect(credit_memos=["5.00"])),
    shape("refund to store credit", place=lambda s: _line(s, customer=registered(s)),
          then=[sync_after(refund(amount=Decimal("12.00"), to="storecredit"))],
          expect=Expect(credit_memos=["12.00"], refunds=[])),
    shape("split refund: store credit and card", place=paid_with_store_credit,
          then=[sync_after(refund(amount=Decimal("30.00"), to="split"))],
          expect=Expect(credit_memos=["30.00"], refunds=["10.00"])),
    shape("offline refund", place=_line, then=[sync_after(refund(amount=Decimal("7.50"), to="offline"))],
          expect=Expect(credit_memos=["7.50"], check=paid_offline_with_the_tenants_method)),
    shape("offline refund without an offline refund method", place=_line, books=False,
          then=[sync_after(refund(amount=Decimal("7.50"), to="offline"))], tenant={"offline_refund_method": ""},
          expect=Expect(status="needs_attention", message="offline refund payment method", credit_memos=[],
                        invoices=1)),
    shape("split refund with the card part declined", place=paid_with_store_credit,
          then=[sync_after(gateway_settles("declined", refund(amount=Decimal("30.00"), to="split")))],
          expect=Expect(credit_memos=["20.00"], refunds=[], check=partly_declined_noted)),
    shape("declined refund", place=_line,
          then=[sync_after(gateway_settles("declined", refund(amount=Decimal("4.00"))))],
          expect=Expect(credit_memos=[], check=declined_noted)),
    shape("pending then completed refund", place=_line,
          then=[sync_after(gateway_settles("pending", refund(amount=Decimal("6.00")))),
                expect_now(Expect(status="failed", message="is still being processed", credit_memos=[], invoices=1)),
                sync_after(storefront.settle_refunds)],
          expect=Expect(credit_memos=["6.00"])),
    shape("refund of an unshipped line when Acumatica invoices", place=_line, then=[sync_after(refund_line())],
          tenant=ACUMATICA_INVOICES, books=False,
          expect=Expect(credit_memos=[], less_refunds=True, check=unshipped_goods_left_the_order)),
    shape("refund of an unshipped discounted line when Acumatica invoices", place=lambda s: _line(s, coupon="SAVE10"),
          then=[sync_after(refund_line())], tenant=ACUMATICA_INVOICES, books=False,
          expect=Expect(credit_memos=[], less_refunds=True, check=unshipped_goods_left_the_order)),
    shape("refund of a shipped line when Acumatica invoices", place=_line,
          then=[ship_in_acumatica(), sync_after(refund_line())], tenant=ACUMATICA_INVOICES),
    shape("refund of an unshipped line and shipping when Acumatica invoices", place=_line, books=False,
          then=[sync_after(refund_items((0, 1), ("shipping", "5.00")))], tenant=ACUMATICA_INVOICES,
          expect=Expect(credit_memos=["5.00"], refunds=[lambda order: order.refunded_amount], invoices=0,
                        order_total=lambda order: order.total_inc_tax - order.refunded_amount + Decimal("5.00"),
                        check=lambda run: (goods_paid_back_from_the_payment("5.00", [])(run),
                                           order_quantities(1, 1)(run)))),
    shape("partly shipped line: the shipped unit is returned, the open one leaves the order", place=_line,
          books=False, then=[ship_in_acumatica(line=0, quantity=1), sync_after(refund_items((0, 2)))],
          tenant=ACUMATICA_INVOICES,
          expect=Expect(refunds=[lambda order: order.refunded_amount], invoices=0, less_refunds=True,
                        order_total=lambda order: order.total_inc_tax + order.lines.order_by("pk")[0].base_price
                        + order.lines.order_by("pk")[0].price_tax,
                        check=lambda run: (goods_paid_back_from_the_payment(
                            half_the_refund, [("SKU-00001", 1)])(run), order_quantities(1, 1)(run)))),
    shape("refund in Acumatica's tax mode, checked to the cent", place=tax_free_store(_line),
          then=[sync_after(refund_line())], tenant={"tax_mode": "acumatica"}),
    shape("Acumatica's tax differs from BigCommerce's on a credit memo", place=_line, books=False,
          then=[released_by_hand, lambda run: run.sync(), sync_after(refund_line()), lambda run: run.sync()],
          tenant={"tax_mode": "acumatica"},
          expect=Expect(status="needs_attention", message="it should be", erp_edited=True, invoices=1,
                        check=memo_left_unreleased)),
    shape("refund before the first sync", place=refunded_before_first_sync, then=[],
          expect=Expect(credit_memos=["8.00"])),
    shape("refund after an Acumatica edit of the sales order", place=_line,
          then=[edit_freight_in_acumatica, sync_after(refund(amount=Decimal("2.50")))],
          expect=Expect(credit_memos=["2.50"], erp_edited=True)),
    shape("another store's refund with the same number", place=_line, books=False,
          then=[sync_after(then_store_less_memo(refund(amount=Decimal("4.00")), amount="3.00"))],
          expect=Expect(check=own_memo_and_foreign_untouched)),
    shape("refund made before references were scoped", place=_line, books=False,
          then=[sync_after(then_store_less_memo(refund(amount=Decimal("4.00")), amount="4.00"))],
          tenant={"legacy_references_until": datetime(2100, 1, 1, tzinfo=ZoneInfo("UTC"))},
          expect=Expect(check=store_less_memo_used)),
]
