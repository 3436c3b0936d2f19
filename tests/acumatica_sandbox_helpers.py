"""Shared fixtures for the Acumatica sandbox tests: a seeded instance served over real HTTP, and a client.

Import the fixtures you use into the test module: `from tests.acumatica_sandbox_helpers import acu, api`.

Why not pytest-django's `live_server`: it forces `transactional_db`, whose per-test flush costs 2-3 s on
our PostgreSQL. `acu_live` runs the same LiveServer (real HTTP, real database) once per session, and each
test gets a freshly seeded instance instead; every sandbox instance is deleted after each test.
"""
from dataclasses import dataclass, field

import pytest
import requests

from sandbox.acumatica.models import Instance
from sandbox.acumatica.seed import seed_instance
from sandbox.catalog_data import demo_catalog
from tests.session_server import session_live_server

V24, V23, V22 = "24.200.001", "23.200.001", "22.200.001"
VERSIONS = (V22, V23, V24)


def w(**values: object) -> dict:
    return {name: {"value": value} for name, value in values.items()}


@dataclass
class Acu:
    """An HTTP client for one sandbox instance, signed in with OAuth (password grant) on demand."""
    base: str                      # the instance URL, e.g. http://localhost:1234/sandbox/acumatica/acu
    instance: Instance
    version: str = V24
    token: str | None = None
    refresh: str | None = None
    http: requests.Session = field(default_factory=requests.Session)

    def url(self, path: str, version: str | None = None) -> str:
        return f"{self.base}/entity/Default/{version or self.version}/{path}"

    def sign_in(self, scope: str = "api offline_access") -> dict:
        reply = self.http.post(f"{self.base}/identity/connect/token", data={
            "grant_type": "password", "client_id": self.instance.client_id,
            "client_secret": self.instance.client_secret, "username": self.instance.username,
            "password": self.instance.password, "scope": scope})
        assert reply.status_code == 200, reply.text
        body = reply.json()
        self.token, self.refresh = body["access_token"], body.get("refresh_token")
        return body

    def call(self, method: str, path: str, version: str | None = None, **kwargs) -> requests.Response:
        if self.token is None:
            self.sign_in()
        headers = {"Authorization": f"Bearer {self.token}", "Accept": "application/json",
                   **kwargs.pop("headers", {})}
        return self.http.request(method, self.url(path, version), headers=headers, timeout=30, **kwargs)

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.call("GET", path, **kwargs)

    def put(self, path: str, body: dict, **kwargs) -> requests.Response:
        return self.call("PUT", path, json=body, **kwargs)

    def post(self, path: str, body: dict, **kwargs) -> requests.Response:
        return self.call("POST", path, json=body, **kwargs)


@pytest.fixture(scope="session")
def _acu_server(django_db_setup, django_db_blocker):
    with session_live_server(django_db_blocker) as server:
        yield server


@pytest.fixture
def acu_live(_acu_server, django_db_blocker):
    """The running server; the test body may use the database (autocommit) while it is in use."""
    with django_db_blocker.unblock():
        yield _acu_server
        Instance.objects.all().delete()


def make_acu(live_server, slug: str = "acu", **settings: object) -> Acu:
    instance = seed_instance(slug, catalog=demo_catalog(count=10), **settings)
    return Acu(base=f"{live_server.url}/sandbox/acumatica/{slug}", instance=instance)


@pytest.fixture
def acu(acu_live) -> Acu:
    return make_acu(acu_live, max_sessions=0)


@pytest.fixture
def api(acu: Acu) -> Acu:
    acu.sign_in()
    return acu


def create_order(api: Acu, customer_id: str, lines: list[tuple[str, int, str]], order_type: str = "SO",
                 **fields) -> dict:
    body = {**w(OrderType=order_type, CustomerID=customer_id, **fields),
            "Details": [w(InventoryID=i, OrderQty=q, UnitPrice=float(p)) for i, q, p in lines]}
    reply = api.put("SalesOrder?$expand=Details,Totals", body)
    assert reply.status_code == 200, reply.text
    return reply.json()


def first_customer_id(api: Acu) -> str:
    return api.get("Customer?$top=1").json()[0]["CustomerID"]["value"]
