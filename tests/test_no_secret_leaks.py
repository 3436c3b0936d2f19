"""No secret reaches the call hook, the logs or an exception message, whatever the vendor echoes."""
import logging
from dataclasses import asdict

import pytest
import requests
import responses

from sync.acumatica import AcumaticaClient
from sync.bigcommerce import BigCommerceClient
from sync.http import ApiError
from tests.clients_helpers import AC, AC_ENTITY, BC, TOKEN_URL, Calls, FakeClock

ISSUED = ("issued-access-TOKEN-0001", "issued-refresh-TOKEN-0002")


def secrets_of(tenant) -> list[str]:
    bc, ac = tenant.bigcommerce, tenant.acumatica
    return [bc.access_token, bc.client_secret, bc.webhook_secret, ac.client_secret, ac.password, *ISSUED]


def assert_clean(text: str, secrets: list[str]) -> None:
    leaked = [s for s in secrets if s in text]
    assert not leaked, f"leaked: {leaked}"


def everything(calls: Calls, caplog, errors: list[ApiError]) -> str:
    return "\n".join([*(repr(asdict(c)) for c in calls), caplog.text, *(str(e) + repr(e) for e in errors)])


@responses.activate
def test_it_keeps_bigcommerce_secrets_out_of_hooks_logs_and_errors(tenant, caplog):
    caplog.set_level(logging.DEBUG)
    bc = tenant.bigcommerce
    echo = f"Invalid token {bc.access_token}"
    responses.post(BC + "v3/hooks", json={"data": {"id": 1, "headers": {"X-Secret": bc.webhook_secret}}})
    responses.get(BC + "v3/orders/1/transactions", status=503, json={"title": echo})
    responses.get(BC + "v3/orders/2/transactions", status=400, json={"title": echo})
    responses.get(BC + "v3/orders/3/transactions", body=requests.ConnectionError(f"boom {bc.access_token}"))
    calls, errors = Calls(), []
    with BigCommerceClient(bc, on_call=calls, clock=FakeClock()) as client:
        client.create_hook("store/order/created", "https://x.example/h", {"X-Secret": bc.webhook_secret})
        for order_id in (1, 2, 3):
            with pytest.raises(ApiError) as error:
                client.get_transactions(order_id)
            errors.append(error.value)
    assert len(calls) > 5 and calls[0].request_headers["X-Auth-Token"] == "[redacted]"
    assert "Invalid token [redacted]" in str(errors[1])  # the words survive, the secret does not
    assert_clean(everything(calls, caplog, errors), secrets_of(tenant))


@responses.activate
def test_it_keeps_acumatica_oauth_secrets_out_of_hooks_logs_and_errors(tenant, caplog):
    caplog.set_level(logging.DEBUG)
    ac = tenant.acumatica
    responses.post(TOKEN_URL, json={"access_token": ISSUED[0], "refresh_token": ISSUED[1], "expires_in": 3600})
    responses.put(AC_ENTITY + "Customer", status=400,
                  json={"exceptionMessage": f"Bad value {ac.password} / {ISSUED[0]}"})
    calls, errors = Calls(), []
    with AcumaticaClient(ac, on_call=calls, clock=FakeClock()) as client:
        with pytest.raises(ApiError) as error:
            client.put("Customer", {"CustomerName": {"value": ac.password}})  # a field Customer has
        errors.append(error.value)
    assert calls[0].request_body and "grant_type=password" in calls[0].request_body
    assert calls[1].request_headers["Authorization"] == "[redacted]"
    assert_clean(everything(calls, caplog, errors), secrets_of(tenant))


@responses.activate
def test_it_keeps_acumatica_cookie_secrets_out_of_hooks_logs_and_errors(tenant, caplog):
    caplog.set_level(logging.DEBUG)
    ac = tenant.acumatica
    ac.auth_method = "cookie"
    cookie = "ASP.NET_SessionId=session-COOKIE-value-99"
    responses.post(AC + "entity/auth/login", status=204, headers={"Set-Cookie": f"{cookie}; path=/"})
    responses.get(AC_ENTITY + "Customer/C1", status=500, body=f"<html><b>Error</b> {ac.password}</html>")
    responses.post(AC + "entity/auth/logout", status=204)
    calls, errors = Calls(), []
    with pytest.raises(ApiError) as error:
        with AcumaticaClient(ac, on_call=calls, clock=FakeClock()) as client:
            client.get("Customer", "C1")
    errors.append(error.value)
    assert "Error [redacted]" in str(error.value)
    assert calls[0].response_headers["Set-Cookie"] == "[redacted]"
    assert_clean(everything(calls, caplog, errors), [*secrets_of(tenant), "session-COOKIE-value-99"])
