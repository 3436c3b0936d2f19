"""The simulated Acumatica Shipment: created from sales order lines, packages with tracking numbers, confirmed and
corrected by long-running actions, found by LastModifiedDateTime, announced by push notifications; every call
of the flow checked against the official schema of 22.200.001, 23.200.001 and 24.200.001."""
import datetime as dt
from decimal import Decimal
from urllib.parse import urljoin

import pytest

from sandbox.acumatica import state
from sandbox.acumatica.models import Record
from tests.acumatica_sandbox_helpers import (  # noqa: F401
    V22, V24, VERSIONS, _acu_server, acu_live, create_order, first_customer_id, make_acu, w)
from tests.acumatica_spec_check import SpecCheck, record_acumatica_calls
from tests.test_sandbox_acumatica_push import Receiver

pytestmark = pytest.mark.e2e


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.server.shutdown()


@pytest.fixture
def api(acu_live, receiver):
    acu = make_acu(acu_live, action_polls=2, action_ms=60_000, max_sessions=0, push_url=receiver.url, push_retry_delay_ms=10,
                   versions=list(VERSIONS))
    acu.sign_in()
    return acu


def run_action(api, action: str, shipment: dict) -> list[int]:
    reply = api.post(f"Shipment/{action}", {"entity": w(Type="Shipment", ShipmentNbr=shipment["ShipmentNbr"]["value"]),
                                            "parameters": {}})
    return poll(api, reply)


def poll(api, reply) -> list[int]:
    """Follows a 202's Location until the action is done; returns the status codes seen."""
    codes = [reply.status_code]
    while reply.status_code == 202:
        reply = api.http.get(urljoin(api.base, reply.headers["Location"]),
                             headers={"Authorization": f"Bearer {api.token}"})
        codes.append(reply.status_code)
        assert len(codes) < 10
    return codes


def order_of(api, lines=(("SKU-00001", 3, "10.00"), ("SKU-00002", 1, "5.00"))) -> tuple[str, str]:
    customer_id = first_customer_id(api)
    return customer_id, create_order(api, customer_id, list(lines))["OrderNbr"]["value"]


def ship(api, customer_id: str, order_nbr: str, lines: list[tuple[int, float]], tracking=("1Z999",), **fields):
    body = {**w(CustomerID=customer_id, ShipVia="UPS", **fields),
            "Details": [w(OrderType="SO", OrderNbr=order_nbr, OrderLineNbr=n, ShippedQty=q) for n, q in lines],
            "Packages": [w(TrackingNbr=t, Weight=1.5, BoxID="BOX") for t in tracking]}
    return api.put("Shipment?$expand=Details,Packages,Orders", body)


def order_state(api, order_nbr: str) -> dict:
    return state.get(api.instance, "SalesOrder", "SO", order_nbr)


def test_it_creates_a_shipment_from_order_lines_with_packages(api):
    customer_id, nbr = order_of(api)
    reply = ship(api, customer_id, nbr, [(1, 2)], tracking=("1Z1", "1Z2"))
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["Type"]["value"] == "Shipment" and body["Status"]["value"] == "Open"
    assert body["ShipmentNbr"]["value"] == "000001" and body["ShipVia"]["value"] == "UPS"
    [line] = body["Details"]
    assert (line["InventoryID"]["value"], line["ShippedQty"]["value"], line["OrderedQty"]["value"]) == \
        ("SKU-00001", 2, 3)
    assert [p["TrackingNbr"]["value"] for p in body["Packages"]] == ["1Z1", "1Z2"]
    assert [p["Confirmed"]["value"] for p in body["Packages"]] == [False, False]
    assert body["PackageCount"]["value"] == 2 and body["ShippedQty"]["value"] == 2
    assert [(o["OrderNbr"]["value"], o["ShippedQty"]["value"]) for o in body["Orders"]] == [(nbr, 2)]
    order = order_state(api, nbr)
    assert order["Status"] == "Open" and order["Details"][0]["QtyOnShipments"] == "2.00"
    assert order["Details"][0]["OpenQty"] == "3.00"


@pytest.mark.parametrize("lines, field, message", [
    ([(1, 4)], "ShippedQty", "exceeds the quantity left to ship"),
    ([(1, 0)], "ShippedQty", "greater than zero"),
    ([(9, 1)], "OrderLineNbr", "cannot be found"),
])
def test_it_refuses_lines_the_order_cannot_ship(api, lines, field, message):
    customer_id, nbr = order_of(api)
    reply = ship(api, customer_id, nbr, lines)
    assert reply.status_code == 422
    assert message in reply.json()["Details"][0][field]["error"]
    assert state.records(api.instance, "Shipment") == []


def test_it_refuses_another_item_another_customer_and_quantity_held_by_an_open_shipment(api):
    customer_id, nbr = order_of(api)
    wrong_item = api.put("Shipment", {**w(CustomerID=customer_id), "Details": [
        w(OrderNbr=nbr, OrderLineNbr=1, InventoryID="SKU-00002", ShippedQty=1)]})
    assert "differs from the item" in wrong_item.json()["Details"][0]["InventoryID"]["error"]
    other = api.put("Customer", w(CustomerName="Other Co")).json()["CustomerID"]["value"]
    assert "another customer" in ship(api, other, nbr, [(1, 1)]).json()["Details"][0]["OrderNbr"]["error"]
    assert ship(api, customer_id, nbr, [(1, 2)]).status_code == 200
    held = ship(api, customer_id, nbr, [(1, 2)])
    assert held.status_code == 422 and "(1.00)" in held.json()["Details"][0]["ShippedQty"]["error"]


def test_confirm_is_a_long_running_action_and_partial_then_full_shipping_moves_the_order(api):
    customer_id, nbr = order_of(api)
    first = ship(api, customer_id, nbr, [(1, 2)]).json()
    reply = api.post("Shipment/ConfirmShipment", {"entity": {"id": first["id"]}, "parameters": {}})
    assert reply.status_code == 202 and "/Shipment/ConfirmShipment/status/" in reply.headers["Location"]
    assert state.get(api.instance, "Shipment", "Shipment", "000001")["Status"] == "Open"   # not before it completes
    assert poll(api, reply) == [202, 202, 204]
    confirmed = api.get("Shipment/Shipment/000001?$expand=Packages").json()
    assert confirmed["Status"]["value"] == "Confirmed" and confirmed["Packages"][0]["Confirmed"]["value"] is True
    order = order_state(api, nbr)
    assert order["Status"] == "Back Order" and order["Details"][0]["OpenQty"] == "1.00"
    assert [(s["ShipmentNbr"], s["Status"]) for s in order["Shipments"]] == [("000001", "Confirmed")]

    second = ship(api, customer_id, nbr, [(1, 1), (2, 1)]).json()
    assert run_action(api, "ConfirmShipment", second) == [202, 202, 204]
    assert order_state(api, nbr)["Status"] == "Completed"
    assert run_action(api, "ConfirmShipment", second) == [422]     # already confirmed


def test_a_confirmed_shipment_is_corrected_before_it_can_change_or_be_deleted(api):
    customer_id, nbr = order_of(api)
    shipment = ship(api, customer_id, nbr, [(1, 3), (2, 1)]).json()
    run_action(api, "ConfirmShipment", shipment)
    assert order_state(api, nbr)["Status"] == "Completed"
    changed = api.put("Shipment", {"id": shipment["id"], **w(ShipVia="FEDEX")})
    assert changed.status_code == 422 and "Confirmed status" in changed.json()["Status"]["error"]
    refused = api.call("DELETE", "Shipment/Shipment/000001")
    assert refused.status_code == 500 and "cannot be deleted" in refused.json()["exceptionMessage"]

    assert run_action(api, "CorrectShipment", shipment)[-1] == 204
    assert state.get(api.instance, "Shipment", "Shipment", "000001")["Status"] == "Open"
    assert api.call("DELETE", "Shipment/Shipment/000001").status_code == 204
    order = order_state(api, nbr)
    assert order["Status"] == "Open" and order["Shipments"] == []
    assert [line["OpenQty"] for line in order["Details"]] == ["3.00", "1.00"]


def test_it_finds_shipments_changed_since_a_time(api):
    customer_id, nbr = order_of(api)
    old = ship(api, customer_id, nbr, [(1, 1)]).json()
    Record.objects.filter(note_id=old["id"]).update(last_modified=dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc))
    ship(api, customer_id, nbr, [(2, 1)])
    since = "LastModifiedDateTime gt datetimeoffset'2026-06-01T00:00:00+00:00'"
    found = api.get("Shipment", params={"$filter": since}).json()
    assert [s["ShipmentNbr"]["value"] for s in found] == ["000002"]
    assert found[0]["LastModifiedDateTime"]["value"] > "2026-06-01"


def test_it_pushes_a_notification_on_every_shipment_change(api, receiver):
    customer_id, nbr = order_of(api)
    shipment = ship(api, customer_id, nbr, [(1, 1)]).json()
    run_action(api, "ConfirmShipment", shipment)
    run_action(api, "CorrectShipment", shipment)
    api.call("DELETE", "Shipment/Shipment/000001")
    bodies = [body for _, body in receiver.wait(4) if body["Query"] == "BC-Shipments"]
    assert len(bodies) == 4
    row = {"Type": "Shipment", "ShipmentNbr": "000001", "CustomerID": customer_id, "OrderType": "SO", "OrderNbr": nbr}
    assert bodies[0]["Inserted"] == [{**row, "Status": "Open"}] and bodies[0]["Deleted"] == []
    assert bodies[1]["Inserted"] == [{**row, "Status": "Confirmed"}] and bodies[1]["Deleted"] == [{**row, "Status": "Open"}]
    assert bodies[2]["Inserted"] == [{**row, "Status": "Open"}]
    assert bodies[3]["Inserted"] == [] and bodies[3]["Deleted"] == [{**row, "Status": "Open"}]


def test_it_refuses_a_field_the_pinned_version_does_not_define(api):
    customer_id, nbr = order_of(api)
    body = {**w(CustomerID=customer_id, UnlimitedPackages=True),
            "Details": [w(OrderNbr=nbr, OrderLineNbr=1, ShippedQty=1)]}
    assert api.put("Shipment", body, version=V22).status_code == 400     # 24.200.001 added UnlimitedPackages
    assert api.put("Shipment", body, version=V24).status_code == 200
    assert api.put("Shipment", {**body, **w(TrackingNumber="1Z")}, version=V24).status_code == 400


@pytest.mark.parametrize("version", VERSIONS)
def test_the_shipment_flow_follows_each_versions_schema(api, monkeypatch, version):
    api.version = version
    customer_id, nbr = order_of(api)
    calls = []
    record_acumatica_calls(monkeypatch, calls)
    shipment = ship(api, customer_id, nbr, [(1, 2), (2, 1)], tracking=("1Z1", "1Z2")).json()
    assert ship(api, customer_id, nbr, [(1, 5)]).status_code == 422
    assert run_action(api, "ConfirmShipment", shipment)[-1] == 204
    assert api.get("Shipment?$expand=Details,Packages,Orders&$filter=Status eq 'Confirmed'").json()
    assert api.get(f"SalesOrder/SO/{nbr}?$expand=Details,Shipments").status_code == 200
    assert run_action(api, "CorrectShipment", shipment)[-1] == 204
    assert api.call("DELETE", f"Shipment/{shipment['id']}").status_code == 204
    check = SpecCheck(version)
    assert check.violations(calls) == []
    assert {"Shipment_PutEntity", "Shipment_InvokeAction_ConfirmShipment", "Shipment_InvokeAction_CorrectShipment",
            "Shipment_GetList"} <= check.operation_ids(calls)


def test_stock_leaves_on_hand_when_a_shipment_is_confirmed_and_comes_back_when_it_is_corrected(api):
    from sandbox.acumatica.stock import summary_rows

    def main_row():
        row = next(r for r in summary_rows(api.instance, "SKU-00001") if r["WarehouseID"] == "MAIN")
        return Decimal(row["QtyOnHand"]), Decimal(row["QtyAvailable"])

    before_on_hand, before_available = main_row()
    customer_id, nbr = order_of(api, lines=(("SKU-00001", 3, "10.00"),))
    assert main_row() == (before_on_hand, before_available - 3)          # allocated by the open order
    shipment = ship(api, customer_id, nbr, [(1, 2)]).json()
    assert run_action(api, "ConfirmShipment", shipment) == [202, 202, 204]
    assert main_row() == (before_on_hand - 2, before_available - 3)      # 2 issued, 1 still allocated
    assert run_action(api, "CorrectShipment", shipment) == [202, 202, 204]
    assert main_row() == (before_on_hand, before_available - 3)
