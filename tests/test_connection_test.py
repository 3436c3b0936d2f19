"""tenants/connection_test.py: per-system, per-step results in plain words."""
import requests
import responses

from tenants import connection_test
from tests.clients_helpers import AC, AC_ENTITY, BC, TOKEN_URL, FakeClock

ENDPOINTS = {"endpoints": [{"name": "Default", "version": "23.200.001"}, {"name": "Default", "version": "24.200.001"}]}


def steps_of(steps) -> list[tuple[str, bool]]:
    return [(s.name, s.ok) for s in steps]


def bc_areas_answer(hooks_status: int = 200) -> None:
    responses.get(BC + "v3/customers", json={"data": [], "meta": {}})
    responses.get(BC + "v3/catalog/products", json={"data": [], "meta": {}})
    responses.get(BC + "v3/hooks", status=hooks_status, json={"data": [], "meta": {}, "title": "Forbidden"})


@responses.activate
def test_it_passes_a_store_that_accepts_the_token(tenant):
    responses.get(BC + "v2/orders", status=204)
    bc_areas_answer()
    steps = connection_test.test_bigcommerce(tenant.bigcommerce, clock=FakeClock())
    assert steps_of(steps) == [("Store and access token", True), ("Customers", True), ("Catalog products", True),
                               ("Webhooks", True)]
    assert all(c.request.params == {"limit": "1"} for c in responses.calls)


@responses.activate
def test_it_names_a_missing_api_scope(tenant):
    responses.get(BC + "v2/orders", json=[])
    bc_areas_answer(hooks_status=403)
    steps = connection_test.test_bigcommerce(tenant.bigcommerce, clock=FakeClock())
    assert steps_of(steps)[-1] == ("Webhooks", False)
    assert "lacks a permission (scope)" in steps[-1].message


@responses.activate
def test_it_says_the_token_is_bad(tenant):
    responses.get(BC + "v2/orders", status=401)
    steps = connection_test.test_bigcommerce(tenant.bigcommerce, clock=FakeClock())
    assert not steps[0].ok and "rejected the access token" in steps[0].message
    assert [s.message for s in steps[1:]] == ["Not tried: the store or token was refused."] * 3


@responses.activate
def test_it_says_the_store_is_unknown(tenant):
    responses.get(BC + "v2/orders", status=404)
    steps = connection_test.test_bigcommerce(tenant.bigcommerce, clock=FakeClock())
    assert not steps[0].ok and "knows no store 'acmestore'" in steps[0].message


@responses.activate
def test_it_walks_acumatica_through_discovery_sign_in_and_a_read(tenant):
    responses.get(AC + "entity", json=ENDPOINTS)
    responses.post(TOKEN_URL, json={"access_token": "a", "refresh_token": "r", "expires_in": 3600})
    responses.get(AC_ENTITY + "Customer", json=[{"CustomerID": {"value": "C1"}}])
    steps = connection_test.test_acumatica(tenant.acumatica, clock=FakeClock())
    assert steps_of(steps) == [("Reach the instance", True), ("Endpoint version", True), ("Sign-in", True),
                               ("Read a record", True)]
    assert connection_test.offered_versions(steps) == ["23.200.001", "24.200.001"]
    assert responses.calls[-1].request.params == {"$select": "CustomerID", "$top": "1", "$skip": "0"}


@responses.activate
def test_it_lists_the_versions_when_the_pinned_one_is_missing(tenant):
    tenant.acumatica.endpoint_version = "25.200.001"
    responses.get(AC + "entity", json=ENDPOINTS)
    responses.post(TOKEN_URL, json={"access_token": "a", "expires_in": 3600})
    steps = connection_test.test_acumatica(tenant.acumatica, clock=FakeClock())
    assert steps_of(steps) == [("Reach the instance", True), ("Endpoint version", False), ("Sign-in", True),
                               ("Read a record", False)]
    assert "endpoint Default/25.200.001 is not available on this instance; it offers: 23.200.001, 24.200.001" \
        in steps[1].message


@responses.activate
def test_it_says_the_oauth_client_is_bad(tenant):
    responses.get(AC + "entity", json=ENDPOINTS)
    responses.post(TOKEN_URL, status=400, json={"error": "invalid_client"})
    steps = connection_test.test_acumatica(tenant.acumatica, clock=FakeClock())
    assert steps_of(steps)[2:] == [("Sign-in", False), ("Read a record", False)]
    assert "OAuth client id or secret" in steps[2].message


@responses.activate
def test_it_explains_the_login_limit_in_cookie_mode(tenant):
    tenant.acumatica.auth_method = "cookie"
    responses.get(AC + "entity", json=ENDPOINTS)
    responses.post(AC + "entity/auth/login", status=429, body="API Login Limit")
    steps = connection_test.test_acumatica(tenant.acumatica, clock=FakeClock())
    assert "API Login Limit reached" in steps[2].message


@responses.activate
def test_it_stops_early_when_the_instance_does_not_answer(tenant):
    responses.get(AC + "entity", body=requests.ConnectionError("Name or service not known"))
    steps = connection_test.test_acumatica(tenant.acumatica, clock=FakeClock())
    assert [s.ok for s in steps] == [False, False, False, False]
    assert steps[0].message.startswith("Unreachable: could not reach Acumatica at erp.example.com")
    assert steps[2].message == "Not tried: the instance did not answer."
