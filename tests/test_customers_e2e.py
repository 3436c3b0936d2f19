"""Customers from BigCommerce to Acumatica, end to end over real HTTP against both sandboxes, on every
pinned endpoint version: matched without damage, created ones kept in step (address webhooks
included), one customer per e-mail, and nothing Acumatica cannot hold silently cut."""
import pytest
from django.db import transaction
from django.test import override_settings

from audit.models import AuditEvent, SyncRecord
from sandbox.acumatica import state
from sandbox.acumatica.documents import put_record
from sandbox.acumatica.models import Instance
from sandbox.bigcommerce import storefront
from sandbox.bigcommerce.models import Store
from sandbox.bigcommerce.webhooks import wait_for_deliveries
from sandbox.catalog_data import demo_catalog
from sandbox.demo import connect_sandbox_tenant
from sync.acumatica import wrap
from sync.clients import acumatica_client, bigcommerce_client
from sync.http import ApiError
from sync.polling import poll_customers
from sync.webhook_registration import ensure_hooks

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
VERSIONS = ["22.200.001", "23.200.001", "24.200.001"]
# The seeded Acumatica customer an accountant set up (sandbox/acumatica/seed.py).
GRACE_ADDRESS = {"AddressLine1": "1 Compiler Ct", "City": "Arlington", "State": "VA", "PostalCode": "22201",
                 "Country": "US"}


@pytest.fixture(params=VERSIONS)
def shop(request, live_server):
    with override_settings(PUBLIC_BASE_URL=live_server.url):
        tenant = connect_sandbox_tenant(live_server.url, catalog=demo_catalog(count=3), endpoint_version=request.param)
        Instance.objects.filter(slug="demo").update(versions=VERSIONS)
        with bigcommerce_client(tenant.bigcommerce) as bc:
            ensure_hooks(tenant, bc)
        yield tenant, Store.objects.get(store_hash="demo1234")


def acumatica_customers(email: str) -> list[dict]:
    return [c for c in state.customers("demo")
            if ((c.get("MainContact") or {}).get("Email") or "").lower() == email.lower()]


def customer_record(shopper) -> SyncRecord:
    wait_for_deliveries()
    return SyncRecord.objects.get(kind="customer", external_id=str(shopper.pk))


def address_of(customer: dict) -> dict:
    address = customer["MainContact"].get("Address") or {}
    return {k: v for k, v in address.items() if v not in ("", None)}


def test_a_shopper_with_an_accountants_email_neither_renames_nor_blanks_the_customer(shop):
    tenant, store = shop
    [before] = acumatica_customers("grace@example.com")
    shopper = storefront.create_customer(store, email="grace@example.com", first_name="Grace", last_name="Hopper",
                                         company="Hopper Labs", phone="555-0142")
    record = customer_record(shopper)
    assert record.status == "succeeded", record.last_error
    [after] = acumatica_customers("grace@example.com")
    assert after["CustomerID"] == before["CustomerID"] == record.acumatica_key
    assert after["CustomerName"] == "Grace Hopper"
    assert address_of(after) == GRACE_ADDRESS
    assert after["MainContact"]["Phone1"] == "555-0142"   # a blank Acumatica had is filled
    kept = AuditEvent.objects.get(record=record, action="customer.kept_acumatica_values").message
    assert "CustomerName stays 'Grace Hopper' (BigCommerce: 'Hopper Labs')" in kept

    storefront.update_customer(shopper, email="g.hopper@example.com")   # only the e-mail changes
    record = customer_record(shopper)
    assert record.status == "succeeded", record.last_error
    [again] = [c for c in state.customers("demo") if c["CustomerID"] == before["CustomerID"]]
    assert again["CustomerName"] == "Grace Hopper" and address_of(again) == GRACE_ADDRESS
    assert again["MainContact"]["Email"] == "grace@example.com"   # contact is Acumatica's by default


def test_the_tenant_can_give_matched_addresses_to_bigcommerce(shop):
    tenant, store = shop
    tenant.customer_address_owner = "bigcommerce"
    tenant.save()
    shopper = storefront.create_customer(store, email="grace@example.com", first_name="Grace", last_name="Hopper",
                                         company="Hopper Labs")
    record = customer_record(shopper)
    assert record.status == "succeeded", record.last_error
    [after] = acumatica_customers("grace@example.com")
    assert after["CustomerName"] == "Grace Hopper"      # the name is still Acumatica's
    assert address_of(after) == {"AddressLine1": "1 Main Street", "City": "Austin", "State": "TX",
                                 "PostalCode": "78701", "Country": "US"}


def test_customers_we_created_follow_bigcommerce_and_address_changes_arrive(shop):
    tenant, store = shop
    with bigcommerce_client(tenant.bigcommerce) as bc:
        scopes = {hook["scope"] for hook in bc.list_hooks()}
    assert {"store/customer/address/created", "store/customer/address/updated",
            "store/customer/address/deleted"} <= scopes
    shopper = storefront.create_customer(store, email="mia@example.com", first_name="Mia", last_name="Wong",
                                         company="Wong Trading", phone="555-0199")
    record = customer_record(shopper)
    assert record.status == "succeeded", record.last_error
    [created] = acumatica_customers("mia@example.com")
    assert created["CustomerName"] == "Wong Trading" and created["MainContact"]["Attention"] == "Mia Wong"
    assert created["MainContact"]["Address"]["State"] == "TX"

    [address] = shopper.addresses
    storefront.update_address(shopper, address["id"], street_1="2 Harbour Road", city="Vancouver",
                              state="British Columbia", zip="V6B 1A1", country="Canada", country_iso2="CA")
    record = customer_record(shopper)
    assert record.status == "succeeded", record.last_error
    assert record.stub["scope"] == "store/customer/address/updated"
    [moved] = acumatica_customers("mia@example.com")
    assert moved["CustomerID"] == created["CustomerID"]
    assert address_of(moved) == {"AddressLine1": "2 Harbour Road", "City": "Vancouver", "State": "BC",
                                 "PostalCode": "V6B 1A1", "Country": "CA"}

    storefront.update_customer(shopper, email="mia.wong@example.com", company="")
    assert customer_record(shopper).status == "succeeded"
    [renamed] = acumatica_customers("mia.wong@example.com")
    assert renamed["CustomerID"] == created["CustomerID"] and renamed["CustomerName"] == "Mia Wong"
    assert acumatica_customers("mia@example.com") == []


def test_two_acumatica_customers_with_the_email_need_attention_naming_both(shop):
    tenant, store = shop
    instance = Instance.objects.get(slug="demo")
    for customer_id in ("TWIN1", "TWIN2"):
        put_record(instance, "Customer", {"CustomerID": customer_id, "CustomerName": f"Twin {customer_id}",
                                          "MainContact": {"Email": "twin@example.com"}})
    shopper = storefront.create_customer(store, email="Twin@Example.com", first_name="Tom", last_name="Twin")
    record = customer_record(shopper)
    assert record.status == "needs_attention"
    assert "TWIN1" in record.last_error and "TWIN2" in record.last_error
    assert len(acumatica_customers("twin@example.com")) == 2


def test_a_guest_who_registers_later_with_the_email_in_any_case_is_the_same_customer(shop):
    tenant, store = shop
    with transaction.atomic():   # the webhooks go out after the e-mail is set
        guest_order = storefront.place_order(store, customer=None)
        guest_order.billing_address = {**guest_order.billing_address, "email": "Sam.Lee@Example.com",
                                       "first_name": "Sam", "last_name": "Lee"}
        guest_order.save()
    wait_for_deliveries()
    order_record = SyncRecord.objects.get(kind="order", external_id=str(guest_order.pk))
    assert order_record.status == "succeeded", order_record.last_error
    guest_id = order_record.result["customer"]
    [sales_order] = [o for o in state.sales_orders("demo") if o["CustomerOrder"] == str(guest_order.pk)]
    assert sales_order["ShipToAddress"]["State"] == "TX"

    shopper = storefront.create_customer(store, email="sam.lee@example.com", first_name="Sam", last_name="Lee",
                                         company="Lee & Sons")
    record = customer_record(shopper)
    assert record.status == "succeeded", record.last_error
    assert record.acumatica_key == guest_id
    order = storefront.place_order(store, customer=shopper)
    wait_for_deliveries()
    assert SyncRecord.objects.get(kind="order", external_id=str(order.pk)).result["customer"] == guest_id
    [customer] = acumatica_customers("sam.lee@example.com")
    assert customer["CustomerID"] == guest_id and customer["CustomerName"] == "Lee & Sons"
    assert customer["MainContact"]["Attention"] == "Sam Lee"


def test_a_long_first_address_line_continues_on_the_second(shop):
    tenant, store = shop
    line = "Building 7, Floor 12, Unit 1204, 1600 Amphitheatre Parkway North"
    shopper = storefront.create_customer(store, email="long@example.com", addresses=[
        {**storefront.DEMO_ADDRESS, "street_1": line, "street_2": ""}])
    record = customer_record(shopper)
    assert record.status == "succeeded", record.last_error
    [customer] = acumatica_customers("long@example.com")
    address = customer["MainContact"]["Address"]
    assert max(len(address["AddressLine1"]), len(address["AddressLine2"])) <= 50
    assert f"{address['AddressLine1']} {address['AddressLine2']}" == line


@pytest.mark.parametrize("change, message", [
    ({"state": "Texass"}, "State 'Texass' is not a state or province of US"),
    ({"street_1": "Building 7, Floor 12, Unit 1204, 1600 Amphitheatre Parkway North",
      "street_2": "Attention: Receiving Dock 4, behind the blue gate, ring twice"}, "two address lines"),
])
def test_an_address_acumatica_cannot_hold_needs_attention_and_nothing_is_cut(shop, change, message):
    tenant, store = shop
    shopper = storefront.create_customer(store, email="odd@example.com", addresses=[
        {**storefront.DEMO_ADDRESS, **change}])
    record = customer_record(shopper)
    assert record.status == "needs_attention" and message in record.last_error
    assert acumatica_customers("odd@example.com") == []


def test_the_sandbox_refuses_a_state_name_as_the_real_acumatica_does(shop):
    tenant, store = shop
    with acumatica_client(tenant.acumatica) as ac, pytest.raises(ApiError) as refused:
        ac.put("Customer", wrap({"CustomerID": "STATE1", "CustomerName": "State test", "MainContact": {
            "Email": "state@example.com", "Address": {"State": "Texas", "Country": "US"}}}))
    assert refused.value.status == 422 and "State" in str(refused.value)
    assert acumatica_customers("state@example.com") == []


def test_it_polls_customers_it_missed(shop):
    tenant, store = shop
    store.hooks.all().delete()
    shopper = storefront.create_customer(store, email="late@example.com")
    assert poll_customers(tenant.pk) >= 1
    assert SyncRecord.objects.get(kind="customer", external_id=str(shopper.pk)).status == "succeeded"
    assert len(acumatica_customers("late@example.com")) == 1
