"""Outbound requests to merchant-chosen hosts (sync/outbound.py): loopback, private, link-local and
metadata addresses are refused after DNS resolution and on redirects, before any connection is
attempted, unless the sandbox is on or the network is allowed; Test connection shows short
classified errors and never the remote body.

No test here sends a packet to a non-loopback address: connection attempts are recorded and refused
by a patched create_connection, and names are resolved by a fake resolver."""
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
import urllib3.util.connection
from django.test import override_settings

from sync import outbound
from sync.http import ApiError, HttpClient, RetryPolicy
from tenants import connection_test
from tenants.models import AcumaticaConnection
from tests.clients_helpers import FakeClock
from tests.test_secrets_at_rest import ONBOARDING

REMOTE_BODY = "REMOTE-BODY-do-not-echo"
FAKE_DNS = {"erp.internal.example": ["10.0.0.7"], "mixed.example": ["93.184.215.14", "192.168.1.20"],
            "public.example": ["93.184.215.14"], "loopback.example": ["127.0.0.1"]}


@pytest.fixture
def connects(monkeypatch):
    """Every TCP connection attempt the clients make; only loopback ones really happen."""
    attempts = []
    real = urllib3.util.connection.create_connection

    def create_connection(address, *args, **kwargs):
        attempts.append(address[0])
        if address[0] not in ("127.0.0.1", "::1"):
            raise AssertionError(f"a test tried to connect to {address[0]}")
        return real(address, *args, **kwargs)

    monkeypatch.setattr(urllib3.util.connection, "create_connection", create_connection)
    monkeypatch.setattr("urllib3.connection.connection.create_connection", create_connection)
    return attempts


@pytest.fixture
def fake_dns(monkeypatch):
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        try:
            socket.inet_pton(socket.AF_INET6 if ":" in host else socket.AF_INET, host)
            return real(host, port, *args, **kwargs)  # a literal address: no lookup happens
        except OSError:
            pass
        if host not in FAKE_DNS:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (ip, port)) for ip in FAKE_DNS[host]]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


class Handler(BaseHTTPRequestHandler):
    routes: dict = {}

    def do_GET(self):  # noqa: N802 (http.server's naming)
        status, body, headers = self.routes.get(self.path, (404, REMOTE_BODY, {}))
        self.send_response(status)
        for name, value in {"Content-Type": "application/json", **headers}.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body.encode())

    do_POST = do_GET

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def loopback_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def client() -> HttpClient:
    return HttpClient(clock=FakeClock(), policy=RetryPolicy(max_attempts=3), vendor="Acumatica")


@override_settings(SANDBOX_ENABLED=False)
@pytest.mark.parametrize("url, kind", [
    ("http://127.0.0.1:5432/", "loopback"), ("http://[::1]/", "loopback"), ("https://10.0.0.1/entity", "private"),
    ("http://192.168.0.10/", "private"), ("http://169.254.169.254/latest/meta-data/", "link-local"),
    ("http://100.100.100.200/", "non-public"), ("http://0.0.0.0/", "non-public"),
    ("http://[::ffff:10.0.0.1]/", "private"), ("http://erp.internal.example/", "private"),
    ("http://mixed.example/", "private"),
])
def test_it_refuses_non_public_addresses_before_connecting(connects, fake_dns, url, kind):
    with pytest.raises(ApiError) as error:
        client().request("GET", url)
    assert error.value.reason == "blocked" and error.value.permanent and kind in error.value.message
    assert connects == []  # refused before any connection was attempted, and not retried


@override_settings(SANDBOX_ENABLED=False)
def test_it_checks_the_address_a_redirect_leads_to(connects, fake_dns, loopback_server):
    Handler.routes = {"/moved": (302, "", {"Location": "http://10.0.0.1/internal"})}
    with override_settings(OUTBOUND_ALLOWED_NETWORKS=["127.0.0.0/8"]):
        http = client()
        assert http.request("GET", loopback_server + "/moved").status_code == 302  # never followed by the clients
        with pytest.raises(requests.ConnectionError) as error:  # and a session that follows is still guarded
            http.session.get(loopback_server + "/moved", allow_redirects=True)
    assert outbound.blocked_in(error.value).address == "10.0.0.1"
    assert connects == ["127.0.0.1", "127.0.0.1"]  # the two requests to the loopback server, nothing else


def test_the_allow_list_and_the_sandbox_let_loopback_through(connects, loopback_server):
    Handler.routes = {"/ok": (200, "{}", {})}
    with override_settings(SANDBOX_ENABLED=False, OUTBOUND_ALLOWED_NETWORKS=["127.0.0.0/8"]):
        assert client().request("GET", loopback_server + "/ok").status_code == 200
    with override_settings(SANDBOX_ENABLED=True):
        assert client().request("GET", loopback_server + "/ok").status_code == 200
    with override_settings(SANDBOX_ENABLED=False, OUTBOUND_ALLOWED_NETWORKS=["10.0.0.0/8"]):
        with pytest.raises(ApiError):
            client().request("GET", loopback_server + "/ok")
    assert connects == ["127.0.0.1", "127.0.0.1"]


def test_a_public_address_passes():
    with override_settings(SANDBOX_ENABLED=False):
        outbound.check_address("public.example", "93.184.215.14")
        outbound.check_address("public.example", "2606:2800:220:1:248:1893:25c8:1946")


def acumatica_at(url: str, **fields) -> AcumaticaConnection:
    return AcumaticaConnection(instance_url=url, endpoint_version="24.200.001", auth_method="cookie",
                               username="admin", password="typed-PASSWORD", **fields)


def reach(url: str) -> str:
    steps = connection_test.test_acumatica(acumatica_at(url), clock=FakeClock())
    return " | ".join(step.message for step in steps)


@override_settings(SANDBOX_ENABLED=False, OUTBOUND_ALLOWED_NETWORKS=["127.0.0.0/8"])
def test_connection_test_classifies_failures_and_never_shows_the_remote_body(connects, fake_dns, loopback_server):
    endpoints = json.dumps({"endpoints": [{"name": "Default", "version": "23.200.001"}]})
    Handler.routes = {"/ok/entity": (200, endpoints, {}),
                      "/ok/entity/auth/login": (401, json.dumps({"message": REMOTE_BODY}), {}),
                      "/html/entity": (500, f"<html>{REMOTE_BODY}</html>", {"Content-Type": "text/html"})}
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    closed_port = closed.getsockname()[1]
    closed.close()
    messages = {
        "unreachable": reach("https://no-such-host.example"),
        "refused": reach(f"http://127.0.0.1:{closed_port}"),
        "tls": reach(loopback_server.replace("http://", "https://")),
        "401 and version": reach(loopback_server + "/ok"),
        "404": reach(loopback_server + "/nothing"),
        "5xx": reach(loopback_server + "/html"),
    }
    assert messages["unreachable"].startswith("Unreachable: could not reach Acumatica at no-such-host.example")
    assert messages["refused"].startswith("Connection refused: 127.0.0.1")
    assert messages["tls"].startswith("TLS error: the secure connection to 127.0.0.1 failed")
    assert "endpoint Default/24.200.001 is not available on this instance; it offers: 23.200.001" \
        in messages["401 and version"]
    assert "Acumatica rejected the credentials (401)." in messages["401 and version"]
    assert "does not look like an Acumatica instance (GET /entity answered 404)" in messages["404"]
    assert "does not look like an Acumatica instance (GET /entity answered 500)" in messages["5xx"]
    assert not any(REMOTE_BODY in text or "typed-PASSWORD" in text for text in messages.values())
    assert set(connects) == {"127.0.0.1"}


@override_settings(SANDBOX_ENABLED=False)
@pytest.mark.parametrize("instance_url, kind", [("https://127.0.0.1:8443", "loopback"), ("https://10.0.0.1", "private")])
def test_the_test_connection_button_refuses_internal_addresses(client, merchant, connects, fake_dns, instance_url, kind):
    """The audit's attack: any signed-in user probing internal services with Test connection."""
    client.force_login(merchant)
    response = client.post("/onboarding/new/", {**ONBOARDING, "instance_url": instance_url, "action": "test"})
    page = response.content.decode()
    assert response.status_code == 200
    assert f"a {kind} address. The connector only connects to public addresses" in page
    assert "Unreachable: could not reach BigCommerce at api.bigcommerce.com" in page  # the fake DNS knows no name
    assert connects == []
