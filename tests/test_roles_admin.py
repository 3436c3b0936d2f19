"""Tenant roles in the Django admin: a staff user who is not a superuser sees and changes only the
tenants they belong to, as their role allows — lists, filters, detail pages, autocomplete, actions,
replay, add forms — and guessed ids of another tenant lead nowhere."""
import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from audit.models import Status, SyncRecord
from tenants.models import Membership, SkuMapping
from tests.audit_helpers import csrf_token_from, make_record

ROLES = [Membership.Role.OWNER, Membership.Role.OPERATOR, Membership.Role.VIEWER]
OPERATES = {Membership.Role.OWNER, Membership.Role.OPERATOR}


@pytest.fixture
def two_tenants(make_tenant):
    alpha, bravo = make_tenant("alpha"), make_tenant("bravo")
    records = {}
    for tenant, external_id in ((alpha, "1001"), (bravo, "2002")):
        record = make_record(tenant, external_id)
        SyncRecord.objects.filter(pk=record.pk).update(status=Status.NEEDS_ATTENTION)
        record.log("record.needs_attention", message=f"problem of {tenant.name}")
        records[tenant.slug] = record
        SkuMapping.objects.create(tenant=tenant, bc_sku=f"{tenant.slug.upper()}-SKU", inventory_id=f"INV-{tenant.pk}")
    return alpha, bravo, records


def staff_member(tenant, role) -> Client:
    """A staff user with every model permission of the connector's apps, member of `tenant` only."""
    user = get_user_model().objects.create_user(f"staff-{role}", password=None, is_staff=True)
    user.user_permissions.set(Permission.objects.filter(
        content_type__app_label__in=["tenants", "audit", "django_q", "axes"]))
    Membership.objects.create(user=user, tenant=tenant, role=role)
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def page(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


@pytest.mark.parametrize("role", ROLES)
def test_lists_filters_and_autocomplete_show_only_the_members_tenants(role, two_tenants):
    alpha, bravo, _ = two_tenants
    client = staff_member(alpha, role)
    for url in ("/admin/audit/syncrecord/", "/admin/audit/auditevent/", "/admin/tenants/skumapping/",
                "/admin/tenants/tenant/", f"/admin/audit/syncrecord/?tenant__id__exact={bravo.pk}"):
        html = page(client, url)
        assert "Bravo" not in html and "2002" not in html and "BRAVO-SKU" not in html, url
    assert "1001" in page(client, "/admin/audit/syncrecord/") and "Alpha" in page(client, "/admin/audit/auditevent/")
    found = client.get("/admin/autocomplete/", {"app_label": "tenants", "model_name": "skumapping",
                                                "field_name": "tenant", "term": ""}).json()
    assert [r["text"] for r in found["results"]] == ["Alpha"]


@pytest.mark.parametrize("role", ROLES)
def test_guessed_ids_of_another_tenant_lead_nowhere(role, two_tenants):
    alpha, bravo, records = two_tenants
    client = staff_member(alpha, role)
    record_b = records["bravo"]
    mapping_b = SkuMapping.objects.get(tenant=bravo)
    for url in (reverse("admin:audit_syncrecord_change", args=[record_b.pk]),
                reverse("admin:audit_auditevent_change", args=[record_b.events.first().pk]),
                reverse("admin:tenants_skumapping_change", args=[mapping_b.pk]),
                reverse("admin:tenants_skumapping_delete", args=[mapping_b.pk]),
                reverse("admin:tenants_tenant_change", args=[bravo.pk])):
        response = client.get(url)
        assert response.status_code in (302, 403, 404), url  # the admin redirects "does not exist" to its index
        assert "Bravo" not in response.content.decode()
    token = csrf_token_from(page(client, "/admin/audit/syncrecord/"))
    assert client.post(reverse("admin:audit_syncrecord_replay", args=[record_b.pk]),
                       {"csrfmiddlewaretoken": token}).status_code == (404 if role in OPERATES else 403)
    for action in ("replay_selected", "skip_selected", "resolve_selected"):
        client.post("/admin/audit/syncrecord/", {"csrfmiddlewaretoken": token, "action": action,
                                                 "_selected_action": [record_b.pk]})
    client.post(reverse("admin:tenants_skumapping_change", args=[mapping_b.pk]),
                {"csrfmiddlewaretoken": token, "tenant": bravo.pk, "bc_sku": "HIJACK", "inventory_id": "HIJACK"})
    client.post(reverse("admin:tenants_skumapping_add"),
                {"csrfmiddlewaretoken": token, "tenant": bravo.pk, "bc_sku": "NEW", "inventory_id": "NEW"})
    record_b.refresh_from_db()
    assert record_b.status == Status.NEEDS_ATTENTION and record_b.events.count() == 2
    assert list(SkuMapping.objects.filter(tenant=bravo).values_list("bc_sku", flat=True)) == ["BRAVO-SKU"]


@pytest.mark.parametrize("role", ROLES)
def test_replay_actions_and_mappings_follow_the_role(role, two_tenants):
    alpha, _, records = two_tenants
    client = staff_member(alpha, role)
    record_a = records["alpha"]
    token = csrf_token_from(page(client, "/admin/audit/syncrecord/"))
    detail = page(client, reverse("admin:audit_syncrecord_change", args=[record_a.pk]))
    replay = client.post(reverse("admin:audit_syncrecord_replay", args=[record_a.pk]), {"csrfmiddlewaretoken": token})
    add = client.post(reverse("admin:tenants_skumapping_add"),
                      {"csrfmiddlewaretoken": token, "tenant": alpha.pk, "bc_sku": "NEW", "inventory_id": "NEW"})
    record_a.refresh_from_db()
    if role in OPERATES:
        assert "Replay</button>" in detail and replay.status_code == 302 and record_a.status == Status.PENDING
        assert add.status_code == 302 and SkuMapping.objects.filter(tenant=alpha, bc_sku="NEW").exists()
    else:
        assert "Replay</button>" not in detail and replay.status_code == 403
        assert record_a.status == Status.NEEDS_ATTENTION
        client.post("/admin/audit/syncrecord/", {"csrfmiddlewaretoken": token, "action": "skip_selected",
                                                 "_selected_action": [record_a.pk]})
        record_a.refresh_from_db()
        assert record_a.status == Status.NEEDS_ATTENTION
        assert add.status_code == 403 and not SkuMapping.objects.filter(bc_sku="NEW").exists()


@pytest.mark.parametrize("role", ROLES)
def test_only_owners_see_and_change_connections_and_members(role, two_tenants):
    alpha, _, _ = two_tenants
    client = staff_member(alpha, role)
    html = page(client, reverse("admin:tenants_tenant_change", args=[alpha.pk]))
    token = csrf_token_from(html)
    response = client.post(reverse("admin:tenants_tenant_change", args=[alpha.pk]),
                           {"csrfmiddlewaretoken": token, "name": "Renamed", "slug": "alpha"})
    alpha.refresh_from_db()
    if role == Membership.Role.OWNER:
        assert "Currently set" in html and "instance_url" in html and "memberships-TOTAL_FORMS" in html
    else:
        assert "instance_url" not in html and "memberships-TOTAL_FORMS" not in html
        assert response.status_code == 403 and alpha.name == "Alpha"
    assert client.get(reverse("admin:tenants_tenant_add")).status_code == 403  # superusers create tenants


def test_admins_that_belong_to_no_tenant_are_for_superusers(two_tenants, staff):
    alpha, _, _ = two_tenants
    client = staff_member(alpha, Membership.Role.OWNER)
    superuser = Client()
    superuser.force_login(staff)
    for url in ("/admin/django_q/schedule/", "/admin/axes/accessattempt/"):
        assert client.get(url).status_code == 403, url
        assert superuser.get(url).status_code == 200, url
    assert "django_q" not in page(client, "/admin/")


def test_an_owner_with_view_only_permissions_never_sees_a_secret(two_tenants):
    """Read-only admin forms print field values; the connection secrets must not be among them."""
    alpha, _, _ = two_tenants
    client = staff_member(alpha, Membership.Role.OWNER)
    user = Membership.objects.get(tenant=alpha).user
    user.user_permissions.remove(*Permission.objects.filter(codename__in=[
        "change_bigcommerceconnection", "change_acumaticaconnection"]))
    html = page(client, reverse("admin:tenants_tenant_change", args=[alpha.pk]))
    assert "alphastore" in html and "erp.example.com" in html  # the connections are shown, read-only
    bc, ac = alpha.bigcommerce, alpha.acumatica
    for secret in (bc.access_token, bc.client_secret, bc.webhook_secret, ac.password, ac.client_secret, ac.push_secret):
        assert secret not in html
