"""Acumatica contract-based REST API client (the "adapter" for the ERP side).

    with AcumaticaClient(connection, on_call=None) as ac:
        ac.list_endpoints() -> list[dict]          # GET /entity: [{name, version, href}, ...]
        ac.offered_versions() -> list[str]         # versions of the connection's endpoint name
        ac.sign_in() -> None                       # explicit sign-in (calls below do it lazily)
        ac.get(entity, key_or_id, expand=None, select=None) -> dict
        ac.put(entity, payload, insert_only=False, expand=None) -> dict
        ac.inquire(entity, parameters, expand="Results") -> dict   # inquiry read (a PUT), e.g. availability
        ac.query(entity, filter=None, expand=None, select=None, top=100) -> Iterator[dict]
        ac.invoke_action(entity, action, entity_payload, parameters=None, poll_timeout=300, done_when=None)
        ac.field_name(entity, logical_name) -> str  # per-version names, from sync/versions.py
        ac.modified_since_filter(entity, since) -> str

Records go in and come out as Acumatica sends them, every field wrapped as ``{"value": ...}``; use
the pure functions ``wrap(dict)`` / ``unwrap(dict)`` to convert (nested objects and detail arrays
included). Decimals are ``Decimal``.

Authentication follows ``connection.auth_method``:
- ``oauth``: password grant with scope ``api offline_access``; the access token is reused until it
  expires, then refreshed with the refresh token (which rotates on every refresh). A 401 on a call
  refreshes once and retries; a second 401 fails. New tokens are stored encrypted on the connection
  row with ``save(update_fields=...)`` (unsaved connections, as in Test connection, are not saved).
- ``cookie``: ``POST /entity/auth/login``; a 401 signs in again once. ``__exit__`` always signs out,
  because an unclosed session holds a licence seat for 10 minutes ("API Login Limit").
- An OAuth token that is not kept (unsaved connection, e.g. Test connection) is signed out in
  ``__exit__`` too, for the same reason; a stored token's session is reused until it expires.

Errors raise ``sync.http.ApiError`` with merchant-readable text: 422 field errors become
"CustomerID: 'Customer' cannot be found in the system."; a 404 on a version the instance lacks
becomes "endpoint Default/24.200.001 is not available on this instance; it offers: ...".
"""
from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Iterator, TypeVar
from urllib.parse import quote, urljoin

import requests

from sync import versions
from sync.contract import check_payload
from sync.http import (SYSTEM_CLOCK, ApiError, CallHook, Clock, HttpClient, RetryPolicy, parse_json,
                       redirect_error, strip_html)
from tenants.models import AcumaticaConnection

log = logging.getLogger(__name__)
T = TypeVar("T")

OAUTH_SCOPE = "api offline_access"
EXPIRY_MARGIN = timedelta(seconds=60)  # refresh a little early: a token must not expire mid-call
LOGIN_LIMIT_TEXT = "API Login Limit"
LOGIN_LIMIT_MESSAGE = ("Acumatica refused the sign-in: API Login Limit reached (every API user seat is in use). "
                       "Close unused API sessions or wait for them to time out (about 10 minutes), "
                       "or raise the licence's API user limit.")
# Keys that are plain in every record; everything else is a wrapped field, a linked entity or details.
PLAIN_KEYS = frozenset({"id", "rowNumber", "delete", "custom", "_links", "files", "error"})
GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


# ---------------------------------------------------------------------------------------------
# Record format (pure)


def _is_wrapped(value: Any) -> bool:
    return isinstance(value, dict) and "value" in value and set(value) <= {"value", "error", "type"}


def wrap(record: dict) -> dict:
    """{"CustomerID": "C1", "Details": [{"Qty": 1}]} -> {"CustomerID": {"value": "C1"}, "Details": [{"Qty": {"value": 1}}]}"""
    out: dict = {}
    for key, value in record.items():
        if key in PLAIN_KEYS or _is_wrapped(value):
            out[key] = value
        elif isinstance(value, dict):
            out[key] = wrap(value)  # linked entity, e.g. MainContact.Address
        elif isinstance(value, list):
            out[key] = [wrap(item) if isinstance(item, dict) else item for item in value]  # detail lines
        else:
            out[key] = {"value": value}
    return out


def unwrap(record: dict) -> dict:
    """The inverse of wrap(): field wrappers dropped (and their errors), structure kept."""
    out: dict = {}
    for key, value in record.items():
        if key in PLAIN_KEYS:
            out[key] = value
        elif _is_wrapped(value):
            out[key] = value["value"]
        elif isinstance(value, dict):
            out[key] = unwrap(value)
        elif isinstance(value, list):
            out[key] = [unwrap(item) if isinstance(item, dict) else item for item in value]
        else:
            out[key] = value
    return out


def entity_errors(record: Any, prefix: str = "") -> list[str]:
    """Field and line errors of a 422 entity as "Field: message" texts, in document order."""
    found: list[str] = []
    if not isinstance(record, dict):
        return found
    for key, value in record.items():
        if isinstance(value, dict) and isinstance(value.get("error"), str) and "value" in value:
            found.append(f"{prefix}{key}: {value['error']}")
        elif isinstance(value, dict) and key not in PLAIN_KEYS:
            found.extend(entity_errors(value, f"{prefix}{key}."))
        elif isinstance(value, list):
            for number, line in enumerate(value, start=1):
                if isinstance(line, dict) and isinstance(line.get("error"), str) and not _line_has_field_errors(line):
                    found.append(f"{prefix}{key} line {number}: {line['error']}")
                found.extend(entity_errors(line, f"{prefix}{key} line {number}: "))
    return found


def _line_has_field_errors(line: dict) -> bool:
    return any(isinstance(v, dict) and isinstance(v.get("error"), str) for v in line.values())


def error_text(data: Any, raw: str) -> str:
    """The most useful words of an Acumatica error body (422 entity, HttpError, or HTML)."""
    if isinstance(data, dict):
        fields = entity_errors(data)
        if fields:
            return "; ".join(fields)
        inner = data.get("innerException") if isinstance(data.get("innerException"), dict) else {}
        for text in (data.get("exceptionMessage"), inner.get("exceptionMessage"), data.get("error"),
                     data.get("message"), data.get("error_description")):
            if isinstance(text, str) and text.strip():
                return text.strip()
    return strip_html(raw)[:300]


def _login_limit(response: requests.Response) -> bool:
    """Every seat is taken: retrying within seconds only burns requests (sessions last 10 minutes)."""
    return LOGIN_LIMIT_TEXT.lower() in (response.text or "").lower()


# ---------------------------------------------------------------------------------------------
# The client


class AcumaticaClient:
    def __init__(self, connection: AcumaticaConnection, on_call: CallHook | None = None, *,
                 clock: Clock = SYSTEM_CLOCK, policy: RetryPolicy | None = None, uniform=None,
                 poll_interval: float = 1.0) -> None:
        self.connection = connection
        self.version = connection.endpoint_version
        self.instance_url = connection.instance_url.rstrip("/") + "/"
        self.endpoint_url = connection.endpoint_url
        self.clock = clock
        self.poll_interval = poll_interval
        self.http = HttpClient(
            on_call=on_call, clock=clock, policy=policy or RetryPolicy(), vendor="Acumatica",
            secrets=[getattr(connection, name) for name in AcumaticaConnection.SECRET_FIELDS],
            final=_login_limit, **({"uniform": uniform} if uniform else {}))
        self.http.session.headers["Accept"] = "application/json"
        self._signed_in = False
        self._endpoints: list[dict] | None = None

    # -- lifecycle -----------------------------------------------------------------------------

    def __enter__(self) -> "AcumaticaClient":
        return self

    def __exit__(self, *exc_info) -> None:
        try:
            if self._signed_in and (self._cookie_mode or self.connection.pk is None):
                self.sign_out()
        finally:
            self.http.close()

    @property
    def _cookie_mode(self) -> bool:
        return self.connection.auth_method == AcumaticaConnection.AuthMethod.COOKIE

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self.clock.time(), tz=timezone.utc)

    # -- discovery -----------------------------------------------------------------------------

    def list_endpoints(self) -> list[dict]:
        """Endpoints and versions the instance serves (works before sign-in)."""
        if self._endpoints is None:
            # Reference: reference/acumatica-api.md §1 (GET /entity, IntegrationDev_RESTExample_Basic_Get_List_of_Endpoints)
            response = self.http.request("GET", self.instance_url + "entity")
            data = parse_json(response) if response.ok else None
            if not isinstance(data, dict) or not isinstance(data.get("endpoints"), list):
                raise ApiError(f"{self.instance_url} does not look like an Acumatica instance "
                               f"(GET /entity answered {response.status_code}).",
                               status=response.status_code, permanent=response.status_code < 500,
                               reason="not_acumatica")
            self._endpoints = data["endpoints"]
        return self._endpoints

    def offered_versions(self) -> list[str]:
        name = self.connection.endpoint_name
        found = {e.get("version") for e in self.list_endpoints() if e.get("name") == name and e.get("version")}
        return sorted(found, key=lambda v: tuple(int(p) for p in v.split(".") if p.isdigit()))

    def version_missing_error(self) -> ApiError:
        offered = ", ".join(self.offered_versions()) or "no versions of it"
        return ApiError(f"endpoint {self.connection.endpoint_name}/{self.version} is not available on this "
                        f"instance; it offers: {offered}", status=404, permanent=True, reason="version_missing")

    def field_name(self, entity: str, logical_name: str) -> str:
        return versions.field_name(self.version, entity, logical_name)

    def modified_since_filter(self, entity: str, since: datetime) -> str:
        # Reference: reference/acumatica-api.md §3 ($filter dates as datetimeoffset'...')
        stamp = since.astimezone(timezone.utc).isoformat(timespec="seconds")
        return f"{self.field_name(entity, versions.LAST_MODIFIED)} gt datetimeoffset'{stamp}'"

    # -- authentication ------------------------------------------------------------------------

    def sign_in(self) -> None:
        if self._cookie_mode:
            if not self._signed_in:
                self._cookie_login()
        else:
            self._use_token(self._valid_token())

    def _cookie_login(self) -> None:
        conn = self.connection
        body = {"name": conn.username, "password": conn.password}
        if conn.company:
            body["tenant"] = conn.company
        if conn.branch:
            body["branch"] = conn.branch
        # Reference: reference/acumatica-api.md §2 (POST /entity/auth/login; 204 with the session cookies)
        response = self.http.request("POST", self.instance_url + "entity/auth/login", json_body=body,
                                     idempotent=True)
        if response.status_code >= 400:
            raise self._sign_in_error(response, "username, password or tenant")
        self._signed_in = True

    def sign_out(self) -> None:
        """Ends the session; a failure is logged, not raised: the session times out anyway."""
        try:
            # Reference: reference/acumatica-api.md §2 (POST /entity/auth/logout; 204; OAuth sessions
            # are signed out the same way, OAuthOIDC_GettingStarted_SignOut)
            self.http.request("POST", self.instance_url + "entity/auth/logout", idempotent=True)
        except ApiError as exc:
            log.warning("Acumatica sign-out failed: %s", exc)
        finally:
            self._signed_in = False

    def _valid_token(self) -> str:
        if self._token_fresh() or self._reload_tokens():
            return self.connection.access_token
        return self._new_token()

    def _reload_tokens(self) -> bool:
        """Re-reads the stored tokens: another worker may have refreshed (and rotated) them.

        Optimistic rather than a row lock, because holding a database lock across an HTTP call
        would block every other writer on SQLite. Returns whether the stored token is fresh.
        """
        conn = self.connection
        if not conn.pk:
            return False
        conn.refresh_from_db(fields=["access_token", "refresh_token", "token_expires_at"])
        self._learn_secrets()
        return self._token_fresh()

    def _token_fresh(self) -> bool:
        conn = self.connection
        return bool(conn.access_token and conn.token_expires_at and conn.token_expires_at > self._now() + EXPIRY_MARGIN)

    def _new_token(self) -> str:
        conn = self.connection
        if conn.refresh_token:
            try:
                return self._token_request({"grant_type": "refresh_token", "refresh_token": conn.refresh_token})
            except ApiError as exc:
                if not exc.permanent:
                    raise
                if self._reload_tokens():  # a worker that refreshed first holds the new pair
                    return conn.access_token
                log.info("Acumatica refresh token refused (%s); signing in with the password grant", exc)
        return self._token_request({"grant_type": "password", "username": conn.username,
                                    "password": conn.password, "scope": OAUTH_SCOPE})

    def _token_request(self, form: dict) -> str:
        conn = self.connection
        form = {**form, "client_id": conn.client_id, "client_secret": conn.client_secret}
        # Reference: reference/acumatica-api.md §2 (POST /identity/connect/token, password and refresh_token grants)
        response = self.http.request("POST", self.instance_url + "identity/connect/token", data=form,
                                     idempotent=True)
        data = parse_json(response)
        if response.status_code >= 400 or not isinstance(data, dict) or not data.get("access_token"):
            raise self._sign_in_error(response, "OAuth client or credentials")
        self._store_tokens(data)
        self._signed_in = True
        return data["access_token"]

    def _store_tokens(self, data: dict) -> None:
        conn = self.connection
        conn.access_token = data["access_token"]
        # Every refresh returns a new refresh token and the old one stops working: keep the new one.
        conn.refresh_token = data.get("refresh_token") or conn.refresh_token
        conn.token_expires_at = self._now() + timedelta(seconds=int(data.get("expires_in") or 3600))
        self._learn_secrets()
        if conn.pk:
            conn.save(update_fields=["access_token", "refresh_token", "token_expires_at"])

    def _learn_secrets(self) -> None:
        self.http.redactor.add(self.connection.access_token)
        self.http.redactor.add(self.connection.refresh_token)

    def _use_token(self, token: str) -> None:
        self.http.session.headers["Authorization"] = f"Bearer {token}"

    def _sign_in_error(self, response: requests.Response, what: str) -> ApiError:
        raw = response.text or ""
        if _login_limit(response):
            return ApiError(LOGIN_LIMIT_MESSAGE, status=response.status_code, permanent=False, retry_after=600,
                            reason="login_limit")
        data = parse_json(response)
        code = data.get("error") if isinstance(data, dict) else None
        if code == "invalid_client":
            message = "Acumatica rejected the OAuth client id or secret (invalid_client). Check Connected Applications (SM303010)."
        elif code == "invalid_grant":
            message = "Acumatica rejected the username or password (invalid_grant)."
        elif code == "invalid_scope":
            message = "Acumatica refused the scope 'api offline_access' for this OAuth client (invalid_scope)."
        elif response.status_code in (400, 401, 403):
            message = f"Acumatica rejected the {what} ({response.status_code}): {error_text(data, raw)}"
        else:
            message = f"Acumatica sign-in failed ({response.status_code}): {error_text(data, raw)}"
        transient = response.status_code == 429 or response.status_code >= 500
        known = code if code in ("invalid_client", "invalid_grant", "invalid_scope") else None
        return ApiError(self.http.redactor.text(message) or "", status=response.status_code, permanent=not transient,
                        reason=known)

    def _reauthenticate(self) -> None:
        if self._cookie_mode:
            self._signed_in = False
            self._cookie_login()
        else:
            self.connection.token_expires_at = None  # the server says the token is no good
            self._use_token(self._new_token())

    # -- calls ---------------------------------------------------------------------------------

    def _call(self, method: str, url: str, what: str, **kwargs: Any) -> requests.Response:
        """An authenticated call with one re-sign-in on 401; errors become ApiError."""
        self.sign_in()
        response = self.http.request(method, url, **kwargs)
        if response.status_code == 401:
            self._reauthenticate()
            response = self.http.request(method, url, **kwargs)
            if response.status_code == 401:
                raise ApiError("Acumatica rejected our credentials even after signing in again (401). "
                               "Check the user's access rights and the OAuth client.", status=401, permanent=True)
        if 300 <= response.status_code < 400:
            raise redirect_error(response, "Acumatica", self.http.redactor)
        if response.status_code >= 400:
            raise self._error(response, what)
        return response

    def _error(self, response: requests.Response, what: str) -> ApiError:
        status, raw = response.status_code, response.text or ""
        data = parse_json(response)
        if _login_limit(response):
            return ApiError(LOGIN_LIMIT_MESSAGE, status=status, permanent=False, retry_after=600, reason="login_limit")
        if status == 404:
            return self._not_found(what)
        text = error_text(data, raw)
        if status == 412:
            message, permanent = f"{what} already exists in Acumatica (412).", True
        elif status == 429:
            message, permanent = f"Acumatica is throttling requests (429); will retry. {text}", False
        elif status >= 500:
            message, permanent = f"Acumatica failed on {what} ({status}): {text}", False
        else:
            message, permanent = f"{text}" if status == 422 else f"Acumatica refused {what} ({status}): {text}", True
        return ApiError(self.http.redactor.text(message.strip()) or "", status=status, permanent=permanent)

    def _not_found(self, what: str) -> ApiError:
        try:
            if self.version not in self.offered_versions():
                return self.version_missing_error()
        except ApiError:
            pass  # the discovery call failed too; the plain 404 below is still true
        return ApiError(f"{what} was not found in Acumatica (404).", status=404, permanent=True)

    def _entity_url(self, entity: str, *keys: str) -> str:
        return self.endpoint_url + "/".join([quote(entity, safe=""), *(quote(str(k), safe="") for k in keys)])

    @staticmethod
    def _params(expand: str | None = None, select: str | None = None, **extra: Any) -> dict:
        params = {"$expand": expand, "$select": select, **extra}
        return {k: v for k, v in params.items() if v is not None}

    # -- records -------------------------------------------------------------------------------

    def get(self, entity: str, key_or_id: str | tuple | list, expand: str | None = None,
            select: str | None = None) -> dict:
        """One record by its id (GUID) or its key fields in form order, e.g. ("SO", "000123")."""
        keys = [key_or_id] if isinstance(key_or_id, str) else list(key_or_id)
        what = f"{entity} {'/'.join(str(k) for k in keys)}"
        # Reference: reference/acumatica-api.md §1 (GET <Entity>/<keys...> or <Entity>/<id>)
        response = self._call("GET", self._entity_url(entity, *keys), what, params=self._params(expand, select))
        return parse_json(response) or {}

    def put(self, entity: str, payload: dict, insert_only: bool = False, expand: str | None = None) -> dict:
        """Create or update (wrapped payload); insert_only adds If-None-Match: * (412 if it exists)."""
        headers = {"If-None-Match": "*"} if insert_only else {}
        # Acumatica ignores unknown fields with a 200: refuse them here, naming the field and the version.
        check_payload(self.version, entity, payload)
        # Reference: reference/acumatica-api.md §3 (PUT = create or update; If-None-Match: * = insert only)
        # A PUT without keys creates a new record each time, so a timed-out PUT is never resent here.
        response = self._call("PUT", self._entity_url(entity), entity, json_body=payload, headers=headers,
                              params=self._params(expand), idempotent=False)
        return parse_json(response) or {}

    def inquire(self, entity: str, parameters: dict, expand: str = "Results") -> dict:
        """Reads an inquiry (e.g. InventoryQuantityAvailable): a PUT that changes nothing, so it may be resent."""
        # Reference: reference/acumatica-api.md §4 (inquiry entities are read with PUT ...?$expand=Results)
        response = self._call("PUT", self._entity_url(entity), entity, json_body=parameters,
                              params=self._params(expand), idempotent=True)
        return parse_json(response) or {}

    def query(self, entity: str, filter: str | None = None, expand: str | None = None,
              select: str | None = None, top: int = 100) -> Iterator[dict]:
        """All matching records, page by page ($skip before $top; no count parameter exists)."""
        skip = 0
        while True:
            params = self._params(expand, select, **{"$filter": filter, "$top": top, "$skip": skip})
            # Reference: reference/acumatica-api.md §3 ($filter, $expand, $select, $top, $skip)
            page = parse_json(self._call("GET", self._entity_url(entity), entity, params=params)) or []
            yield from page
            if len(page) < top:
                return
            skip += top

    def invoke_action(self, entity: str, action: str, entity_payload: dict, parameters: dict | None = None,
                      poll_timeout: float = 300.0, done_when: Callable[[], T | None] | None = None) -> T | None:
        """Runs an action; on 202 polls the Location URL until 204 (done) or poll_timeout.

        Most actions finish within a second, so polling starts after a quarter of `poll_interval`
        and doubles up to it: quick actions are seen quickly, slow ones are not polled hard.

        `done_when`, if given, reads the action's effect (e.g. the invoice PrepareSalesInvoice makes) and is
        asked before each status poll: Acumatica finishes the run whether or not anyone polls, so a run that
        is done costs that one read instead of a poll and a read. Only when the effect is not there yet is
        the status URL asked, which says the run is still going or surfaces its error. Returns what
        `done_when` found (asked once more after a 204), or None without it.
        """
        body = {"entity": entity_payload, "parameters": parameters or {}}
        what = f"{entity} action {action}"
        # Reference: reference/acumatica-api.md §4 (actions: POST <Entity>/<Action>; 202 + Location, poll to 204)
        response = self._call("POST", self._entity_url(entity, action), what, json_body=body)
        deadline = self.clock.time() + poll_timeout
        wait = self.poll_interval / 4
        while response.status_code == 202:
            location = response.headers.get("Location")
            if not location:
                raise ApiError(f"Acumatica accepted {what} but gave no status URL to follow.", status=202)
            if self.clock.time() >= deadline:
                raise ApiError(f"{what} is still running after {poll_timeout:.0f} s; will check again later.",
                               status=202, permanent=False, retry_after=poll_timeout)
            self.clock.sleep(wait)
            wait = min(wait * 2, self.poll_interval)
            found = done_when() if done_when is not None else None
            if found:
                return found
            response = self._call("GET", urljoin(self.instance_url, location), what)
        return done_when() if done_when is not None else None
