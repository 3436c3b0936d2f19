import pytest

from tests.sandbox_bigcommerce_helpers import TOKEN, Api, bc_api, bc_store, sandbox_db  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.e2e, sandbox_db]


def test_it_answers_with_the_store_token(bc_api):
    response = bc_api.get("v2/orders")
    assert response.status_code == 204


def test_it_refuses_a_missing_token(bc_api):
    bc_api.session.headers.pop("X-Auth-Token")
    response = bc_api.get("v3/catalog/products")
    assert response.status_code == 401
    assert response.json()["status"] == 401
    assert "X-Rate-Limit-Requests-Left" in response.headers


def test_it_refuses_a_wrong_token(bc_api):
    bc_api.session.headers["X-Auth-Token"] = "not-the-token"
    assert bc_api.get("v3/catalog/products").status_code == 401


def test_it_refuses_a_bearer_token(bc_api):
    bc_api.session.headers.pop("X-Auth-Token")
    bc_api.session.headers["Authorization"] = f"Bearer {TOKEN}"
    assert bc_api.get("v3/catalog/products").status_code == 401


def test_it_refuses_a_token_of_another_store(live_server, bc_store):
    from sandbox.bigcommerce.seed import seed_store
    from sandbox.catalog_data import demo_catalog

    other = seed_store("other999", catalog=demo_catalog(count=1), access_token="other-token")
    api = Api(live_server.url, other, token=TOKEN)
    assert api.get("v3/catalog/products").status_code == 401


def test_it_answers_404_for_an_unknown_store(live_server, bc_store):
    bc_store.store_hash = "nosuchstore"
    assert Api(live_server.url, bc_store).get("v2/orders").status_code == 404


def test_it_keeps_secrets_out_of_error_bodies(bc_api):
    bc_api.session.headers["X-Auth-Token"] = "wrong"
    assert TOKEN not in bc_api.get("v2/orders").text
