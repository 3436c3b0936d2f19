"""GET /entity lists the instance's endpoint versions; any other version answers 404."""
import pytest
import requests

from tests.acumatica_sandbox_helpers import _acu_server, acu_live, V22, V23, V24, acu, api, make_acu  # noqa: F401

pytestmark = pytest.mark.e2e


def test_a_seeded_instance_serves_22_23_and_24(acu):
    reply = requests.get(f"{acu.base}/entity", headers={"Accept": "application/json"})
    assert reply.status_code == 200
    body = reply.json()
    assert [(e["name"], e["version"]) for e in body["endpoints"]] == [("Default", V22), ("Default", V23),
                                                                      ("Default", V24)]
    assert body["endpoints"][0]["href"].endswith(f"/sandbox/acumatica/acu/entity/Default/{V22}/")
    assert body["version"]["acumaticaBuildVersion"]


def test_it_answers_404_for_a_version_the_instance_does_not_have(api):
    assert api.get("StockItem", version="20.200.001").status_code == 404
    assert api.get("StockItem", version="25.200.001").status_code == 404
    for version in (V22, V23, V24):
        assert api.get("StockItem", version=version).status_code == 200


def test_it_serves_only_the_versions_configured_per_instance(acu_live):
    only24 = make_acu(acu_live, slug="only24", versions=(V24,))
    assert [e["version"] for e in requests.get(f"{only24.base}/entity").json()["endpoints"]] == [V24]
    assert only24.get("StockItem", version=V23).status_code == 404


def test_it_answers_404_for_an_unknown_instance_or_entity(api, acu_live):
    assert requests.get(f"{acu_live.url}/sandbox/acumatica/nope/entity").status_code == 404
    assert api.get("NoSuchEntity").status_code == 404


def test_it_refuses_entity_calls_without_authentication(acu):
    reply = requests.get(acu.url("StockItem"))
    assert reply.status_code == 401
    assert reply.json()["message"]
