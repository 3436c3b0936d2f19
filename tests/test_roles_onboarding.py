"""Tenant roles on the merchant pages: only an owner may save a tenant's settings or test its
connection; operators and viewers see the page read-only; others get 404."""
import pytest
import responses

from tenants.models import Membership
from tests.test_secret_destinations import ATTACKER, UNCHANGED


def login(client, user):
    client.force_login(user)
    return client


@responses.activate  # no URL registered: any outbound request would be recorded
@pytest.mark.parametrize("action", ["test", "save"])
@pytest.mark.parametrize("role", [Membership.Role.OPERATOR, Membership.Role.VIEWER])
def test_a_non_owner_cannot_test_or_save_with_a_changed_url(client, tenant, merchant_of, role, action):
    """The audit's attack: empty secret inputs (so the stored ones would be reused) and the instance
    URL and API root pointed at the attacker's server, then Test connection or Save."""
    login(client, merchant_of(tenant, "mallory", role=role))
    response = client.post(f"/onboarding/{tenant.slug}/", {
        **UNCHANGED, "instance_url": ATTACKER, "bc_api_base_url": ATTACKER + "/stores/{store_hash}/",
        "action": action})
    assert response.status_code == 403
    assert len(responses.calls) == 0
    tenant.bigcommerce.refresh_from_db()
    tenant.acumatica.refresh_from_db()
    assert (tenant.acumatica.instance_url, tenant.bigcommerce.api_base_url) == ("https://erp.example.com", "")


@pytest.mark.parametrize("role", [Membership.Role.OPERATOR, Membership.Role.VIEWER])
def test_a_non_owner_sees_the_settings_read_only(client, tenant, merchant_of, role):
    html = login(client, merchant_of(tenant, "reader", role=role)).get(f"/onboarding/{tenant.slug}/").content.decode()
    assert "Only an owner of Acme can change these settings" in html
    assert 'value="test"' not in html and 'value="save"' not in html
    assert 'name="instance_url"' in html and "disabled" in html
    assert client.get(f"/dashboard/{tenant.slug}/").status_code == 200


def test_the_owner_has_the_buttons(client, tenant, merchant_of):
    html = login(client, merchant_of(tenant, "olga")).get(f"/onboarding/{tenant.slug}/").content.decode()
    assert 'value="test"' in html and 'value="save"' in html


@responses.activate
def test_someone_outside_the_tenant_gets_404_everywhere(client, tenant, make_tenant, merchant_of):
    login(client, merchant_of(make_tenant("other"), "outsider", is_staff=True))
    for method, url in (("get", f"/onboarding/{tenant.slug}/"), ("post", f"/onboarding/{tenant.slug}/"),
                        ("get", f"/dashboard/{tenant.slug}/")):
        response = getattr(client, method)(url, {**UNCHANGED, "action": "test"} if method == "post" else None)
        assert response.status_code == 404, url
    assert len(responses.calls) == 0


@pytest.mark.parametrize("role", list(Membership.Role))
def test_merchant_record_pages_follow_the_role_for_staff_too(client, tenant, make_tenant, merchant_of, role):
    """A staff user is an ordinary member here: a viewer cannot replay, and another tenant is a 404."""
    from audit.models import Status, SyncRecord
    from tests.audit_helpers import make_record

    record, other = make_record(tenant, "1001"), make_record(make_tenant("bravo"), "2002")
    SyncRecord.objects.filter(pk__in=[record.pk, other.pk]).update(status=Status.NEEDS_ATTENTION)
    login(client, merchant_of(tenant, "staffer", role=role, is_staff=True))
    assert client.get(f"/dashboard/{tenant.slug}/records/{record.pk}/").status_code == 200
    replay = client.post(f"/dashboard/{tenant.slug}/records/{record.pk}/replay/")
    assert replay.status_code == (403 if role == Membership.Role.VIEWER else 302)
    assert client.post(f"/dashboard/bravo/records/{other.pk}/replay/").status_code == 404
    assert client.post(f"/dashboard/{tenant.slug}/records/{other.pk}/replay/").status_code == 404
    other.refresh_from_db()
    assert other.status == Status.NEEDS_ATTENTION
