"""Fixtures and helpers for the sandbox BigCommerce tests (import the fixtures into a test module)."""
from __future__ import annotations

import copy
import functools
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml
from django.conf import settings

from sandbox.bigcommerce.models import Store
from sandbox.bigcommerce.seed import seed_store
from sandbox.catalog_data import demo_catalog
from tests.spec_files import SPECS as SHARED_SPECS

SPECS = SHARED_SPECS / "bigcommerce"
TOKEN = "test-token-SECRET"
# Flushing only the sandbox's tables after each transactional test keeps PostgreSQL runs fast.
SANDBOX_APPS = ["sandbox", "sandbox.bigcommerce", "sandbox.acumatica"]
sandbox_db = pytest.mark.django_db(transaction=True, available_apps=SANDBOX_APPS)
CLIENT_SECRET = "test-client-secret-SECRET"


class Api:
    """A tiny client for the sandbox store over real HTTP."""

    def __init__(self, root: str, store: Store, token: str = TOKEN) -> None:
        self.root = root
        self.base = f"{root}/sandbox/bigcommerce/stores/{store.store_hash}/"
        self.session = requests.Session()
        self.session.headers.update({"X-Auth-Token": token, "Accept": "application/json"})

    def call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", 10)
        return self.session.request(method, self.base + path, **kwargs)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.call("GET", path, **kwargs)

    def post(self, path: str, body: Any, **kwargs: Any) -> requests.Response:
        return self.call("POST", path, json=body, **kwargs)

    def put(self, path: str, body: Any, **kwargs: Any) -> requests.Response:
        return self.call("PUT", path, json=body, **kwargs)


@pytest.fixture
def bc_store(transactional_db) -> Store:
    # local_receivers: the tests' webhook receivers listen on http; tests of the real rule turn it back on.
    store = seed_store("test1234", catalog=demo_catalog(count=10), access_token=TOKEN, client_secret=CLIENT_SECRET,
                       local_receivers=True)
    store.rate_limit_quota = 10000
    store.webhook_retry_schedule = "0.05,0.05"
    store.save()
    return store


@pytest.fixture
def bc_api(live_server, bc_store: Store) -> Api:
    return Api(live_server.url, bc_store)


# --- a real webhook receiver ------------------------------------------------------------------

class Receiver:
    """An HTTP server in a thread that records what it is sent and answers `status`."""

    def __init__(self, status: int = 200) -> None:
        self.status = status
        self.received: list[dict[str, Any]] = []
        self.arrived = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server API)
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.received.append({"headers": {k.lower(): v for k, v in self.headers.items()},
                                          "body": body, "path": self.path})
                self.send_response(receiver.status)
                self.send_header("Content-Length", "0")
                self.end_headers()
                receiver.arrived.set()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/bc"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
        self.thread.start()

    def bodies(self) -> list[dict[str, Any]]:
        return [json.loads(r["body"]) for r in self.received]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


# --- contract validation against the official specs -----------------------------------------

def require_specs() -> None:
    if not SPECS.is_dir():
        pytest.skip(f"official specs not found at {SPECS} (../shared/specs is absent outside CI)")


@functools.lru_cache(maxsize=None)
def _spec_dict(name: str) -> dict[str, Any]:
    return _honour_x_nullable(yaml.safe_load((SPECS / name).read_text()))


def _honour_x_nullable(node: Any) -> Any:
    """Some BigCommerce schemas still mark nullable fields the Swagger 2 way (`x-nullable: true`),
    which OpenAPI 3 validators ignore; read it as `nullable: true`, as the spec authors meant."""
    if isinstance(node, dict):
        if node.get("x-nullable") is True:
            node["nullable"] = True
        for value in node.values():
            _honour_x_nullable(value)
    elif isinstance(node, list):
        for value in node:
            _honour_x_nullable(value)
    return node


@functools.lru_cache(maxsize=None)
def openapi(name: str, base: str):
    """The spec with its server pointed at the sandbox store, so paths resolve as in production."""
    from openapi_core import OpenAPI

    spec = copy.deepcopy(_spec_dict(name))
    version = spec["servers"][0]["url"].rsplit("/", 1)[-1]
    spec["servers"] = [{"url": f"{base}{version}"}]
    return OpenAPI.from_dict(spec)


def validate(name: str, api: Api, response: requests.Response, request_too: bool = True) -> None:
    """Raises when the response (and, by default, the request the test sent) breaks the official spec."""
    from openapi_core.contrib.requests import RequestsOpenAPIRequest, RequestsOpenAPIResponse

    spec = openapi(name, api.base)
    request = RequestsOpenAPIRequest(response.request)
    if request_too:
        spec.validate_request(request)
    try:
        spec.validate_response(request, RequestsOpenAPIResponse(response))
    except Exception as e:
        raise AssertionError(f"{response.request.method} {response.url} -> {response.status_code}: "
                             f"{_schema_errors(e)}") from e


def _schema_errors(error: BaseException) -> str:
    """The innermost jsonschema messages with their paths, so a contract failure names the field."""
    found: list[str] = []
    pending: list[Any] = [error, error.__cause__]
    while pending:
        current = pending.pop()
        if current is None:
            continue
        for schema_error in getattr(current, "schema_errors", ()) or ():
            leaves = list(schema_error.context or []) or [schema_error]
            found += [f"{list(leaf.absolute_path)}: {leaf.message[:200]}" for leaf in leaves]
        pending.append(getattr(current, "__cause__", None))
    return "; ".join(found) or repr(error)
