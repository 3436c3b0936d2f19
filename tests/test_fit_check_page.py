"""The fit check page: who may see it and upload mappings, the unmatched-SKU CSV in the upload's format, bad
rows reported by line, and the dashboard's Fix link for SKU problems leading to its SKU section."""
import csv
import io
import re

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from audit.health import fix_for
from sandbox.catalog_data import demo_catalog
from tenants.models import Membership, SkuMapping
from tests.catalog_helpers import wire_tenant

pytestmark = pytest.mark.e2e


@pytest.fixture
def env(make_tenant, live_server):
    """Two products and the three items whose codes differ, unmapped: three unmatched SKUs."""
    return wire_tenant(make_tenant, live_server.url, "page", demo_catalog(count=2), map_codes=False)


def csv_upload(text: str) -> dict:
    return {"csv_file": SimpleUploadedFile("map.csv", text.encode(), content_type="text/csv")}


def test_an_outsider_gets_404_and_a_viewer_sees_but_cannot_upload(client, env, merchant, merchant_of):
    tenant = env.tenant
    page = reverse("fit-check", args=[tenant.slug])
    client.force_login(merchant)
    assert client.get(page).status_code == 404
    assert client.get(reverse("fit-check-unmatched-csv", args=[tenant.slug])).status_code == 404

    client.force_login(merchant_of(tenant, "viewer", role=Membership.Role.VIEWER))
    response = client.get(page)
    assert response.status_code == 200
    assert b"3</strong> match none" in response.content and b"Upload mappings" not in response.content
    assert b"3 Acumatica items match no SKU of the store" in response.content
    upload = client.post(reverse("fit-check-upload", args=[tenant.slug]), csv_upload("bc_sku,inventory_id\nA,B\n"))
    assert upload.status_code == 403
    assert not SkuMapping.objects.filter(tenant=tenant).exists()


def test_the_csv_lists_the_unmatched_and_imports_back_filled_in(client, env, merchant_of):
    tenant = env.tenant
    client.force_login(merchant_of(tenant, "operator", role=Membership.Role.OPERATOR))

    download = client.get(reverse("fit-check-unmatched-csv", args=[tenant.slug]))
    rows = list(csv.reader(io.StringIO(download.content.decode())))
    assert download["Content-Type"].startswith("text/csv")
    assert rows == [["bc_sku", "inventory_id"], ["GIFT-WRAP", ""], ["MUG-OLD-7", ""], ["TSHIRT-LEGACY-01", ""]]

    filled = {"GIFT-WRAP": "SVC-GIFTWRAP", "MUG-OLD-7": "MUG-0007", "TSHIRT-LEGACY-01": ""}
    text = "bc_sku,inventory_id\n" + "".join(f"{sku},{filled[sku]}\n" for sku, _ in rows[1:])
    response = client.post(reverse("fit-check-upload", args=[tenant.slug]), csv_upload(text), follow=True)

    shown = [str(m) for m in response.context["messages"]]
    assert "SKU mappings imported: 2 new, 0 changed." in shown
    assert "Line 4: both the SKU and the InventoryID are needed." in shown
    assert response.context["report"].skus.counts["unmatched"] == 1
    assert b"1</strong> match none" in response.content


def test_sku_problems_link_to_the_fit_checks_sku_section(tenant):
    skus = f"/onboarding/{tenant.slug}/fit-check/#skus"
    for message in ["SKU 'ABC' has no Acumatica InventoryID: add a SKU mapping or create the item.",
                    "SKU X-1 not found in BigCommerce (Acumatica InventoryID X-1). Create a product or variant",
                    "Details line 1: InventoryID: 'Inventory ID' cannot be found in the system.",
                    "InventoryID Y has no SKU mapping and the tenant does not use the same code on both sides."]:
        assert fix_for(tenant, message) == (skus, "Match the SKUs")
    assert fix_for(tenant, "No Acumatica payment method for 'testgateway'")[0].endswith("#id_payment_method_map")


def test_the_settings_it_links_to_exist_on_the_settings_page(client, tenant, merchant_of):
    template = (settings.BASE_DIR / "templates" / "tenants" / "fit_check.html").read_text()
    anchors = set(re.findall(r"url 'onboarding-edit' tenant\.slug %\}#([\w-]+)", template))
    assert anchors >= {"id_payment_method_map", "id_catalog_excluded_items"}
    client.force_login(merchant_of(tenant))
    page = client.get(reverse("onboarding-edit", args=[tenant.slug])).content.decode()
    assert [a for a in anchors if f'id="{a}"' not in page] == []
