"""The order settings of issue #11 are edited where the merchant works: the onboarding page's Orders section."""
import pytest

from tenants.models import Tenant
from tests.test_secrets_at_rest import ONBOARDING

SETTINGS = {"paid_status_ids": "[2, 11]", "sync_authorized_orders": "on", "invoice_mode": "connector",
            "time_zone": "America/New_York", "channel_ids": "[1, 2]", "multi_address_policy": "first",
            "payment_method_map": '{"stripe": "CC", "giftcertificate": "GIFTCERT"}', "cash_account_map": "{}",
            "unmapped_gateways_use_default": "on", "default_payment_method": "CC", "default_cash_account": "10200",
            "no_sku_item": "NOSKU", "fee_item": "FEES"}


@pytest.fixture
def logged_in(client, merchant):
    client.force_login(merchant)
    return client


def test_it_shows_and_saves_the_order_settings(logged_in):
    page = logged_in.get("/onboarding/new/").content.decode()
    assert "<h2>Orders</h2>" in page and 'name="unmapped_gateways_use_default"' in page and 'name="fee_item"' in page
    response = logged_in.post("/onboarding/new/", {**ONBOARDING, **SETTINGS})
    assert response.status_code == 302, response.context["form"].errors
    tenant = Tenant.objects.get(name="Form Co")
    assert tenant.time_zone == "America/New_York" and tenant.channel_ids == [1, 2]
    assert tenant.payment_method_map == {"stripe": "CC", "giftcertificate": "GIFTCERT"}
    assert tenant.unmapped_gateways_use_default and tenant.sync_authorized_orders and not tenant.freight_taxable
    assert (tenant.no_sku_item, tenant.fee_item, tenant.multi_address_policy) == ("NOSKU", "FEES", "first")
    edit = logged_in.get(response.url).content.decode()
    assert "America/New_York" in edit and "GIFTCERT" in edit


@pytest.mark.parametrize("field, value, message", [
    ("time_zone", "Mars/Olympus", "not a time zone"),
    ("channel_ids", '["web"]', "channel ids"),
    ("payment_method_map", '{"stripe": 5}', "JSON object of names"),
])
def test_it_refuses_bad_order_settings_on_their_field(logged_in, field, value, message):
    response = logged_in.post("/onboarding/new/", {**ONBOARDING, **SETTINGS, field: value})
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert not Tenant.objects.exists()


def test_a_catch_all_needs_its_payment_method(logged_in):
    response = logged_in.post("/onboarding/new/", {**ONBOARDING, **SETTINGS, "default_payment_method": ""})
    assert "catch-all" in " ".join(response.context["form"].errors["default_payment_method"])
