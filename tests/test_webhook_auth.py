"""Verification of BigCommerce deliveries; signatures are computed here independently of the module."""
import base64
import hashlib
import hmac

import pytest

from sync.webhook_auth import SECRET_HEADER, DeliveryRefused, verify_delivery

BODY = b'{"scope":"store/order/created","data":{"type":"order","id":100}}'
NOW = 1_780_000_000


def standard_headers(body: bytes = BODY, secret: str = "client-secret", timestamp: int = NOW) -> dict:
    signed = f"msg_1.{timestamp}.".encode() + body
    signature = base64.b64encode(hmac.new(secret.encode(), signed, hashlib.sha256).digest()).decode()
    return {"webhook-id": "msg_1", "webhook-timestamp": str(timestamp), "webhook-signature": f"v1,{signature}"}


def verify(headers: dict, body: bytes = BODY) -> str:
    return verify_delivery(headers, body, header_secret="hook-secret", client_secret="client-secret", now=NOW)


def test_it_accepts_the_registered_secret_header():
    assert verify({SECRET_HEADER.lower(): "hook-secret"}) == "secret-header"


def test_it_accepts_a_standard_webhooks_signature():
    assert verify(standard_headers()) == "standard-webhooks"


def test_it_accepts_any_one_of_several_signatures():
    headers = standard_headers()
    headers["webhook-signature"] = "v1,AAAA " + headers["webhook-signature"]
    assert verify(headers) == "standard-webhooks"


def test_it_accepts_an_x_bc_signature_in_hex():
    signature = hmac.new(b"client-secret", BODY, hashlib.sha256).hexdigest()
    assert verify({"X-BC-Signature": signature}) == "x-bc-signature"


@pytest.mark.parametrize("headers, reason", [
    ({}, "missing authentication"),
    ({SECRET_HEADER: "wrong"}, "secret header does not match"),
    (standard_headers(secret="other"), "webhook-signature is invalid"),
    (standard_headers(timestamp=NOW - 301), "webhook-signature is invalid"),
    ({"X-BC-Signature": "00" * 32}, "X-BC-Signature is invalid"),
    ({SECRET_HEADER: "hook-secret", **standard_headers(secret="forged")}, "webhook-signature is invalid"),
])
def test_it_refuses_deliveries_without_a_valid_proof(headers, reason):
    with pytest.raises(DeliveryRefused) as refused:
        verify(headers)
    assert reason in refused.value.reason


def test_it_refuses_a_signature_over_a_different_body():
    with pytest.raises(DeliveryRefused):
        verify(standard_headers(), body=BODY.replace(b"100", b"101"))


def test_it_refuses_any_header_when_the_tenant_has_no_secret():
    with pytest.raises(DeliveryRefused):
        verify_delivery({SECRET_HEADER: ""}, BODY, header_secret="", client_secret="", now=NOW)
