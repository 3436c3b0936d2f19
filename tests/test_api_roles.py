"""A viewer of a tenant reads its data but cannot replay records or change SKU mappings (403)."""
import pytest

from audit.models import Status, SyncRecord
from tenants.models import Membership, SkuMapping
from tests.api_helpers import record_a, tenant_a, token_client  # noqa: F401 (fixtures)


@pytest.fixture
def api_viewer(tenant_a, merchant_of):
    return token_client(merchant_of(tenant_a, "victor", role=Membership.Role.VIEWER))


def test_it_lets_a_viewer_read(api_viewer, record_a):
    assert api_viewer.get(f"/api/v1/records/{record_a.pk}/events/").status_code == 200


def test_it_refuses_a_viewers_replay(api_viewer, record_a):
    SyncRecord.objects.filter(pk=record_a.pk).update(status=Status.NEEDS_ATTENTION)
    response = api_viewer.post(f"/api/v1/records/{record_a.pk}/replay/", {}, format="json")
    assert response.status_code == 403 and "operator or owner" in response.json()["detail"]
    record_a.refresh_from_db()
    assert record_a.status == Status.NEEDS_ATTENTION


def test_it_refuses_a_viewers_mapping_changes(api_viewer, tenant_a):
    base = f"/api/v1/tenants/{tenant_a.pk}/sku-mappings/"
    mapping = SkuMapping.objects.create(tenant=tenant_a, bc_sku="A", inventory_id="A")
    assert api_viewer.get(base).status_code == 200
    assert api_viewer.post(base, {"bc_sku": "B", "inventory_id": "B"}, format="json").status_code == 403
    assert api_viewer.delete(f"{base}{mapping.pk}/").status_code == 403
    assert api_viewer.post(f"{base}bulk-upsert/", {"mappings": []}, format="json").status_code == 403
    assert list(SkuMapping.objects.filter(tenant=tenant_a).values_list("bc_sku", flat=True)) == ["A"]
