"""The scenario corpus: named order shapes, each built in the sandbox BigCommerce store, synced by the
connector over real HTTP, and checked against the Acumatica documents it must produce.

Adding a shape is a few lines in a `shapes_*.py` module (see shapes_orders.py)::

    Shape("free shipping",
          place=lambda store: storefront.place_order(store, lines=[("SKU-00001", 2)], shipping=Decimal("0")),
          expect=Expect(freight="0.00"))

- ``place(store) -> Order`` builds the order in the sandbox store (use ``sandbox.bigcommerce.storefront``).
- The harness syncs it once; then each ``then`` step runs in order. A step receives the ``Run`` (the order,
  the tenant, ``run.sync()``, ``run.docs()``) and changes BigCommerce or Acumatica, syncing when it wants to;
  ``then=[sync_after(storefront.capture_payment)]`` captures and syncs.
- ``expect`` is checked after the last step. Whenever a sales order is expected its total must equal
  BigCommerce's ``total_inc_tax`` to the cent, and its lines, freight and tax must add up to it.
- ``tenant={...}`` sets tenant fields for this shape only (restored afterwards).

Each shape runs on every endpoint version in VERSIONS, against one shared live server and one tenant
(store + Acumatica instance) per version, created once per test session, so a shape costs a few
hundred milliseconds, not a server start and a database flush.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from audit.models import Status, SyncRecord
from sandbox.acumatica import state
from sandbox.bigcommerce.models import Order, Store
from sync import mapping
from sync.polling import queue_orders
from sync.tasks import process_record
from tenants.models import Tenant

VERSIONS = ("22.200.001", "23.200.001", "24.200.001")
CENT = Decimal("0.01")


Amount = str | Callable[[Order], Decimal]   # "12.50", or computed from the BigCommerce order (e.g. TOTAL)


def TOTAL(order: Order) -> Decimal:  # noqa: N802 (reads as a constant in shape tables)
    return order.total_inc_tax


def amount(value: Amount, order: Order) -> Decimal:
    return cents(value(order) if callable(value) else value)


def dec(value: Any) -> Decimal:
    return Decimal(str(value if value not in (None, "") else "0"))


def cents(value: Any) -> Decimal:
    return dec(value).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Expect:
    """What Acumatica must hold after the shape ran. None means "not checked"."""
    status: str = Status.SUCCEEDED
    message: str = ""                        # part of the record's error or filter reason
    sales_orders: int = 1
    order_total: Amount = TOTAL              # BigCommerce's total_inc_tax unless the ERP changed the order
    lines: Sequence[tuple[str, Any, str]] | None = None   # (InventoryID, qty, line Amount)
    freight: str | None = None
    tax: str | None = None
    payments: Sequence[Amount] | None = None     # amounts of the Payment documents of the order
    invoices: int | None = None              # defaults to 1 for a succeeded shape, else 0
    credit_memos: Sequence[Amount] | None = None  # amounts, oldest first
    refunds: Sequence[Amount] | None = None  # Refund payment amounts; defaults to credit_memos (all cash)
    erp_edited: bool = False                 # the sales order was changed in Acumatica: its totals are not ours
    less_refunds: bool = False               # refunded goods left the sales order: its total is BigCommerce's less refunds
    hold: bool | None = None
    currency: str | None = None
    check: Callable[["Run"], None] | None = None   # anything else, e.g. a date or a description


Step = Callable[["Run"], Any]


@dataclass(frozen=True)
class Shape:
    name: str
    place: Callable[[Store], Order]
    expect: Expect = field(default_factory=Expect)
    then: Sequence[Step] = ()
    tenant: dict = field(default_factory=dict)
    versions: Sequence[str] = VERSIONS

    def __str__(self) -> str:
        return self.name


def cases(shapes: Sequence[Shape]) -> list:
    """(shape, version) pairs for pytest.mark.parametrize, with readable ids."""
    import pytest
    return [pytest.param(shape, version, id=f"{shape.name}-{version}")
            for shape in shapes for version in shape.versions]


def sync_after(change: Callable[[Order], Any]) -> Step:
    """A step that makes a change in BigCommerce (e.g. storefront.capture_payment) and syncs."""
    def step(run: "Run") -> None:
        change(run.order)
        run.sync()
    step.__name__ = f"sync_after({getattr(change, '__name__', 'change')})"
    return step


def expect_now(expect: Expect) -> Step:
    """A step that checks an intermediate state (e.g. filtered before payment)."""
    def step(run: "Run") -> None:
        check(run, expect)
    return step


@dataclass
class Docs:
    sales_orders: list[dict]
    payments: list[dict]
    invoices: list[dict]
    credit_memos: list[dict]
    refunds: list[dict]


@dataclass
class Run:
    tenant: Tenant
    store: Store
    instance: str
    order: Order | None = None
    record: SyncRecord | None = None

    def sync(self) -> SyncRecord:
        queue_orders(self.tenant, [self.order.pk])   # runs inline under Q_SYNC; otherwise run it here
        record = SyncRecord.objects.get(tenant=self.tenant, kind="order", external_id=str(self.order.pk))
        if record.status == Status.PENDING:
            process_record(record.pk)
            record.refresh_from_db()
        self.order.refresh_from_db()
        self.record = record
        return record

    def refund_ref(self, refund) -> str:
        """Our reference for a BigCommerce refund, as the connector writes it."""
        return mapping.refund_ref(refund.pk, self.store.store_hash)

    def docs(self) -> Docs:
        """Every document in this tenant's Acumatica instance that belongs to the order."""
        order_id = str(self.order.pk)
        orders = [so for so in state.sales_orders(self.instance) if so.get("CustomerOrder") == order_id]
        numbers = {(so["OrderType"], so["OrderNbr"]) for so in orders}
        payments = state.payments(self.instance)
        # A credit memo carries its refund's reference in CustomerOrder where SalesInvoice has no ExternalRef
        # (sync/refund_mapping.py): "BC-<store hash>-RF-<refund id>", or "BC-RF-<refund id>" as made before.
        refund_refs = {ref for refund in self.order.refunds.all()
                       for ref in (f"BC-{self.store.store_hash}-RF-{refund.pk}", f"BC-RF-{refund.pk}")}
        invoices = [i for i in state.sales_invoices(self.instance)
                    if i.get("CustomerOrder") == order_id or i.get("CustomerOrder") in refund_refs]
        invoice_numbers = {i["ReferenceNbr"] for i in invoices if i.get("Type") == "Invoice"}
        return Docs(
            sales_orders=orders,
            payments=[p for p in payments if p.get("Type") == "Payment" and (any(
                (r.get("OrderType"), r.get("OrderNbr")) in numbers for r in p.get("OrdersToApply") or []) or any(
                d.get("ReferenceNbr") in invoice_numbers for d in p.get("DocumentsToApply") or []))],
            invoices=[i for i in invoices if i.get("Type") == "Invoice"],
            credit_memos=[i for i in invoices if i.get("Type") == "Credit Memo"],
            refunds=[p for p in payments if p.get("Type") == "Refund" and any(
                d.get("DocType") == "Credit Memo"
                and d.get("ReferenceNbr") in {m["ReferenceNbr"] for m in invoices if m.get("Type") == "Credit Memo"}
                for d in p.get("DocumentsToApply") or [])])


def run_shape(shape: Shape, tenant: Tenant, store: Store, instance: str) -> Run:
    saved = {name: getattr(tenant, name) for name in shape.tenant}
    for name, value in shape.tenant.items():
        setattr(tenant, name, value)
    tenant.save()
    try:
        run = Run(tenant=tenant, store=store, instance=instance)
        run.order = shape.place(store)
        run.sync()
        for step in shape.then:
            step(run)
        check(run, shape.expect)
        return run
    finally:
        for name, value in saved.items():
            setattr(tenant, name, value)
        tenant.save()


def check(run: Run, expect: Expect) -> None:
    record, order = run.record, run.order
    record.refresh_from_db()
    said = f"{record.status}: {record.last_error or record.status_reason}"
    assert record.status == expect.status, said
    if expect.message:
        assert expect.message in (record.last_error or record.status_reason), said
    docs = run.docs()
    assert len(docs.sales_orders) == expect.sales_orders, docs.sales_orders
    ours = [so for so in docs.sales_orders if f"{so['OrderType']}/{so['OrderNbr']}" == record.acumatica_key]
    ours = (ours or docs.sales_orders)[:1]
    if ours and not expect.erp_edited:
        check_sales_order(ours[0], order, expect)
    if expect.payments is not None:
        assert sorted(cents(p["PaymentAmount"]) for p in docs.payments) == \
            sorted(amount(a, order) for a in expect.payments), docs.payments
    invoices = expect.invoices
    if invoices is None:
        invoices = 1 if expect.status == Status.SUCCEEDED and expect.sales_orders and run.tenant.invoice_mode == \
            "connector" else 0
    assert len(docs.invoices) == invoices, docs.invoices
    for invoice in docs.invoices if not expect.erp_edited else ():
        assert cents(invoice["Amount"]) == cents(ours[0]["OrderTotal"]), invoice
    if expect.credit_memos is not None:
        wanted = [amount(a, order) for a in expect.credit_memos]
        assert [cents(m["Amount"]) for m in docs.credit_memos] == wanted, docs.credit_memos
        cash = [amount(a, order) for a in expect.refunds] if expect.refunds is not None else wanted
        assert sorted(cents(r["PaymentAmount"]) for r in docs.refunds) == sorted(cash), docs.refunds
    if expect.check:
        expect.check(run)


def check_sales_order(sales_order: dict, order: Order, expect: Expect) -> None:
    total = amount(expect.order_total, order)
    if expect.less_refunds:
        total -= cents(order.refunded_amount)
    assert cents(sales_order["OrderTotal"]) == total, (sales_order["OrderTotal"], total)
    totals = sales_order.get("Totals") or {}
    lines = sum((dec(d.get("Amount")) for d in sales_order["Details"]), Decimal("0"))
    assert cents(lines + dec(totals.get("Freight")) + dec(sales_order.get("TaxTotal"))) == total, sales_order
    if expect.lines is not None:
        got = [(d["InventoryID"], dec(d["OrderQty"]), cents(d["Amount"])) for d in sales_order["Details"]]
        assert got == [(i, dec(q), cents(a)) for i, q, a in expect.lines], got
    if expect.freight is not None:
        assert cents(totals.get("Freight")) == cents(expect.freight), totals
    if expect.tax is not None:
        assert cents(sales_order.get("TaxTotal")) == cents(expect.tax), sales_order.get("TaxTotal")
    if expect.hold is not None:
        assert bool(sales_order.get("Hold")) == expect.hold, sales_order.get("Status")
    if expect.currency is not None:
        assert sales_order.get("CurrencyID") == expect.currency, sales_order.get("CurrencyID")
