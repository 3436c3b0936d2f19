"""The pure refund mappers: how a refund's money went back, and the credit memo / Refund payloads."""
from decimal import Decimal

import pytest

from sync import versions
from sync.mapping import OrderSettings
from sync.refund_mapping import (COMPLETED, DECLINED, OFFLINE, ORIGINAL, PENDING, STORE_CREDIT, RefundPart, allocate,
                                 credit_memo_payload, goods_value, part_ref, refund_parts, refund_payment_payload)
from tests.test_mapping_orders import INVENTORY, LINES, ORDER

SHIPPING_REFUND = {"id": 4, "order_id": 120, "total_amount": "45.5000", "total_tax": "3.6000",
                   "items": [{"item_type": "PRODUCT", "item_id": 1, "quantity": 1},
                             {"item_type": "SHIPPING", "item_id": 77, "amount": "10.00"}]}


def memo(refund, version="24.200.001", **kwargs):
    return credit_memo_payload(refund, ORDER, LINES, INVENTORY, reference=f"BC-s1-RF-{refund['id']}", customer_id="C1",
                               adjustment_item="BCREFUND",
                               settings=OrderSettings(),
                               external_ref=versions.has_field(version, "SalesInvoice", "ExternalRef"),
                               manual_price=versions.has_field(version, "SalesInvoiceDetail", "ManualPrice"), **kwargs)


def total(payload) -> Decimal:
    tax = sum((t["TaxAmount"] for t in payload.get("TaxDetails") or []), Decimal("0"))
    return sum((d["Qty"] * d["UnitPrice"] for d in payload["Details"]), Decimal("0")) + tax


def test_it_credits_refunded_products_and_the_rest_as_an_adjustment():
    payload = memo(SHIPPING_REFUND)
    assert payload["ExternalRef"] == "BC-s1-RF-4" == payload["CustomerOrder"] and payload["Type"] == "Credit Memo"
    assert [(d["InventoryID"], d["Qty"], d["UnitPrice"]) for d in payload["Details"]] == [
        ("SKU-1", 1, Decimal("27.00")), ("BCREFUND", 1, Decimal("14.90"))]
    assert total(payload) == Decimal("45.50")


@pytest.mark.parametrize("version", ["22.200.001", "23.200.001"])
def test_it_sends_only_fields_the_version_has(version):
    payload = memo(SHIPPING_REFUND, version)
    assert "ExternalRef" not in payload and payload["CustomerOrder"] == "BC-s1-RF-4"
    assert all("ManualPrice" not in d for d in payload["Details"])


@pytest.mark.parametrize("items, amount, tax", [
    ([{"item_type": "SHIPPING", "item_id": 77, "amount": "10.80"}], "10.8000", "0"),
    ([], "3.3300", "3.3300"),  # a tax-only refund (tax_adjustment_amount)
    ([{"item_type": "ORDER", "item_id": 120, "amount": "7.01"}], "7.0100", "0"),
])
def test_it_puts_shipping_tax_and_order_amounts_on_the_adjustment_item(items, amount, tax):
    payload = memo({"id": 5, "order_id": 120, "total_amount": amount, "total_tax": tax, "items": items})
    assert [(d["InventoryID"], d["UnitPrice"]) for d in payload["Details"]] == [("BCREFUND", Decimal(amount[:-2]))]
    assert "TaxDetails" not in payload and total(payload) == Decimal(amount)


def test_it_books_goods_amount_only_when_the_tenant_says_so():
    payload = memo(SHIPPING_REFUND, goods="amount_only")
    assert [(d["InventoryID"], d["UnitPrice"]) for d in payload["Details"]] == [("BCREFUND", Decimal("45.50"))]
    assert total(payload) == Decimal("45.50")


def _payment(n, provider, amount, tx, **flags):
    return {"id": n, "provider_id": provider, "amount": amount, "offline": flags.get("offline", False),
            "is_declined": flags.get("declined", False), "declined_message": flags.get("message", ""),
            "transaction_id": tx}


def test_it_tells_how_and_whether_each_part_went_back():
    refund = {"id": 9, "payments": [
        _payment(1, "storecredit", 40, "71"), _payment(2, "testgateway", 60.5, "72"),
        _payment(3, "custom", 5, "73", offline=True), _payment(4, "testgateway", 1, "74"),
        _payment(5, "testgateway", 2, "75", declined=True, message="Do not honour"),
        _payment(6, "testgateway", 3, "76")]}
    transactions = [{"id": 71, "event": "refund", "status": "ok"}, {"id": 72, "event": "refund", "status": "ok"},
                    {"id": 73, "event": "refund", "status": "ok"}, {"id": 74, "event": "pending", "status": "ok"},
                    {"id": 75, "event": "refund", "status": "error"}]
    parts = refund_parts(refund, transactions)
    assert [(p.way, p.state) for p in parts] == [
        (STORE_CREDIT, COMPLETED), (ORIGINAL, COMPLETED), (OFFLINE, COMPLETED), (ORIGINAL, PENDING),
        (ORIGINAL, DECLINED), (ORIGINAL, PENDING)]  # 76: its transaction is not listed yet
    assert parts[1].amount == Decimal("60.50") and parts[4].message == "Do not honour"
    assert [p.pays_cash for p in parts[:3]] == [False, True, True]


def test_it_keeps_the_plain_reference_for_a_refund_paid_back_in_one_part():
    single = refund_parts({"id": 9, "payments": [_payment(1, "storecredit", 4, "1"), _payment(2, "stripe", 6, "2")]},
                          [{"id": 1, "event": "refund", "status": "ok"}, {"id": 2, "event": "refund", "status": "ok"}])
    assert part_ref("BC-RF-9", single[1], single) == "BC-RF-9"
    split = refund_parts({"id": 9, "payments": [_payment(1, "custom", 4, "", offline=True),
                                                _payment(2, "stripe", 6, "2")]},
                         [{"id": 2, "event": "refund", "status": "ok"}])
    assert [part_ref("BC-s1-RF-9", p, split) for p in split] == ["BC-s1-RF-9-1", "BC-s1-RF-9-2"]


def test_it_applies_each_refund_payment_to_the_credit_memo_for_its_part():
    [part] = refund_parts({"id": 9, "payments": [_payment(2, "stripe", "12.3400", "2")]},
                          [{"id": 2, "event": "refund", "status": "ok"}])
    payload = refund_payment_payload({"id": 9, "order_id": 120}, part, reference="BC-RF-9", customer_id="C1",
                                     payment_method="CC", cash_account="10250",
                                     applies_to=[("Credit Memo", "CM1", part.amount), ("Payment", "P1", Decimal(0))])
    assert payload["PaymentAmount"] == Decimal("12.34") and payload["ExternalRef"] == "BC-RF-9"
    assert payload["DocumentsToApply"] == [{"DocType": "Credit Memo", "ReferenceNbr": "CM1",
                                            "AmountPaid": Decimal("12.34")}]


def test_it_leaves_units_that_left_the_sales_order_off_the_memo():
    # A mug and shipping refunded; the mug never shipped, so it left the sales order instead.
    amount, tax = goods_value(ORDER, LINES, {1: Decimal(1)})
    assert (amount, tax) == (Decimal("27.00"), Decimal("0.00"))  # LINES carry no price_tax
    payload = memo({**SHIPPING_REFUND, "total_tax": "0"}, unshipped={1: Decimal(1)},
                   total=Decimal("45.50") - amount)
    assert [(d["InventoryID"], d["Qty"], d["UnitPrice"]) for d in payload["Details"]] == [
        ("BCREFUND", 1, Decimal("18.50"))]
    assert total(payload) == Decimal("18.50")


def test_unshipped_units_take_their_tax_with_them():
    lines = [{**LINES[0], "price_tax": "2.4000"}, LINES[1]]
    assert goods_value(ORDER, lines, {1: Decimal(2)}) == (Decimal("54.00"), Decimal("4.80"))


def test_the_memo_takes_store_credit_first_and_cash_pays_back_the_rest():
    parts = [RefundPart(1, "storecredit", Decimal("20.00"), STORE_CREDIT, COMPLETED),
             RefundPart(2, "stripe", Decimal("15.00"), ORIGINAL, COMPLETED),
             RefundPart(3, "custom", Decimal("5.00"), OFFLINE, COMPLETED)]
    assert allocate(parts, Decimal("30.00")) == {2: (Decimal("10.00"), Decimal("5.00")),
                                                 3: (Decimal("0.00"), Decimal("5.00"))}
    assert allocate(parts, Decimal("0.00")) == {2: (Decimal("0.00"), Decimal("15.00")),
                                                3: (Decimal("0.00"), Decimal("5.00"))}
    assert allocate(parts, Decimal("40.00")) == {2: (Decimal("15.00"), Decimal("0.00")),
                                                 3: (Decimal("5.00"), Decimal("0.00"))}
