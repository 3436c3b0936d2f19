"""In a real browser: an order whose SKU has no InventoryID links from the dashboard to the fit check's SKUs;
the fit check shows the unmatched SKUs; the downloaded CSV, filled in and uploaded, matches them."""
import csv
import io

import pytest
from playwright.sync_api import expect

from audit.models import Status
from sandbox.catalog_data import MISMATCHED_CODES, demo_catalog
from tests.audit_helpers import make_record
from tests.browser_helpers import browser, log_in, page  # noqa: F401 (fixtures)
from tests.catalog_helpers import wire_tenant

pytestmark = [pytest.mark.browser, pytest.mark.e2e]


def test_unmatched_skus_download_fill_upload_then_matched(page, make_tenant, live_server, merchant_of, tmp_path):
    env = wire_tenant(make_tenant, live_server.url, "fitb", demo_catalog(count=2), map_codes=False)
    make_record(env.tenant, "7", status=Status.NEEDS_ATTENTION,
                last_error="SKU 'MUG-OLD-7' has no Acumatica InventoryID: add a SKU mapping or create the item.")
    log_in(page, merchant_of(env.tenant, "owner"))
    page.goto(f"/dashboard/{env.tenant.slug}/")
    page.locator("li.problem", has_text="1 order: needs attention").get_by_role("link", name="Fix: Match the SKUs").click()
    expect(page).to_have_url(f"{page.base_url}/onboarding/{env.tenant.slug}/fit-check/#skus")
    skus = page.locator("#skus")
    expect(skus.locator("#sku-summary")).to_contain_text("3 match none")
    expect(skus.locator("#unmatched-skus")).to_contain_text("TSHIRT-LEGACY-01")

    with page.expect_download() as download:
        page.get_by_role("link", name="Download unmatched SKUs (CSV)").click()
    rows = list(csv.reader(io.StringIO(download.value.path().read_text())))
    assert rows[0] == ["bc_sku", "inventory_id"] and len(rows) == 4

    filled = tmp_path / "mappings.csv"
    with filled.open("w", newline="") as out:
        csv.writer(out).writerows([rows[0], *([sku, MISMATCHED_CODES[sku]] for sku, _ in rows[1:])])
    page.get_by_label("Mapping CSV (columns bc_sku, inventory_id)").set_input_files(filled)
    page.get_by_role("button", name="Upload mappings").click()

    expect(page.get_by_text("SKU mappings imported: 3 new, 0 changed.")).to_be_visible()
    expect(skus.locator("#sku-summary")).to_contain_text("0 match none")
    expect(skus).to_contain_text("Every SKU has an Acumatica item.")
    expect(page.locator("#mapping-list")).to_contain_text("MUG-0007")
