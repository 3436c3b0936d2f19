"""API tokens: hashed at rest, shown once, self-service for owners and operators, revocable."""
import hashlib

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from rest_framework.test import APIClient

from audit.api_tokens import ApiToken
from tenants.models import Membership
from tests.api_helpers import record_a, tenant_a  # noqa: F401 (fixtures)


def issue(username: str, *args: str, capsys) -> str:
    call_command("issue_api_token", username, *args)
    return capsys.readouterr().out.strip()


def client_with(key: str) -> APIClient:
    return APIClient(HTTP_AUTHORIZATION=f"Token {key}")


def stored_text() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, prefix, digest FROM audit_apitoken")
        return repr(cursor.fetchall())


def test_the_command_issues_a_token_that_authenticates_and_is_stored_as_a_digest(merchant_of, tenant_a, record_a,
                                                                                  capsys):
    merchant_of(tenant_a, "carol")
    key = issue("carol", capsys=capsys)
    assert client_with(key).get(f"/api/v1/records/{record_a.pk}/").status_code == 200
    assert key not in stored_text() and hashlib.sha256(key.encode()).hexdigest() in stored_text()


def test_rotate_revokes_the_old_tokens(merchant, capsys):
    first = issue("merchant", capsys=capsys)
    second = issue("merchant", "--rotate", capsys=capsys)
    assert first != second
    assert client_with(first).get("/api/v1/records/").status_code == 401
    assert client_with(second).get("/api/v1/records/").status_code == 200


def test_it_refuses_an_unknown_user(db):
    with pytest.raises(CommandError, match="No user named 'nobody'"):
        call_command("issue_api_token", "nobody")


def test_an_owner_creates_lists_and_revokes_tokens_through_the_api(tenant_a, merchant_of):
    owner = merchant_of(tenant_a, "owner")
    api = APIClient()
    api.force_authenticate(owner)
    created = api.post("/api/v1/tokens/", {"name": "reconciliation"}, format="json")
    assert created.status_code == 201
    key = created.json()["key"]
    assert key.startswith("mlc_") and created.json()["prefix"] == key[:12]
    listed = api.get("/api/v1/tokens/").json()["results"]
    assert [(t["name"], "key" in t) for t in listed] == [("reconciliation", False)]
    assert client_with(key).get("/api/v1/tenants/").status_code == 200
    assert api.delete(f"/api/v1/tokens/{listed[0]['id']}/").status_code == 204
    assert client_with(key).get("/api/v1/tenants/").status_code == 401
    assert api.get("/api/v1/tokens/").json()["results"] == []


def test_a_viewer_gets_no_tokens_and_nobody_revokes_anothers(tenant_a, merchant_of):
    viewer = merchant_of(tenant_a, "viewer")
    Membership.objects.filter(user=viewer).update(role=Membership.Role.VIEWER)
    api = APIClient()
    api.force_authenticate(viewer)
    assert api.post("/api/v1/tokens/", {"name": "x"}, format="json").status_code == 403
    other, _ = ApiToken.objects.issue(merchant_of(tenant_a, "owner"), "theirs")
    thief = APIClient()
    thief.force_authenticate(merchant_of(tenant_a, "operator"))
    assert thief.delete(f"/api/v1/tokens/{other.pk}/").status_code == 404
    assert ApiToken.objects.active().filter(pk=other.pk).exists()


def test_a_staff_user_who_only_views_gets_no_tokens(tenant_a, merchant_of):
    staff_viewer = merchant_of(tenant_a, "staffviewer")
    staff_viewer.is_staff = True
    staff_viewer.save(update_fields=["is_staff"])
    Membership.objects.filter(user=staff_viewer).update(role=Membership.Role.VIEWER)
    api = APIClient()
    api.force_authenticate(staff_viewer)
    assert api.post("/api/v1/tokens/", {"name": "x"}, format="json").status_code == 403
    assert not ApiToken.objects.filter(user=staff_viewer).exists()


def test_the_token_page_shows_a_new_key_once(client, tenant_a, merchant_of):
    client.force_login(merchant_of(tenant_a, "owner"))
    html = client.post("/account/api-tokens/", {"name": "ERP script"}).content.decode()
    token = ApiToken.objects.get(name="ERP script")
    key = html.split('<code class="token-key">')[1].split("</code>")[0]
    assert hashlib.sha256(key.encode()).hexdigest() == token.digest
    again = client.get("/account/api-tokens/").content.decode()
    assert key not in again and f"{token.prefix}…" in again
    client.post(f"/account/api-tokens/{token.pk}/revoke/")
    assert client_with(key).get("/api/v1/tenants/").status_code == 401


def test_page_size_is_honoured_up_to_a_maximum(tenant_a, merchant_of, monkeypatch):
    from tests.audit_helpers import make_record
    for n in range(7):
        make_record(tenant_a, str(n))
    api = APIClient()
    api.force_authenticate(merchant_of(tenant_a, "owner"))
    assert len(api.get("/api/v1/records/?page_size=3").json()["results"]) == 3
    assert len(api.get("/api/v1/records/").json()["results"]) == 7
    from audit.api.pagination import PageNumberPagination
    assert PageNumberPagination.max_page_size == 500
    monkeypatch.setattr(PageNumberPagination, "max_page_size", 5)
    assert len(api.get("/api/v1/records/?page_size=100000").json()["results"]) == 5
    assert api.get("/api/v1/records/?page_size=abc").status_code == 200


def test_the_api_reports_each_tenants_health(tenant_a, merchant_of):
    from audit.models import Status
    from tests.audit_helpers import make_record
    make_record(tenant_a, "9", status=Status.NEEDS_ATTENTION, last_error="SKU 'X' has no Acumatica InventoryID")
    api = APIClient()
    api.force_authenticate(merchant_of(tenant_a, "owner"))
    assert api.get("/api/v1/tenants/").json()["results"][0]["health"] == "red"
    body = api.get(f"/api/v1/tenants/{tenant_a.pk}/health/").json()
    assert body["state"] == "red" and body["problems"][0]["title"] == "1 order: needs attention"
