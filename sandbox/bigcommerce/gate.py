"""What every simulated request goes through before its handler: store lookup, auth, the per-store
rate limit, injected faults, and the X-Rate-Limit-* headers on the way out."""
from __future__ import annotations

import hmac
import json
import math
import random
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.db.models import F, Q
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from .models import Store

ERROR_TYPE = "https://developer.bigcommerce.com/api-docs/getting-started/api-status-codes"


class ApiError(Exception):
    """Raised by handlers to answer with a BigCommerce error body."""

    def __init__(self, status: int, title: str, errors: dict[str, str] | None = None) -> None:
        super().__init__(title)
        self.status, self.title, self.errors = status, title, errors


def json_response(payload: Any, status: int = 200) -> HttpResponse:
    return HttpResponse(json.dumps(payload), status=status, content_type="application/json")


def no_content() -> HttpResponse:
    """204 with an empty body; the specs declare `application/json` for it (orders.v3.yml GET
    /orders/{order_id}/transactions "No Content"), so a client's content-type check sees JSON, not HTML."""
    return HttpResponse(status=204, content_type="application/json")


def error_response(status: int, title: str, errors: dict[str, str] | None = None, *, v2: bool = False) -> HttpResponse:
    """The error body of the API version: v3 one object, v2 a list of {status, message}."""
    if v2:
        # Reference: specs/bigcommerce/orders.v2.oas2.yml 404_Resp and the 400 of PUT /orders/{order_id}
        # (a JSON array of {status, message}); reference/bigcommerce-api.md.
        details = [f"{name}: {text}" for name, text in (errors or {}).items()]
        return json_response([{"status": status, "message": " ".join([title, *details])}], status)
    # Reference: specs/bigcommerce/webhooks.v3.yml error_Full / errorDetailed_Full.
    body: dict[str, Any] = {"status": status, "title": title, "type": ERROR_TYPE}
    if errors is not None:
        body["errors"] = errors
    return json_response(body, status)


def is_v2(request: HttpRequest) -> bool:
    return "/v2/" in request.path


def read_json(request: HttpRequest) -> Any:
    try:
        return json.loads(request.body or b"null")
    except ValueError:
        raise ApiError(400, "The request body is not valid JSON.")


# --- rate limit -------------------------------------------------------------------------------

def _start_new_window(store: Store, now: datetime) -> bool:
    expired = now - timedelta(milliseconds=store.rate_limit_window_ms)
    stale = Q(rate_window_started_at__isnull=True) | Q(rate_window_started_at__lte=expired)
    return bool(Store.objects.filter(stale, pk=store.pk).update(rate_window_started_at=now, rate_window_used=1))


def _take_from_window(store: Store) -> bool:
    # A conditional UPDATE is atomic on both SQLite and PostgreSQL, so concurrent workers cannot overspend.
    return bool(Store.objects.filter(pk=store.pk, rate_window_used__lt=F("rate_limit_quota"))
                .update(rate_window_used=F("rate_window_used") + 1))


def take_request(store: Store, now: datetime | None = None) -> bool:
    """Counts one request against the store's window; False when the quota is exhausted."""
    # Reference: reference/bigcommerce-api.md §2 (quota per 30 s window, per store).
    now = now or timezone.now()
    allowed = _start_new_window(store, now) or _take_from_window(store)
    store.refresh_from_db(fields=["rate_window_started_at", "rate_window_used", "rate_limit_quota"])
    return allowed


def rate_headers(store: Store, now: datetime | None = None) -> dict[str, str]:
    # Reference: reference/bigcommerce-api.md §2 (X-Rate-Limit-* headers; Reset-Ms is the time left).
    now = now or timezone.now()
    started = store.rate_window_started_at or now
    elapsed_ms = int((now - started).total_seconds() * 1000)
    reset_ms = max(0, store.rate_limit_window_ms - elapsed_ms)
    return {
        "X-Rate-Limit-Time-Window-Ms": str(store.rate_limit_window_ms),
        "X-Rate-Limit-Time-Reset-Ms": str(reset_ms),
        "X-Rate-Limit-Requests-Quota": str(store.rate_limit_quota),
        "X-Rate-Limit-Requests-Left": str(max(0, store.rate_limit_quota - store.rate_window_used)),
    }


def _quota_spent(store: Store) -> HttpResponse:
    # Reference: reference/bigcommerce-api.md §2 (429 without a body; X-Retry-After in whole seconds).
    reset_ms = int(rate_headers(store)["X-Rate-Limit-Time-Reset-Ms"])
    response = HttpResponse(status=429)
    response["X-Retry-After"] = str(max(1, math.ceil(reset_ms / 1000)))
    return response


# --- faults -----------------------------------------------------------------------------------

def draw(store: Store) -> float:
    """A number in [0, 1): from a per-store seeded sequence when `fault_seed` is set, so the same
    sequence of (sequential) requests meets the same faults."""
    if store.fault_seed is None:
        return random.random()
    Store.objects.filter(pk=store.pk).update(fault_draws=F("fault_draws") + 1)
    n = Store.objects.values_list("fault_draws", flat=True).get(pk=store.pk)
    return random.Random(f"{store.fault_seed}:{n}").random()


def injected_fault(store: Store, v2: bool = False) -> HttpResponse | None:
    """Applies latency, then maybe answers with a 429, a 500 or a (slow) 504 instead of the handler."""
    if store.fault_latency_ms:
        time.sleep(store.fault_latency_ms / 1000)
    shares = [(store.fault_429_share, "429"), (store.fault_500_share, "500"), (store.fault_timeout_share, "timeout")]
    if not any(share for share, _ in shares):
        return None
    roll, edge = draw(store), 0.0
    for share, kind in shares:
        edge += share
        if roll < edge:
            return _fault_response(store, kind, v2)
    return None


def _fault_response(store: Store, kind: str, v2: bool = False) -> HttpResponse:
    if kind == "429":
        # Reference: reference/bigcommerce-api.md §2 ("a 429 without these headers means platform load").
        response = HttpResponse(status=429)
        response.platform_load = True  # type: ignore[attr-defined]  # tells endpoint() to send no rate headers
        return response
    if kind == "500":
        return error_response(500, "Internal Server Error", v2=v2)
    time.sleep(store.fault_timeout_seconds)
    return error_response(504, "Gateway Timeout", v2=v2)


# --- the decorator ----------------------------------------------------------------------------

def _authorised(request: HttpRequest, store: Store) -> bool:
    # Reference: reference/bigcommerce-api.md §3 (X-Auth-Token; no Bearer scheme).
    token = request.headers.get("X-Auth-Token", "")
    return bool(token) and hmac.compare_digest(token.encode(), store.access_token.encode())


def _gate(request: HttpRequest, store: Store, handler: Callable[..., HttpResponse], kwargs: dict) -> HttpResponse:
    v2 = is_v2(request)
    if not _authorised(request, store):
        return error_response(401, "You are not authorized to access this resource.", v2=v2)
    if not take_request(store):
        return _quota_spent(store)
    fault = injected_fault(store, v2)
    if fault is not None:
        return fault
    try:
        return handler(request, store, **kwargs)
    except ApiError as e:
        return error_response(e.status, e.title, e.errors, v2=v2)


def endpoint(methods: dict[str, Callable[..., HttpResponse]]) -> Callable[..., HttpResponse]:
    """Builds a view for one path: `methods` maps HTTP method -> handler(request, store, **url_kwargs)."""
    @csrf_exempt
    def view(request: HttpRequest, store_hash: str, **kwargs: Any) -> HttpResponse:
        store = Store.objects.filter(store_hash=store_hash).first()
        if store is None:
            return error_response(404, "Store not found.", v2=is_v2(request))
        handler = methods.get(request.method or "")
        if handler is None:
            response = error_response(405, "Method Not Allowed", v2=is_v2(request))
        else:
            response = _gate(request, store, handler, kwargs)
        if not getattr(response, "platform_load", False):
            for name, value in rate_headers(store).items():
                response[name] = value
        return response
    return view

