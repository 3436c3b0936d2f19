"""Sandbox stock: open sales orders allocate (available drops, on hand does not), InventorySummaryInquiry
answers per warehouse, and units of measure convert order lines to the base unit; on every served version."""
import pytest

from sandbox.acumatica import state
from sandbox.acumatica.documents import put_record
from sandbox.acumatica.models import Record
from tests.acumatica_sandbox_helpers import _acu_server, acu_live, make_acu, w  # noqa: F401

pytestmark = pytest.mark.e2e
VERSIONS = ("22.200.001", "23.200.001", "24.200.001")


@pytest.fixture(params=VERSIONS)
def api(request, acu_live):
    acu = make_acu(acu_live, max_sessions=0, versions=VERSIONS)
    acu.version = request.param
    acu.sign_in()
    state.set_stock_item(acu.instance, "SKU-00001", qty=10, warehouse="MAIN")
    state.set_stock_item(acu.instance, "SKU-00001", qty=4, warehouse="EAST")
    return acu


def customer(api) -> str:
    return api.get("Customer?$top=1").json()[0]["CustomerID"]["value"]


def order(api, lines, **fields) -> dict:
    body = {**w(**{"OrderType": "SO", "CustomerID": customer(api), **fields}),
            "Details": [w(**line) for line in lines]}
    reply = api.put("SalesOrder?$expand=Details", body)
    assert reply.status_code == 200, reply.text
    return reply.json()


def summary(api, **filters) -> dict[str, dict[str, float]]:
    reply = api.put("InventorySummaryInquiry?$expand=Results", w(**filters))
    assert reply.status_code == 200, reply.text
    return {r["WarehouseID"]["value"]: {k: r[k]["value"] for k in ("QtyOnHand", "QtyAvailable",
                                                                    "QtyAvailableForShipment", "BaseUOM")}
            for r in reply.json()["Results"]}


def available(api, inventory_id: str) -> float:
    reply = api.put("InventoryQuantityAvailable?$expand=Results", w(InventoryID=inventory_id))
    return {r["InventoryID"]["value"]: r["QtyAvailable"]["value"] for r in reply.json()["Results"]}[inventory_id]


def test_an_open_order_reduces_available_not_on_hand(api):
    before = Record.objects.get(instance=api.instance, entity="StockItem", key="SKU-00001").qty_modified
    order(api, [dict(InventoryID="SKU-00001", OrderQty=3, WarehouseID="MAIN")])

    assert summary(api, InventoryID="SKU-00001") == {
        "MAIN": {"QtyOnHand": 10.0, "QtyAvailable": 7.0, "QtyAvailableForShipment": 10.0, "BaseUOM": "EA"},
        "EAST": {"QtyOnHand": 4.0, "QtyAvailable": 4.0, "QtyAvailableForShipment": 4.0, "BaseUOM": "EA"}}
    assert available(api, "SKU-00001") == 11.0
    # The allocation moved the item's availability clock, so a changed-since read finds it.
    assert Record.objects.get(instance=api.instance, entity="StockItem", key="SKU-00001").qty_modified > before


def test_an_order_on_hold_allocates_nothing_and_a_shipment_holds_back_shipping_stock(api):
    held = order(api, [dict(InventoryID="SKU-00001", OrderQty=5, WarehouseID="EAST")], Hold=True)
    assert available(api, "SKU-00001") == 14.0
    record = Record.objects.get(instance=api.instance, entity="SalesOrder", key=f"SO|{held['OrderNbr']['value']}")
    # A shipment was created for it on the site.
    put_record(api.instance, "SalesOrder", {"id": str(record.note_id), "Status": "Shipping", "Hold": False})
    assert summary(api, InventoryID="SKU-00001", WarehouseID="EAST") == {
        "EAST": {"QtyOnHand": 4.0, "QtyAvailable": -1.0, "QtyAvailableForShipment": -1.0, "BaseUOM": "EA"}}


def test_a_line_in_the_sales_unit_allocates_its_base_units_and_is_priced_per_sales_unit(api):
    put_record(api.instance, "StockItem", {"InventoryID": "SKU-00002", "BaseUOM": "EA", "SalesUOM": "BOX",
                                           "DefaultPrice": "2.50", "UOMConversions": [
                                               {"FromUOM": "BOX", "ToUOM": "EA", "ConversionFactor": "12",
                                                "MultiplyOrDivide": "Multiply"}]})
    state.set_stock_item(api.instance, "SKU-00002", qty=50, warehouse="MAIN")
    state.set_stock_item(api.instance, "SKU-00002", qty=0, warehouse="EAST")
    created = order(api, [dict(InventoryID="SKU-00002", OrderQty=2, WarehouseID="MAIN")])

    line = created["Details"][0]
    assert line["UOM"]["value"] == "BOX" and line["UnitPrice"]["value"] == 30.0
    assert summary(api, InventoryID="SKU-00002")["MAIN"]["QtyAvailable"] == 26.0
    item = api.get("StockItem/SKU-00002?$expand=UOMConversions").json()
    assert item["SalesUOM"]["value"] == "BOX"
    assert [(c["FromUOM"]["value"], c["ConversionFactor"]["value"]) for c in item["UOMConversions"]] == [("BOX", 12.0)]


def test_a_unit_the_item_does_not_have_is_refused(api):
    body = {**w(OrderType="SO", CustomerID=customer(api)),
            "Details": [w(InventoryID="SKU-00001", OrderQty=1, UOM="PALLET")]}
    reply = api.put("SalesOrder", body)
    assert reply.status_code == 422
    assert "PALLET" in reply.text


def test_releasing_the_invoice_issues_the_stock_and_ends_the_allocation(api):
    # An IN order is invoiced straight from the order (no shipment), so its invoice release issues the goods.
    created = order(api, [dict(InventoryID="SKU-00001", OrderQty=3, WarehouseID="MAIN")], OrderType="IN")
    number = created["OrderNbr"]["value"]
    record = Record.objects.get(instance=api.instance, entity="SalesOrder", key=f"IN|{number}")
    from sandbox.acumatica import actions
    actions.prepare_sales_invoice(api.instance, record)
    invoice = Record.objects.get(instance=api.instance, entity="SalesInvoice")
    actions.release_sales_invoice(api.instance, invoice)

    assert summary(api, InventoryID="SKU-00001")["MAIN"] == {
        "QtyOnHand": 7.0, "QtyAvailable": 7.0, "QtyAvailableForShipment": 7.0, "BaseUOM": "EA"}


def test_the_summary_shows_nothing_until_an_item_is_chosen(api):
    assert summary(api) == {}
