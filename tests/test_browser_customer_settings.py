"""A merchant sets who owns matched customers' fields in the onboarding page, in a real browser."""
import pytest
from playwright.sync_api import expect

from tests.browser_helpers import browser, log_in, page  # noqa: F401 (fixtures)

pytestmark = pytest.mark.browser


def test_the_merchant_gives_matched_addresses_to_bigcommerce(page, tenant, merchant_of, monkeypatch):
    monkeypatch.setattr("tenants.views.queue_webhook_check", lambda tenant: None)  # no real BigCommerce here
    log_in(page, merchant_of(tenant, "shopkeeper"))
    page.goto(f"/onboarding/{tenant.slug}/")
    expect(page.get_by_role("heading", name="Customers matched by e-mail")).to_be_visible()
    address = page.get_by_label("Matched customers: address")
    expect(address).to_have_value("acumatica")
    address.select_option("bigcommerce")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text(f"Saved {tenant.name}")).to_be_visible()
    expect(page.get_by_label("Matched customers: address")).to_have_value("bigcommerce")
    expect(page.get_by_label("Matched customers: name")).to_have_value("acumatica")
    tenant.refresh_from_db()
    assert (tenant.customer_address_owner, tenant.customer_name_owner) == ("bigcommerce", "acumatica")
