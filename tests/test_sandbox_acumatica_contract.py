"""The sandbox's requests and responses checked against the official Default endpoint specs.

24.200.001 (OpenAPI 3.0.1) is validated with openapi-core; 23.200.001 (Swagger 2.0) definitions with
jsonschema. Skipped with a reason when ../shared/specs is absent.
"""
import json
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from jsonschema import Draft4Validator

from sandbox.acumatica import state
from tests.spec_files import SPECS as SHARED_SPECS
from tests.acumatica_sandbox_helpers import (  # noqa: F401
    _acu_server, acu_live, V23, V24, create_order, first_customer_id, make_acu, w)

SPECS = SHARED_SPECS / "acumatica"
SPEC24 = SPECS / "Default_24.200.001.openapi3.json"
SPEC23 = SPECS / "Default_23.200.001.swagger2.json"
SPEC_BASE24 = "http://localhost/24r200/entity/Default/24.200.001"

pytestmark = [pytest.mark.e2e,
              pytest.mark.skipif(not SPEC24.exists(), reason=f"Acumatica specs not found at {SPECS}")]


@pytest.fixture(scope="module")
def openapi24():
    from openapi_core import Config, OpenAPI
    return OpenAPI.from_file_path(str(SPEC24), config=Config(spec_validator_cls=None))


@pytest.fixture(scope="module")
def definitions23() -> dict:
    return json.loads(SPEC23.read_text())["definitions"]


@pytest.fixture
def api(acu_live):
    acu = make_acu(acu_live, action_polls=1, max_sessions=0)
    acu.sign_in()
    return acu


def _as_spec_request(reply: requests.Response) -> requests.PreparedRequest:
    """The request as if sent to the spec's server URL, so openapi-core can match the operation."""
    sent = reply.request
    parts = urlsplit(sent.url)
    rest = parts.path.split("/entity/Default/24.200.001", 1)[1]
    url = SPEC_BASE24 + rest + (f"?{parts.query}" if parts.query else "")
    return requests.Request(sent.method, url, headers=dict(sent.headers), data=sent.body).prepare()


def check24(openapi24, reply: requests.Response) -> requests.Response:
    from openapi_core.contrib.requests import RequestsOpenAPIRequest, RequestsOpenAPIResponse
    openapi24.validate_response(RequestsOpenAPIRequest(_as_spec_request(reply)), RequestsOpenAPIResponse(reply))
    return reply


def request_is_valid24(openapi24, reply: requests.Response) -> bool:
    from openapi_core.contrib.requests import RequestsOpenAPIRequest
    try:
        openapi24.validate_request(RequestsOpenAPIRequest(_as_spec_request(reply)))
    except Exception:   # noqa: BLE001 -- any validation error means the request breaks the contract
        return False
    return True


def check23(definitions23: dict, name: str, body: object, many: bool = False) -> None:
    ref = {"$ref": f"#/definitions/{name}"}
    schema = {"definitions": definitions23, **({"type": "array", "items": ref} if many else ref)}
    errors = list(Draft4Validator(schema).iter_errors(body))
    assert not errors, errors[0].message


def test_it_serves_stock_items_as_the_24_spec_describes(api, openapi24):
    check24(openapi24, api.get("StockItem?$expand=WarehouseDetails&$top=3"))
    check24(openapi24, api.get("StockItem/SKU-00001?$expand=WarehouseDetails"))
    check24(openapi24, api.get("NonStockItem"))


def test_it_serves_customers_and_orders_as_the_24_spec_describes(api, openapi24):
    check24(openapi24, api.get("Customer?$expand=MainContact/Address"))
    order = create_order(api, first_customer_id(api), [("SKU-00001", 2, "3.50")])
    reply = check24(openapi24, api.get(f"SalesOrder/SO|{order['OrderNbr']['value']}?$expand=Details,Totals,Payments"))
    assert reply.json()["Details"][0]["InventoryID"] == {"value": "SKU-00001"}


def test_it_accepts_valid_puts_and_answers_as_the_24_spec_describes(api, openapi24):
    customer = api.put("Customer?$expand=MainContact", {**w(CustomerName="Spec Co"),
                                                        "MainContact": w(Email="spec@example.com")})
    assert request_is_valid24(openapi24, customer)
    check24(openapi24, customer)
    order = api.put("SalesOrder?$expand=Details,ShipToAddress,ShipToContact", {
        **w(OrderType="SO", CustomerID=customer.json()["CustomerID"]["value"], CustomerOrder="BC-9",
            Date="2026-01-02T00:00:00+00:00", Hold=False),
        "ShipToAddress": w(AddressLine1="1 Main St", City="Town", Country="US"),
        "ShipToContact": w(Email="spec@example.com", Attention="Spec"),
        "Details": [w(InventoryID="SKU-00002", OrderQty=1.0, UnitPrice=9.99)]})
    assert order.status_code == 200 and request_is_valid24(openapi24, order)
    check24(openapi24, order)
    payment = api.put("Payment?$expand=OrdersToApply", {
        **w(CustomerID=customer.json()["CustomerID"]["value"], PaymentAmount=9.99, PaymentMethod="CASH"),
        "OrdersToApply": [w(OrderType="SO", OrderNbr=order.json()["OrderNbr"]["value"])]})
    assert request_is_valid24(openapi24, payment)
    check24(openapi24, payment)


def test_it_answers_422_and_412_as_the_24_spec_describes(api, openapi24):
    invalid = api.put("SalesOrder", {**w(OrderType="SO", CustomerID="NOBODY"),
                                     "Details": [w(InventoryID="NOPE", OrderQty=1.0)]})
    assert invalid.status_code == 422
    check24(openapi24, invalid)
    exists = api.put("StockItem", w(InventoryID="SKU-00001"), headers={"If-None-Match": "*"})
    assert exists.status_code == 412
    check24(openapi24, exists)


def test_it_refuses_requests_that_break_the_contract(api, openapi24):
    flat = api.put("Customer", {"CustomerName": "Flat"})
    assert not request_is_valid24(openapi24, flat)
    assert flat.status_code == 400
    check24(openapi24, flat)
    wrong_type = api.put("StockItem", {"InventoryID": {"value": "SKU-00001"}, "DefaultPrice": {"value": "cheap"}})
    assert not request_is_valid24(openapi24, wrong_type)
    assert wrong_type.status_code == 400


def test_it_answers_401_as_the_24_spec_describes(api, openapi24):
    api.token = "expired"
    check24(openapi24, api.get("StockItem"))


def test_it_runs_actions_as_the_24_spec_describes(api, openapi24):
    order = create_order(api, first_customer_id(api), [("SKU-00001", 1, "2.00")], order_type="IN")
    started = api.post("SalesOrder/PrepareSalesInvoice",
                       {"entity": w(OrderType="IN", OrderNbr=order["OrderNbr"]["value"]), "parameters": {}})
    assert started.status_code == 202 and request_is_valid24(openapi24, started)
    check24(openapi24, started)
    assert state.sales_invoices(api.instance) == []
    done = api.http.get(api.base.split("/sandbox/")[0] + started.headers["Location"],
                        headers={"Authorization": f"Bearer {api.token}"})
    assert done.status_code == 204
    check24(openapi24, api.get("SalesInvoice?$expand=Details"))


def test_it_answers_the_quantity_inquiry_as_the_24_spec_describes(api, openapi24):
    reply = api.put("InventoryQuantityAvailable?$expand=Results", w(InventoryID="SKU-00001"))
    assert request_is_valid24(openapi24, reply)
    check24(openapi24, reply)


def test_it_serves_23_records_as_the_23_definitions_describe(api, definitions23):
    check23(definitions23, "StockItem", api.get("StockItem?$expand=WarehouseDetails", version=V23).json(), many=True)
    check23(definitions23, "Customer", api.get("Customer?$expand=MainContact", version=V23).json(), many=True)
    order = create_order(api, first_customer_id(api), [("SKU-00001", 1, "2.00")])
    nbr = order["OrderNbr"]["value"]
    check23(definitions23, "SalesOrder", api.get(f"SalesOrder/SO/{nbr}?$expand=Details,Totals", version=V23).json())
    invalid = api.put("SalesOrder", {**w(CustomerID="NOBODY")}, version=V23)
    assert invalid.status_code == 422
    check23(definitions23, "SalesOrder", invalid.json())
    check23(definitions23, "HttpError", api.get("StockItem?$filter=Nope%20eq%201", version=V23).json())


def test_it_checks_23_bodies_against_the_23_definitions(definitions23):
    with pytest.raises(AssertionError):
        check23(definitions23, "StockItem", {"InventoryID": "flat"})
