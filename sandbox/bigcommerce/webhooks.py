"""Webhook events of the simulated stores: queue a delivery per matching active hook, send it signed,
retry on the store's schedule, and deactivate a hook whose delivery exhausts the schedule; failures are
reported to the store's `store/hook/deliveryException` hook.

`emit()` is called by anything that changes an order, refund, transaction or customer. Sending
happens in `deliver_due()`: started in a daemon thread after the change commits (so a receiver
served by the same process, e.g. a live_server, can answer without deadlocking), and callable from
a django-q schedule (`sandbox.bigcommerce.webhooks.deliver_due`) to pick up retries.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import threading
import time
import uuid
from datetime import datetime, timedelta
from typing import Any

import requests
from django.db import close_old_connections, connection, transaction
from django.utils import timezone

from .gate import draw
from .models import Delivery, Hook, Store

log = logging.getLogger(__name__)
CLAIM_SECONDS = 60  # a claimed delivery is invisible to other senders this long
THREAD_HORIZON_SECONDS = 5.0  # retries due later than this are left to the scheduled deliver_due
# Reference: reference/bigcommerce-api.md §1.3 (store/hook/deliveryException: 90001 will retry, at most once
# per 10 minutes per destination; 90002 retries exhausted, hook disabled).
DELIVERY_EXCEPTION = "store/hook/deliveryException"
WILL_RETRY, DISABLED = 90001, 90002
WILL_RETRY_INTERVAL = timedelta(minutes=10)
_threads: list[threading.Thread] = []


def stub_payload(store: Store, scope: str, data: dict[str, Any], now: datetime) -> dict[str, Any]:
    # Reference: reference/bigcommerce-api.md §1.2; specs/bigcommerce/webhooks.v3.yml webhook_callback_base
    # (`hash` is the SHA-1 of the JSON-encoded data: a duplicate-detection key, not a signature).
    return {
        "scope": scope,
        "store_id": store.store_id,
        "data": data,
        "hash": hashlib.sha1(json.dumps(data, sort_keys=True).encode()).hexdigest(),
        "created_at": int(now.timestamp()),
        "producer": f"stores/{store.store_hash}",
    }


def sign(secret: str, message_id: str, timestamp: int, body: str) -> str:
    """Standard Webhooks `webhook-signature` value: HMAC-SHA256 over "id.timestamp.body".

    BigCommerce's sample builds the verifier from base64(client_secret), which the library decodes
    back, so the HMAC key is the client secret's own bytes."""
    # Reference: reference/bigcommerce-api.md §1.1 item 2 (standard-webhooks spec).
    digest = hmac.new(secret.encode(), f"{message_id}.{timestamp}.{body}".encode(), hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def emit(store: Store, scope: str, data: dict[str, Any]) -> list[Delivery]:
    """Queues the event for every active hook of the store whose scope matches."""
    return emit_all(store, [(scope, data)])


def emit_all(store: Store, events: list[tuple[str, dict[str, Any]]]) -> list[Delivery]:
    """``emit`` for several events of one request, in order, reading the store's hooks once (a batch
    update of 50 variants is up to 100 events)."""
    active = list(Hook.objects.filter(store_id=store.pk, is_active=True)) if events else []
    current: Store | None = None
    queued = []
    for scope, data in events:
        hooks = [hook for hook in active
                 if hook.matches(scope) and (scope == DELIVERY_EXCEPTION) == (hook.scope == DELIVERY_EXCEPTION)]
        if not hooks:
            continue
        # The fault settings as they are now, not as the caller loaded them.
        current = current or Store.objects.get(pk=store.pk)
        now = timezone.now()
        body = json.dumps(stub_payload(current, scope, data, now))
        for hook in hooks:
            queued += _queue(current, hook, scope, body, now)
    if queued:
        transaction.on_commit(start_delivery_thread)
    return queued


def _queue(store: Store, hook: Hook, scope: str, body: str, now: datetime) -> list[Delivery]:
    copies = 2 if store.fault_duplicate_webhook_share and draw(store) < store.fault_duplicate_webhook_share else 1
    dropped = bool(store.fault_drop_webhook_share) and draw(store) < store.fault_drop_webhook_share
    status = Delivery.DROPPED if dropped else Delivery.PENDING
    return [Delivery.objects.create(hook=hook, scope=scope, body=body, status=status, next_attempt_at=now,
                                    message_id=f"msg_{uuid.uuid4().hex}") for _ in range(copies)]


def start_delivery_thread() -> threading.Thread:
    thread = threading.Thread(target=_deliver_in_thread, name="sandbox-bc-webhooks", daemon=True)
    _threads.append(thread)
    thread.start()
    return thread


def _deliver_in_thread() -> None:
    # Keeps going while retries fall due soon, so a tiny test schedule plays out without a scheduler.
    close_old_connections()
    try:
        while True:
            deliver_due()
            wait = _seconds_to_next_retry()
            if wait is None or wait > THREAD_HORIZON_SECONDS:
                return
            time.sleep(wait)
    finally:
        connection.close()  # a thread owns its connection; leave none behind


def _seconds_to_next_retry() -> float | None:
    pending = Delivery.objects.filter(status=Delivery.PENDING, hook__is_active=True)
    upcoming = pending.order_by("next_attempt_at").values_list("next_attempt_at", flat=True).first()
    if upcoming is None:
        return None
    return max(0.0, (upcoming - timezone.now()).total_seconds())


def wait_for_deliveries(timeout: float = 10.0) -> None:
    """Joins the delivery threads started so far (tests use it instead of sleeping)."""
    deadline = time.monotonic() + timeout
    while _threads:
        _threads.pop().join(max(0.0, deadline - time.monotonic()))


def deliver_due(now: datetime | None = None) -> int:
    """Sends every pending delivery whose time has come; returns how many were attempted."""
    now = now or timezone.now()
    due = Delivery.objects.filter(status=Delivery.PENDING, next_attempt_at__lte=now, hook__is_active=True)
    sent = 0
    for delivery_id in list(due.order_by("id").values_list("id", flat=True)):
        if _claim(delivery_id, now):
            attempt(Delivery.objects.select_related("hook__store").get(pk=delivery_id), now)
            sent += 1
    return sent


def _claim(delivery_id: int, now: datetime) -> bool:
    # Moving next_attempt_at forward in one conditional UPDATE means only one sender gets the row.
    claimed = Delivery.objects.filter(pk=delivery_id, status=Delivery.PENDING, next_attempt_at__lte=now)
    return bool(claimed.update(next_attempt_at=now + timedelta(seconds=CLAIM_SECONDS)))


def attempt(delivery: Delivery, now: datetime) -> None:
    hook, store = delivery.hook, delivery.hook.store
    try:
        response = requests.post(hook.destination, data=delivery.body.encode(), headers=_headers(delivery, now),
                                 timeout=store.webhook_timeout_seconds, allow_redirects=False)
    except requests.RequestException as e:
        _failed(delivery, now, None, f"{type(e).__name__}: {e}"[:500])
        return
    if 200 <= response.status_code < 300:
        Delivery.objects.filter(pk=delivery.pk).update(status=Delivery.DELIVERED, attempts=delivery.attempts + 1,
                                                       last_status_code=response.status_code, delivered_at=now)
    else:
        _failed(delivery, now, response.status_code, f"HTTP {response.status_code}")


def _headers(delivery: Delivery, now: datetime) -> dict[str, str]:
    # Reference: reference/bigcommerce-api.md §1.1 (custom headers echoed; Standard Webhooks headers).
    timestamp = int(now.timestamp())
    headers = {str(k): str(v) for k, v in (delivery.hook.headers or {}).items()}
    headers.update({
        "Content-Type": "application/json",
        "User-Agent": "sandbox-bigcommerce-webhooks",
        "webhook-id": delivery.message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(delivery.hook.store.client_secret, delivery.message_id, timestamp, delivery.body),
    })
    return headers


def _failed(delivery: Delivery, now: datetime, status_code: int | None, error: str) -> None:
    """Schedules the next try, or gives up and deactivates the hook after the last one."""
    # Reference: reference/bigcommerce-api.md §1.4 (retries, then is_active=false).
    attempts = delivery.attempts + 1
    delays = delivery.hook.store.retry_delays()
    fields: dict[str, Any] = {"attempts": attempts, "last_status_code": status_code, "last_error": error}
    final = attempts > len(delays)
    if final:
        fields["status"] = Delivery.FAILED
        Hook.objects.filter(pk=delivery.hook_id).update(is_active=False, updated_at=now)
        log.info("sandbox hook %s deactivated after %s failed attempts", delivery.hook_id, attempts)
    else:
        fields["next_attempt_at"] = now + timedelta(seconds=delays[attempts - 1])
    Delivery.objects.filter(pk=delivery.pk).update(**fields)
    _report_failure(delivery.hook, now, error, final)


def _report_failure(hook: Hook, now: datetime, error: str, final: bool) -> None:
    """Tells the store's deliveryException hook, if it has one (never about its own failures)."""
    if hook.scope == DELIVERY_EXCEPTION:
        return
    store = hook.store
    if final:
        code, message = DISABLED, f"Retries exhausted for {hook.destination} ({error}); the webhook is disabled."
    else:
        code, message = WILL_RETRY, f"Delivery to {hook.destination} failed ({error}); it will be retried."
        recent = Delivery.objects.filter(hook__store=store, scope=DELIVERY_EXCEPTION,
                                         created_at__gte=now - WILL_RETRY_INTERVAL)
        if recent.filter(body__contains=f'"error_code": {WILL_RETRY}').filter(
                body__contains=f"to {hook.destination} failed").exists():
            return
    emit(store, DELIVERY_EXCEPTION, {"type": "webhook", "id": hook.pk, "error_code": code, "message": message})


def ensure_delivery_schedule(minutes: int = 1) -> None:
    """A django-q schedule that sends due retries (delivery threads only cover retries due within seconds)."""
    from django_q.models import Schedule

    Schedule.objects.update_or_create(name="sandbox-bigcommerce-webhooks", defaults={
        "func": "sandbox.bigcommerce.webhooks.deliver_due", "schedule_type": Schedule.MINUTES, "minutes": minutes})
