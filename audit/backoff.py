"""Retry timing for failed sync records: exponential backoff with full jitter, capped.

Full jitter (a uniform wait between 0 and the exponential ceiling) spreads the retries of many
records that failed together (an Acumatica outage) so they do not all come back at once.
The numbers are settings (SYNC_RETRY_BASE_SECONDS, SYNC_RETRY_CAP_SECONDS, SYNC_MAX_ATTEMPTS,
SYNC_LEASE_SECONDS), read from the environment in connector_site/settings.py. The lease is short
because a heartbeat renews it while the run is alive (audit/lease.py).
"""
import random
from datetime import timedelta

from django.conf import settings


def setting(name: str) -> int:
    return int(getattr(settings, name))


def retry_delay(attempt: int, retry_after: float | None = None, rng: random.Random | None = None) -> timedelta:
    """Wait before try number attempt+1; never shorter than the server's Retry-After."""
    ceiling = min(setting("SYNC_RETRY_CAP_SECONDS"), setting("SYNC_RETRY_BASE_SECONDS") * 2 ** max(attempt - 1, 0))
    seconds = (rng or random).uniform(0, ceiling)
    if retry_after:
        seconds = max(seconds, float(retry_after))
    return timedelta(seconds=seconds)


def max_attempts() -> int:
    return setting("SYNC_MAX_ATTEMPTS")


def lease() -> timedelta:
    return timedelta(seconds=setting("SYNC_LEASE_SECONDS"))
