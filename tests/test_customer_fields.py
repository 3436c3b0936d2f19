"""Who owns a matched customer's fields, and what the connector sends for a shopper."""
from sync.customer_fields import (CREATED_OWNERS, Shopper, plan_update, shopper_from_customer, shopper_from_order,
                                  wanted_fields)
from sync.field_lengths import max_length
from tests.test_addresses import V2_BILLING, V3_ADDRESS

ACUMATICA_OWNS = {"name": "acumatica", "contact": "acumatica", "address": "acumatica"}
GRACE = {"CustomerID": "C000002", "CustomerName": "Grace Hopper",
         "MainContact": {"Email": "grace@example.com", "Phone1": "",
                         "Address": {"AddressLine1": "1 Compiler Ct", "City": "Arlington", "State": "VA",
                                     "PostalCode": "22201", "Country": "US"}}}
SHOPPER = shopper_from_customer({"id": 12, "email": "grace@example.com", "first_name": "Grace", "last_name": "Hopper",
                                 "company": "Hopper Labs", "phone": "555-0142", "addresses": [V3_ADDRESS]})


def test_a_b2b_company_is_the_account_name_and_the_person_the_contact():
    fields = wanted_fields(SHOPPER).all_fields()
    assert fields["CustomerName"] == "Hopper Labs" and fields["MainContact/Attention"] == "Grace Hopper"
    person = wanted_fields(Shopper(label="x", email="a@b.c", first_name="Ann", last_name="Lee")).all_fields()
    assert person["CustomerName"] == "Ann Lee"


def test_by_default_acumatica_keeps_what_it_has_and_blanks_are_filled():
    plan = plan_update(GRACE, wanted_fields(SHOPPER), ACUMATICA_OWNS)
    assert plan.changes == {"MainContact/Attention": "Grace Hopper", "MainContact/Phone1": "555-0142"}
    assert plan.kept["CustomerName"] == ("Grace Hopper", "Hopper Labs")
    assert plan.kept["MainContact/Address/AddressLine1"] == ("1 Compiler Ct", "1 Main Street")


def test_an_empty_acumatica_address_is_filled_as_a_whole():
    bare = {**GRACE, "MainContact": {"Email": "grace@example.com", "Address": {"Country": "US"}}}
    plan = plan_update(bare, wanted_fields(SHOPPER), ACUMATICA_OWNS)
    assert plan.changes["MainContact/Address/AddressLine1"] == "1 Main Street"
    assert plan.changes["MainContact/Address/State"] == "TX"


def test_the_tenant_can_give_a_group_to_bigcommerce():
    plan = plan_update(GRACE, wanted_fields(SHOPPER), {**ACUMATICA_OWNS, "address": "bigcommerce"})
    assert plan.changes["MainContact/Address/City"] == "Austin" and "CustomerName" not in plan.changes


def test_customers_we_created_follow_bigcommerce():
    plan = plan_update(GRACE, wanted_fields(SHOPPER), CREATED_OWNERS)
    assert plan.changes["CustomerName"] == "Hopper Labs" and plan.changes["MainContact/Address/PostalCode"] == "78701"
    assert plan.kept == {}


def test_a_shopper_without_an_address_never_blanks_acumatica():
    no_address = shopper_from_customer({"id": 12, "email": "grace@example.com", "first_name": "Grace",
                                        "last_name": "Hopper", "addresses": []})
    plan = plan_update(GRACE, wanted_fields(no_address), CREATED_OWNERS)
    assert not any(path.startswith("MainContact/Address") for path in plan.changes)


def test_a_guest_is_read_from_the_order_billing_address():
    guest = shopper_from_order(V2_BILLING, V2_BILLING, "Guest ann@example.com")
    fields = wanted_fields(guest).all_fields()
    assert fields["MainContact/Email"] == "ann@example.com" and fields["MainContact/Address/State"] == "TX"


def test_an_over_long_name_is_shortened_with_a_note_giving_the_full_name():
    company = "Very Long Company Name " * 12
    wanted = wanted_fields(Shopper(label="BigCommerce customer 5", email="a@b.c", company=company.strip()))
    assert len(wanted.groups["name"]["CustomerName"]) <= max_length("Customer", "CustomerName")
    [note] = wanted.notes
    assert "BigCommerce customer 5" in note and company.strip() in note


def test_an_address_acumatica_cannot_hold_matters_only_where_it_would_be_sent():
    import pytest
    from sync.subdivisions import UnknownPlace
    odd = shopper_from_customer({"id": 12, "email": "grace@example.com", "first_name": "Grace",
                                 "addresses": [{**V3_ADDRESS, "state_or_province": "Atlantis"}]})
    kept = plan_update(GRACE, wanted_fields(odd), ACUMATICA_OWNS)   # Acumatica's address stays: no problem
    assert not any(path.startswith("MainContact/Address") for path in kept.changes)
    with pytest.raises(UnknownPlace, match="Atlantis"):
        plan_update(GRACE, wanted_fields(odd), CREATED_OWNERS)
    with pytest.raises(UnknownPlace, match="Atlantis"):
        wanted_fields(odd).all_fields()
