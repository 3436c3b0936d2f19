"""Legacy cookie login/logout and the concurrent-session cap ("API Login Limit")."""
import pytest
import requests

from tests.acumatica_sandbox_helpers import _acu_server, acu_live, make_acu  # noqa: F401

pytestmark = pytest.mark.e2e


def _login(acu, **overrides) -> requests.Session:
    session = requests.Session()
    body = {"name": acu.instance.username, "password": acu.instance.password, "tenant": "Company",
            "branch": "MAIN", **overrides}
    session.reply = session.post(f"{acu.base}/entity/auth/login", json=body)
    return session


def test_it_signs_in_with_a_session_cookie_and_signs_out(acu_live):
    acu = make_acu(acu_live)
    session = _login(acu)
    assert session.reply.status_code == 204
    assert "ASP.NET_SessionId" in session.cookies
    assert session.get(acu.url("StockItem?$top=1")).status_code == 200
    assert session.post(f"{acu.base}/entity/auth/logout").status_code == 204
    assert session.get(acu.url("StockItem?$top=1")).status_code == 401


def test_it_accepts_the_older_company_field(acu_live):
    acu = make_acu(acu_live)
    session = _login(acu, tenant=None, company="Company")
    assert session.reply.status_code == 204


def test_it_refuses_bad_credentials_and_unknown_tenants(acu_live):
    acu = make_acu(acu_live)
    assert _login(acu, password="wrong").reply.status_code == 400
    assert _login(acu, tenant="Other").reply.status_code == 400


def test_it_answers_api_login_limit_past_the_session_cap(acu_live):
    acu = make_acu(acu_live, max_sessions=2)
    first, second = _login(acu), _login(acu)
    assert first.reply.status_code == second.reply.status_code == 204
    third = _login(acu)
    assert third.reply.status_code == 429
    assert "API Login Limit" in third.reply.text
    first.post(f"{acu.base}/entity/auth/logout")
    assert _login(acu).reply.status_code == 204


def test_it_counts_oauth_grants_against_the_same_cap(acu_live):
    acu = make_acu(acu_live, max_sessions=1)
    acu.sign_in()
    reply = requests.post(f"{acu.base}/identity/connect/token", data={
        "grant_type": "password", "client_id": acu.instance.client_id, "client_secret": acu.instance.client_secret,
        "username": acu.instance.username, "password": acu.instance.password, "scope": "api"})
    assert reply.status_code == 429
    assert "API Login Limit" in reply.text
    assert _login(acu).reply.status_code == 429
