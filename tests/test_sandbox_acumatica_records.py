"""PUT insert-or-update by key: wrapped fields, unknown fields (when the instance ignores them), auto-numbering, If-(None-)Match, 422."""
import pytest

from sandbox.acumatica import state
from tests.acumatica_sandbox_helpers import (  # noqa: F401
    _acu_server, acu_live, acu, api, create_order, first_customer_id, w)

pytestmark = pytest.mark.e2e


def test_it_refuses_a_flat_unwrapped_field_with_400(api):
    reply = api.put("Customer", {"CustomerName": "Flat Ltd", "MainContact": {"Email": {"value": "x@example.com"}}})
    assert reply.status_code == 400
    assert "CustomerName" in reply.json()["message"]
    nested = api.put("Customer", {**w(CustomerName="Nested"), "MainContact": {"Email": "x@example.com"}})
    assert nested.status_code == 400
    assert not [c for c in state.customers(api.instance) if c["CustomerName"] in ("Flat Ltd", "Nested")]


def test_it_ignores_unknown_field_names_when_switched_to_the_real_sites_leniency(api):
    api.instance.refuse_unknown_fields = False
    api.instance.save()
    reply = api.put("Customer", {**w(CustomerName="Unknown Fields Inc", NoSuchField="x"), "Bogus": "flat too"})
    assert reply.status_code == 200
    body = reply.json()
    assert "NoSuchField" not in body and "Bogus" not in body
    assert body["CustomerName"] == {"value": "Unknown Fields Inc"}


def test_it_auto_numbers_new_customers_and_orders(api):
    customer = api.put("Customer", w(CustomerName="Numbered")).json()
    assert customer["CustomerID"]["value"].startswith("C")
    order = create_order(api, customer["CustomerID"]["value"], [("SKU-00001", 2, "10.00")])
    again = create_order(api, customer["CustomerID"]["value"], [("SKU-00001", 1, "10.00")])
    assert order["OrderNbr"]["value"] == "000001"
    assert again["OrderNbr"]["value"] == "000002"
    assert order["OrderType"] == {"value": "SO"}


def test_it_updates_an_existing_record_by_its_key(api):
    customer_id = first_customer_id(api)
    reply = api.put("Customer", w(CustomerID=customer_id, CustomerName="Renamed"))
    assert reply.status_code == 200
    assert state.get(api.instance, "Customer", customer_id)["CustomerName"] == "Renamed"
    assert len(state.customers(api.instance)) == 4


def test_it_computes_line_amounts_and_the_order_total(api):
    order = create_order(api, first_customer_id(api), [("SKU-00001", 2, "10.50"), ("SKU-00002", 1, "4.00")],
                         CustomerOrder="BC-100")
    assert [line["Amount"]["value"] for line in order["Details"]] == [21.0, 4.0]
    assert order["OrderTotal"] == {"value": 25.0}
    assert order["Status"] == {"value": "Open"}
    stored = state.get(api.instance, "SalesOrder", "SO", order["OrderNbr"]["value"])
    assert stored["CustomerOrder"] == "BC-100"
    assert stored["Details"][0]["id"]


def test_it_honours_if_none_match_and_if_match(api):
    customer_id = first_customer_id(api)
    insert_only = api.put("Customer", w(CustomerID=customer_id, CustomerName="X"), headers={"If-None-Match": "*"})
    assert insert_only.status_code == 412
    update_only = api.put("Customer", w(CustomerID="NOPE01", CustomerName="X"), headers={"If-Match": "*"})
    assert update_only.status_code == 412
    assert state.get(api.instance, "Customer", "NOPE01") is None
    created = api.put("StockItem", w(InventoryID="NEW-ITEM", Description="New"), headers={"If-None-Match": "*"})
    assert created.status_code == 200


def test_it_answers_422_with_the_record_and_field_errors_for_an_unknown_customer(api):
    reply = api.put("SalesOrder", {**w(OrderType="SO", CustomerID="NOBODY"),
                                   "Details": [w(InventoryID="SKU-00001", OrderQty=1)]})
    assert reply.status_code == 422
    body = reply.json()
    assert body["CustomerID"] == {"value": "NOBODY", "error": "'Customer' cannot be found in the system."}
    assert "Customer" in body["error"]
    assert state.sales_orders(api.instance) == []


def test_it_answers_422_with_a_line_error_for_an_unknown_inventory_id(api):
    reply = api.put("SalesOrder", {**w(OrderType="SO", CustomerID=first_customer_id(api)),
                                   "Details": [w(InventoryID="SKU-00001", OrderQty=1),
                                               w(InventoryID="NOT-AN-ITEM", OrderQty=1)]})
    assert reply.status_code == 422
    lines = reply.json()["Details"]
    assert "error" not in lines[0]["InventoryID"]
    assert lines[1]["InventoryID"]["error"] == "'Inventory ID' cannot be found in the system."
    assert state.sales_orders(api.instance) == []


def test_it_creates_a_payment_from_the_orders_payments_tab(api):
    order = create_order(api, first_customer_id(api), [("SKU-00001", 1, "30.00")])
    reply = api.put("SalesOrder?$expand=Payments,Totals", {
        **w(OrderType="SO", OrderNbr=order["OrderNbr"]["value"]),
        "Payments": [w(DocType="Payment", PaymentMethod="CASH", PaymentAmount=30.0, AppliedToOrder=30.0)]})
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["Payments"][0]["ReferenceNbr"]["value"]
    assert body["Totals"]["UnpaidBalance"] == {"value": 0.0}
    [payment] = state.payments(api.instance)
    assert payment["OrdersToApply"][0]["OrderNbr"] == order["OrderNbr"]["value"]


def test_a_payment_made_on_the_orders_payments_tab_takes_the_rows_fields_and_the_orders_customer_currency_branch(api):
    order = api.put("SalesOrder", {**w(OrderType="SO", CustomerID=first_customer_id(api), Hold=True, CurrencyID="EUR"),
                                   "FinancialSettings": w(Branch="EAST"),
                                   "Details": [w(InventoryID="SKU-00001", OrderQty=1, UnitPrice=30.0)]}).json()
    reply = api.put("SalesOrder?$expand=Payments", {**w(OrderType="SO", OrderNbr=order["OrderNbr"]["value"], Hold=False),
                                                    "Payments": [w(DocType="Payment", PaymentMethod="CC", CashAccount="10200",
                                                                   PaymentAmount=30.0, AppliedToOrder=30.0, Currency="EUR",
                                                                   PaymentRef="ch_1", ExternalRef="BC-s-TXN-1", Hold=False,
                                                                   Description="card", ApplicationDate="2026-12-31T00:00:00-05:00")]})
    assert reply.status_code == 200, reply.text
    [payment] = state.payments(api.instance)
    assert {k: payment.get(k) for k in ("Type", "CustomerID", "CurrencyID", "Branch", "PaymentMethod", "CashAccount",
                                         "PaymentAmount", "PaymentRef", "ExternalRef", "Description", "ApplicationDate",
                                         "Status")} == {
        "Type": "Payment", "CustomerID": order["CustomerID"]["value"], "CurrencyID": "EUR", "Branch": "EAST",
        "PaymentMethod": "CC", "CashAccount": "10200", "PaymentAmount": "30.0", "PaymentRef": "ch_1",
        "ExternalRef": "BC-s-TXN-1", "Description": "card", "ApplicationDate": "2026-12-31T00:00:00-05:00",
        "Status": "Balanced"}
    [row] = reply.json()["Payments"]
    assert (row["ReferenceNbr"]["value"], row["ExternalRef"]["value"]) == (payment["ReferenceNbr"], "BC-s-TXN-1")


def test_an_order_whose_payment_row_is_refused_is_not_saved_either(api):
    # One transaction (reference §7 "Payments against orders"): the order stays on hold, and no payment exists.
    order = create_order(api, first_customer_id(api), [("SKU-00001", 1, "30.00")], Hold=True)
    nbr = order["OrderNbr"]["value"]
    for field, refused in (("Currency", w(PaymentMethod="CC", PaymentAmount=30.0, Currency="EUR")),  # not the order's
                           ("DocType", w(DocType="Refund", PaymentMethod="CC", PaymentAmount=30.0))):  # not a payment
        reply = api.put("SalesOrder", {**w(OrderType="SO", OrderNbr=nbr, Hold=False), "Payments": [refused]})
        assert reply.status_code == 422, reply.text
        assert reply.json()["Payments"][0][field]["error"] and reply.json()["error"].startswith(field)
    assert state.get(api.instance, "SalesOrder", "SO", nbr)["Hold"] is True
    assert state.payments(api.instance) == []


def test_it_applies_a_payment_to_an_order_with_orders_to_apply(api):
    customer_id = first_customer_id(api)
    order = create_order(api, customer_id, [("SKU-00001", 1, "30.00")])
    reply = api.put("Payment?$expand=OrdersToApply", {
        **w(Type="Payment", CustomerID=customer_id, PaymentAmount=30.0, PaymentMethod="CASH", ExternalRef="txn-1"),
        "OrdersToApply": [w(OrderType="SO", OrderNbr=order["OrderNbr"]["value"])]})
    assert reply.status_code == 200, reply.text
    assert reply.json()["OrdersToApply"][0]["AppliedToOrder"] == {"value": 30.0}
    stored = state.get(api.instance, "SalesOrder", "SO", order["OrderNbr"]["value"])
    assert stored["Totals"]["UnpaidBalance"] == "0.00"
    missing = api.put("Payment", {**w(CustomerID=customer_id, PaymentAmount=1.0),
                                  "OrdersToApply": [w(OrderType="SO", OrderNbr="999999")]})
    assert missing.status_code == 422


def test_it_gets_deletes_by_key_and_by_id(api):
    item = api.get("StockItem/SKU-00001").json()
    assert item["InventoryID"] == {"value": "SKU-00001"}
    assert api.get(f"StockItem/{item['id']}").json()["InventoryID"] == {"value": "SKU-00001"}
    assert item["_links"]["self"].endswith(item["id"])
    assert api.get("StockItem/NOPE").status_code == 404
    order = create_order(api, first_customer_id(api), [("SKU-00001", 1, "1.00")])
    assert api.get(f"SalesOrder/SO|{order['OrderNbr']['value']}").status_code == 200
    assert api.call("DELETE", f"SalesOrder/SO/{order['OrderNbr']['value']}").status_code == 204
    assert state.sales_orders(api.instance) == []


def test_it_adds_freight_and_tax_and_takes_off_document_discounts(api):
    order = api.put("SalesOrder?$expand=Totals", {
        **w(OrderType="SO", CustomerID=first_customer_id(api)),
        "Totals": w(Freight=5.0), "TaxDetails": [w(TaxID="VAT", TaxAmount=2.5)],
        "DiscountDetails": [w(DiscountCode="COUPON", DiscountAmount=1.0)],
        "Details": [w(InventoryID="SKU-00001", OrderQty=2, UnitPrice=10.0)]})
    assert order.status_code == 200, order.text
    body = order.json()
    assert body["OrderTotal"] == {"value": 26.5}
    assert body["Totals"]["Freight"] == {"value": 5.0} and body["Totals"]["DiscountTotal"] == {"value": 1.0}
