import pytest
from django.db import IntegrityError, transaction

from tenants.models import SkuMapping
from tenants.sku_import import import_sku_mappings


def test_it_keeps_skus_unique_without_regard_to_case(tenant):
    SkuMapping.objects.create(tenant=tenant, bc_sku="Shirt-Red", inventory_id="SHIRT01")
    with pytest.raises(IntegrityError), transaction.atomic():
        SkuMapping.objects.create(tenant=tenant, bc_sku="shirt-red", inventory_id="SHIRT02")
    with pytest.raises(IntegrityError), transaction.atomic():
        SkuMapping.objects.create(tenant=tenant, bc_sku="Other", inventory_id="shirt01")


def test_it_allows_the_same_codes_in_another_tenant(tenant, make_tenant):
    SkuMapping.objects.create(tenant=tenant, bc_sku="A", inventory_id="X")
    SkuMapping.objects.create(tenant=make_tenant("beta"), bc_sku="A", inventory_id="X")
    assert SkuMapping.objects.count() == 2


def test_it_upper_cases_inventory_ids(tenant):
    mapping = SkuMapping.objects.create(tenant=tenant, bc_sku=" abc ", inventory_id=" ab-1 ")
    assert (mapping.bc_sku, mapping.inventory_id) == ("abc", "AB-1")


def test_it_imports_csv_with_creates_updates_and_line_errors(tenant):
    SkuMapping.objects.create(tenant=tenant, bc_sku="OLD", inventory_id="OLD-1")
    data = (b"bc_sku,inventory_id\n"
            b"NEW-1,inv-1\n"
            b"old,OLD-2\n"
            b",MISSING\n"
            b"DUP,INV-1\n"
            b"TOO-LONG," + b"X" * 31 + b"\n")
    result = import_sku_mappings(tenant, data)
    assert (result.created, result.updated) == (1, 1)
    assert result.errors == [
        "Line 4: both the SKU and the InventoryID are needed.",
        "Line 5: InventoryID INV-1 is already mapped to another SKU.",
        f"Line 6: InventoryID {'X' * 31!r} is longer than Acumatica's 30 characters.",
    ]
    assert dict(SkuMapping.objects.values_list("bc_sku", "inventory_id")) == {"NEW-1": "INV-1", "OLD": "OLD-2"}


def test_it_refuses_a_csv_without_the_header(tenant):
    result = import_sku_mappings(tenant, b"A,B\n")
    assert result.errors == ["The first row must name the columns bc_sku and inventory_id."]
    assert not SkuMapping.objects.exists()


def test_it_imports_through_the_admin(client, staff, tenant):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(staff)
    assert "Import CSV" in client.get("/admin/tenants/skumapping/").content.decode()
    upload = SimpleUploadedFile("map.csv", b"sku,inventoryid\nW-1,WID-1\n", content_type="text/csv")
    response = client.post("/admin/tenants/skumapping/import/", {"tenant": tenant.pk, "csv_file": upload},
                           follow=True)
    assert "1 created, 0 updated" in response.content.decode()
    assert SkuMapping.objects.get().inventory_id == "WID-1"
    assert client.get("/admin/tenants/skumapping/?q=wid").content.decode().count("WID-1") >= 1
