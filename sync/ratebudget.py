"""Proactive pacing for BigCommerce: wait for the window to reset instead of hitting 429.

    reserve(store_hash, now) -> float   # seconds to wait before sending (0.0 = send now)
    observe(store_hash, headers, now)    # record X-Rate-Limit-* from any response

Every worker of every machine shares one ``RateBudget`` row per store. ``reserve`` spends one
request with a single conditional UPDATE (atomic on PostgreSQL and SQLite), so two workers cannot
both take the last request of a window; when the budget is at the reserve it returns the time left
until the reset. ``observe`` then overwrites the row with what the server said, which is the truth.

Reference: reference/bigcommerce-api.md §2 (X-Rate-Limit-Requests-Left, X-Rate-Limit-Time-Reset-Ms,
X-Rate-Limit-Requests-Quota; quota per store shared by all apps, refreshed every 30 s).
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Mapping

from django.db import IntegrityError, transaction
from django.db.models import F, Q

from sync.models import RateBudget

# Requests held back in every window: headroom for other apps sharing the store's quota and for
# requests already in flight when the headers were read.
RESERVE = 3


def reserve(store_hash: str, now: datetime) -> float:
    """Spends one request of the store's budget; returns seconds to wait first."""
    spendable = Q(requests_left__isnull=True) | Q(reset_at__isnull=True) | Q(reset_at__lte=now) | Q(
        requests_left__gt=RESERVE)
    if RateBudget.objects.filter(spendable, store_hash=store_hash).update(requests_left=F("requests_left") - 1):
        return 0.0
    row = RateBudget.objects.filter(store_hash=store_hash).values("reset_at").first()
    if row is None or row["reset_at"] is None:
        return 0.0  # never heard from this store: nothing to pace on yet
    return max(0.0, (row["reset_at"] - now).total_seconds())


def observe(store_hash: str, headers: Mapping[str, str], now: datetime) -> None:
    """Stores the budget a response reported; responses without the headers change nothing."""
    left = _int(headers.get("X-Rate-Limit-Requests-Left"))
    reset_ms = _int(headers.get("X-Rate-Limit-Time-Reset-Ms"))
    if left is None or reset_ms is None:
        return
    values = {"requests_left": left, "requests_quota": _int(headers.get("X-Rate-Limit-Requests-Quota")),
              "reset_at": now + timedelta(milliseconds=reset_ms)}
    if RateBudget.objects.filter(store_hash=store_hash).update(**values):
        return
    try:
        with transaction.atomic():
            RateBudget.objects.create(store_hash=store_hash, **values)
    except IntegrityError:  # another worker created it first; ours is as fresh
        RateBudget.objects.filter(store_hash=store_hash).update(**values)


def _int(value: str | None) -> int | None:
    try:
        return int(float(value)) if value is not None else None
    except ValueError:
        return None
