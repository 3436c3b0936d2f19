"""The simulated store fires store/customer/address/* for address changes, as the real one does
(reference/bigcommerce-api.md §1.2: store/customer/updated does not fire on address changes)."""
import pytest

from sandbox.bigcommerce import storefront
from sandbox.bigcommerce.webhooks import wait_for_deliveries
from tests.sandbox_bigcommerce_helpers import bc_api, bc_store, receiver, sandbox_db  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.e2e, sandbox_db]


def test_address_changes_fire_address_events_naming_the_customer(bc_api, bc_store, receiver):
    customer = storefront.create_customer(bc_store, email="moves@example.com")
    response = bc_api.post("v3/hooks", {"scope": "store/customer/*", "destination": receiver.url, "is_active": True})
    assert response.status_code == 200, response.text
    [home] = customer.addresses
    office = storefront.add_address(customer, street_1="5 Office Park", city="Dallas")
    storefront.update_address(customer, home["id"], street_1="2 New Road")
    storefront.delete_address(customer, office["id"])
    wait_for_deliveries()
    assert sorted((b["scope"], b["data"]["id"]) for b in receiver.bodies()) == sorted([
        ("store/customer/address/created", office["id"]), ("store/customer/address/updated", home["id"]),
        ("store/customer/address/deleted", office["id"])])
    assert all(b["data"] == {"type": "customer", "id": b["data"]["id"], "address": {"customer_id": customer.pk}}
               for b in receiver.bodies())


def test_address_ids_are_unique_in_the_store_and_stable(bc_api, bc_store):
    first = storefront.create_customer(bc_store, email="one@example.com")
    second = storefront.create_customer(bc_store, email="two@example.com")
    extra = storefront.add_address(first, street_1="9 Side Street")
    ids = [a["id"] for a in first.addresses + second.addresses]
    assert len(set(ids)) == len(ids) and extra["id"] in ids
    storefront.delete_address(first, first.addresses[0]["id"])
    data = bc_api.get("v3/customers", params={"id:in": first.pk, "include": "addresses"}).json()["data"][0]
    assert [(a["id"], a["address1"]) for a in data["addresses"]] == [(extra["id"], "9 Side Street")]
