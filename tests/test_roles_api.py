"""Tenant roles in the REST API: each role x each action on its own tenant, and every action on
another tenant's objects (guessed ids) by each role, including a staff user who is not a superuser."""
import pytest
from django.contrib.auth import get_user_model

from audit.models import Status, SyncRecord
from tenants.models import Membership, SkuMapping
from tests.api_helpers import record_a, record_b, tenant_a, tenant_b, token_client  # noqa: F401 (fixtures)

ROLES = [Membership.Role.OWNER, Membership.Role.OPERATOR, Membership.Role.VIEWER]
READ, WRITE = "read", "write"
# What each role may do: read everything of its tenant; replay and mappings need operator or owner.
ALLOWED = {Membership.Role.OWNER: {READ, WRITE}, Membership.Role.OPERATOR: {READ, WRITE},
           Membership.Role.VIEWER: {READ}}


@pytest.fixture
def mapping_a(tenant_a) -> SkuMapping:
    return SkuMapping.objects.create(tenant=tenant_a, bc_sku="A-1", inventory_id="INV-A1")


@pytest.fixture
def mapping_b(tenant_b) -> SkuMapping:
    return SkuMapping.objects.create(tenant=tenant_b, bc_sku="B-1", inventory_id="INV-B1")


def actions_on(tenant, record, mapping) -> list[tuple[str, str, str, dict | None, int]]:
    """(kind, method, url, data, status when allowed)."""
    mappings = f"/api/v1/tenants/{tenant.pk}/sku-mappings/"
    return [
        (READ, "get", f"/api/v1/tenants/{tenant.pk}/", None, 200),
        (READ, "get", f"/api/v1/records/{record.pk}/", None, 200),
        (READ, "get", f"/api/v1/records/{record.pk}/events/", None, 200),
        (READ, "get", mappings, None, 200),
        (READ, "get", f"{mappings}{mapping.pk}/", None, 200),
        (WRITE, "post", f"/api/v1/records/{record.pk}/replay/", {"reason": "x"}, 202),
        (WRITE, "post", mappings, {"bc_sku": "NEW-1", "inventory_id": "NEW-1"}, 201),
        (WRITE, "patch", f"{mappings}{mapping.pk}/", {"inventory_id": "HIJACK"}, 200),
        (WRITE, "post", f"{mappings}bulk-upsert/", {"mappings": [{"bc_sku": "BULK-1", "inventory_id": "BULK-1"}]}, 200),
        (WRITE, "delete", f"{mappings}{mapping.pk}/", None, 204),
    ]


def member(tenant, role, *, staff=False):
    user = get_user_model().objects.create_user(f"{role}-{tenant.slug}", password=None, is_staff=staff)
    Membership.objects.create(user=user, tenant=tenant, role=role)
    return user


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_what_its_role_allows_on_its_tenant(role, tenant_a, record_a, mapping_a):
    SyncRecord.objects.filter(pk=record_a.pk).update(status=Status.NEEDS_ATTENTION)
    api = token_client(member(tenant_a, role))
    for kind, method, url, data, ok in actions_on(tenant_a, record_a, mapping_a):  # the delete comes last
        response = getattr(api, method)(url, data, format="json")
        if kind in ALLOWED[role]:
            assert response.status_code == ok, (role, method, url, response.content)
            continue
        assert response.status_code == 403, (role, method, url, response.status_code)
        assert "operator or owner" in response.json()["detail"]
    record_a.refresh_from_db()
    if WRITE in ALLOWED[role]:
        assert record_a.status == Status.PENDING and not SkuMapping.objects.filter(pk=mapping_a.pk).exists()
        assert set(SkuMapping.objects.filter(tenant=tenant_a).values_list("bc_sku", flat=True)) == {"NEW-1", "BULK-1"}
    else:
        mapping_a.refresh_from_db()
        assert record_a.status == Status.NEEDS_ATTENTION and mapping_a.inventory_id == "INV-A1"
        assert list(SkuMapping.objects.filter(tenant=tenant_a).values_list("bc_sku", flat=True)) == ["A-1"]


@pytest.mark.parametrize("staff", [False, True], ids=["member", "staff-member"])
@pytest.mark.parametrize("role", ROLES)
def test_no_role_reaches_another_tenant_by_guessed_ids(role, staff, tenant_a, tenant_b, record_b, mapping_b):
    """The audit's attack: a (staff) member of tenant A reads, replays and edits tenant B."""
    SyncRecord.objects.filter(pk=record_b.pk).update(status=Status.NEEDS_ATTENTION)
    api = token_client(member(tenant_a, role, staff=staff))
    for _, method, url, data, _ in actions_on(tenant_b, record_b, mapping_b):
        response = getattr(api, method)(url, data, format="json")
        assert response.status_code == 404, (method, url, response.status_code)
    assert api.get("/api/v1/records/", {"tenant": tenant_b.pk}).json()["results"] == []
    assert [t["slug"] for t in api.get("/api/v1/tenants/").json()["results"]] == ["alpha"]
    assert all(r["tenant"] == tenant_a.pk for r in api.get("/api/v1/records/").json()["results"])
    record_b.refresh_from_db()
    mapping_b.refresh_from_db()
    assert record_b.status == Status.NEEDS_ATTENTION and mapping_b.inventory_id == "INV-B1"
    assert SkuMapping.objects.filter(tenant=tenant_b).count() == 1


def test_a_superuser_sees_and_replays_every_tenant(staff, tenant_a, tenant_b, record_b, mapping_b):
    api = token_client(staff)
    assert {t["slug"] for t in api.get("/api/v1/tenants/").json()["results"]} == {"alpha", "bravo"}
    assert [r["id"] for r in api.get("/api/v1/records/", {"tenant": tenant_b.pk}).json()["results"]] == [record_b.pk]
    SyncRecord.objects.filter(pk=record_b.pk).update(status=Status.NEEDS_ATTENTION)
    assert api.post(f"/api/v1/records/{record_b.pk}/replay/", {}, format="json").status_code == 202
    assert api.patch(f"/api/v1/tenants/{tenant_b.pk}/sku-mappings/{mapping_b.pk}/", {"inventory_id": "X"},
                     format="json").status_code == 200


def test_a_staff_user_without_membership_sees_nothing(tenant_a, record_a):
    user = get_user_model().objects.create_user("lonely-staff", password="pw-staff-2", is_staff=True)
    api = token_client(user)
    assert api.get("/api/v1/tenants/").json()["results"] == []
    assert api.get("/api/v1/records/").json()["results"] == []
    assert api.get(f"/api/v1/records/{record_a.pk}/").status_code == 404
