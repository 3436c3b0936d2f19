"""The pure BigCommerce -> Acumatica mappers (no database, no HTTP)."""
from decimal import Decimal

import pytest

from sync.mapping import (OrderSettings, PaymentState, UnmappedSku, is_posted_payment, money,
                          payment_payload, sales_order_payload, totals_mismatch)

ORDER = {
    "id": 120, "date_created": "Tue, 03 Nov 2026 10:00:00 +0000", "currency_code": "USD",
    "subtotal_ex_tax": "100.0000", "shipping_cost_ex_tax": "10.0000", "handling_cost_ex_tax": "2.0000",
    "wrapping_cost_ex_tax": "0.0000", "total_tax": "8.8000", "discount_amount": "0.0000",
    "coupon_discount": "10.0000", "total_inc_tax": "110.8000",
}
LINES = [
    {"id": 1, "sku": "SKU-1", "name": "Mug", "quantity": 2, "price_ex_tax": "30.0000",
     "applied_discounts": [{"id": "coupon", "amount": "6.0000", "code": "SAVE10"}]},
    {"id": 2, "sku": "shirt-red", "name": "Shirt", "quantity": 1, "price_ex_tax": "40.0000",
     "applied_discounts": [{"id": "coupon", "amount": 4, "code": "SAVE10"}]},
]
SHIP_TO = [{"first_name": "Ann", "last_name": "Lee", "company": "", "street_1": "1 Main St", "street_2": "",
            "city": "Austin", "state": "Texas", "zip": "78701", "country_iso2": "US", "email": "ann@example.com",
            "phone": "555-0100"}]
INVENTORY = {"SKU-1": "SKU-1", "shirt-red": "SHIRT-RED"}


def test_it_parses_money_as_decimal_cents():
    assert money("336.3200") == Decimal("336.32")
    assert money(12.5) == Decimal("12.50")
    assert money(None) == Decimal("0.00")


def test_it_rounds_money_half_up_not_to_even():
    assert money("0.125") == Decimal("0.13") and money("8.3250") == Decimal("8.33")
    assert money("2.675") == Decimal("2.68")  # Decimal, not float: no binary surprise either


def test_it_sends_the_exact_line_amount_for_four_decimal_prices():
    order = {**ORDER, "subtotal_ex_tax": "83.2500", "shipping_cost_ex_tax": "0", "handling_cost_ex_tax": "0",
             "coupon_discount": "0", "total_tax": "0", "total_inc_tax": "83.2500"}
    line = {"id": 1, "sku": "SKU-1", "name": "Bolt", "quantity": 10, "price_ex_tax": "8.3250", "applied_discounts": []}
    [detail] = sales_order_payload(order, [line], [], customer_id="C1", inventory_ids=INVENTORY,
                                   settings=OrderSettings())["Details"]
    assert detail["UnitPrice"] == Decimal("8.3250") and detail["ExtendedPrice"] == Decimal("83.25")
    assert detail["ManualPrice"] is True and detail["DiscountAmount"] == 0


def test_it_never_puts_the_discount_remainder_on_a_zero_priced_line():
    order = {**ORDER, "subtotal_ex_tax": "100.0000", "shipping_cost_ex_tax": "0", "handling_cost_ex_tax": "0",
             "coupon_discount": "0", "discount_amount": "1.0000", "total_tax": "0", "total_inc_tax": "99.0000"}
    lines = [{"id": n, "sku": "SKU-1", "name": "x", "quantity": 1, "price_ex_tax": price, "applied_discounts": []}
             for n, price in enumerate(["33.3300", "33.3300", "33.3400", "0"])]
    details = sales_order_payload(order, lines, [], customer_id="C1", inventory_ids=INVENTORY,
                                  settings=OrderSettings())["Details"]
    assert details[-1]["DiscountAmount"] == 0
    assert sum(d["DiscountAmount"] for d in details) == Decimal("1.00")


def test_it_creates_the_sales_order_on_hold():
    payload = sales_order_payload(ORDER, LINES, [], customer_id="C1", inventory_ids=INVENTORY, settings=OrderSettings())
    assert payload["Hold"] is True


def test_it_counts_only_captured_money_as_paid():
    order = {"total_inc_tax": "100.0000"}
    authorized = PaymentState.of(order, [{"event": "authorization", "status": "ok", "amount": 100}])
    assert authorized.authorized_only and not authorized.settled(paid_status=True)
    half = PaymentState.of(order, [{"event": "authorization", "status": "ok", "amount": 100},
                                   {"event": "capture", "status": "ok", "amount": 50}])
    assert half.captured == Decimal("50.00") and not half.settled(paid_status=True)
    whole = PaymentState.of(order, [{"event": "capture", "status": "ok", "amount": 50},
                                    {"event": "capture", "status": "ok", "amount": 50}])
    assert whole.settled(paid_status=False)
    assert PaymentState.of(order, []).settled(paid_status=True)  # marked paid outside the gateways


def test_it_maps_lines_freight_tax_and_references():
    payload = sales_order_payload(ORDER, LINES, SHIP_TO, customer_id="C0001", inventory_ids=INVENTORY,
                                  settings=OrderSettings())
    assert payload["ExternalRef"] == "BC-120" and payload["CustomerOrder"] == "120"
    assert payload["Date"] == "2026-11-03T00:00:00+00:00"  # DateTimeValue is format: date-time
    assert [(d["InventoryID"], d["OrderQty"], d["UnitPrice"], d["DiscountAmount"]) for d in payload["Details"]] == [
        ("SKU-1", 2, Decimal("30.00"), Decimal("6.00")), ("SHIRT-RED", 1, Decimal("40.00"), Decimal("4.00"))]
    assert payload["Totals"] == {"Freight": Decimal("12.00"), "OverrideFreightAmount": True}
    assert payload["TaxDetails"][0]["TaxAmount"] == Decimal("8.80")
    assert payload["ShipToAddress"]["City"] == "Austin"
    assert payload["ShipToContact"]["Attention"] == "Ann Lee"
    lines_total = sum(d["OrderQty"] * d["UnitPrice"] - d["DiscountAmount"] for d in payload["Details"])
    assert lines_total + payload["Totals"]["Freight"] + payload["TaxDetails"][0]["TaxAmount"] == Decimal("110.80")


def test_it_leaves_tax_to_acumatica_when_asked():
    payload = sales_order_payload(ORDER, LINES, [], customer_id="C1", inventory_ids=INVENTORY,
                                  settings=OrderSettings(tax_mode="acumatica", tax_zone="TX"))
    assert "TaxDetails" not in payload and "TaxZone" not in payload  # SalesOrder.TaxZone exists in no version
    assert payload["FinancialSettings"] == {"CustomerTaxZone": "TX", "OverrideTaxZone": True}
    assert "ShipToAddress" not in payload


def test_it_names_the_unmapped_sku():
    with pytest.raises(UnmappedSku) as error:
        sales_order_payload(ORDER, LINES, [], customer_id="C1", inventory_ids={"SKU-1": "SKU-1"},
                            settings=OrderSettings())
    assert "shirt-red" in str(error.value)


def test_it_reports_totals_beyond_a_cent():
    assert totals_mismatch(ORDER, Decimal("110.81")) is None
    message = totals_mismatch(ORDER, Decimal("110.82"))
    assert "BigCommerce 110.80 vs Acumatica 110.82" in message


def test_it_posts_only_successful_captures_and_purchases():
    assert is_posted_payment({"event": "capture", "status": "ok"})
    assert is_posted_payment({"event": "purchase", "status": "ok"})
    assert not is_posted_payment({"event": "authorization", "status": "ok"})
    assert not is_posted_payment({"event": "capture", "status": "error"})


def test_it_applies_a_payment_to_the_order():
    payload = payment_payload({"id": 9, "order_id": 120, "amount": 110.8, "gateway": "stripe",
                               "gateway_transaction_id": "ch_1", "date_created": "2026-11-03T10:05:00+00:00"},
                              customer_id="C1", payment_method="CC", cash_account="10200", order_type="SO",
                              order_nbr="SO000123")
    assert payload["ExternalRef"] == "BC-TXN-9" and payload["PaymentRef"] == "ch_1"
    assert payload["PaymentAmount"] == Decimal("110.80")
    assert payload["ApplicationDate"] == "2026-11-03T00:00:00+00:00"
    assert payload["OrdersToApply"] == [{"OrderType": "SO", "OrderNbr": "SO000123", "AppliedToOrder": Decimal("110.80")}]


def test_it_spreads_unallocated_order_discounts_over_the_lines():
    order = {**ORDER, "discount_amount": "5.0000", "coupon_discount": "10.0000", "total_inc_tax": "105.8000"}
    lines = [{**LINES[0], "applied_discounts": []}, {**LINES[1], "applied_discounts": []}]
    payload = sales_order_payload(order, lines, [], customer_id="C1", inventory_ids=INVENTORY, settings=OrderSettings())
    discounts = [d["DiscountAmount"] for d in payload["Details"]]
    assert discounts == [Decimal("9.00"), Decimal("6.00")]  # 60 and 40 of 100, of 15 off


def test_it_does_not_count_allocated_discounts_twice():
    payload = sales_order_payload(ORDER, LINES, [], customer_id="C1", inventory_ids=INVENTORY, settings=OrderSettings())
    assert sum(d["DiscountAmount"] for d in payload["Details"]) == Decimal("10.00")
