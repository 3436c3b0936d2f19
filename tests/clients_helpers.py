"""Shared bits of the API client tests: a fake clock and a call-hook recorder."""
from __future__ import annotations

import time

from sync.http import CallRecord

BC = "https://api.bigcommerce.com/stores/acmestore/"
AC = "https://erp.example.com/"
AC_ENTITY = AC + "entity/Default/24.200.001/"
TOKEN_URL = AC + "identity/connect/token"


class FakeClock:
    """time() advances only when sleep() is called, and every sleep is remembered."""

    def __init__(self, start: float | None = None) -> None:
        self.now = time.time() if start is None else start
        self.sleeps: list[float] = []

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


class Calls(list):
    """Collects CallRecords; pass the instance itself as on_call."""

    def __call__(self, record: CallRecord) -> None:
        self.append(record)


def highest(low: float, high: float) -> float:
    """A deterministic 'random' uniform: always the top of the range."""
    return high


def lowest(low: float, high: float) -> float:
    return low
