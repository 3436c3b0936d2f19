"""Long-running actions answer 202 with a Location to poll until 204, and their effect happens."""
from urllib.parse import urljoin

import pytest

from sandbox.acumatica import state
from tests.acumatica_sandbox_helpers import (  # noqa: F401
    _acu_server, acu_live, create_order, first_customer_id, make_acu, w)

pytestmark = pytest.mark.e2e


@pytest.fixture
def api(acu_live):
    acu = make_acu(acu_live, action_polls=2, action_ms=60_000, max_sessions=0)  # runs end by polls only
    acu.sign_in()
    return acu


def run_action(api, path: str, entity: dict) -> list[int]:
    """POSTs the action and polls its Location; returns the status codes seen."""
    reply = api.post(path, {"entity": entity, "parameters": {}})
    codes = [reply.status_code]
    while reply.status_code == 202:
        location = urljoin(api.base, reply.headers["Location"])
        reply = api.http.get(location, headers={"Authorization": f"Bearer {api.token}"})
        codes.append(reply.status_code)
        assert len(codes) < 10
    return codes


def _paid_order(api) -> dict:
    customer_id = first_customer_id(api)
    # IN ("Invoice"): an order type without shipments, invoiced straight from the order.
    order = create_order(api, customer_id, [("SKU-00001", 2, "10.00"), ("SKU-00002", 1, "5.00")], order_type="IN",
                         CustomerOrder="BC-7")
    api.put("Payment", {**w(CustomerID=customer_id, PaymentAmount=25.0, PaymentMethod="CASH"),
                        "OrdersToApply": [w(OrderType="IN", OrderNbr=order["OrderNbr"]["value"])]})
    return order


def test_it_polls_prepare_sales_invoice_from_202_to_204_and_creates_the_invoice(api):
    order = _paid_order(api)
    nbr = order["OrderNbr"]["value"]
    assert run_action(api, "SalesOrder/PrepareSalesInvoice", w(OrderType="IN", OrderNbr=nbr)) == [202, 202, 204]
    [invoice] = state.sales_invoices(api.instance)
    assert invoice["Type"] == "Invoice" and invoice["Status"] == "Balanced"
    assert invoice["Amount"] == "25.00"
    assert invoice["CustomerOrder"] == "BC-7"
    assert [(d["InventoryID"], d["OrderNbr"]) for d in invoice["Details"]] == [("SKU-00001", nbr), ("SKU-00002", nbr)]
    shipments = api.get(f"SalesOrder/IN/{nbr}?$expand=Shipments").json()["Shipments"]
    assert shipments[0]["InvoiceNbr"]["value"] == invoice["ReferenceNbr"]


def test_it_does_not_apply_the_effect_before_the_run_completes(api):
    order = _paid_order(api)
    reply = api.post("SalesOrder/PrepareSalesInvoice",
                     {"entity": w(OrderType="IN", OrderNbr=order["OrderNbr"]["value"]), "parameters": {}})
    assert reply.status_code == 202
    assert "/SalesOrder/PrepareSalesInvoice/status/" in reply.headers["Location"]
    assert state.sales_invoices(api.instance) == []


def test_a_run_whose_time_is_up_completes_on_any_request_polled_or_not(acu_live):
    # A real site finishes the operation in the background: a client may read the invoice instead of polling.
    acu = make_acu(acu_live, action_polls=5, action_ms=0, max_sessions=0)
    entity = {"entity": w(OrderType="IN", OrderNbr=_paid_order(acu)["OrderNbr"]["value"]), "parameters": {}}
    started = acu.post("SalesOrder/PrepareSalesInvoice", entity)
    assert started.status_code == 202
    [invoice] = acu.get("SalesInvoice").json()
    assert invoice["CustomerOrder"] == {"value": "BC-7"}
    assert poll_to_end(acu, started) == 204


def test_a_run_whose_time_is_not_up_is_not_seen_by_reads(api):
    started = api.post("SalesOrder/PrepareSalesInvoice",
                       {"entity": w(OrderType="IN", OrderNbr=_paid_order(api)["OrderNbr"]["value"]), "parameters": {}})
    assert started.status_code == 202 and api.get("SalesInvoice").json() == []   # action_ms 60 s, 2 polls


def poll_to_end(api, reply) -> int:
    """Polls a started run's Location until it ends; returns the final status code."""
    while reply.status_code == 202:
        reply = api.http.get(urljoin(api.base, reply.headers["Location"]),
                             headers={"Authorization": f"Bearer {api.token}"})
    return reply.status_code


def test_a_second_prepare_started_before_the_first_completed_invoices_nothing_more(api):
    # A client that timed out on the first run and started another (a retry) must not get two invoices:
    # the order is checked again when each run executes, as a real site finds nothing left to invoice.
    entity = {"entity": w(OrderType="IN", OrderNbr=_paid_order(api)["OrderNbr"]["value"]), "parameters": {}}
    first, second = api.post("SalesOrder/PrepareSalesInvoice", entity), api.post("SalesOrder/PrepareSalesInvoice", entity)
    assert (first.status_code, second.status_code) == (202, 202)
    assert poll_to_end(api, first) == 204
    assert poll_to_end(api, second) != 204
    assert len(state.sales_invoices(api.instance)) == 1


def test_it_releases_the_invoice_and_the_payment(api):
    order = _paid_order(api)
    run_action(api, "SalesOrder/PrepareSalesInvoice", w(OrderType="IN", OrderNbr=order["OrderNbr"]["value"]))
    [invoice] = state.sales_invoices(api.instance)
    codes = run_action(api, "SalesInvoice/ReleaseSalesInvoice", w(Type="Invoice", ReferenceNbr=invoice["ReferenceNbr"]))
    assert codes[-1] == 204
    assert state.get(api.instance, "SalesInvoice", "Invoice", invoice["ReferenceNbr"])["Status"] == "Closed"
    [payment] = state.payments(api.instance)
    assert run_action(api, "Payment/ReleasePayment", {"id": payment["id"]})[-1] == 204
    assert state.payments(api.instance)[0]["Status"] == "Open"


def test_it_refunds_a_credit_memo_with_a_refund_payment(api):
    customer_id = first_customer_id(api)
    memo = api.put("SalesInvoice", {**w(Type="Credit Memo", CustomerID=customer_id),
                                    "Details": [w(InventoryID="SKU-00001", Qty=1, UnitPrice=8.0)]}).json()
    ref = memo["ReferenceNbr"]["value"]
    run_action(api, "SalesInvoice/ReleaseSalesInvoice", w(Type="Credit Memo", ReferenceNbr=ref))
    refund = api.put("Payment", {**w(Type="Refund", CustomerID=customer_id, PaymentAmount=8.0, PaymentMethod="CASH"),
                                 "DocumentsToApply": [w(DocType="Credit Memo", ReferenceNbr=ref)]})
    assert refund.status_code == 200, refund.text
    run_action(api, "Payment/ReleasePayment", w(Type="Refund", ReferenceNbr=refund.json()["ReferenceNbr"]["value"]))
    memo_after = state.get(api.instance, "SalesInvoice", "Credit Memo", ref)
    assert memo_after["Balance"] == "0.00" and memo_after["Status"] == "Closed"
    assert state.get(api.instance, "Payment", "Refund", refund.json()["ReferenceNbr"]["value"])["Status"] == "Closed"


def test_it_refunds_the_free_balance_of_a_payment_and_no_more(api):
    _paid_order(api)
    [payment] = state.payments(api.instance)
    customer_id, nbr = payment["CustomerID"], payment["ReferenceNbr"]
    row = payment["OrdersToApply"][0]
    too_much = api.put("Payment", {**w(Type="Refund", CustomerID=customer_id, PaymentAmount=5.0, PaymentMethod="CASH"),
                                   "DocumentsToApply": [w(DocType="Payment", ReferenceNbr=nbr, AmountPaid=5.0)]})
    assert too_much.status_code == 422 and "available balance" in too_much.text
    api.put("Payment", {**w(Type="Payment", ReferenceNbr=nbr),
                        "OrdersToApply": [{"id": row["id"], **w(AppliedToOrder=20.0)}]})
    refund = api.put("Payment", {**w(Type="Refund", CustomerID=customer_id, PaymentAmount=5.0, PaymentMethod="CASH"),
                                 "DocumentsToApply": [w(DocType="Payment", ReferenceNbr=nbr, AmountPaid=5.0)]})
    assert refund.status_code == 200, refund.text
    run_action(api, "Payment/ReleasePayment", w(Type="Refund", ReferenceNbr=refund.json()["ReferenceNbr"]["value"]))
    assert state.get(api.instance, "Payment", "Payment", nbr)["AvailableBalance"] == "0.00"


def test_it_refuses_an_unknown_action_and_a_record_in_the_wrong_status(api):
    order = _paid_order(api)
    entity = w(OrderType="IN", OrderNbr=order["OrderNbr"]["value"])
    assert api.post("SalesOrder/CreateSalesInvoice", {"entity": entity}).status_code == 404
    run_action(api, "SalesOrder/PrepareSalesInvoice", entity)
    again = api.post("SalesOrder/PrepareSalesInvoice", {"entity": entity, "parameters": {}})
    assert again.status_code == 422
    assert "Invoiced" in again.json()["error"]


def test_it_completes_immediately_with_204_when_configured(acu_live):
    acu = make_acu(acu_live, action_polls=0, max_sessions=0)
    order = _paid_order(acu)
    entity = w(OrderType="IN", OrderNbr=order["OrderNbr"]["value"])
    assert run_action(acu, "SalesOrder/PrepareSalesInvoice", entity) == [204]
    assert len(state.sales_invoices(acu.instance)) == 1


def _so_order(api) -> str:
    order = create_order(api, first_customer_id(api), [("SKU-00001", 2, "10.00")], Hold=False)
    return order["OrderNbr"]["value"]


def test_it_refuses_to_invoice_unshipped_stock_items_of_an_order_type_that_processes_shipments(api):
    nbr = _so_order(api)
    refused = api.post("SalesOrder/PrepareSalesInvoice", {"entity": w(OrderType="SO", OrderNbr=nbr), "parameters": {}})
    assert refused.status_code == 422   # the shape of every refused action: the record with the error on Status
    assert "processes shipments" in refused.json()["Status"]["error"] and "SKU-00001" in refused.json()["error"]
    assert state.sales_invoices(api.instance) == []


def test_it_invoices_such_an_order_once_its_shipment_is_confirmed(api):
    nbr = _so_order(api)
    order = state.get(api.instance, "SalesOrder", "SO", nbr)
    shipment = api.put("Shipment", {**w(Type="Shipment", CustomerID=order["CustomerID"]), "Details": [
        w(OrderType="SO", OrderNbr=nbr, OrderLineNbr=1, ShippedQty=2)]}).json()
    assert run_action(api, "Shipment/ConfirmShipment", {"id": shipment["id"]})[-1] == 204
    assert state.get(api.instance, "SalesOrder", "SO", nbr)["Status"] == "Completed"
    assert run_action(api, "SalesOrder/PrepareSalesInvoice", w(OrderType="SO", OrderNbr=nbr))[-1] == 204
    [invoice] = state.sales_invoices(api.instance)
    assert invoice["Amount"] == "20.00"
    again = api.post("SalesOrder/PrepareSalesInvoice", {"entity": w(OrderType="SO", OrderNbr=nbr), "parameters": {}})
    assert again.status_code == 422   # invoiced once


def test_it_refuses_an_order_type_the_company_does_not_have(api):
    reply = api.put("SalesOrder", {**w(OrderType="ZZ", CustomerID=first_customer_id(api)),
                                   "Details": [w(InventoryID="SKU-00001", OrderQty=1)]})
    assert reply.status_code == 422 and "Order Type" in reply.json()["OrderType"]["error"]
