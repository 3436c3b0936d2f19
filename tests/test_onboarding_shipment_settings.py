"""The shipping provider settings of issue #20 (Ship Via -> BigCommerce shipping provider, default provider) are
edited on the settings page's Shipments section, refused there when BigCommerce does not know the provider."""
import pytest

from audit.health import fix_for
from sync.shipments_mapping import ShipmentProblem, shipment_body
from tenants.models import Tenant
from tests.test_secrets_at_rest import ONBOARDING

SHIPPING = {"shipping_provider_map": '{"FEDEX2DAY": "fedex", "COURIER": "carrier_1234567"}',
            "default_shipping_provider": "usps"}


@pytest.fixture
def logged_in(client, merchant):
    client.force_login(merchant)
    return client


def test_it_shows_and_saves_the_shipping_providers(logged_in):
    page = logged_in.get("/onboarding/new/").content.decode()
    assert 'id="shipments"' in page and 'name="shipping_provider_map"' in page
    response = logged_in.post("/onboarding/new/", {**ONBOARDING, **SHIPPING})
    assert response.status_code == 302, response.context["form"].errors
    tenant = Tenant.objects.get(name="Form Co")
    assert tenant.shipping_provider_map == {"FEDEX2DAY": "fedex", "COURIER": "carrier_1234567"}
    assert tenant.default_shipping_provider == "usps"
    edit = logged_in.get(response.url).content.decode()
    assert "FEDEX2DAY" in edit and "carrier_1234567" in edit


def test_an_empty_map_and_default_mean_carrier_names_then_aftership(logged_in):
    response = logged_in.post("/onboarding/new/", {**ONBOARDING, "shipping_provider_map": "",
                                                   "default_shipping_provider": ""})
    assert response.status_code == 302, response.context["form"].errors
    tenant = Tenant.objects.get()
    assert (tenant.shipping_provider_map, tenant.default_shipping_provider) == ({}, "")


def test_a_post_without_them_keeps_them(logged_in):
    logged_in.post("/onboarding/new/", {**ONBOARDING, **SHIPPING})
    tenant = Tenant.objects.get()
    assert logged_in.post(f"/onboarding/{tenant.slug}/", ONBOARDING).status_code == 302
    tenant.refresh_from_db()
    assert tenant.shipping_provider_map["FEDEX2DAY"] == "fedex" and tenant.default_shipping_provider == "usps"


@pytest.mark.parametrize("field, value, message", [
    ("shipping_provider_map", '{"FEDEX2DAY": "fedx"}', "Unknown BigCommerce shipping provider 'fedx'"),
    ("shipping_provider_map", '{"FEDEX2DAY": "FedEx"}', "use one of auspost, canadapost"),
    ("shipping_provider_map", '{"FEDEX2DAY": "carrier_"}', "carrier_<id>"),
    ("shipping_provider_map", '{"FEDEX2DAY": 5}', "JSON object of Ship Via codes"),
    ("shipping_provider_map", '["fedex"]', "JSON object of Ship Via codes"),
    ("shipping_provider_map", '{"FEDEX2DAY": ', "Enter a valid JSON"),
    ("default_shipping_provider", "dhl", "Unknown BigCommerce shipping provider 'dhl'"),
])
def test_it_refuses_unknown_providers_on_their_field(logged_in, field, value, message):
    response = logged_in.post("/onboarding/new/", {**ONBOARDING, **SHIPPING, field: value})
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert not Tenant.objects.exists()


def test_what_the_page_accepts_the_shipment_mapping_sends():
    """The page is stricter than the mapping, never looser: every accepted code passes shipment_body."""
    shipment = {"ShipmentNbr": "000001", "Packages": [{"TrackingNbr": "1Z"}]}
    for provider in ("fedex", "upsready", "carrier_42", ""):
        assert shipment_body(shipment, 1, [], provider)["shipping_provider"] == provider
    with pytest.raises(ShipmentProblem):
        shipment_body(shipment, 1, [], "Fed Ex")


@pytest.mark.parametrize("role", ["owner", "viewer"])
def test_the_shipping_provider_fix_link_leads_to_the_section(client, tenant, merchant_of, role):
    client.force_login(merchant_of(tenant, role=role))
    error = ("'fed ex' is not a BigCommerce shipping provider code (such as usps, ...). "
             "Fix the tenant's shipping provider settings, then replay.")
    url, label = fix_for(tenant, error, can_manage=role == "owner")
    assert (url, label) == (f"/onboarding/{tenant.slug}/#shipments", "Set the shipping providers")
    page = client.get(url.split("#")[0]).content.decode()
    section = page.split('id="shipments"', 1)[1].split("</section>", 1)[0]
    assert 'name="shipping_provider_map"' in section and 'name="default_shipping_provider"' in section
    assert (" disabled" in section) == (role == "viewer")
