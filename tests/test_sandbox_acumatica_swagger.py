"""GET <instance>/entity/Default/<version>/swagger.json serves the endpoint's official schema; $adHocSchema."""
import gzip
import hashlib
import re

import pytest
import requests

from sandbox.acumatica.swagger import FILES, FOLDER
from tests.acumatica_sandbox_helpers import _acu_server, acu_live, make_acu  # noqa: F401
from tests.spec_files import SPECS

pytestmark = pytest.mark.e2e
VERSIONS = ("22.200.001", "23.200.001", "24.200.001")


def test_the_served_files_are_the_official_ones():
    pinned = dict(re.findall(r"(Default_\S+\.json)\s+([0-9a-f]{64})", (FOLDER / "SOURCE.txt").read_text()))
    for name in FILES.values():
        data = gzip.decompress((FOLDER / name).read_bytes())
        official = name.removesuffix(".gz")
        assert hashlib.sha256(data).hexdigest() == pinned[official]
        if (SPECS / "acumatica" / official).exists():
            assert data == (SPECS / "acumatica" / official).read_bytes()


@pytest.fixture
def acu3(acu_live):
    return make_acu(acu_live, slug="swag", versions=VERSIONS)


def test_it_serves_each_versions_schema_addressed_to_this_instance_without_sign_in(acu3):
    for version in VERSIONS:
        reply = requests.get(acu3.url("swagger.json", version), params={"company": "Company"}, timeout=30)
        assert reply.status_code == 200 and reply.headers["Content-Type"] == "application/json"
        spec = reply.json()
        assert spec["info"]["title"] == f"Default/{version}"
        endpoint = f"{acu3.base}/entity/Default/{version}"
        if version == "24.200.001":
            assert spec["openapi"].startswith("3.") and spec["servers"] == [{"url": endpoint}]
        else:
            assert spec["swagger"] == "2.0"
            assert f"{spec['schemes'][0]}://{spec['host']}{spec['basePath']}" == endpoint
        assert "/SalesOrder/PrepareSalesInvoice" in spec["paths"] and "Customer" in str(spec["paths"])


def test_it_answers_404_for_a_version_the_instance_does_not_serve(acu_live):
    only24 = make_acu(acu_live, slug="only24", versions=("24.200.001",))
    assert requests.get(only24.url("swagger.json", "23.200.001"), timeout=10).status_code == 404


def test_it_answers_ad_hoc_schema_to_a_signed_in_client_only(acu3):
    assert requests.get(acu3.url("SalesOrder/$adHocSchema"), timeout=10).status_code == 401
    reply = acu3.get("SalesOrder/$adHocSchema")
    assert reply.status_code == 200 and reply.json()["custom"] == {}
    assert acu3.get("NoSuchEntity/$adHocSchema").status_code == 404
