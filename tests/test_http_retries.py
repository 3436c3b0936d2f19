"""sync.http: retries with backoff and jitter, caps on attempts and total wait, timeouts, User-Agent."""
import pytest
import requests
import responses
from django.conf import settings

from sync.http import ApiError, HttpClient, RetryPolicy, backoff_delay
from tests.clients_helpers import Calls, FakeClock, highest

URL = "https://api.example.com/thing"


def client(clock: FakeClock, calls: Calls | None = None, **policy) -> HttpClient:
    options = {"max_attempts": 4, "base_delay": 1.0, "max_delay": 30.0, "max_total_wait": 100.0, **policy}
    return HttpClient(on_call=calls, clock=clock, policy=RetryPolicy(**options), uniform=highest)


@responses.activate
def test_it_retries_a_5xx_then_returns_the_success():
    responses.get(URL, status=503)
    responses.get(URL, status=502)
    responses.get(URL, json={"ok": True})
    clock, calls = FakeClock(), Calls()
    response = client(clock, calls).request("GET", URL)
    assert response.status_code == 200
    assert clock.sleeps == [1.0, 2.0]  # exponential steps (jitter pinned to its top)
    assert [c.attempt for c in calls] == [1, 2, 3]
    assert [c.status for c in calls] == [503, 502, 200]


@responses.activate
def test_it_returns_the_last_response_when_attempts_run_out():
    responses.get(URL, status=500)
    clock = FakeClock()
    response = client(clock).request("GET", URL)
    assert response.status_code == 500
    assert len(responses.calls) == 4
    assert len(clock.sleeps) == 3


@responses.activate
def test_it_raises_a_transient_error_when_network_failures_outlast_the_attempts():
    responses.get(URL, body=requests.ConnectionError("connection refused"))
    clock, calls = FakeClock(), Calls()
    with pytest.raises(ApiError) as error:
        client(clock, calls).request("GET", URL)
    assert error.value.permanent is False and error.value.status is None
    assert "Could not reach" in error.value.message
    assert len(calls) == 4 and calls[0].status is None and "ConnectionError" in calls[0].error


@responses.activate
def test_it_retries_a_network_error_then_succeeds():
    responses.get(URL, body=requests.ConnectTimeout("slow"))
    responses.get(URL, json={})
    clock = FakeClock()
    assert client(clock).request("GET", URL).status_code == 200
    assert clock.sleeps == [1.0]


@responses.activate
def test_it_does_not_resend_a_post_whose_read_timed_out():
    responses.post(URL, body=requests.ReadTimeout("read timed out"))
    with pytest.raises(ApiError) as error:
        client(FakeClock()).request("POST", URL, json_body={"a": 1})
    assert len(responses.calls) == 1  # it may have been applied; the record-level retry decides
    assert "did not answer in time" in error.value.message
    # The record's next run (which looks the document up first) waits at least another read timeout.
    assert error.value.retry_after >= client(FakeClock()).timeout[1] == 60.0


@responses.activate
def test_it_stops_when_the_total_wait_cap_would_be_exceeded():
    responses.get(URL, status=503)
    clock = FakeClock()
    with pytest.raises(ApiError) as error:
        client(clock, max_attempts=10, max_total_wait=5.0).request("GET", URL)
    assert clock.sleeps == [1.0, 2.0]  # a third wait of 4 s would pass the 5 s budget
    assert error.value.retry_after == 4.0 and error.value.permanent is False


def test_it_jitters_over_the_full_range_up_to_the_cap():
    policy = RetryPolicy(base_delay=1.0, max_delay=8.0)
    ranges = []
    backoff_delay(5, policy, lambda low, high: ranges.append((low, high)) or 0.0)
    backoff_delay(2, policy, lambda low, high: ranges.append((low, high)) or 0.0)
    assert ranges == [(0.0, 8.0), (0.0, 2.0)]


@responses.activate
def test_it_sends_the_user_agent_and_uses_timeouts(monkeypatch):
    responses.get(URL, json={})
    http = client(FakeClock())
    seen = {}
    original = http.session.send
    monkeypatch.setattr(http.session, "send", lambda request, **kw: seen.update(kw) or original(request, **kw))
    http.request("GET", URL)
    assert responses.calls[0].request.headers["User-Agent"] == f"ml-connector/{settings.VERSION}"
    assert seen["timeout"] == (5.0, 60.0)


@responses.activate
def test_it_does_not_resend_a_post_after_a_gateway_timeout_but_does_resend_a_get():
    responses.post(URL, status=504)
    responses.get(URL, status=504)
    responses.get(URL, json={})
    clock = FakeClock()
    assert client(clock).request("POST", URL, json_body={}).status_code == 504
    assert len(responses.calls) == 1 and clock.sleeps == []
    assert client(clock).request("GET", URL).status_code == 200


@responses.activate
@pytest.mark.parametrize("answer", [500, 503, 502, 504, requests.ConnectionError("Connection reset by peer"),
                                    requests.ReadTimeout("read timed out")],
                         ids=["500", "503", "502", "504", "reset", "read-timeout"])
def test_it_does_not_resend_a_create_after_an_ambiguous_answer(answer):
    """Acumatica can commit a keyless PUT and then answer 500: a second send would make a second document."""
    if isinstance(answer, int):
        responses.put(URL, status=answer)
    else:
        responses.put(URL, body=answer)
    responses.put(URL, json={"id": "second"})
    try:
        response = client(FakeClock()).request("PUT", URL, json_body={}, idempotent=False)
        assert response.status_code == answer
    except ApiError as error:
        assert not isinstance(answer, int) and error.permanent is False
    assert len(responses.calls) == 1


@responses.activate
def test_it_resends_a_create_the_server_refused_or_never_received():
    responses.put(URL, status=429)
    responses.put(URL, body=requests.ConnectTimeout("connect timed out"))
    responses.put(URL, json={"id": "created"})
    response = client(FakeClock()).request("PUT", URL, json_body={}, idempotent=False)
    assert response.json() == {"id": "created"} and len(responses.calls) == 3


def test_a_refused_connection_counts_as_never_sent():
    calls = Calls()
    with pytest.raises(ApiError) as error:
        client(FakeClock(), calls, max_attempts=2).request("PUT", "http://127.0.0.1:9/nothing-listens-here",
                                                          json_body={}, idempotent=False)
    assert "Could not reach" in error.value.message
    assert len(calls) == 2  # tried again: a refused connection reached no server
