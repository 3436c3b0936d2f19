"""With DEBUG on (as `make run` serves), a crash page shows no secret of the tenant it was serving."""
import base64
import hashlib
import hmac
import json
import time

import pytest
from django.test import Client

from tests.webhook_helpers import order_stub


@pytest.fixture
def debug_client(settings):
    settings.DEBUG = True
    return Client(raise_request_exception=False)


def tenant_secrets(tenant) -> list[str]:
    bc, ac = tenant.bigcommerce, tenant.acumatica
    return [getattr(bc, name) for name in bc.SECRET_FIELDS] + [getattr(ac, name) for name in ac.SECRET_FIELDS]


def assert_debug_page_hides(response, secrets):
    page = response.content.decode()
    assert response.status_code == 500
    assert "Local vars" in page and "Request information" in page  # it is Django's technical page
    leaked = [s for s in secrets if s and s in page]
    assert not leaked


def test_a_crash_inside_signature_checks_shows_no_secret(debug_client, tenant, monkeypatch):
    def broken(key, message):
        raise RuntimeError("forced crash while the secrets are in local variables")
    monkeypatch.setattr("sync.webhook_auth._hmac_sha256", broken)
    body = json.dumps(order_stub()).encode()
    now = str(int(time.time()))
    secret = tenant.bigcommerce.client_secret
    signature = base64.b64encode(hmac.new(secret.encode(), f"m1.{now}.".encode() + body, hashlib.sha256).digest())
    response = debug_client.post(f"/webhooks/bigcommerce/{tenant.public_id}/", body, content_type="application/json",
                                 headers={"X-Connector-Webhook-Secret": tenant.bigcommerce.webhook_secret,
                                          "webhook-id": "m1", "webhook-timestamp": now,
                                          "webhook-signature": "v1," + signature.decode()})
    assert_debug_page_hides(response, tenant_secrets(tenant))


def test_a_crash_comparing_the_push_header_shows_no_secret(debug_client, tenant, monkeypatch):
    class BrokenHmac:
        @staticmethod
        def compare_digest(supplied, expected):
            raise RuntimeError("forced crash with the push secret in local variables")
    monkeypatch.setattr("sync.acumatica_push.hmac", BrokenHmac)
    connection = tenant.acumatica
    connection.push_header_name = "X-Erp-Hook"  # a name Django's own filter would not hide
    connection.save()
    response = debug_client.post(f"/webhooks/acumatica/{tenant.public_id}/", json.dumps({"Id": "1"}),
                                 content_type="application/json", headers={"X-Erp-Hook": connection.push_secret})
    assert_debug_page_hides(response, tenant_secrets(tenant))
