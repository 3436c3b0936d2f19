"""Payments inside the sales order (#19): the payments due when the verified order is released go into that PUT
(SalesOrder.Payments), and the books come out exactly as with a Payment PUT of their own; a crash between that PUT
and the payments' bindings never makes a second payment."""
from decimal import Decimal

import pytest
from django.utils import timezone

from audit.models import SyncRecord
from sandbox.acumatica import state
from sandbox.bigcommerce import storefront
from sandbox.bigcommerce.models import Customer, Order, Store
from sandbox.catalog_data import demo_catalog
from sandbox.demo import connect_sandbox_tenant
from sync import mapping, orders
from sync.polling import queue_orders
from sync.tasks import process_record

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
VERSIONS = ("22.200.001", "23.200.001", "24.200.001")


@pytest.fixture(params=VERSIONS)
def shop(request, live_server):
    tenant = connect_sandbox_tenant(live_server.url, catalog=demo_catalog(count=5), endpoint_version=request.param)
    return tenant, Store.objects.get(store_hash="demo1234")


def payment_puts(order: Order) -> list[str]:
    record = SyncRecord.objects.get(kind="order", external_id=str(order.pk))
    return [url.split("?")[0].rsplit("/", 1)[-1] for url in
            record.events.filter(action="api.call", method="PUT").values_list("url", flat=True)]


def sync(tenant, order: Order) -> SyncRecord:
    queue_orders(tenant, [order.pk])
    record = SyncRecord.objects.get(kind="order", external_id=str(order.pk))
    assert record.status == "succeeded", record.last_error
    return record


def books(order: Order, before: set[str]) -> list[dict]:
    """The AR payment documents (payments and refunds) made for `order`, with its own ids replaced by names, so the
    same order placed twice gives equal books."""
    store = order.store.store_hash
    names = {}
    for n, t in enumerate(order.transactions.order_by("pk")):
        names.update({mapping.payment_ref(t.pk, store): f"<txn {n}>", t.gateway_transaction_id: f"<gateway txn {n}>",
                      str(t.pk): f"<txn {n}>"})
    for n, r in enumerate(order.refunds.order_by("pk")):
        names.update({mapping.refund_ref(r.pk, store): f"<refund {n}>", f"BC refund {r.pk}": f"BC refund <{n}>",
                      f"refund {r.pk} ": f"refund <{n}> "})
    made = [p for p in state.payments("demo") if p["ReferenceNbr"] not in before]
    return sorted((document(p, names, order.pk) for p in made), key=lambda p: (p["Type"], p["ExternalRef"]))


def document(payment: dict, names: dict[str, str], order_id: int) -> dict:
    kept = {k: v for k, v in payment.items()
            if k not in ("ReferenceNbr", "id", "OrdersToApply", "DocumentsToApply") and not k.startswith("LastModified")}
    kept.update({field: names.get(kept.get(field), kept.get(field)) for field in ("PaymentRef", "ExternalRef")})
    kept["Description"] = (kept.get("Description") or "").replace(f"#{order_id} ", "#<order> ")
    for text, name in names.items():
        if text.startswith("refund "):
            kept["Description"] = kept["Description"].replace(text, name)
    kept["OrdersToApply"] = [(r["OrderType"], r["AppliedToOrder"]) for r in payment.get("OrdersToApply") or []]
    kept["DocumentsToApply"] = [(r["DocType"], r["AmountPaid"]) for r in payment.get("DocumentsToApply") or []]
    return kept


def invoice_of(order: Order) -> dict:
    [invoice] = [i for i in state.sales_invoices("demo") if i.get("CustomerOrder") == str(order.pk)
                 and i["Type"] == "Invoice"]
    return invoice


SHAPES = {
    "card": lambda store: storefront.place_order(store, lines=[("SKU-00001", 2)]),
    "gift certificate and card": lambda store: storefront.place_order(
        store, lines=[("SKU-00002", 2)], pay_with=[("giftcertificate", Decimal("25.00")), ("testgateway", None)]),
    "store credit": lambda store: storefront.place_order(
        store, customer=Customer.objects.filter(store=store).order_by("pk").first(), lines=[("SKU-00003", 1)],
        pay_with=[("storecredit", None)]),
    "foreign currency": lambda store: storefront.place_order(store, lines=[("SKU-00002", 2)], currency="EUR",
                                                             rate=Decimal("0.9200000000")),
}


@pytest.mark.parametrize("shape", [*SHAPES, "refunded later"])
def test_the_books_are_the_same_whether_the_payments_ride_in_the_sales_order_or_not(shop, shape, monkeypatch):
    tenant, store = shop
    place = SHAPES.get(shape) or SHAPES["card"]
    seen = []
    for embedded in (True, False):
        if not embedded:   # the Payment-entity path, as a version without SalesOrderPayment fields takes
            monkeypatch.setattr(orders.OrderSync, "_payment_rows", lambda self, *args: {})
        before = {p["ReferenceNbr"] for p in state.payments("demo")}
        order = place(store)
        sync(tenant, order)
        assert ("Payment" in payment_puts(order)) is not embedded
        if shape == "refunded later":
            storefront.refund(order, amount=Decimal("5.00"), reason="Scratched")
            sync(tenant, order)
        order.refresh_from_db()
        seen.append(books(order, before))
        invoice = invoice_of(order)
        assert (invoice["Balance"], invoice["Status"]) == ("0.00", "Closed"), invoice
        payments = [p for p in seen[-1] if p["Type"] == "Payment"]
        assert payments and all(p["Status"] in ("Open", "Closed") and p["OrdersToApply"] for p in payments)
    assert seen[0] == seen[1]


class WorkerKilled(BaseException):
    """Escapes every `except Exception`, like a process dying mid-run."""


def test_a_worker_dying_after_the_sales_order_made_the_payments_never_makes_them_twice(shop, monkeypatch):
    tenant, store = shop
    order = SHAPES["gift certificate and card"](store)
    real_release = orders.OrderSync._release

    def die_at_the_first_payment(self, document, entity, action):
        if entity == "Payment":
            raise WorkerKilled()
        return real_release(self, document, entity, action)

    monkeypatch.setattr(orders.OrderSync, "_release", die_at_the_first_payment)
    with pytest.raises(WorkerKilled):
        queue_orders(tenant, [order.pk])
    [sales_order] = [so for so in state.sales_orders("demo") if so.get("CustomerOrder") == str(order.pk)]
    assert sales_order["Hold"] is False   # released by the PUT that made its payments
    made = [p for p in state.payments("demo") if p.get("Status") == "Balanced"]
    assert len(made) == 2   # made by that PUT, neither released nor bound

    monkeypatch.setattr(orders.OrderSync, "_release", real_release)
    record = SyncRecord.objects.get(kind="order", external_id=str(order.pk))
    SyncRecord.objects.filter(pk=record.pk).update(status="failed", next_attempt_at=timezone.now())
    process_record(record.pk)
    record.refresh_from_db()
    assert record.status == "succeeded", record.last_error
    payments = state.payments("demo")
    assert sorted(p["ReferenceNbr"] for p in payments) == sorted(p["ReferenceNbr"] for p in made)
    assert all(p["Status"] in ("Open", "Closed") for p in payments)
    assert "Payment" not in payment_puts(order)   # found by reference, not made again (the re-run's calls)


def test_a_version_whose_order_payments_lack_a_field_we_send_keeps_the_payment_entity(shop, monkeypatch):
    # As 20.200.001, whose SalesOrderPayment has no ExternalRef: a payment we could not find again is not embedded.
    tenant, store = shop
    real = orders.versions.has_field
    monkeypatch.setattr(orders.versions, "has_field", lambda version, entity, field: real(version, entity, field)
                        and (entity, field) != ("SalesOrderPayment", "ExternalRef"))
    order = SHAPES["card"](store)
    sync(tenant, order)
    assert payment_puts(order)[-3:] == ["SalesOrder", "SalesOrder", "Payment"]
    assert invoice_of(order)["Balance"] == "0.00"
