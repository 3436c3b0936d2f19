import pytest
from django.core.management import CommandError, call_command
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.api_helpers import record_a, tenant_a  # noqa: F401 (fixtures)


def issue(username: str, *args: str, capsys) -> str:
    call_command("issue_api_token", username, *args)
    return capsys.readouterr().out.strip()


def test_it_issues_a_token_that_authenticates(merchant_of, tenant_a, record_a, capsys):
    merchant_of(tenant_a, "carol")
    key = issue("carol", capsys=capsys)
    client = APIClient(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get(f"/api/v1/records/{record_a.pk}/").status_code == 200


def test_it_prints_the_same_token_until_rotated(merchant, capsys):
    first = issue("merchant", capsys=capsys)
    assert issue("merchant", capsys=capsys) == first
    rotated = issue("merchant", "--rotate", capsys=capsys)
    assert rotated != first and Token.objects.get(user=merchant).key == rotated
    assert APIClient(HTTP_AUTHORIZATION=f"Token {first}").get("/api/v1/records/").status_code == 401


def test_it_refuses_an_unknown_user(db):
    with pytest.raises(CommandError, match="No user named 'nobody'"):
        call_command("issue_api_token", "nobody")


def test_it_offers_tokens_in_the_admin(client, staff):
    client.force_login(staff)
    assert client.get("/admin/authtoken/tokenproxy/add/").status_code == 200
