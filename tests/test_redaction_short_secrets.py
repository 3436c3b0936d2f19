"""Redaction by value covers stored secrets of any length (short ones where they stand alone), and
by name covers secret-looking headers and fields, in the audit trail and in the clients' call records."""
from sync.http import REDACTED, Redactor, redact_values
from audit.models import AuditEvent
from tenants.models import AcumaticaConnection, BigCommerceConnection


def test_short_secrets_are_redacted_where_they_stand_alone():
    text = 'password=pw1&note=pw12 apw1 "pw1" (x9) x9y'
    assert redact_values(text, ["pw1", "x9"]) == f'password={REDACTED}&note=pw12 apw1 "{REDACTED}" ({REDACTED}) x9y'
    assert redact_values("token a-long-secret-value inside", ["a-long-secret-value"]) == f"token {REDACTED} inside"


def test_the_audit_trail_hides_every_stored_secret_whatever_its_length(make_tenant):
    tenant = make_tenant("tiny")
    BigCommerceConnection.objects.filter(tenant=tenant).update(access_token="tk4")  # short, typed by a merchant
    ac = AcumaticaConnection.objects.get(tenant=tenant)
    ac.password = "pw1"
    ac.save(update_fields=["password"])
    event = AuditEvent.write(
        action="api.call", tenant_id=tenant.pk, url="https://erp.example.com/x?user=admin&p=pw1",
        request_headers={"X-Custom": "tk4", "X-Auth-Token": "anything"},
        request_body='{"note": "tk4", "Pwd": "pw1"}', response_body="echo: pw1; tk4!", message="login pw1 failed")
    stored = " ".join([event.url, event.message, str(event.request_headers), event.request_body, event.response_body])
    assert "pw1" not in stored and "tk4" not in stored
    assert event.request_headers == {"X-Custom": REDACTED, "X-Auth-Token": REDACTED}


def test_the_clients_redactor_hides_short_secrets_and_secret_names():
    redactor = Redactor(["pw1"])
    assert redactor.text("Acumatica said: bad password pw1") == f"Acumatica said: bad password {REDACTED}"
    assert redactor.body('{"password": "x", "api_key": "y", "user": "pw1"}', "application/json") == \
        f'{{"password": "{REDACTED}", "api_key": "{REDACTED}", "user": "{REDACTED}"}}'
    assert redactor.headers({"X-Api-Key": "k", "Cookie": "c", "Accept": "application/json"}) == \
        {"X-Api-Key": REDACTED, "Cookie": REDACTED, "Accept": "application/json"}
