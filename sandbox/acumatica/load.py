"""Licence load limits and injected faults, with counters in the database (shared by all processes).

Reference: acumatica-api.md section 2 "License limits" -- requests per minute: past 50 % of the limit each
request is delayed by (time left in the window) / (requests left); a request is declined (429, no
Retry-After) only when more than 20 are queued; concurrent requests wait for one of N processing cores.
"""
import random
import time
from contextlib import contextmanager
from typing import Iterator

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .models import Instance, RateWindow

CONCURRENCY_POLL = 0.02


class Throttled(Exception):
    """Answer 429 ("the number of requests has exceeded the limit imposed by the license")."""


class InjectedFault(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def count_request(instance: Instance) -> int:
    """Counts the request in the current clock minute; returns its position in the window."""
    minute = timezone.now().replace(second=0, microsecond=0)
    with transaction.atomic():
        window, _ = RateWindow.objects.get_or_create(instance=instance, minute=minute)
        RateWindow.objects.filter(pk=window.pk).update(count=F("count") + 1)
        window.refresh_from_db()
    return window.count


def rate_delay(instance: Instance, position: int, seconds_left: float) -> float:
    """Seconds to hold the request; raises Throttled when the queue bound is passed."""
    limit = instance.requests_per_minute
    cap = instance.max_queue_delay_ms / 1000
    if limit == 0 or position <= limit / 2:
        return 0.0
    if position > limit + instance.queue_limit:
        raise Throttled()
    if position > limit:
        return cap                                  # queued behind the exhausted window
    return min(cap, seconds_left / max(limit - position + 1, 1))


def apply_rate_limit(instance: Instance) -> None:
    if instance.requests_per_minute == 0:
        return
    position = count_request(instance)
    now = timezone.now()
    delay = rate_delay(instance, position, 60 - now.second - now.microsecond / 1e6)
    if delay:
        time.sleep(delay)


@contextmanager
def concurrency_slot(instance: Instance) -> Iterator[None]:
    """Holds one of the instance's processing cores; waits in a bounded queue for a free one."""
    if instance.max_concurrent == 0:
        yield
        return
    deadline = time.monotonic() + instance.max_queue_delay_ms / 1000 * max(instance.queue_limit, 1)
    while not Instance.objects.filter(pk=instance.pk, in_flight__lt=instance.max_concurrent).update(
            in_flight=F("in_flight") + 1):
        if time.monotonic() > deadline:
            raise Throttled()
        time.sleep(CONCURRENCY_POLL)
    try:
        yield
    finally:
        Instance.objects.filter(pk=instance.pk).update(in_flight=F("in_flight") - 1)


def roll_fault(instance: Instance) -> float:
    """A random number in [0, 1); a seeded instance gives the same sequence every time it is reseeded."""
    if instance.fault_seed is None:
        return random.random()
    Instance.objects.filter(pk=instance.pk).update(fault_counter=F("fault_counter") + 1)
    counter = Instance.objects.values_list("fault_counter", flat=True).get(pk=instance.pk)
    return random.Random(f"{instance.fault_seed}:{counter}").random()


def inject_faults(instance: Instance) -> None:
    """Added latency, then maybe a 500, a hang answered 504 (the client times out first), or a 429."""
    if instance.latency_ms:
        time.sleep(instance.latency_ms / 1000)
    if not (instance.error_rate or instance.timeout_rate or instance.throttle_rate):
        return
    roll = roll_fault(instance)
    if roll < instance.error_rate:
        raise InjectedFault(500, "An error has occurred. (sandbox fault injection)")
    if roll < instance.error_rate + instance.timeout_rate:
        time.sleep(instance.timeout_seconds)
        raise InjectedFault(504, "The operation has timed out. (sandbox fault injection)")
    if roll < instance.error_rate + instance.timeout_rate + instance.throttle_rate:
        raise Throttled()


def commit_then_fail(instance: Instance, entity: str) -> bool:
    """Whether a PUT of ``entity`` that was applied is to be answered 500 (counts the fault down).

    Real instances do this when something fails after the record was saved (a workflow step, a
    timeout between the application and the web server); the client cannot tell that it committed.
    """
    with transaction.atomic():
        current = Instance.objects.select_for_update().get(pk=instance.pk)
        remaining = int(current.commit_then_fail.get(entity) or 0)
        if remaining <= 0:
            return False
        current.commit_then_fail = {**current.commit_then_fail, entity: remaining - 1}
        current.save(update_fields=["commit_then_fail"])
    return True
