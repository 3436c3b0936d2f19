"""Proactive pacing for BigCommerce: wait for the window to reset instead of hitting 429.

    reserve(store_hash, now) -> float   # seconds to wait before sending (0.0 = send now)
    spend(store_hash, now) -> (float, int | None)   # the same, and the requests left as our row counts them
    observe(store_hash, headers, now, expected_left=None)   # record X-Rate-Limit-* from any response

Every worker of every machine shares one ``RateBudget`` row per store. ``reserve`` spends one
request with a single conditional UPDATE (atomic on PostgreSQL and SQLite), so two workers cannot
both take the last request of a window; when the budget is at the reserve it returns the time left
until the reset. ``observe`` then overwrites the row with what the server said, which is the truth,
unless the server counts what the row already says (``spend`` returns that count): one statement per
request while nothing else spends the store's quota, two when something does.

Reference: reference/bigcommerce-api.md §2 (X-Rate-Limit-Requests-Left, X-Rate-Limit-Time-Reset-Ms,
X-Rate-Limit-Requests-Quota; quota per store shared by all apps, refreshed every 30 s).
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Mapping

from django.db import IntegrityError, connection, transaction

from sync.models import RateBudget

# Requests held back in every window: headroom for other apps sharing the store's quota and for
# requests already in flight when the headers were read.
RESERVE = 3


def reserve(store_hash: str, now: datetime) -> float:
    """Spends one request of the store's budget; returns seconds to wait first."""
    return spend(store_hash, now)[0]


def spend(store_hash: str, now: datetime) -> tuple[float, int | None]:
    """``reserve``, plus the requests left after this one as our row counts them (None when unknown):
    pass it to ``observe``, which then writes nothing when the server counts the same."""
    # One statement either way: UPDATE ... RETURNING (PostgreSQL; SQLite 3.35+).
    table = connection.ops.quote_name(RateBudget._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET requests_left = requests_left - 1 WHERE store_hash = %s AND (requests_left IS NULL"
            f" OR reset_at IS NULL OR reset_at <= %s OR requests_left > %s) RETURNING requests_left",
            [store_hash, connection.ops.adapt_datetimefield_value(now), RESERVE])
        spent = cursor.fetchone()
    if spent is not None:
        return 0.0, spent[0]
    row = RateBudget.objects.filter(store_hash=store_hash).values("reset_at").first()
    if row is None or row["reset_at"] is None:
        return 0.0, None  # never heard from this store: nothing to pace on yet
    return max(0.0, (row["reset_at"] - now).total_seconds()), None


def observe(store_hash: str, headers: Mapping[str, str], now: datetime, expected_left: int | None = None) -> None:
    """Stores the budget a response reported; responses without the headers change nothing, and neither
    does one whose count of requests left is ``expected_left``, what our row already says after ``spend``
    (the same window: a new one would have refilled the server's count)."""
    left = _int(headers.get("X-Rate-Limit-Requests-Left"))
    reset_ms = _int(headers.get("X-Rate-Limit-Time-Reset-Ms"))
    if left is None or reset_ms is None or (expected_left is not None and left == expected_left):
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
