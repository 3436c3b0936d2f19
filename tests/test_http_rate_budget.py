"""Proactive pacing: a store's request budget lives in the database and is shared by all workers."""
from datetime import datetime, timedelta, timezone

import responses

from sync import ratebudget
from sync.bigcommerce import BigCommerceClient
from sync.models import RateBudget
from tests.clients_helpers import BC, FakeClock

NOW = datetime(2026, 1, 5, 12, 0, tzinfo=timezone.utc)


def budget_headers(left: int, reset_ms: int = 20000) -> dict:
    return {"X-Rate-Limit-Requests-Left": str(left), "X-Rate-Limit-Time-Reset-Ms": str(reset_ms),
            "X-Rate-Limit-Requests-Quota": "150", "X-Rate-Limit-Time-Window-Ms": "30000"}


def test_it_sends_at_once_for_a_store_it_never_heard_from(db):
    assert ratebudget.reserve("newstore", NOW) == 0.0


def test_it_spends_the_budget_and_then_waits_for_the_reset(db):
    ratebudget.observe("s1", budget_headers(ratebudget.RESERVE + 2, reset_ms=12000), NOW)
    assert ratebudget.reserve("s1", NOW) == 0.0
    assert ratebudget.reserve("s1", NOW) == 0.0
    assert RateBudget.objects.get(store_hash="s1").requests_left == ratebudget.RESERVE
    assert ratebudget.reserve("s1", NOW) == 12.0
    assert ratebudget.reserve("s1", NOW + timedelta(seconds=12)) == 0.0  # a new window


@responses.activate
def test_it_waits_for_the_window_when_another_worker_left_the_budget_low(tenant):
    clock = FakeClock(start=NOW.timestamp())
    # What another worker (another process, same database) learned a moment ago:
    ratebudget.observe(tenant.bigcommerce.store_hash, budget_headers(1, reset_ms=8000), NOW)
    responses.get(BC + "v3/orders/1/transactions", status=204, headers=budget_headers(149, 30000))
    with BigCommerceClient(tenant.bigcommerce, clock=clock) as client:
        client.get_transactions(1)
    assert clock.sleeps == [8.0]
    assert RateBudget.objects.get(store_hash=tenant.bigcommerce.store_hash).requests_left == 149


@responses.activate
def test_it_records_the_budget_a_429_reports_for_every_worker(tenant):
    clock = FakeClock(start=NOW.timestamp())
    responses.get(BC + "v3/orders/1/transactions", status=429, headers=budget_headers(0, 3000))
    responses.get(BC + "v3/orders/1/transactions", status=204, headers=budget_headers(148, 30000))
    with BigCommerceClient(tenant.bigcommerce, clock=clock) as client:
        assert client.get_transactions(1) == []
    assert clock.sleeps == [3.0]  # the 429 wait; the budget row said the same and the clock had moved


def test_it_never_hands_out_more_than_the_budget_to_concurrent_workers(transactional_db):
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection

    ratebudget.observe("shared", budget_headers(ratebudget.RESERVE + 10, reset_ms=30000), NOW)

    def worker(_: int) -> list[float]:
        try:
            return [ratebudget.reserve("shared", NOW) for _ in range(6)]
        finally:
            connection.close()  # each thread has its own database connection

    with ThreadPoolExecutor(max_workers=4) as pool:
        waits = [w for batch in pool.map(worker, range(4)) for w in batch]
    assert waits.count(0.0) == 10  # exactly the budget above the reserve, whoever asked
    assert all(w == 30.0 for w in waits if w)


def test_a_response_that_counts_what_the_row_counts_writes_nothing(db):
    """One statement per request while only we spend the quota: the server's count is already ours."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    ratebudget.observe("s2", budget_headers(100), NOW)
    with CaptureQueriesContext(connection) as same:
        wait, left = ratebudget.spend("s2", NOW)
        ratebudget.observe("s2", budget_headers(99), NOW, expected_left=left)
    assert (wait, left, len(same.captured_queries)) == (0.0, 99, 1)
    # Another app spent some of the store's quota meanwhile: the server's count wins.
    wait, left = ratebudget.spend("s2", NOW)
    ratebudget.observe("s2", budget_headers(90), NOW, expected_left=left)
    assert (left, RateBudget.objects.get(store_hash="s2").requests_left) == (98, 90)
