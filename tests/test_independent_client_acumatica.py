"""The sandbox instance driven by a client built from the endpoint's own schema (tests/acumatica_schema_client.py),
on each of 22.200.001, 23.200.001 and 24.200.001: schema discovery, cookie sign-in, $filter/$top/$skip/$select/
$expand queries, PUT of a customer and a sales order, PrepareSalesInvoice with 202 + Location polling, $adHocSchema,
sign-out. No version is left out: all three have a published schema (20.200.001, which has none, is not served).
"""
import pytest

from sandbox.acumatica import state
from tests.acumatica_sandbox_helpers import VERSIONS, _acu_server, acu_live, make_acu  # noqa: F401
from tests.acumatica_schema_client import NotInSchema, SchemaClient

pytestmark = pytest.mark.e2e


def w(**values):
    return {name: {"value": value} for name, value in values.items()}


@pytest.fixture
def instance_and_client(acu_live):
    acu = make_acu(acu_live, slug="schema", versions=VERSIONS, max_sessions=1, action_polls=2, action_ms=60_000)
    return acu.instance, SchemaClient(acu.base)


@pytest.mark.parametrize("version", VERSIONS)
def test_a_schema_built_client_runs_an_integration_day(instance_and_client, version):
    instance, client = instance_and_client
    assert version in client.versions()
    client.load(version, company=instance.company)
    assert client.base.endswith(f"/sandbox/acumatica/schema/entity/Default/{version}")
    assert client.login(instance.username, instance.password, instance.company).status_code == 204

    customers = client.list("Customer", **{"$expand": "MainContact", "$top": 2, "$skip": 0})
    rest = client.list("Customer", **{"$top": 10, "$skip": 2})
    assert len(customers) == 2 and len(rest) == 2
    assert not {c["id"] for c in customers} & {c["id"] for c in rest}
    assert customers[0]["MainContact"]["Email"]["value"]
    chosen = client.list("StockItem", **{"$filter": "InventoryID eq 'SKU-00002'", "$select": "InventoryID"})
    assert [i["InventoryID"]["value"] for i in chosen] == ["SKU-00002"] and "Description" not in chosen[0]

    created = client.put("Customer", {**w(CustomerName=f"Schema Client {version}"),
                                      "MainContact": w(Email=f"schema-{version}@example.com")},
                         **{"$expand": "MainContact"})
    assert created.status_code == 200, created.text
    customer_id = created.json()["CustomerID"]["value"]
    order = client.put("SalesOrder", {**w(OrderType="IN", CustomerID=customer_id, Date="2026-11-30T00:00:00+00:00",
                                          CustomerOrder=f"SCHEMA-{version}"),
                                      "Details": [w(InventoryID="SKU-00001", OrderQty=2.0, UnitPrice=4.25)]},
                       **{"$expand": "Details"})
    assert order.status_code == 200, order.text
    nbr = order.json()["OrderNbr"]["value"]
    assert client.get("SalesOrder", ["IN", nbr], **{"$expand": "Details"})["OrderTotal"]["value"] == 8.5

    statuses = client.run_action("SalesOrder", "PrepareSalesInvoice", w(OrderType="IN", OrderNbr=nbr))
    assert statuses[0] == 202 and statuses[-1] == 204 and set(statuses[1:-1]) <= {202}
    assert [i["CustomerOrder"] for i in state.sales_invoices(instance)] == [f"SCHEMA-{version}"]

    assert client.ad_hoc_schema("SalesOrder").status_code == 200
    assert client.logout().status_code == 204
    assert client.http.get(client.base + "/Customer", timeout=10).status_code == 401
    assert client.login(instance.username, instance.password, instance.company).status_code == 204  # seat freed


def test_the_client_refuses_what_the_schema_does_not_declare(instance_and_client):
    instance, client = instance_and_client
    client.load("24.200.001", company=instance.company)
    with pytest.raises(NotInSchema):
        client.list("Customer", **{"$orderby": "CustomerID"})      # not a documented parameter
    with pytest.raises(NotInSchema):
        client.call("PATCH", "/Customer", "/Customer", {})            # no PATCH in Default 22/23/24
    with pytest.raises(Exception, match="date-time"):
        client.put("SalesOrder", w(OrderType="SO", Date="2026-11-30"))  # the model says format: date-time
