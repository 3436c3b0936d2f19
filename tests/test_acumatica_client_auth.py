"""AcumaticaClient sign-in: OAuth password grant, refresh and rotation, cookie login and logout."""
from datetime import timedelta
from urllib.parse import parse_qs

import pytest
import responses
from django.utils import timezone

from sync.acumatica import AcumaticaClient
from sync.http import ApiError
from tenants.models import AcumaticaConnection
from tests.clients_helpers import AC, AC_ENTITY, TOKEN_URL, FakeClock

CUSTOMER_URL = AC_ENTITY + "Customer/C1"


def token(access: str, refresh: str, expires_in: int = 3600) -> dict:
    return {"access_token": access, "refresh_token": refresh, "expires_in": expires_in, "token_type": "Bearer"}


def form(call) -> dict:
    return {k: v[0] for k, v in parse_qs(call.request.body).items()}


@pytest.fixture
def conn(tenant) -> AcumaticaConnection:
    return tenant.acumatica


@responses.activate
def test_it_signs_in_with_the_password_grant_and_the_api_offline_access_scope(conn):
    responses.post(TOKEN_URL, json=token("access-1", "refresh-1"))
    responses.get(CUSTOMER_URL, json={"id": "g"})
    with AcumaticaClient(conn, clock=FakeClock()) as ac:
        ac.get("Customer", "C1")
    sent = form(responses.calls[0])
    assert sent["grant_type"] == "password" and sent["scope"] == "api offline_access"
    assert sent["client_id"] == "guid@Company" and sent["username"] == "admin"
    assert responses.calls[1].request.headers["Authorization"] == "Bearer access-1"
    conn.refresh_from_db()
    assert (conn.access_token, conn.refresh_token) == ("access-1", "refresh-1")
    assert conn.token_expires_at > timezone.now() + timedelta(minutes=55)


@responses.activate
def test_it_reuses_a_stored_token_until_it_expires(conn):
    conn.access_token, conn.token_expires_at = "stored", timezone.now() + timedelta(minutes=30)
    conn.save()
    responses.get(CUSTOMER_URL, json={"id": "g"})
    with AcumaticaClient(conn, clock=FakeClock()) as ac:
        ac.get("Customer", "C1")
    assert len(responses.calls) == 1
    assert responses.calls[0].request.headers["Authorization"] == "Bearer stored"


@responses.activate
def test_it_refreshes_an_expired_token_and_persists_the_rotated_refresh_token(conn):
    conn.access_token, conn.refresh_token = "old-access", "old-refresh"
    conn.token_expires_at = timezone.now() - timedelta(minutes=1)
    conn.save()
    responses.post(TOKEN_URL, json=token("new-access", "new-refresh"))
    responses.get(CUSTOMER_URL, json={"id": "g"})
    with AcumaticaClient(conn, clock=FakeClock()) as ac:
        ac.get("Customer", "C1")
    assert form(responses.calls[0]) | {"client_secret": "-"} == {
        "grant_type": "refresh_token", "refresh_token": "old-refresh", "client_id": "guid@Company",
        "client_secret": "-"}
    stored = AcumaticaConnection.objects.get(pk=conn.pk)
    assert (stored.access_token, stored.refresh_token) == ("new-access", "new-refresh")


@responses.activate
def test_it_refreshes_once_on_a_401_and_succeeds(conn):
    conn.access_token, conn.refresh_token = "revoked", "r1"
    conn.token_expires_at = timezone.now() + timedelta(minutes=30)
    conn.save()
    responses.get(CUSTOMER_URL, status=401)
    responses.post(TOKEN_URL, json=token("fresh", "r2"))
    responses.get(CUSTOMER_URL, json={"CustomerID": {"value": "C1"}})
    with AcumaticaClient(conn, clock=FakeClock()) as ac:
        assert ac.get("Customer", "C1")["CustomerID"]["value"] == "C1"
    assert responses.calls[2].request.headers["Authorization"] == "Bearer fresh"
    assert AcumaticaConnection.objects.get(pk=conn.pk).refresh_token == "r2"


@responses.activate
def test_it_fails_permanently_on_a_second_401(conn):
    responses.post(TOKEN_URL, json=token("a1", "r1"))
    responses.get(CUSTOMER_URL, status=401)
    with AcumaticaClient(conn, clock=FakeClock()) as ac:
        with pytest.raises(ApiError) as error:
            ac.get("Customer", "C1")
    assert error.value.status == 401 and error.value.permanent
    assert len([c for c in responses.calls if c.request.url == CUSTOMER_URL]) == 2


@responses.activate
def test_it_falls_back_to_the_password_grant_when_the_refresh_token_is_refused(conn):
    conn.refresh_token, conn.token_expires_at = "dead", timezone.now() - timedelta(minutes=1)
    conn.save()
    responses.post(TOKEN_URL, status=400, json={"error": "invalid_grant"})
    responses.post(TOKEN_URL, json=token("a2", "r2"))
    with AcumaticaClient(conn, clock=FakeClock()) as ac:
        ac.sign_in()
    assert [form(c)["grant_type"] for c in responses.calls] == ["refresh_token", "password"]


@responses.activate
def test_it_names_a_bad_oauth_client(conn):
    responses.post(TOKEN_URL, status=400, json={"error": "invalid_client"})
    with AcumaticaClient(conn, clock=FakeClock()) as ac:
        with pytest.raises(ApiError) as error:
            ac.sign_in()
    assert error.value.permanent and "OAuth client id or secret" in error.value.message


@pytest.fixture
def cookie_conn(conn) -> AcumaticaConnection:
    conn.auth_method = AcumaticaConnection.AuthMethod.COOKIE
    # A new sign-in method is a new destination: the password is typed again (tenants/destinations.py).
    conn.password, conn.client_secret = "cookie-password-SECRET", ""
    conn.save()
    return conn


@responses.activate
def test_it_logs_in_with_a_cookie_and_logs_out_even_when_the_call_fails(cookie_conn):
    responses.post(AC + "entity/auth/login", status=204, headers={"Set-Cookie": "ASP.NET_SessionId=abc; path=/"})
    responses.get(CUSTOMER_URL, status=500, json={"exceptionMessage": "Boom"})
    responses.post(AC + "entity/auth/logout", status=204)
    with pytest.raises(ApiError) as error:
        with AcumaticaClient(cookie_conn, clock=FakeClock()) as ac:
            ac.get("Customer", "C1")
    assert "Boom" in error.value.message
    urls = [c.request.url for c in responses.calls]
    assert urls[0] == AC + "entity/auth/login" and urls[-1] == AC + "entity/auth/logout"
    assert "ASP.NET_SessionId=abc" in responses.calls[1].request.headers["Cookie"]
    login = responses.calls[0].request.body
    assert b'"tenant": "Company"' in login and b'"name": "admin"' in login


@responses.activate
def test_it_logs_in_again_on_a_401_in_cookie_mode(cookie_conn):
    responses.post(AC + "entity/auth/login", status=204)
    responses.get(CUSTOMER_URL, status=401)
    responses.get(CUSTOMER_URL, json={"id": "g"})
    responses.post(AC + "entity/auth/logout", status=204)
    with AcumaticaClient(cookie_conn, clock=FakeClock()) as ac:
        assert ac.get("Customer", "C1") == {"id": "g"}
    assert [c.request.url.rsplit("/", 1)[-1] for c in responses.calls] == ["login", "C1", "login", "C1", "logout"]


@responses.activate
def test_it_explains_the_api_login_limit(cookie_conn):
    responses.post(AC + "entity/auth/login", status=500,
                   json={"exceptionMessage": "API Login Limit", "message": "An error has occurred."})
    with AcumaticaClient(cookie_conn, clock=FakeClock()) as ac:
        with pytest.raises(ApiError) as error:
            ac.sign_in()
    assert "API Login Limit reached" in error.value.message
    assert not error.value.permanent and error.value.retry_after == 600
    assert len(responses.calls) == 1  # no quick retries: the seats stay taken for minutes
    assert not any(c.request.url.endswith("logout") for c in responses.calls)  # nothing to close


@responses.activate
def test_it_takes_the_token_another_worker_refreshed_when_its_refresh_token_is_refused(conn):
    conn.access_token, conn.refresh_token = "old", "rotated-away"
    conn.token_expires_at = timezone.now() - timedelta(minutes=1)
    conn.save()
    worker = AcumaticaConnection.objects.get(pk=conn.pk)  # this worker's copy, read before the race

    def other_worker_refreshes_first(request):
        conn.access_token, conn.refresh_token = "theirs", "their-refresh"
        conn.token_expires_at = timezone.now() + timedelta(minutes=60)
        conn.save()
        return 400, {}, '{"error": "invalid_grant"}'

    responses.add_callback(responses.POST, TOKEN_URL, callback=other_worker_refreshes_first)
    responses.get(CUSTOMER_URL, json={"id": "g"})
    with AcumaticaClient(worker, clock=FakeClock()) as ac:
        ac.get("Customer", "C1")
    assert len([c for c in responses.calls if c.request.url == TOKEN_URL]) == 1  # no password grant
    assert responses.calls[-1].request.headers["Authorization"] == "Bearer theirs"
