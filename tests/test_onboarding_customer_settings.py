"""The customer field ownership settings are edited in the onboarding form's Settings part."""
import pytest

from tenants.models import Tenant
from tests.test_secrets_at_rest import ONBOARDING


@pytest.fixture
def saved(client, merchant):
    client.force_login(merchant)
    client.post("/onboarding/new/", ONBOARDING)
    return client, Tenant.objects.get()


def test_new_tenants_leave_matched_customers_to_acumatica(saved):
    client, tenant = saved
    assert (tenant.customer_name_owner, tenant.customer_contact_owner, tenant.customer_address_owner) == (
        "acumatica", "acumatica", "acumatica")
    page = client.get(f"/onboarding/{tenant.slug}/").content.decode()
    assert "Customers matched by e-mail" in page and 'name="customer_address_owner"' in page


def test_the_merchant_gives_a_group_to_bigcommerce_and_it_is_shown_back(saved):
    client, tenant = saved
    response = client.post(f"/onboarding/{tenant.slug}/", {**ONBOARDING, "customer_address_owner": "bigcommerce"})
    assert response.status_code == 302
    tenant.refresh_from_db()
    assert tenant.customer_address_owner == "bigcommerce" and tenant.customer_name_owner == "acumatica"
    page = client.get(f"/onboarding/{tenant.slug}/").content.decode()
    assert '<option value="bigcommerce" selected>' in page


def test_an_unknown_owner_is_a_field_error(saved):
    client, tenant = saved
    response = client.post(f"/onboarding/{tenant.slug}/", {**ONBOARDING, "customer_name_owner": "nobody"})
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    tenant.refresh_from_db()
    assert tenant.customer_name_owner == "acumatica"
