"""The HTTP layer both API clients share: retries, backoff, 429 handling, redaction, call records.

Public interface (kept small on purpose):

- ``ApiError(message, status=None, permanent=False, retry_after=None)``: the one error the clients
  raise. ``permanent`` means "a human must act" (bad credentials, validation errors); otherwise the
  caller retries later, no sooner than ``retry_after`` seconds when given. The message is plain words
  a merchant can act on and never contains a secret.
- ``CallRecord`` / ``CallHook``: every HTTP attempt (retries and sign-in calls included) is reported
  to the client's ``on_call`` hook with headers and bodies already redacted; the audit trail's
  ``SyncRecord.call_recorder()`` is such a hook. Field meanings are in the class below.
- ``HttpClient(on_call=None, secrets=(), clock=SYSTEM_CLOCK, policy=RetryPolicy(), ...)``: one
  ``requests.Session`` with timeouts and ``User-Agent: ml-connector/<VERSION>``. Its
  ``request(method, url, ...)`` retries network errors, timeouts, 5xx and 429 with exponential
  backoff and full jitter, capped in attempts and in total wait. It returns the last response
  (when attempts run out on a 429/5xx the client turns that response into an ApiError with the
  vendor's words) and raises ApiError itself only on network failure or when the next wait would
  pass the total-wait cap (then ``retry_after`` says when to try again). Hooks: ``before_send``
  (proactive pacing; returns seconds to wait), ``after_response`` (e.g. record rate-limit headers),
  ``final`` (a 429/5xx that waiting cannot fix, e.g. Acumatica's "API Login Limit").
- ``Clock``: ``time()`` and ``sleep(seconds)``; tests pass a fake clock so no test really sleeps.

Waits on 429 follow the server when it says how long (BigCommerce ``X-Rate-Limit-Time-Reset-Ms``,
``X-Retry-After``; the standard ``Retry-After``), and otherwise grow with every attempt: BigCommerce
documents a header-less 429 as platform load, and Acumatica sends no Retry-After at all.
"""
from __future__ import annotations

import functools
import json
import logging
import random
import re
import time
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Callable, Iterable, Protocol
from urllib.parse import parse_qsl, quote, quote_plus, urlencode, urlsplit, urlunsplit

import requests
import urllib3
from django.conf import settings

from sync import outbound

log = logging.getLogger(__name__)

REDACTED = "[redacted]"
CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 60.0
BODY_CAP = 20_000  # characters of a body kept in a CallRecord; audit rows must stay small
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
# Header and body keys whose values are secrets whatever the vendor. `headers` holds the webhook
# secret we register with BigCommerce, so everything inside it is hidden too; `code` is an OAuth
# authorization code.
SECRET_KEY_PATTERN = re.compile(
    r"authorization|cookie|token|secret|password|passwd|api[-_]?key|signature|client[-_]?assertion", re.IGNORECASE)
SECRET_KEYS_EXACT = frozenset({"headers", "code"})


class Clock(Protocol):
    def time(self) -> float: ...

    def sleep(self, seconds: float) -> None: ...


class SystemClock:
    def time(self) -> float:
        return time.time()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


SYSTEM_CLOCK = SystemClock()


class ApiError(Exception):
    """The one error type of both clients. Callers decide from ``permanent``."""

    def __init__(self, message: str, status: int | None = None, permanent: bool = False,
                 retry_after: float | None = None, reason: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.permanent = permanent
        self.retry_after = retry_after
        # A short class for pages that must not show vendor words (Test connection): for network
        # failures "blocked", "unreachable", "refused", "tls", "timeout"; else a known vendor code.
        self.reason = reason

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"ApiError({self.message!r}, status={self.status}, permanent={self.permanent})"


@dataclass(frozen=True)
class CallRecord:
    method: str                        # "GET", "POST", ...
    url: str                           # full URL, query included (no secrets ever go in URLs)
    status: int | None                 # None when no response (network error / timeout)
    duration_ms: float
    request_headers: dict[str, str]    # already redacted
    request_body: str | None           # already redacted, as text (JSON text when JSON)
    response_headers: dict[str, str]   # already redacted
    response_body: str | None          # already redacted
    error: str | None = None           # exception class + short message when no response
    attempt: int = 1                   # 1 for the first try, 2.. for retries


CallHook = Callable[[CallRecord], None]


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 5          # first try included
    base_delay: float = 0.5        # seconds; doubled per retry, then jittered
    max_delay: float = 30.0        # one wait never exceeds this (server-given waits excepted)
    max_total_wait: float = 120.0  # beyond this the caller gets ApiError(retry_after=...) instead


# ---------------------------------------------------------------------------------------------
# Redaction


class Redactor:
    """Hides secrets in headers, bodies, URLs and messages.

    Two layers: known secret keys (JSON keys, form fields, header names) lose their values, and
    every known secret value (the connection's tokens and passwords) is replaced wherever it shows
    up, so a vendor echoing a credential back in an error body cannot leak it either.
    """

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self.values: list[str] = []
        for secret in secrets:
            self.add(secret)

    def add(self, secret: str | None) -> None:
        # A secret can also travel percent-encoded (form bodies, query strings) or JSON-escaped, so
        # hide those forms too. Secrets of any length count (see redact_values for short ones).
        if not secret:
            return
        forms = {secret, quote_plus(secret), quote(secret, safe=""), json.dumps(secret)[1:-1]}
        self.values = sorted(set(self.values) | forms, key=len, reverse=True)

    def text(self, text: str | None) -> str | None:
        return redact_values(text, self.values) if text else text

    def headers(self, headers: Any) -> dict[str, str]:
        return {k: (REDACTED if _is_secret_header(k) else self.text(str(v)) or "") for k, v in dict(headers).items()}

    def url(self, url: str) -> str:
        parts = urlsplit(url)
        if not parts.query:
            return self.text(url) or url
        query = [(k, REDACTED if _is_secret_key(k) else v) for k, v in parse_qsl(parts.query, keep_blank_values=True)]
        return self.text(urlunsplit(parts._replace(query=urlencode(query, safe=":,$'()/[] ")))) or url

    def body(self, body: bytes | str | None, content_type: str = "") -> str | None:
        if body is None or body == b"" or body == "":
            return None
        text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
        redacted = self._structured(text, content_type)
        return _cap(self.text(redacted))

    def _structured(self, text: str, content_type: str) -> str:
        try:
            return json.dumps(redact_data(json.loads(text)), ensure_ascii=False)
        except ValueError:
            pass
        if "x-www-form-urlencoded" in content_type or re.fullmatch(r"[\w.~%+\-]+=[^\s]*", text.strip()):
            pairs = parse_qsl(text, keep_blank_values=True)
            return urlencode([(k, REDACTED if _is_secret_key(k) else v) for k, v in pairs], safe="[]")
        return text


SHORT_SECRET = 8  # below this length a value is only redacted where it stands on its own


def redact_values(text: str, secrets: Iterable[str]) -> str:
    """Replaces every known secret value in `text`, whatever its length.

    A long value is replaced wherever it appears. A short one (a 4-character password, say) is
    replaced only where it is not part of a longer word or number, so "pw1" is hidden in
    "password=pw1" and in "'pw1'" but "pw12" and "apw1" stay readable.
    """
    short = []
    for secret in sorted({s for s in secrets if s}, key=len, reverse=True):
        if len(secret) >= SHORT_SECRET:
            text = text.replace(secret, REDACTED)
        else:
            short.append(re.escape(secret))
    if short:
        text = re.sub(rf"(?<![A-Za-z0-9])(?:{'|'.join(short)})(?![A-Za-z0-9])", REDACTED, text)
    return text


@functools.lru_cache(maxsize=4096)  # bodies repeat a few key names thousands of times (catalog batches)
def _is_secret_key(key: str) -> bool:
    return key.lower() in SECRET_KEYS_EXACT or bool(SECRET_KEY_PATTERN.search(key))


def _is_secret_header(name: str) -> bool:
    lowered = name.lower()
    if lowered.startswith("x-rate-limit") or lowered in {"content-type", "accept", "user-agent"}:
        return False
    return bool(re.search(r"authorization|cookie|token|secret|password|api-?key|signature|auth", lowered))


def redact_data(data: Any) -> Any:
    """Returns a copy of parsed JSON with secret-named values replaced."""
    if isinstance(data, dict):
        out = {}
        for key, value in data.items():
            secret = _is_secret_key(str(key)) and value not in (None, "")
            out[key] = REDACTED if secret else redact_data(value)
        return out
    if isinstance(data, list):
        return [redact_data(item) for item in data]
    return data


def _cap(text: str | None) -> str | None:
    if text is None or len(text) <= BODY_CAP:
        return text
    return text[:BODY_CAP] + f"... [{len(text) - BODY_CAP} more characters]"


# ---------------------------------------------------------------------------------------------
# Waits


def server_wait(response: requests.Response) -> float | None:
    """Seconds the server asked us to wait, from whichever header it sent; None if it said nothing."""
    headers = response.headers
    # Reference: reference/bigcommerce-api.md §2 (X-Rate-Limit-Time-Reset-Ms, X-Retry-After);
    # RFC 9110 §10.2.3 (Retry-After, seconds form).
    for name, scale in (("X-Rate-Limit-Time-Reset-Ms", 0.001), ("X-Retry-After", 1.0), ("Retry-After", 1.0)):
        value = headers.get(name)
        if value is None:
            continue
        try:
            return max(0.0, float(value) * scale)
        except ValueError:
            continue  # an HTTP-date Retry-After; neither vendor sends one, treat as absent
    return None


def backoff_delay(attempt: int, policy: RetryPolicy, uniform: Callable[[float, float], float]) -> float:
    """Exponential backoff with full jitter: uniform(0, min(cap, base * 2**(attempt-1)))."""
    return uniform(0.0, min(policy.max_delay, policy.base_delay * 2 ** (attempt - 1)))


def throttled_delay(attempt: int, policy: RetryPolicy, uniform: Callable[[float, float], float]) -> float:
    """A 429 that names no wait: half the exponential step fixed, half jittered, so waits keep growing."""
    step = min(policy.max_delay, 2 * policy.base_delay * 2 ** (attempt - 1))
    return step / 2 + uniform(0.0, step / 2)


# ---------------------------------------------------------------------------------------------
# The client


# A request that is not idempotent (a create without keys) is resent only when we know the server did
# not apply it: a 429 (refused before processing) or a connection that was never made. Any 5xx is
# ambiguous -- Acumatica can commit a record and then fail while answering 500 -- and so are read
# timeouts and connections reset mid-answer; the caller fails the record, and its next run looks the
# document up by its external reference before creating anything.
RESENDABLE_STATUSES_WHEN_NOT_IDEMPOTENT = frozenset({429})


@dataclass
class _Attempt:
    idempotent: bool = True
    number: int = 0
    waited: float = 0.0
    throttled: int = 0


@dataclass
class HttpClient:
    """One requests.Session plus the retry loop; each API client owns one."""

    on_call: CallHook | None = None
    secrets: Iterable[str] = ()
    clock: Clock = SYSTEM_CLOCK
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    uniform: Callable[[float, float], float] = random.uniform
    before_send: Callable[[], float] | None = None           # pacing: seconds to wait before a send
    after_response: Callable[[requests.Response], None] | None = None
    final: Callable[[requests.Response], bool] | None = None  # a 429/5xx that waiting cannot fix
    timeout: tuple[float, float] = (CONNECT_TIMEOUT, READ_TIMEOUT)
    vendor: str = "the API"

    def __post_init__(self) -> None:
        self.redactor = Redactor(self.secrets)
        self.session = outbound.guard(requests.Session())  # public addresses only (sync/outbound.py)
        self.session.headers["User-Agent"] = f"ml-connector/{settings.VERSION}"

    def close(self) -> None:
        self.session.close()

    def request(self, method: str, url: str, *, params: dict | None = None, json_body: Any = None,
                data: dict | None = None, headers: dict | None = None,
                idempotent: bool | None = None) -> requests.Response:
        """Sends with retries; returns the last response (any status) or raises ApiError.

        ``idempotent`` says whether a request that timed out after being sent may be sent again;
        by default GET/PUT/DELETE may and POST may not.
        """
        if idempotent is None:
            idempotent = method.upper() in IDEMPOTENT_METHODS
        json_body = jsonable(json_body)
        state = _Attempt(idempotent=idempotent)
        while True:
            state.number += 1
            self._pace(state)
            try:
                response = self._send(method, url, params, json_body, data, headers, state.number)
            except requests.RequestException as exc:
                wait = self._wait_after_error(exc, idempotent, state)
                self._sleep(wait, state, f"{method} {self.redactor.url(url)} failed ({type(exc).__name__})")
                continue
            wait = self._wait_after_response(response, state)
            if wait is None:
                return response
            self._sleep(wait, state, f"{method} {self.redactor.url(url)} answered {response.status_code}")

    # -- one attempt ---------------------------------------------------------------------------

    def _send(self, method: str, url: str, params: dict | None, json_body: Any, data: dict | None,
              headers: dict | None, attempt: int) -> requests.Response:
        request = self.session.prepare_request(requests.Request(
            method, url, params=params, json=json_body, data=data, headers=headers or {}))
        started = time.perf_counter()
        try:
            response = self.session.send(request, timeout=self.timeout, allow_redirects=False)
        except requests.RequestException as exc:
            self._record(request, None, started, attempt, error=f"{type(exc).__name__}: {self._short(exc)}")
            raise
        self._record(request, response, started, attempt)
        if self.after_response is not None:
            self.after_response(response)
        return response

    def _record(self, request: requests.PreparedRequest, response: requests.Response | None, started: float,
                attempt: int, error: str | None = None) -> None:
        if self.on_call is None:
            return
        r = self.redactor
        self.on_call(CallRecord(
            method=request.method or "", url=r.url(request.url or ""),
            status=response.status_code if response is not None else None,
            duration_ms=round((time.perf_counter() - started) * 1000, 1),
            request_headers=r.headers(request.headers),
            request_body=r.body(request.body, request.headers.get("Content-Type", "")),
            response_headers=r.headers(response.headers) if response is not None else {},
            response_body=r.body(response.content, response.headers.get("Content-Type", ""))
            if response is not None else None,
            error=error, attempt=attempt))

    def _short(self, exc: Exception) -> str:
        return (self.redactor.text(str(exc)) or "")[:300]

    # -- deciding to retry ---------------------------------------------------------------------

    def _wait_after_error(self, exc: requests.RequestException, idempotent: bool, state: _Attempt) -> float:
        blocked = outbound.blocked_in(exc)
        if blocked is not None:  # policy, not weather: retrying cannot help
            raise ApiError(f"Refused to connect to {blocked.host} ({blocked.address}): a {blocked.kind} address. "
                           "The connector only connects to public addresses (see OUTBOUND_ALLOWED_NETWORKS).",
                           permanent=True, reason="blocked") from None
        wait = backoff_delay(state.number, self.policy, self.uniform)
        # Once the request may have reached the server, repeat it only when that is harmless.
        maybe_applied = not idempotent and not _never_sent(exc)
        if maybe_applied or state.number >= self.policy.max_attempts or self._over_budget(wait, state):
            # A write the server may still be applying: the record's next run looks the document up before
            # creating it, so it must not come before the server has had another read timeout to finish.
            floor = self.timeout[1] if maybe_applied else 1.0
            raise ApiError(self._network_message(exc), status=None, permanent=False,
                           retry_after=max(wait, 1.0, floor), reason=outbound.network_reason(exc)) from None
        return wait

    def _network_message(self, exc: requests.RequestException) -> str:
        if isinstance(exc, requests.Timeout):
            return f"{self.vendor} did not answer in time ({type(exc).__name__}); will retry later."
        return f"Could not reach {self.vendor} ({type(exc).__name__}: {self._short(exc)[:160]})."

    def _wait_after_response(self, response: requests.Response, state: _Attempt) -> float | None:
        """Seconds to wait before resending, or None to hand this response to the caller."""
        status = response.status_code
        if (status != 429 and status < 500) or (self.final is not None and self.final(response)):
            return None
        if not state.idempotent and status not in RESENDABLE_STATUSES_WHEN_NOT_IDEMPOTENT:
            return None  # the server may have applied it: resending could apply it twice
        if status == 429:
            state.throttled += 1
            wait = server_wait(response)
            if wait is None:
                wait = throttled_delay(state.throttled, self.policy, self.uniform)
        else:
            wait = backoff_delay(state.number, self.policy, self.uniform)
        if state.number >= self.policy.max_attempts:
            return None  # out of attempts: the caller turns this last response into an ApiError
        if self._over_budget(wait, state):
            what = "asked us to slow down" if status == 429 else "keeps failing"
            raise ApiError(f"{self.vendor} {what} (HTTP {status}); will retry in {wait:.0f} s.",
                           status=status, permanent=False, retry_after=wait)
        return wait

    def _over_budget(self, wait: float, state: _Attempt) -> bool:
        return state.waited + wait > self.policy.max_total_wait

    def _sleep(self, wait: float, state: _Attempt, why: str) -> None:
        log.warning("%s; retry %d in %.2f s", why, state.number + 1, wait)
        state.waited += wait
        self.clock.sleep(wait)

    def _pace(self, state: _Attempt) -> None:
        """Proactive pacing: waits while the shared budget says the quota is (almost) used up."""
        if self.before_send is None:
            return
        while (wait := self.before_send()) > 0:
            if self._over_budget(wait, state):
                raise ApiError(f"{self.vendor} request budget is used up; will retry in {wait:.0f} s.",
                               status=429, permanent=False, retry_after=wait)
            log.info("%s request budget low; waiting %.2f s for the window to reset", self.vendor, wait)
            state.waited += wait
            self.clock.sleep(wait)


def _never_sent(exc: requests.RequestException) -> bool:
    """True only when no connection was made, so the server cannot have seen the request."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    if not isinstance(exc, requests.ConnectionError) or isinstance(exc, requests.Timeout):
        return False
    reason = getattr(exc.args[0], "reason", exc.args[0]) if exc.args else None
    return isinstance(reason, (urllib3.exceptions.NewConnectionError, urllib3.exceptions.NameResolutionError))


def jsonable(data: Any) -> Any:
    """Request bodies: Decimal and datetime become JSON-encodable only here, at the wire.

    requests cannot encode Decimal; rounded to 8 places (money has 4 at most, currency rates 8, as
    Acumatica keeps them), the shortest float repr prints the same digits, so no value changes on the way out.
    """
    if isinstance(data, Decimal):
        return int(data) if data == data.to_integral_value() and abs(data) < 2**53 else float(round(data, 8))
    if isinstance(data, date):
        return data.isoformat()
    if isinstance(data, dict):
        return {k: jsonable(v) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return [jsonable(v) for v in data]
    return data


def parse_json(response: requests.Response) -> Any:
    """JSON with decimals as Decimal (money must never become float); None for an empty body."""
    if response.status_code == 204 or not response.content:
        return None
    try:
        return json.loads(response.content, parse_float=Decimal)
    except ValueError:
        return None


def redirect_error(response: requests.Response, vendor: str, redactor: Redactor) -> ApiError:
    """Redirects are not followed (a custom auth header such as X-Auth-Token would travel to the new
    host); say where the server points so the merchant can fix the URL."""
    target = redactor.url(response.headers.get("Location", "another address"))
    return ApiError(f"{vendor} redirected {response.request.method} {redactor.url(response.url)} to {target} "
                    f"({response.status_code}); check the URL in the connection settings.",
                    status=response.status_code, permanent=True)


def strip_html(text: str) -> str:
    """Some vendor errors come back as HTML pages; keep the words."""
    text = re.sub(r"(?is)<(script|style).*?</\1>", " ", text)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text)).strip()
