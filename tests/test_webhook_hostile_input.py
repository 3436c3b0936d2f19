"""Both receivers against hostile input: every case is a 4xx with a short reason, none creates work.

The cases are the ones an attacker or a broken client sends: odd headers (non-ASCII, digits that are
not ASCII, huge numbers), bodies that are deep, not JSON, not UTF-8, or hold NaN, NUL or lone
surrogates, ids of the wrong type or length. Authentication comes from headers before the body is
parsed, so an unauthenticated hostile body is a 401, not a 400.
"""
import base64
import hashlib
import hmac
import json
import time

import pytest
from django.test import Client
from django_q.conf import Conf

from audit.models import SyncRecord
from sync.models import WebhookReceipt
from sync.webhook_auth import SECRET_HEADER
from tests.webhook_helpers import order_stub

DEEP = ("[" * 5000 + "]" * 5000)


@pytest.fixture(autouse=True)
def queue_instead_of_running(monkeypatch):
    monkeypatch.setattr(Conf, "SYNC", False)
    monkeypatch.setattr(Conf, "ORM", "default")


@pytest.fixture
def raw_client():
    """Answers 500s as responses (as a real server would) instead of raising them into the test."""
    return Client(raise_request_exception=False)


def standard_signature(secret: str, msg_id: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def stub_text(**data) -> str:
    return json.dumps({**order_stub(), "data": {"type": "order", **data}})


# (case, headers beyond the content type, raw body, expected status)
UNAUTHENTICATED_BC = [
    ("non-ascii X-BC-Signature", {"X-BC-Signature": "sig\u00e9\u00ff"}, stub_text(id=1), 401),
    ("non-ascii webhook-signature", {"webhook-id": "msg_1", "webhook-timestamp": "NOW",
                                     "webhook-signature": "v1,\u00e9\u00e9"}, stub_text(id=1), 401),
    ("superscript timestamp", {"webhook-id": "msg_1", "webhook-timestamp": "\u00b2",
                               "webhook-signature": "v1,abc"}, stub_text(id=1), 401),
    ("5000-digit timestamp", {"webhook-id": "msg_1", "webhook-timestamp": "9" * 5000,
                              "webhook-signature": "v1,abc"}, stub_text(id=1), 401),
    ("deep body, no proof", {}, DEEP, 401),
    ("deep body, wrong secret", {SECRET_HEADER: "wrong"}, DEEP, 401),
    ("non-ascii secret header", {SECRET_HEADER: "s\u00e9cret\u00ff"}, stub_text(id=1), 401),
    ("empty body, no proof", {}, "", 401),
]

AUTHENTICATED_BC = [
    ("101-digit id", stub_text(id=int("9" * 101)), 400),
    ("101-digit id as text", stub_text(id="9" * 101), 400),
    ("superscript id", stub_text(id="\u00b2"), 400),
    ("NaN id", stub_text(id=1).replace('"id": 1', '"id": NaN'), 400),
    ("Infinity id", stub_text(id=1).replace('"id": 1', '"id": -Infinity'), 400),
    ("float id", stub_text(id=1.5), 400),
    ("negative id", stub_text(id=-4), 400),
    ("zero id", stub_text(id=0), 400),
    ("boolean id", stub_text(id=True), 400),
    ("list id", stub_text(id=[1]), 400),
    ("null id", stub_text(id=None), 400),
    ("NUL in a string", stub_text(id=1, note="a\u0000b"), 400),
    ("lone surrogate", stub_text(id=1).replace('"type": "order"', '"type": "\\ud800"'), 400),
    ("lone surrogate in a key", stub_text(id=1).replace('"type"', '"\\udfff"'), 400),
    ("5000-deep nesting", stub_text(id=1).replace('"note"', '"x"')[:-1] + ', "deep": ' + DEEP + "}", 400),
    ("30-deep nesting", json.dumps({**order_stub(), "x": json.loads("[" * 30 + "]" * 30)}), 400),
    ("scope not a string", json.dumps({**order_stub(), "scope": ["store/order/created"]}), 400),
    ("scope of 10,000 characters", json.dumps({**order_stub(), "scope": "s" * 10_000}), 400),
    ("body is a list", "[1, 2]", 400),
    ("body is a string", '"store/order/created"', 400),
    ("empty body", "", 415),  # an empty POST carries no content type
    ("not JSON", "{scope: order}", 400),
    ("truncated JSON", stub_text(id=1)[:-3], 400),
    ("data not an object", json.dumps({**order_stub(), "data": "order 1"}), 400),
    ("transaction without order id", json.dumps({**order_stub(scope="store/order/transaction/created"),
                                                  "data": {"type": "transaction", "transaction_id": "5"}}), 400),
    ("customer id of 30 digits", json.dumps({**order_stub(scope="store/customer/updated"),
                                              "data": {"type": "customer", "id": "1" * 30}}), 400),
    ("address without customer id", json.dumps({**order_stub(scope="store/customer/address/updated"),
                                                 "data": {"type": "customer", "id": 5, "address": {}}}), 400),
    ("address customer id superscript", json.dumps({**order_stub(scope="store/customer/address/created"),
                                                     "data": {"type": "customer", "id": 5,
                                                              "address": {"customer_id": "\u00b9"}}}), 400),
    ("too large", json.dumps({**order_stub(), "pad": "x" * 70_000}), 413),
]


def post_bigcommerce(client, tenant, body, headers, content_type="application/json"):
    raw = body.encode("utf-8", "surrogatepass") if isinstance(body, str) else body
    return client.post(f"/webhooks/bigcommerce/{tenant.public_id}/", raw, content_type=content_type, headers=headers)


def assert_refused(response, status):
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"] == "application/json"
    reason = response.json()["error"]
    assert 0 < len(reason) <= 120 and "Traceback" not in reason
    assert not SyncRecord.objects.exists() and not WebhookReceipt.objects.exists()


@pytest.mark.parametrize("case, headers, body, status", UNAUTHENTICATED_BC, ids=[c[0] for c in UNAUTHENTICATED_BC])
def test_bigcommerce_receiver_refuses_unauthenticated_hostile_requests(raw_client, tenant, case, headers, body, status):
    headers = {k: (str(int(time.time())) if v == "NOW" else v) for k, v in headers.items()}
    assert_refused(post_bigcommerce(raw_client, tenant, body, headers), status)


@pytest.mark.parametrize("case, body, status", AUTHENTICATED_BC, ids=[c[0] for c in AUTHENTICATED_BC])
def test_bigcommerce_receiver_refuses_malformed_authenticated_deliveries(raw_client, tenant, case, body, status):
    headers = {SECRET_HEADER: tenant.bigcommerce.webhook_secret}
    assert_refused(post_bigcommerce(raw_client, tenant, body, headers), status)


def test_bigcommerce_receiver_refuses_bytes_that_are_not_utf8(raw_client, tenant):
    body = stub_text(id=1).encode().replace(b'"order"', b'"\xff\xfe"')
    assert_refused(post_bigcommerce(raw_client, tenant, body, {SECRET_HEADER: tenant.bigcommerce.webhook_secret}), 400)


def test_bigcommerce_receiver_refuses_an_over_long_webhook_id(raw_client, tenant):
    body = json.dumps(order_stub()).encode()
    now, msg_id = str(int(time.time())), "m" * 500
    headers = {"webhook-id": msg_id, "webhook-timestamp": now,
               "webhook-signature": standard_signature(tenant.bigcommerce.client_secret, msg_id, now, body)}
    assert_refused(post_bigcommerce(raw_client, tenant, body, headers), 400)


def test_bigcommerce_receiver_refuses_a_signature_for_a_deep_body(raw_client, tenant):
    """Signed by the real secret, the deep body still gets a 400 (parsed only after the proof)."""
    body = DEEP.encode()
    now = str(int(time.time()))
    headers = {"webhook-id": "msg_deep", "webhook-timestamp": now,
               "webhook-signature": standard_signature(tenant.bigcommerce.client_secret, "msg_deep", now, body)}
    assert_refused(post_bigcommerce(raw_client, tenant, body, headers), 400)


# ---------------------------------------------------------------- Acumatica push receiver

def push(ids=("SKU-1",), **overrides) -> dict:
    rows = [{"InventoryID": i, "WarehouseID": "MAIN"} for i in ids]
    return {"Inserted": rows, "Deleted": [], "Query": "BC-StockItems", "CompanyId": "Company",
            "Id": "5b7f8c1e-1d1b-4c55-9a55-5f0c1a4b7e01", "TimeStamp": 638000000000000000, **overrides}


UNAUTHENTICATED_PUSH = [
    ("no header", {}, json.dumps(push()), 401),
    ("non-ascii header", {"HEADER": "v\u00e9\u00ff"}, json.dumps(push()), 401),
    ("deep body, no header", {}, DEEP, 401),
    ("huge body, no header", {}, json.dumps(push(pad="x" * 3_000_000)), 401),
]

AUTHENTICATED_PUSH = [
    ("101-character InventoryID", json.dumps(push(ids=["A" * 101])), 400),
    ("NUL in InventoryID", json.dumps(push(ids=["A\u0000B"])), 400),
    ("lone surrogate InventoryID", json.dumps(push()).replace("SKU-1", "\\ud800"), 400),
    ("NaN InventoryID", json.dumps(push()).replace('"SKU-1"', "NaN"), 400),
    ("InventoryID a list", json.dumps(push(ids=[["SKU-1"]])), 400),
    ("wrapped InventoryID too long", json.dumps(push(Inserted=[{"InventoryID": {"value": "B" * 200}}])), 400),
    ("Id missing", json.dumps({k: v for k, v in push().items() if k != "Id"}), 400),
    ("Id an object", json.dumps(push(Id={"a": 1})), 400),
    ("Id of 500 characters", json.dumps(push(Id="i" * 500)), 400),
    ("Query of 500 characters", json.dumps(push(Query="q" * 500)), 400),
    ("Inserted not a list", json.dumps(push(Inserted={"InventoryID": "SKU-1"})), 400),
    ("deep body", DEEP, 400),
    ("30-deep body", json.dumps(push(AdditionalInfo=json.loads("[" * 30 + "]" * 30))), 400),
    ("body is a list", "[]", 400),
    ("not JSON", "Inserted=SKU-1", 400),
    ("too many items", json.dumps(push(ids=[f"I{n}" for n in range(10_001)])), 413),
    ("too large", json.dumps(push(pad="x" * 3_000_000)), 413),
]


def post_push(client, tenant, body, headers):
    name = tenant.acumatica.push_header_name
    headers = {(name if k == "HEADER" else k): v for k, v in headers.items()}
    return client.post(f"/webhooks/acumatica/{tenant.public_id}/", body.encode("utf-8", "surrogatepass"),
                       content_type="application/json", headers=headers)


@pytest.mark.parametrize("case, headers, body, status", UNAUTHENTICATED_PUSH, ids=[c[0] for c in UNAUTHENTICATED_PUSH])
def test_push_receiver_refuses_unauthenticated_hostile_requests(raw_client, tenant, case, headers, body, status):
    assert_refused(post_push(raw_client, tenant, body, headers), status)


@pytest.mark.parametrize("case, body, status", AUTHENTICATED_PUSH, ids=[c[0] for c in AUTHENTICATED_PUSH])
def test_push_receiver_refuses_malformed_authenticated_notifications(raw_client, tenant, case, body, status):
    assert_refused(post_push(raw_client, tenant, body, {"HEADER": tenant.acumatica.push_secret}), status)


# ---------------------------------------------------------------- over a real socket

RAW_REQUESTS = [
    ("latin-1 bytes in the secret header", lambda t: [(SECRET_HEADER.encode(), b"\xe9\xff\xfe")], b"{}", 401),
    ("Content-Length not a number", lambda t: [(b"Content-Length", b"12abc")], b"{}", 400),
    ("Content-Length superscript", lambda t: [(b"Content-Length", "\u00b2".encode("latin-1"))], b"{}", 400),
    ("Content-Length huge", lambda t: [(b"Content-Length", b"9" * 30)], b"{}", 413),
]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("case, headers, body, status", RAW_REQUESTS, ids=[c[0] for c in RAW_REQUESTS])
def test_bigcommerce_receiver_refuses_raw_hostile_headers(live_server, tenant, case, headers, body, status):
    """Bytes a test client cannot send: written to the socket as they are."""
    import socket
    from urllib.parse import urlsplit
    url = urlsplit(live_server.url)
    extra = headers(tenant)
    names = {name.lower() for name, _ in extra}
    lines = [f"POST /webhooks/bigcommerce/{tenant.public_id}/ HTTP/1.1".encode(), f"Host: {url.netloc}".encode(),
             b"Content-Type: application/json", b"Connection: close"]
    if b"content-length" not in names:
        lines.append(f"Content-Length: {len(body)}".encode())
    lines += [name + b": " + value for name, value in extra]
    with socket.create_connection((url.hostname, url.port), timeout=10) as sock:
        sock.sendall(b"\r\n".join(lines) + b"\r\n\r\n" + body)
        sock.shutdown(socket.SHUT_WR)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    status_line = answer.split(b"\r\n", 1)[0]
    assert status_line.split()[1] == str(status).encode(), answer[:300]
    assert not SyncRecord.objects.exists()
