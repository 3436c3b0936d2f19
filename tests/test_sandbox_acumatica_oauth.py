"""OAuth 2.0 password and refresh_token grants: short-lived tokens answer 401, refresh tokens rotate."""
import time

import pytest
import requests

from tests.acumatica_sandbox_helpers import _acu_server, acu_live, make_acu  # noqa: F401

pytestmark = pytest.mark.e2e


def _refresh(acu, token: str) -> requests.Response:
    return requests.post(f"{acu.base}/identity/connect/token", data={
        "grant_type": "refresh_token", "client_id": acu.instance.client_id,
        "client_secret": acu.instance.client_secret, "refresh_token": token})


def test_it_issues_bearer_and_refresh_tokens_for_the_password_grant(acu_live):
    acu = make_acu(acu_live)
    body = acu.sign_in()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    assert body["refresh_token"]
    assert acu.instance.client_id.endswith("@Company")
    assert acu.get("StockItem?$top=1").status_code == 200


def test_it_answers_401_once_the_token_expires_and_accepts_the_refreshed_one(acu_live):
    acu = make_acu(acu_live, access_token_seconds=1)
    acu.sign_in()
    assert acu.get("StockItem?$top=1").status_code == 200
    time.sleep(1.1)
    assert acu.get("StockItem?$top=1").status_code == 401
    reply = _refresh(acu, acu.refresh)
    assert reply.status_code == 200
    acu.token = reply.json()["access_token"]
    assert acu.get("StockItem?$top=1").status_code == 200


def test_it_rotates_refresh_tokens_and_refuses_a_used_one(acu_live):
    acu = make_acu(acu_live)
    acu.sign_in()
    first = _refresh(acu, acu.refresh)
    assert first.status_code == 200
    assert first.json()["refresh_token"] != acu.refresh
    again = _refresh(acu, acu.refresh)
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"
    assert _refresh(acu, first.json()["refresh_token"]).status_code == 200


def test_it_refuses_the_old_access_token_after_a_refresh(acu_live):
    acu = make_acu(acu_live)
    acu.sign_in()
    old = acu.token
    acu.token = _refresh(acu, acu.refresh).json()["access_token"]
    assert acu.get("StockItem?$top=1").status_code == 200
    acu.token = old
    assert acu.get("StockItem?$top=1").status_code == 401


def test_it_refuses_a_wrong_client_secret_or_password(acu_live):
    acu = make_acu(acu_live)
    base = {"grant_type": "password", "client_id": acu.instance.client_id, "username": "admin",
            "scope": "api offline_access"}
    bad_client = requests.post(f"{acu.base}/identity/connect/token",
                               data={**base, "client_secret": "nope", "password": acu.instance.password})
    assert bad_client.status_code == 400 and bad_client.json()["error"] == "invalid_client"
    bad_user = requests.post(f"{acu.base}/identity/connect/token",
                             data={**base, "client_secret": acu.instance.client_secret, "password": "nope"})
    assert bad_user.status_code == 400 and bad_user.json()["error"] == "invalid_grant"
    assert acu.instance.password not in bad_user.text


def test_it_issues_no_refresh_token_without_offline_access(acu_live):
    acu = make_acu(acu_live)
    assert "refresh_token" not in acu.sign_in(scope="api")


def test_a_logout_with_the_bearer_token_ends_the_oauth_session_and_frees_its_seat(acu_live):
    # Decision (reference/acumatica-api.md §2, OAuthOIDC_GettingStarted_SignOut): OAuth clients sign out
    # with POST /entity/auth/logout and their Bearer header, which closes the session behind the token.
    acu = make_acu(acu_live, max_sessions=1)
    acu.sign_in(scope="api")
    token = acu.token
    reply = requests.post(f"{acu.base}/entity/auth/logout", headers={"Authorization": f"Bearer {token}"})
    assert reply.status_code == 204
    assert acu.get("StockItem?$top=1").status_code == 401
    acu.sign_in(scope="api")          # the only seat is free again
    assert acu.get("StockItem?$top=1").status_code == 200


def test_without_a_logout_the_oauth_session_keeps_its_seat(acu_live):
    acu = make_acu(acu_live, max_sessions=1)
    acu.sign_in(scope="api")
    second = requests.post(f"{acu.base}/identity/connect/token", data={
        "grant_type": "password", "client_id": acu.instance.client_id, "client_secret": acu.instance.client_secret,
        "username": acu.instance.username, "password": acu.instance.password, "scope": "api"})
    assert second.status_code == 429 and "API Login Limit" in second.text
