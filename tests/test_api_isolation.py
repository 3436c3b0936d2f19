"""A user of tenant A gets 404 for everything of tenant B; nobody unauthenticated gets anything."""
import pytest
from rest_framework.test import APIClient

from audit.models import Status, SyncRecord
from tenants.models import SkuMapping
from tests.api_helpers import api_a, record_a, record_b, tenant_a, tenant_b  # noqa: F401 (fixtures)


@pytest.fixture
def mapping_b(tenant_b) -> SkuMapping:
    return SkuMapping.objects.create(tenant=tenant_b, bc_sku="B-1", inventory_id="INV-B1")


def other_tenant_requests(record_b, tenant_b, mapping_b) -> list[tuple[str, str, dict | None]]:
    mappings = f"/api/v1/tenants/{tenant_b.pk}/sku-mappings/"
    return [
        ("get", f"/api/v1/tenants/{tenant_b.pk}/", None),
        ("get", f"/api/v1/records/{record_b.pk}/", None),
        ("get", f"/api/v1/records/{record_b.pk}/events/", None),
        ("post", f"/api/v1/records/{record_b.pk}/replay/", {"reason": "x"}),
        ("get", mappings, None),
        ("post", mappings, {"bc_sku": "X", "inventory_id": "X"}),
        ("get", f"{mappings}{mapping_b.pk}/", None),
        ("patch", f"{mappings}{mapping_b.pk}/", {"inventory_id": "HIJACK"}),
        ("delete", f"{mappings}{mapping_b.pk}/", None),
        ("post", f"{mappings}bulk-upsert/", {"mappings": [{"bc_sku": "X", "inventory_id": "X"}]}),
    ]


def test_it_answers_404_for_another_tenants_objects(api_a, record_a, record_b, tenant_b, mapping_b):
    SyncRecord.objects.filter(pk=record_b.pk).update(status=Status.NEEDS_ATTENTION)
    for method, url, data in other_tenant_requests(record_b, tenant_b, mapping_b):
        response = getattr(api_a, method)(url, data, format="json")
        assert response.status_code == 404, (method, url, response.status_code)
    record_b.refresh_from_db()
    mapping_b.refresh_from_db()
    assert record_b.status == Status.NEEDS_ATTENTION and mapping_b.inventory_id == "INV-B1"
    assert SkuMapping.objects.filter(tenant=tenant_b).count() == 1


def test_it_hides_other_tenants_from_lists(api_a, tenant_a, tenant_b, record_b):
    assert [t["slug"] for t in api_a.get("/api/v1/tenants/").json()["results"]] == ["alpha"]
    assert api_a.get("/api/v1/records/", {"tenant": tenant_b.pk}).json()["results"] == []


def test_it_answers_401_without_credentials(record_a, record_b, tenant_b, mapping_b):
    client = APIClient()
    requests = [("get", "/api/v1/tenants/", None), ("get", "/api/v1/records/", None)]
    for method, url, data in requests + other_tenant_requests(record_b, tenant_b, mapping_b):
        response = getattr(client, method)(url, data, format="json")
        assert response.status_code == 401, (method, url, response.status_code)
    assert APIClient(HTTP_AUTHORIZATION="Token not-a-real-token").get("/api/v1/records/").status_code == 401


def test_it_accepts_a_session_login(merchant_of, tenant_a, record_a):
    client = APIClient()
    client.force_login(merchant_of(tenant_a, "sessionuser"))
    assert client.get(f"/api/v1/records/{record_a.pk}/").status_code == 200


def test_it_never_shows_connection_secrets(api_a, tenant_a, record_a):
    texts = [api_a.get(url).content.decode() for url in
             ("/api/v1/tenants/", f"/api/v1/tenants/{tenant_a.pk}/", f"/api/v1/records/{record_a.pk}/",
              f"/api/v1/records/{record_a.pk}/events/")]
    assert all("SECRET" not in text for text in texts)
