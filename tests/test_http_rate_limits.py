"""sync.http on 429: waits exactly what the server says, grows waits when it says nothing."""
import pytest
import responses

from sync.http import ApiError, HttpClient, RetryPolicy
from tests.clients_helpers import FakeClock, lowest

URL = "https://api.example.com/thing"


def client(clock: FakeClock, **policy) -> HttpClient:
    options = {"max_attempts": 5, "base_delay": 1.0, "max_delay": 60.0, "max_total_wait": 100.0, **policy}
    return HttpClient(clock=clock, policy=RetryPolicy(**options), uniform=lowest)


@pytest.mark.parametrize("headers, expected", [
    ({"X-Rate-Limit-Time-Reset-Ms": "7250", "X-Rate-Limit-Requests-Left": "0"}, 7.25),
    ({"X-Retry-After": "9"}, 9.0),
    ({"Retry-After": "4"}, 4.0),
])
@responses.activate
def test_it_waits_as_long_as_the_429_says(headers, expected):
    responses.get(URL, status=429, headers=headers)
    responses.get(URL, json={"ok": True})
    clock = FakeClock()
    assert client(clock).request("GET", URL).status_code == 200
    assert clock.sleeps == [expected]


@responses.activate
def test_it_prefers_the_millisecond_reset_header():
    responses.get(URL, status=429, headers={"X-Rate-Limit-Time-Reset-Ms": "1500", "X-Retry-After": "2"})
    responses.get(URL, json={})
    clock = FakeClock()
    client(clock).request("GET", URL)
    assert clock.sleeps == [1.5]


@responses.activate
def test_it_backs_off_with_growing_waits_on_a_bare_429():
    for _ in range(4):
        responses.get(URL, status=429)
    responses.get(URL, json={})
    clock = FakeClock()
    assert client(clock).request("GET", URL).status_code == 200
    assert len(clock.sleeps) == 4
    assert clock.sleeps == sorted(clock.sleeps) and clock.sleeps[0] < clock.sleeps[-1]
    assert clock.sleeps[0] >= 1.0  # never a zero wait under platform load, even at the bottom of the jitter


@responses.activate
def test_it_gives_up_with_retry_after_when_the_server_wait_is_too_long():
    responses.get(URL, status=429, headers={"X-Retry-After": "3600"})
    clock = FakeClock()
    with pytest.raises(ApiError) as error:
        client(clock).request("GET", URL)
    assert clock.sleeps == []
    assert error.value.status == 429 and error.value.retry_after == 3600.0 and not error.value.permanent
