import pytest

from tests.sandbox_bigcommerce_helpers import bc_api, bc_store, sandbox_db  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.e2e, sandbox_db]
DEST = "https://connector.example.com/webhooks/bigcommerce/abc/"


def _create(bc_api, scope="store/order/created", **extra):
    return bc_api.post("v3/hooks", {"scope": scope, "destination": DEST, **extra})


def test_it_creates_and_reads_a_hook_in_the_envelope(bc_api, bc_store):
    created = _create(bc_api, headers={"X-Secret": "s1"})
    assert created.status_code == 200
    data = created.json()["data"]
    assert (data["scope"], data["destination"], data["is_active"], data["headers"]) == (
        "store/order/created", DEST, True, {"X-Secret": "s1"})
    assert data["store_hash"] == bc_store.store_hash and isinstance(data["created_at"], int)
    assert bc_api.get(f"v3/hooks/{data['id']}").json()["data"] == data


def test_it_filters_the_list_on_is_active(bc_api):
    active = _create(bc_api).json()["data"]
    inactive = _create(bc_api, scope="store/order/updated", is_active=False).json()["data"]
    assert [h["id"] for h in bc_api.get("v3/hooks", params={"is_active": "true"}).json()["data"]] == [active["id"]]
    assert [h["id"] for h in bc_api.get("v3/hooks", params={"is_active": "false"}).json()["data"]] == [inactive["id"]]
    meta = bc_api.get("v3/hooks").json()["meta"]["pagination"]
    assert (meta["total"], meta["count"]) == (2, 2)


def test_it_updates_and_deletes_a_hook(bc_api):
    hook = _create(bc_api, is_active=False).json()["data"]
    updated = bc_api.put(f"v3/hooks/{hook['id']}", {"is_active": True}).json()["data"]
    assert updated["is_active"] is True
    assert bc_api.call("DELETE", f"v3/hooks/{hook['id']}").status_code == 200
    assert bc_api.get(f"v3/hooks/{hook['id']}").status_code == 404


def test_it_refuses_bodies_that_break_the_spec(bc_api):
    assert bc_api.post("v3/hooks", {"destination": DEST}).status_code == 422
    assert bc_api.post("v3/hooks", {"scope": "store/order/created"}).status_code == 422
    assert _create(bc_api, is_active="yes").status_code == 422
    assert _create(bc_api, headers={"X": 1}).status_code == 422
    hook = _create(bc_api).json()["data"]
    assert bc_api.put(f"v3/hooks/{hook['id']}", {}).status_code == 422


def test_it_refuses_a_duplicate_scope_and_destination(bc_api):
    assert _create(bc_api).status_code == 200
    assert _create(bc_api).status_code == 422


def test_it_can_require_https_like_the_real_api(bc_api, bc_store):
    bc_store.require_https_destinations = True
    bc_store.save()
    assert bc_api.post("v3/hooks", {"scope": "store/order/created", "destination": "http://x.example/"}).status_code == 422
    assert bc_api.post("v3/hooks", {"scope": "store/order/created",
                                    "destination": "https://x.example:8443/"}).status_code == 422
