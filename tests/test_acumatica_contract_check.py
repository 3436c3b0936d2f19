"""Every field we send exists in the tenant's pinned endpoint version, in the format the spec declares
(sync/contract.py); checked before the request leaves, so nothing is silently ignored by Acumatica."""
from datetime import timedelta

import pytest
import responses
from django.utils import timezone

from sync.acumatica import AcumaticaClient, wrap
from sync.contract import ContractError, check_payload


def test_top_level_branch_is_absent_in_22_but_present_from_23():
    with pytest.raises(ContractError) as error:
        check_payload("22.200.001", "SalesOrder", wrap({"OrderType": "SO", "Branch": "MAIN"}))
    assert "SalesOrder.Branch does not exist in Acumatica endpoint Default/22.200.001" in str(error.value)
    check_payload("23.200.001", "SalesOrder", wrap({"OrderType": "SO", "Branch": "MAIN"}))
    for version in ("22.200.001", "23.200.001", "24.200.001"):
        check_payload(version, "SalesOrder", wrap({"FinancialSettings": {"Branch": "MAIN", "CustomerTaxZone": "TX",
                                                                          "OverrideTaxZone": True}}))


@pytest.mark.parametrize("version", ["22.200.001", "23.200.001", "24.200.001"])
def test_sales_order_tax_zone_exists_in_no_version(version):
    with pytest.raises(ContractError, match="SalesOrder.TaxZone does not exist"):
        check_payload(version, "SalesOrder", wrap({"TaxZone": "TX"}))


def test_it_names_a_field_deep_in_detail_rows_and_linked_entities():
    with pytest.raises(ContractError, match=r"SalesOrder.Details\[1\].Colour does not exist"):
        check_payload("24.200.001", "SalesOrder", wrap({"Details": [{"InventoryID": "A"}, {"Colour": "red"}]}))
    with pytest.raises(ContractError, match=r"SalesOrder.ShipToAddress.Street does not exist"):
        check_payload("24.200.001", "SalesOrder", wrap({"ShipToAddress": {"Street": "1 Main"}}))
    with pytest.raises(ContractError, match=r"SalesInvoice.ExternalRef does not exist in Acumatica endpoint "
                                            r"Default/23.200.001"):
        check_payload("23.200.001", "SalesInvoice", wrap({"Type": "Credit Memo", "ExternalRef": "BC-x-RF-1"}))


def test_date_time_values_need_a_time_and_an_offset():
    with pytest.raises(ContractError, match="not an RFC 3339 date-time"):
        check_payload("24.200.001", "SalesOrder", wrap({"Date": "2026-12-31"}))
    with pytest.raises(ContractError, match="with an offset"):
        check_payload("24.200.001", "SalesOrder", wrap({"Date": "2026-12-31T00:00:00"}))
    check_payload("24.200.001", "SalesOrder", wrap({"Date": "2026-12-31T00:00:00-05:00"}))
    with pytest.raises(ContractError, match="not a boolean"):
        check_payload("24.200.001", "SalesOrder", wrap({"Hold": "false"}))


@responses.activate
def test_the_client_refuses_before_sending(tenant):
    connection = tenant.acumatica
    connection.endpoint_version = "22.200.001"
    connection.access_token, connection.token_expires_at = "valid-token", timezone.now() + timedelta(minutes=30)
    connection.save()
    with AcumaticaClient(connection) as client, pytest.raises(ContractError) as error:
        client.put("SalesOrder", wrap({"OrderType": "SO", "Branch": "MAIN"}))
    assert error.value.permanent and "Default/22.200.001" in str(error.value)
    assert len(responses.calls) == 0
