import json
from dataclasses import dataclass, field

from audit.models import AuditEvent
from audit.redaction import MAX_BODY_CHARS, REDACTED, clean_body
from tests.audit_helpers import make_record

try:
    from sync.http import CallRecord
except ImportError:  # the clients helper's module; the same fields, per /tmp/callrecord.md
    @dataclass(frozen=True)
    class CallRecord:
        method: str
        url: str
        status: int | None
        duration_ms: float
        request_headers: dict = field(default_factory=dict)
        request_body: str | None = None
        response_headers: dict = field(default_factory=dict)
        response_body: str | None = None
        error: str | None = None
        attempt: int = 1


def all_text(event: AuditEvent) -> str:
    return json.dumps([event.url, event.message, event.request_headers, event.request_body,
                       event.response_headers, event.response_body])


def test_it_writes_one_api_call_event_per_call(tenant):
    record = make_record(tenant)
    hook = record.call_recorder()
    hook(CallRecord("GET", "https://erp.example.com/entity/Default/24.200.001/SalesOrder", 200, 12.5,
                    {"Accept": "application/json"}, None, {}, '{"OrderNbr": {"value": "SO1"}}', None, 1))
    hook(CallRecord("PUT", "https://erp.example.com/entity/Default/24.200.001/SalesOrder", None, 5000.0,
                    {}, "{}", {}, None, "ReadTimeout: no answer in 60 s", 2))
    first, second = record.events.filter(action="api.call").order_by("id")
    assert (first.method, first.status_code, first.duration_ms, first.attempt) == ("GET", 200, 12.5, 1)
    assert json.loads(first.response_body) == {"OrderNbr": {"value": "SO1"}}
    assert (second.status_code, second.message, second.attempt) == (None, "ReadTimeout: no answer in 60 s", 2)


def test_it_redacts_secrets_the_http_layer_missed(tenant):
    record = make_record(tenant)
    record.call_recorder()(CallRecord(
        "POST", "https://erp.example.com/identity/connect/token", 200, 30.0,
        {"Authorization": "Bearer abc.def", "Content-Type": "application/x-www-form-urlencoded"},
        "grant_type=password&username=admin&password=ac-password-acme-SECRET&client_secret=xyz",
        {"Set-Cookie": "ASP.NET_SessionId=zzz"},
        '{"access_token": "tok-123", "nested": {"refresh_token": "r-1"}, "echo": "bc-token-acme-SECRET"}', None, 1))
    event = record.events.get(action="api.call")
    text = all_text(event)
    for secret in ("abc.def", "ac-password-acme-SECRET", "xyz", "zzz", "tok-123", "r-1", "bc-token-acme-SECRET"):
        assert secret not in text
    assert event.request_headers["Authorization"] == REDACTED
    assert "username=admin" in event.request_body


def test_it_redacts_data_given_to_log(tenant):
    record = make_record(tenant)
    event = record.log("record.note", data={"client_secret": "s3cr3t-value", "id": 7})
    assert json.loads(event.request_body) == {"client_secret": REDACTED, "id": 7}


def test_it_caps_large_bodies():
    body = json.dumps({"lines": ["x" * 100] * 2000})
    stored = clean_body(body)
    assert len(stored) < MAX_BODY_CHARS + 100
    assert stored.endswith("characters]")


def test_read_calls_are_stored_with_the_next_write_or_event_in_their_order(tenant):
    record = make_record(tenant)
    hook = record.call_recorder()
    url = "https://erp.example.com/entity/Default/24.200.001/SalesOrder"
    hook(CallRecord("GET", url + "?read=1", 200, 1.0, {}, None, {}, "[]", None, 1))
    assert not record.events.filter(action="api.call").exists()  # kept back: a read
    hook(CallRecord("PUT", url, 200, 1.0, {}, "{}", {}, "{}", None, 1))  # a write: stored at once, reads first
    assert list(record.events.filter(action="api.call").order_by("id").values_list("method", flat=True)) == [
        "GET", "PUT"]
    hook(CallRecord("GET", url + "?read=2", 200, 1.0, {}, None, {}, "[]", None, 1))
    record.log("record.succeeded", message="Done.")
    assert [(e.action, e.method) for e in record.events.order_by("id")][-2:] == [
        ("api.call", "GET"), ("record.succeeded", "")]
