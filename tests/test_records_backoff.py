import random
from datetime import timedelta

from audit.backoff import retry_delay


def test_it_grows_the_ceiling_exponentially_up_to_the_cap(settings):
    settings.SYNC_RETRY_BASE_SECONDS = 30
    settings.SYNC_RETRY_CAP_SECONDS = 3600
    rng = random.Random(7)
    for attempt, ceiling in ((1, 30), (2, 60), (3, 120), (8, 3600), (20, 3600)):
        delays = [retry_delay(attempt, rng=rng) for _ in range(200)]
        assert all(timedelta(0) <= d <= timedelta(seconds=ceiling) for d in delays)
        assert max(delays) > timedelta(seconds=ceiling * 0.8)  # full jitter spans the whole range


def test_it_never_waits_less_than_retry_after(settings):
    settings.SYNC_RETRY_BASE_SECONDS = 1
    assert retry_delay(1, retry_after=120, rng=random.Random(1)) == timedelta(seconds=120)
