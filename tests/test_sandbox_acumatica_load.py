"""Per-minute request limit (delay, then 429 past the queue), concurrency cap, and injected faults."""
import threading
import time

import pytest

from sandbox.acumatica.load import rate_delay
from sandbox.acumatica.models import Instance
from tests.acumatica_sandbox_helpers import _acu_server, acu_live, make_acu  # noqa: F401

pytestmark = pytest.mark.e2e


def test_it_delays_then_answers_429_past_the_per_minute_queue(acu_live):
    if time.gmtime().tm_sec >= 57:           # keep all calls inside one clock minute (the window)
        time.sleep(61 - time.gmtime().tm_sec)
    acu = make_acu(acu_live, requests_per_minute=4, queue_limit=2, max_queue_delay_ms=50, max_sessions=0)
    codes, timings = [], []
    for _ in range(9):          # 1 token call + 8 entity calls
        started = time.monotonic()
        codes.append(acu.get("StockItem?$top=1").status_code)
        timings.append(time.monotonic() - started)
    assert codes[:5] == [200] * 5           # the token call + 3 in the window, then 2 queued
    assert codes[5:] == [429] * 4
    assert max(timings[2:5]) >= 0.04        # past half the limit requests are held
    reply = acu.get("StockItem?$top=1")
    assert "Retry-After" not in reply.headers


def test_it_computes_the_documented_delay_in_the_window():
    instance = Instance(requests_per_minute=100, queue_limit=20, max_queue_delay_ms=60_000)
    assert rate_delay(instance, 50, 30.0) == 0.0
    assert rate_delay(instance, 91, 30.0) == pytest.approx(3.0)      # 30 s left / 10 requests left
    with pytest.raises(Exception):
        rate_delay(instance, 121, 30.0)


def test_it_queues_requests_past_the_concurrency_cap(acu_live):
    acu = make_acu(acu_live, max_concurrent=1, latency_ms=150, queue_limit=20, max_queue_delay_ms=500,
                   max_sessions=0)
    acu.sign_in()
    Instance.objects.filter(pk=acu.instance.pk).update(latency_ms=0)
    results = []

    def call():
        results.append(acu.call("GET", "StockItem?$top=1").status_code)

    with_slot_held = threading.Thread(target=call)
    Instance.objects.filter(pk=acu.instance.pk).update(in_flight=1)    # a long request holds the only core
    with_slot_held.start()
    time.sleep(0.2)
    assert results == []                                                 # still queued
    Instance.objects.filter(pk=acu.instance.pk).update(in_flight=0)
    with_slot_held.join(5)
    assert results == [200]


def test_it_injects_a_deterministic_share_of_500s_with_a_seed(acu_live):
    def codes() -> list[int]:
        acu = make_acu(acu_live, slug="faulty", error_rate=0.5, fault_seed=42, max_sessions=0)
        Instance.objects.filter(pk=acu.instance.pk).update(error_rate=0)
        acu.sign_in()
        Instance.objects.filter(pk=acu.instance.pk).update(error_rate=0.5)
        return [acu.get("StockItem?$top=1").status_code for _ in range(12)]
    first, second = codes(), codes()
    assert first == second
    assert set(first) == {200, 500}


def test_it_injects_429s_and_latency(acu_live):
    acu = make_acu(acu_live, max_sessions=0)
    acu.sign_in()
    Instance.objects.filter(pk=acu.instance.pk).update(throttle_rate=1.0)
    assert acu.get("StockItem?$top=1").status_code == 429
    Instance.objects.filter(pk=acu.instance.pk).update(throttle_rate=0, latency_ms=200)
    started = time.monotonic()
    assert acu.get("StockItem?$top=1").status_code == 200
    assert time.monotonic() - started >= 0.2


def test_it_answers_504_after_hanging_for_an_injected_timeout(acu_live):
    acu = make_acu(acu_live, max_sessions=0)
    acu.sign_in()
    Instance.objects.filter(pk=acu.instance.pk).update(timeout_rate=1.0, timeout_seconds=0.2)
    assert acu.get("StockItem?$top=1").status_code == 504
