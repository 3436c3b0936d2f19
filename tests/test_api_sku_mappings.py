from audit.models import AuditEvent
from tenants.models import SkuMapping
from tests.api_helpers import api_a, tenant_a  # noqa: F401 (fixtures)


def url(tenant, suffix: str = "") -> str:
    return f"/api/v1/tenants/{tenant.pk}/sku-mappings/{suffix}"


def test_it_creates_reads_updates_and_deletes_a_mapping(api_a, tenant_a):
    created = api_a.post(url(tenant_a), {"bc_sku": " blue-1 ", "inventory_id": "inv-blue"}, format="json")
    assert created.status_code == 201
    mapping_id = created.json()["id"]
    assert (created.json()["bc_sku"], created.json()["inventory_id"]) == ("blue-1", "INV-BLUE")
    assert [m["id"] for m in api_a.get(url(tenant_a)).json()["results"]] == [mapping_id]
    patched = api_a.patch(url(tenant_a, f"{mapping_id}/"), {"inventory_id": "INV-BLUE-2"}, format="json")
    assert patched.status_code == 200 and patched.json()["inventory_id"] == "INV-BLUE-2"
    assert api_a.delete(url(tenant_a, f"{mapping_id}/")).status_code == 204
    assert not SkuMapping.objects.filter(pk=mapping_id).exists()
    assert list(AuditEvent.objects.filter(tenant=tenant_a, action__startswith="sku_mapping")
                .values_list("action", flat=True)) == ["sku_mapping.created", "sku_mapping.updated",
                                                       "sku_mapping.deleted"]


def test_it_refuses_a_case_insensitive_duplicate_with_400(api_a, tenant_a):
    SkuMapping.objects.create(tenant=tenant_a, bc_sku="Blue-1", inventory_id="INV-1")
    same_sku = api_a.post(url(tenant_a), {"bc_sku": "BLUE-1", "inventory_id": "INV-2"}, format="json")
    same_inventory = api_a.post(url(tenant_a), {"bc_sku": "red-1", "inventory_id": "inv-1"}, format="json")
    assert same_sku.status_code == 400 and "bc_sku" in same_sku.json()
    assert same_inventory.status_code == 400 and "inventory_id" in same_inventory.json()
    assert SkuMapping.objects.filter(tenant=tenant_a).count() == 1


def test_it_bulk_upserts_by_sku(api_a, tenant_a):
    SkuMapping.objects.create(tenant=tenant_a, bc_sku="Blue-1", inventory_id="INV-1")
    response = api_a.post(url(tenant_a, "bulk-upsert/"), {"mappings": [
        {"bc_sku": "blue-1", "inventory_id": "INV-1B"}, {"bc_sku": "RED-1", "inventory_id": "inv-red"}]},
        format="json")
    assert response.status_code == 200, response.content
    assert (response.json()["created"], response.json()["updated"]) == (1, 1)
    assert dict(SkuMapping.objects.filter(tenant=tenant_a).values_list("bc_sku", "inventory_id")) == {
        "blue-1": "INV-1B", "RED-1": "INV-RED"}
    assert AuditEvent.objects.filter(action="sku_mapping.bulk_upserted", tenant=tenant_a).count() == 1


def test_it_saves_nothing_from_a_bulk_upsert_with_a_clash(api_a, tenant_a):
    SkuMapping.objects.create(tenant=tenant_a, bc_sku="Blue-1", inventory_id="INV-1")
    repeated = api_a.post(url(tenant_a, "bulk-upsert/"), {"mappings": [
        {"bc_sku": "a", "inventory_id": "X"}, {"bc_sku": "A", "inventory_id": "Y"}]}, format="json")
    clash = api_a.post(url(tenant_a, "bulk-upsert/"), {"mappings": [
        {"bc_sku": "new-1", "inventory_id": "NEW"}, {"bc_sku": "new-2", "inventory_id": "inv-1"}]}, format="json")
    assert repeated.status_code == 400 and clash.status_code == 400
    assert list(SkuMapping.objects.filter(tenant=tenant_a).values_list("bc_sku", flat=True)) == ["Blue-1"]
