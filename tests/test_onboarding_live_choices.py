"""The wizard's lists, read live (tenants/live_choices.py): from a sandbox store and instance over real HTTP,
and served by the sandbox as the official Default endpoint specs describe."""
import pytest
import responses
from django import forms

from sandbox.bigcommerce.models import Store
from sandbox.catalog_data import demo_catalog
from sandbox.demo import provision_sandbox
from tenants.live_choices import Choices, read_choices
from tenants.onboarding_forms import SetupForm
from tests.clients_helpers import AC, AC_ENTITY, BC, TOKEN_URL
from tests.test_sandbox_acumatica_contract import (  # noqa: F401 (fixtures)
    _acu_server, acu_live, api, check23, check24, definitions23, openapi24)

@pytest.mark.e2e
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
    # The store's zone comes from its Store Information API (GET /v2/store), not a default: it is not UTC.
    assert choices.time_zone == Store.objects.get(store_hash=bc.store_hash).time_zone == "America/Chicago"
    assert choices.notes == {}


@pytest.mark.e2e
def test_the_setup_lists_are_served_as_the_specs_describe(api, openapi24, definitions23):
    for path in ("PaymentMethod?$expand=AllowedCashAccounts", "Warehouse", "Tax", "TaxZone"):
        reply = check24(openapi24, api.get(path))
        assert reply.json(), path
    structure = check24(openapi24, api.put("CompaniesStructure?$expand=Results", {}))
    assert [row["BranchID"]["value"] for row in structure.json()["Results"]] == ["MAIN", "EAST"]
    methods = api.get("PaymentMethod?$expand=AllowedCashAccounts").json()
    check23(definitions23, "PaymentMethod", methods, many=True)
    assert methods[0]["AllowedCashAccounts"][0]["CashAccount"] == {"value": "10250"}


# -- one list at a time: what a refusal or an odd answer does (fake HTTP at the wire) ------------------------------

W = {"value": True}


@responses.activate
def test_a_refused_list_is_named_in_our_own_words_and_the_others_are_read(tenant):
    responses.get(BC + "v2/order_statuses", json=[{"id": 11, "name": "Awaiting Fulfillment"}])
    responses.get(BC + "v2/orders", json=[{"id": 7, "channel_id": 2}])
    responses.get(BC + "v3/orders/7/transactions", json={"data": [{"gateway": "braintree"}, {"gateway": ""}]})
    responses.get(BC + "v2/store", json={"timezone": {"name": "America/Chicago", "raw_offset": -21600}})
    responses.post(TOKEN_URL, json={"access_token": "t", "refresh_token": "r", "expires_in": 3600})
    responses.get(AC_ENTITY + "PaymentMethod", status=403, json={"message": "REMOTE-WORDS: no rights to CA204000"})
    responses.put(AC_ENTITY + "CompaniesStructure", json={"Results": [
        {"BranchID": {"value": "HQ"}, "BranchName": {"value": "Head office"}, "BranchStatus": W},
        {"BranchID": {"value": "OLD"}, "BranchName": {"value": "Closed"}, "BranchStatus": {"value": False}}]})
    responses.get(AC_ENTITY + "Warehouse", json=[{"WarehouseID": {"value": "WH1"}}])
    responses.get(AC_ENTITY + "Tax", json=[{"TaxID": {"value": "BCTAX"}}])
    responses.get(AC_ENTITY + "TaxZone", json=[])
    responses.get(AC_ENTITY + "NonStockItem", json=[{"InventoryID": {"value": "FEES"}, "Description": {"value": "Fees"}}])
    responses.post(AC + "entity/auth/logout", status=204)
    choices = read_choices(tenant.bigcommerce, tenant.acumatica)
    assert (choices.order_statuses, choices.channels, choices.gateways) == ([(11, "Awaiting Fulfillment")], [2],
                                                                           ["braintree"])
    assert choices.time_zone == "America/Chicago" and choices.branches == [("HQ", "Head office")]
    assert (choices.warehouses, choices.taxes, choices.non_stock_items) == (["WH1"], ["BCTAX"], [("FEES", "Fees")])
    assert choices.payment_methods == [] and list(choices.notes) == ["payment_methods"]
    assert "403" in choices.notes["payment_methods"] and "REMOTE-WORDS" not in choices.notes["payment_methods"]


def test_a_refused_list_becomes_a_typed_value_on_the_settings_step():
    form = SetupForm(choices=Choices(gateways=["braintree"], notes={"payment_methods": "Could not read ..."}))
    assert isinstance(form.fields["method_braintree"], forms.CharField)
    assert not isinstance(form.fields["method_braintree"], forms.ChoiceField)
