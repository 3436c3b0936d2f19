"""Addresses from every BigCommerce source become the same Acumatica Address (ISO codes, fitted lines)."""
import pytest

from sync.addresses import acumatica_address, from_customer_address, from_order_address, main_address
from sync.field_lengths import ValueTooLong, max_length
from sync.subdivisions import UnknownPlace, country_id, state_id

TEXAS = {"AddressLine1": "1 Main Street", "AddressLine2": "Suite 5", "City": "Austin", "State": "TX",
         "PostalCode": "78701", "Country": "US"}

# Shapes as the specs give them: orders.v2 billingAddress / orderShippingAddress, customers.v3 address_Full.
V2_BILLING = {"first_name": "Ann", "last_name": "Lee", "company": "Lee Labs", "street_1": "1 Main Street",
              "street_2": "Suite 5", "city": "Austin", "state": "Texas", "zip": "78701", "country": "United States",
              "country_iso2": "US", "phone": "555-0100", "email": "ann@example.com"}
V2_SHIPPING = {**V2_BILLING, "id": 9, "order_id": 120, "shipping_method": "Flat Rate", "items_total": 1}
V3_ADDRESS = {"id": 4, "customer_id": 7, "first_name": "Ann", "last_name": "Lee", "company": "Lee Labs",
              "address1": "1 Main Street", "address2": "Suite 5", "city": "Austin", "state_or_province": "Texas",
              "postal_code": "78701", "country_code": "US", "country": "United States", "phone": "555-0100",
              "address_type": "commercial"}


def test_a_v2_order_billing_address_maps_to_an_acumatica_address():
    assert acumatica_address(from_order_address(V2_BILLING)) == TEXAS


def test_a_v2_order_shipping_address_maps_to_an_acumatica_address():
    assert acumatica_address(from_order_address(V2_SHIPPING)) == TEXAS


def test_a_v3_customer_address_maps_to_an_acumatica_address():
    # The bug of issue #13: these keys were read as v2 keys and came out blank.
    assert acumatica_address(from_customer_address(V3_ADDRESS)) == TEXAS


def test_a_v3_customer_main_address_is_its_first_one():
    later = {**V3_ADDRESS, "id": 9, "address1": "9 Other Road", "city": "Dallas"}
    customer = {"id": 7, "email": "ann@example.com", "addresses": [later, V3_ADDRESS]}
    assert acumatica_address(main_address(customer)) == TEXAS
    assert main_address({"id": 7, "addresses": []}) is None


def test_state_names_and_codes_become_iso_3166_2_state_ids():
    assert state_id("US", "Texas") == "TX" and state_id("US", "tx") == "TX"
    assert state_id("CA", "Québec") == "QC" and state_id("CA", "QUEBEC") == "QC"
    assert state_id("AU", "New South Wales") == "NSW"
    assert state_id("US", "") == ""


def test_countries_come_from_the_code_or_else_the_name():
    assert country_id("us") == "US" and country_id("", "Canada") == "CA" and country_id("", "") == ""
    with pytest.raises(UnknownPlace, match="'Atlantis'"):
        country_id("", "Atlantis")


def test_an_unknown_state_stops_with_a_message_naming_it():
    with pytest.raises(UnknownPlace, match="State 'Texass' is not a state or province of US"):
        acumatica_address(from_order_address({**V2_BILLING, "state": "Texass"}))


def test_a_long_first_line_continues_on_the_second():
    limit = max_length("Address", "AddressLine1")
    long_line = "Building 7, Floor 12, Unit 1204, 1600 Amphitheatre Parkway North"
    assert len(long_line) > limit
    address = acumatica_address(from_order_address({**V2_BILLING, "street_1": long_line, "street_2": ""}))
    assert len(address["AddressLine1"]) <= limit and len(address["AddressLine2"]) <= limit
    assert f"{address['AddressLine1']} {address['AddressLine2']}" == long_line


def test_an_address_too_long_for_both_lines_is_never_cut():
    line = "Building 7, Floor 12, Unit 1204, 1600 Amphitheatre Parkway North"
    with pytest.raises(ValueTooLong, match="two address lines"):
        acumatica_address(from_order_address({**V2_BILLING, "street_1": line, "street_2": line}))


def test_an_over_long_city_or_postal_code_is_never_cut():
    with pytest.raises(ValueTooLong, match="city"):
        acumatica_address(from_order_address({**V2_BILLING, "city": "X" * 51}))
    with pytest.raises(ValueTooLong, match="postal code"):
        acumatica_address(from_order_address({**V2_BILLING, "zip": "9" * 21}))
