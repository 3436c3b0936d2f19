"""The simulated Acumatica refuses a State that is not one of the country's states, as the real one does."""
import pytest

from sandbox.acumatica.documents import Invalid, put_record
from sandbox.acumatica.seed import seed_instance
from sandbox.catalog_data import demo_catalog


@pytest.fixture
def instance(db):
    return seed_instance("states", catalog=demo_catalog(count=1), customers=False)


def customer(address: dict) -> dict:
    return {"CustomerID": "S1", "CustomerName": "State test", "MainContact": {"Email": "s@example.com",
                                                                               "Address": address}}


@pytest.mark.parametrize("address", [
    {"State": "TX", "Country": "US"}, {"State": "qc", "Country": "CA"}, {"State": "NSW", "Country": "AU"},
    {"State": "", "Country": "GB"}, {"Country": "US"}])
def test_it_keeps_state_ids_of_the_country(instance, address):
    record, created = put_record(instance, "Customer", customer(address))
    assert created and record.data["MainContact"]["Address"] == address


@pytest.mark.parametrize("address, field", [
    ({"State": "Texas", "Country": "US"}, "MainContact/Address/State"),
    ({"State": "TX", "Country": "CA"}, "MainContact/Address/State"),
    ({"State": "TX", "Country": "Atlantis"}, "MainContact/Address/Country"),
])
def test_it_refuses_a_state_or_country_it_does_not_have(instance, address, field):
    with pytest.raises(Invalid) as refused:
        put_record(instance, "Customer", customer(address))
    assert list(refused.value.errors) == [field] and "cannot be found in the system" in refused.value.errors[field]


def test_a_sales_order_ship_to_state_is_checked_too(instance):
    put_record(instance, "Customer", customer({"State": "TX", "Country": "US"}))
    order = {"OrderType": "SO", "CustomerID": "S1", "Details": [],
             "ShipToAddress": {"State": "Texas", "Country": "US"}}
    with pytest.raises(Invalid) as refused:
        put_record(instance, "SalesOrder", order)
    assert "ShipToAddress/State" in refused.value.errors
