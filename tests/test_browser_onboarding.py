"""In a real browser, a newcomer onboards on the sandbox: "Use the sandbox", a failed Test connection, the fix,
settings from lists read live, the fit check (unmatched SKUs fixed with a CSV), Start; then the first order
reaches Acumatica without anyone from staff."""
import pytest
from playwright.sync_api import expect

from audit.models import SyncRecord
from sandbox.acumatica import state
from sandbox.bigcommerce import storefront
from sandbox.bigcommerce.models import Store
from sandbox.catalog_data import MISMATCHED_CODES, demo_catalog
from sync.polling import poll_orders
from tenants.models import Tenant
from tests.browser_helpers import browser, log_in, page  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.e2e]


def test_a_newcomer_onboards_on_the_sandbox_and_the_first_order_reaches_acumatica(
        page, live_server, merchant, monkeypatch, settings, tmp_path):
    settings.DEBUG = True  # the sandbox listens on http
    monkeypatch.setattr("sandbox.demo.provisioned_catalog", lambda: demo_catalog(count=3))
    log_in(page, merchant)
    page.goto("/onboarding/")
    expect(page.get_by_role("heading", name="Connect your store")).to_be_visible()
    page.get_by_role("button", name="Use the sandbox").click()
    expect(page.locator("li.success")).to_contain_text("A fresh sandbox store")

    # A wrong endpoint version fails the test; nothing else needs typing again to fix it.
    page.get_by_label("Business name").fill("Browser Co")
    page.get_by_label("Endpoint version").fill("21.200.001")
    page.get_by_role("button", name="Test connection").click()
    results = page.locator("#connection-results")
    expect(results.locator("li", has_text="failed")).to_contain_text("Endpoint version")
    page.get_by_label("Endpoint version").fill("24.200.001")
    page.get_by_role("button", name="Test connection").click()

    expect(page).to_have_url(f"{live_server.url}/onboarding/start/settings/")
    # Lists read from the sandbox instance, with a distributor's picks pre-selected.
    expect(page.get_by_label("Payment method for 'testgateway'")).to_have_value("CC")
    expect(page.get_by_label("Cash account for 'testgateway'")).to_have_value("10250")
    expect(page.get_by_label("Tax ID for BigCommerce's tax")).to_have_value("BCTAX")
    page.get_by_label("Branch").select_option("MAIN")
    expect(page.get_by_label("Refund adjustment item")).to_have_value("BCREFUND")
    expect(page.get_by_label("Awaiting Fulfillment (11)")).to_be_checked()
    page.get_by_role("button", name="Save and continue").click()

    tenant = Tenant.objects.get(name="Browser Co")
    expect(page).to_have_url(f"{live_server.url}/onboarding/{tenant.slug}/start/")
    page.get_by_role("link", name="Run the fit check").click()
    expect(page.locator("#unmatched-skus")).to_contain_text("TSHIRT-LEGACY-01")
    mappings = tmp_path / "mappings.csv"
    mappings.write_text("bc_sku,inventory_id\n" + "".join(f"{s},{i}\n" for s, i in MISMATCHED_CODES.items()))
    page.get_by_label("Mapping CSV (columns bc_sku, inventory_id)").set_input_files(mappings)
    page.get_by_role("button", name="Upload mappings").click()
    expect(page.get_by_text("SKU mappings imported: 3 new, 0 changed.")).to_be_visible()

    page.get_by_role("link", name="Continue to Start").click()
    page.get_by_role("button", name="Start syncing").click()
    expect(page).to_have_url(f"{live_server.url}/dashboard/{tenant.slug}/")
    expect(page.locator("li.success")).to_contain_text("first order poll and catalog push are under way")

    store = Store.objects.get(store_hash=tenant.bigcommerce.store_hash)
    order = storefront.place_order(store, lines=[("SKU-00001", 1)])
    poll_orders(tenant.pk)  # the catch-up poll, without the scheduled job's grace (Q_SYNC: processed inline)
    record = SyncRecord.objects.get(tenant=tenant, kind="order", external_id=str(order.pk))
    assert record.status == "succeeded", record.last_error
    reference = f"BC-{store.store_hash}-{order.pk}"
    [sales_order] = state.sales_orders(store.store_hash)
    assert (sales_order["ExternalRef"], sales_order["FinancialSettings"]["Branch"]) == (reference, "MAIN")
