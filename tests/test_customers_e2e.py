"""Customers from BigCommerce to Acumatica: matched by binding, then e-mail; never duplicated."""
import pytest
from django.test import override_settings

from audit.models import SyncRecord
from sandbox.acumatica import state
from sandbox.bigcommerce import storefront
from sandbox.bigcommerce.models import Store
from sandbox.bigcommerce.webhooks import wait_for_deliveries
from sandbox.catalog_data import demo_catalog
from sandbox.demo import connect_sandbox_tenant
from sync.clients import bigcommerce_client
from sync.polling import poll_customers
from sync.webhook_registration import ensure_hooks

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def shop(live_server):
    with override_settings(PUBLIC_BASE_URL=live_server.url):
        tenant = connect_sandbox_tenant(live_server.url, catalog=demo_catalog(count=3))
        with bigcommerce_client(tenant.bigcommerce) as bc:
            ensure_hooks(tenant, bc)
        yield tenant, Store.objects.get(store_hash="demo1234")


def acumatica_customers(email: str) -> list[dict]:
    return [c for c in state.customers("demo") if (c.get("MainContact") or {}).get("Email") == email]


def test_it_creates_then_updates_one_customer_even_when_the_email_changes(shop):
    tenant, store = shop
    shopper = storefront.create_customer(store, email="mia@example.com", first_name="Mia", last_name="Wong",
                                         phone="555-0199")
    wait_for_deliveries()
    record = SyncRecord.objects.get(kind="customer", external_id=str(shopper.pk))
    assert record.status == "succeeded", record.last_error
    [created] = acumatica_customers("mia@example.com")
    assert created["CustomerName"] == "Mia Wong" and created["MainContact"]["Phone1"] == "555-0199"

    storefront.update_customer(shopper, email="mia.wong@example.com", last_name="Wong-Li")
    wait_for_deliveries()
    record.refresh_from_db()
    assert record.status == "succeeded", record.last_error
    assert acumatica_customers("mia@example.com") == []
    [updated] = acumatica_customers("mia.wong@example.com")
    assert updated["CustomerID"] == created["CustomerID"] and updated["CustomerName"] == "Mia Wong-Li"


def test_it_matches_an_existing_acumatica_customer_by_email(shop):
    tenant, store = shop
    existing = acumatica_customers("grace@example.com")[0]  # seeded in the sandbox Acumatica
    shopper = storefront.create_customer(store, email="grace@example.com", first_name="Grace", last_name="Hopper")
    wait_for_deliveries()
    record = SyncRecord.objects.get(kind="customer", external_id=str(shopper.pk))
    assert record.status == "succeeded" and record.acumatica_key == existing["CustomerID"]
    assert len(acumatica_customers("grace@example.com")) == 1


def test_it_polls_customers_it_missed(shop):
    tenant, store = shop
    store.hooks.all().delete()
    shopper = storefront.create_customer(store, email="late@example.com")
    assert poll_customers(tenant.pk) >= 1
    assert SyncRecord.objects.get(kind="customer", external_id=str(shopper.pk)).status == "succeeded"
    assert len(acumatica_customers("late@example.com")) == 1
