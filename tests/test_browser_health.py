"""In a real browser: a tenant with failures shows a red banner and grouped problems; the Fix link leads to
the setting, and after fixing it Retry all turns the tenant green; the record page has its links."""
import pytest
from django.test import override_settings
from playwright.sync_api import expect

from audit.models import SyncRecord
from sandbox.bigcommerce import storefront
from sandbox.bigcommerce.models import Store
from sandbox.catalog_data import demo_catalog
from sandbox.demo import connect_sandbox_tenant
from sync.jobs import check_webhooks_job
from sync.polling import queue_orders
from tenants.models import AcumaticaConnection
from tests.browser_helpers import browser, log_in, page  # noqa: F401 (fixtures)
from tests.qcluster_helpers import wait_until

pytestmark = [pytest.mark.browser, pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def statuses(tenant) -> set[str]:
    return set(SyncRecord.objects.filter(tenant=tenant, kind="order").values_list("status", flat=True))


@pytest.fixture
def broken_shop(live_server, merchant_of):
    """Two paid orders that could not reach Acumatica because the stored password is wrong."""
    # DEBUG: the sandbox instance is served over http, which the form refuses outside DEBUG.
    with override_settings(PUBLIC_BASE_URL=live_server.url, SYNC_MAX_ATTEMPTS=1, DEBUG=True):
        tenant = connect_sandbox_tenant(live_server.url, catalog=demo_catalog(count=3))
        good_password = tenant.acumatica.password
        connection = AcumaticaConnection.objects.get(tenant=tenant)
        connection.password = "not-the-password"
        connection.save()
        check_webhooks_job(tenant.pk)
        store = Store.objects.get(store_hash="demo1234")
        orders = [storefront.place_order(store, lines=[("SKU-00001", 1)], coupon=None) for _ in range(2)]
        queue_orders(tenant, [o.pk for o in orders])  # Q_SYNC: runs here, and fails
        # The store's webhooks reach the live server too and may run the same records there: wait for both.
        wait_until(lambda: statuses(tenant) == {"needs_attention"} and SyncRecord.objects.filter(tenant=tenant).count() == 2)
        yield tenant, good_password, merchant_of(tenant, "owner")


def test_fix_then_retry_all_turns_a_red_tenant_green(page, broken_shop):
    tenant, good_password, owner = broken_shop
    log_in(page, owner)
    page.goto(f"/dashboard/{tenant.slug}/")
    banner = page.get_by_role("status")
    expect(banner).to_have_attribute("data-state", "red")
    expect(banner).to_contain_text("Action needed")
    problem = page.locator("li.problem", has_text="2 orders: need attention")
    expect(problem).to_be_visible()

    problem.get_by_role("link", name="Fix: Check the Acumatica sign-in").click()
    expect(page).to_have_url(f"{page.base_url}/onboarding/{tenant.slug}/#acumatica")
    page.get_by_label("Password").fill(good_password)
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text(f"Saved {tenant.name}.")).to_be_visible()

    page.goto(f"/dashboard/{tenant.slug}/")
    page.locator("li.problem", has_text="2 orders: need attention").get_by_role("button", name="Retry all 2").click()
    expect(page.get_by_text("2 record(s) queued to run again.")).to_be_visible()
    expect(page.get_by_role("status")).to_have_attribute("data-state", "green")
    expect(page.get_by_text("Nothing needs you right now.")).to_be_visible()
    assert statuses(tenant) == {"succeeded"}


def test_the_record_page_shows_the_error_replay_and_links_to_both_systems(page, broken_shop):
    tenant, _, owner = broken_shop
    record = SyncRecord.objects.filter(tenant=tenant, kind="order").first()
    log_in(page, owner)
    page.goto(f"/dashboard/{tenant.slug}/records/?q={record.external_id}")
    page.get_by_role("link", name=f"order {record.external_id}").click()
    expect(page.get_by_role("heading", name=f"Order {record.external_id}")).to_be_visible()
    expect(page.locator(".error-box")).to_contain_text("What went wrong")
    replay = page.get_by_role("button", name="Replay")
    assert replay.bounding_box()["y"] < page.viewport_size["height"] / 2  # at the top
    link = page.get_by_role("link", name=f"order {record.external_id} in the store's control panel")
    expect(link).to_have_attribute("href", f"/admin/sandbox_bigcommerce/order/?q={record.external_id}")
    expect(page.get_by_role("cell", name="record.needs_attention").first).to_be_visible()
