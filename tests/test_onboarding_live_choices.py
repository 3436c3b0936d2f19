"""The wizard's lists, read live (tenants/live_choices.py): from a sandbox store and instance over real HTTP,
and served by the sandbox as the official Default endpoint specs describe."""
import pytest

from sandbox.catalog_data import demo_catalog
from sandbox.demo import provision_sandbox
from tenants.live_choices import read_choices
from tests.test_sandbox_acumatica_contract import (  # noqa: F401 (fixtures)
    _acu_server, acu_live, api, check23, check24, definitions23, openapi24)

pytestmark = [pytest.mark.e2e]


@pytest.mark.django_db(transaction=True)
def test_it_reads_every_list_from_the_merchants_systems(live_server, monkeypatch):
    monkeypatch.setattr("sandbox.demo.provisioned_catalog", lambda: demo_catalog(count=2))
    bc, ac, _ = provision_sandbox(live_server.url)
    choices = read_choices(bc, ac)
    assert (2, "Shipped") in choices.order_statuses and choices.channels == [1]
    assert choices.gateways == ["testgateway"]  # the card payments of last week's orders
    assert [m for m, _ in choices.payment_methods] == ["CC", "CASH", "CHECK", "STORECREDIT", "GIFTCERT"]
    assert choices.cash_accounts["CHECK"] == ["10200", "10250"]  # the AR default first
    assert (choices.warehouses, choices.taxes, choices.tax_zones) == (["MAIN", "EAST"], ["BCTAX"], ["TAXABLE", "EXEMPT"])
    assert choices.branches == [("MAIN", "Main branch"), ("EAST", "East branch")]
    assert ("BCREFUND", "Refund adjustment") in choices.non_stock_items
    # The sandbox store has no Store Information API (not in ../shared/specs): named, not fatal.
    assert list(choices.notes) == ["time_zone"] and "404" in choices.notes["time_zone"]


def test_the_setup_lists_are_served_as_the_specs_describe(api, openapi24, definitions23):
    for path in ("PaymentMethod?$expand=AllowedCashAccounts", "Warehouse", "Tax", "TaxZone"):
        reply = check24(openapi24, api.get(path))
        assert reply.json(), path
    structure = check24(openapi24, api.put("CompaniesStructure?$expand=Results", {}))
    assert [row["BranchID"]["value"] for row in structure.json()["Results"]] == ["MAIN", "EAST"]
    methods = api.get("PaymentMethod?$expand=AllowedCashAccounts").json()
    check23(definitions23, "PaymentMethod", methods, many=True)
    assert methods[0]["AllowedCashAccounts"][0]["CashAccount"] == {"value": "10250"}
