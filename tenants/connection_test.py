"""The "Test connection" checks behind the onboarding page's button.

    test_bigcommerce(conn: BigCommerceConnection, clock=SYSTEM_CLOCK) -> list[Step]
    test_acumatica(conn: AcumaticaConnection, clock=SYSTEM_CLOCK) -> list[Step]
    offered_versions(steps) -> list[str]     # the Acumatica versions found, for the version picker

Each ``Step`` has a ``name``, ``ok`` and a plain-words ``message``. The checks only read; they work
on unsaved connection objects (nothing is stored, not even OAuth tokens). A failure is shown as a
short classified message (`failure_message`: blocked, unreachable, refused, TLS, timeout, 401, 403,
404 / version, ...) built from our own words, never from the remote server's body: the page must not
become a way to read what some host answers.

(The functions are named test_* because the issue names them so; ``__test__ = False`` keeps pytest
from collecting them when a test module imports them.)
"""
from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from sync.acumatica import AcumaticaClient
from sync.bigcommerce import BigCommerceClient
from sync.http import SYSTEM_CLOCK, ApiError, Clock, RetryPolicy
from tenants.models import AcumaticaConnection, BigCommerceConnection

# A person is waiting for the page: try twice, wait little.
QUICK = RetryPolicy(max_attempts=2, base_delay=0.5, max_delay=2.0, max_total_wait=5.0)


@dataclass
class Step:
    name: str
    ok: bool
    message: str
    versions: list[str] = field(default_factory=list)
    skipped: bool = False  # not run because an earlier step failed


def _skipped(name: str, why: str) -> Step:
    return Step(name, False, f"Not tried: {why}", skipped=True)


BC_AREAS = [("Customers", "customers"), ("Catalog products", "catalog"), ("Webhooks", "webhooks")]


# Vendor errors whose message is entirely our own words (see sync/acumatica.py).
OWN_WORDS = {"blocked", "login_limit", "invalid_client", "invalid_grant", "invalid_scope", "version_missing", "not_acumatica"}
NETWORK = {
    "unreachable": "Unreachable: could not reach {system} at {host} (unknown name or no route).",
    "refused": "Connection refused: {host} does not accept connections on this port.",
    "tls": "TLS error: the secure connection to {host} failed (certificate not trusted or TLS not offered).",
    "timeout": "Timeout: {host} did not answer in time.",
}
STATUS = {
    401: "{system} rejected the credentials (401).",
    403: "{system} refused access (403): the account lacks a permission this needs.",
    404: "Not found (404): {host} has no such {system} resource; check the URL and the endpoint version.",
    429: "{system} is limiting requests (429); try again in a minute.",
}
BIGCOMMERCE_STATUS = {
    401: "BigCommerce rejected the access token (401). Check the API account's token.",
    403: "The BigCommerce API account lacks a permission (scope) this needs (403).",
    404: "BigCommerce knows no store '{store}' (404). Check the store hash.",
}


def failure_message(exc: ApiError, system: str, url: str, store: str = "") -> str:
    host = urlsplit(url).hostname or url
    if exc.reason in OWN_WORDS:
        return exc.message
    if exc.reason in NETWORK:
        return NETWORK[exc.reason].format(host=host, system=system)
    status = exc.status or 0
    table = BIGCOMMERCE_STATUS if system == "BigCommerce" and status in BIGCOMMERCE_STATUS else STATUS
    if status in table:
        return table[status].format(system=system, host=host, store=store)
    if 300 <= status < 400:
        return f"{system} at {host} redirected the request ({status}); check the URL."
    if status >= 500:
        return f"{system} had a server error ({status}); try again later."
    return f"{system} answered HTTP {status}." if status else f"Could not reach {system} at {host}."


def _bc_step(client: BigCommerceClient, area: str, name: str, ok_message: str) -> Step:
    try:
        client.ping(area)
    except ApiError as exc:
        return Step(name, False, failure_message(exc, "BigCommerce", client.base_url, client.connection.store_hash))
    return Step(name, True, ok_message)


def test_bigcommerce(conn: BigCommerceConnection, clock: Clock = SYSTEM_CLOCK) -> list[Step]:
    with BigCommerceClient(conn, policy=QUICK, clock=clock) as client:
        first = _bc_step(client, "orders", "Store and access token",
                         f"Store {conn.store_hash} answered and accepted the access token; orders are readable.")
        if not first.ok:
            return [first, *(_skipped(name, "the store or token was refused.") for name, _ in BC_AREAS)]
        return [first, *(_bc_step(client, area, name, f"{name} are readable.") for name, area in BC_AREAS)]


test_bigcommerce.__test__ = False  # type: ignore[attr-defined]


def test_acumatica(conn: AcumaticaConnection, clock: Clock = SYSTEM_CLOCK) -> list[Step]:
    with AcumaticaClient(conn, policy=QUICK, clock=clock) as client:
        reach = _reach(client)
        if not reach.ok:
            return [reach, _skipped("Endpoint version", "the instance did not answer."),
                    _skipped("Sign-in", "the instance did not answer."),
                    _skipped("Read a record", "the instance did not answer.")]
        version = _version(client, reach.versions)
        sign_in = _sign_in(client)
        if not sign_in.ok:
            return [reach, version, sign_in, _skipped("Read a record", "sign-in failed.")]
        if not version.ok:
            return [reach, version, sign_in, _skipped("Read a record", "the pinned version is not available.")]
        return [reach, version, sign_in, _read(client)]


test_acumatica.__test__ = False  # type: ignore[attr-defined]


def _reach(client: AcumaticaClient) -> Step:
    try:
        found = client.offered_versions()
    except ApiError as exc:
        return Step("Reach the instance", False, _acumatica_failure(client, exc))
    listed = ", ".join(found) or "none"
    return Step("Reach the instance", True, f"The instance answered; {client.connection.endpoint_name} "
                                            f"endpoint versions offered: {listed}.", versions=found)


def _version(client: AcumaticaClient, found: list[str]) -> Step:
    if client.version in found:
        return Step("Endpoint version", True, f"{client.connection.endpoint_name}/{client.version} is available.")
    return Step("Endpoint version", False, client.version_missing_error().message + ". Pick one of those.")


def _sign_in(client: AcumaticaClient) -> Step:
    method = "OAuth 2.0" if client.connection.auth_method == AcumaticaConnection.AuthMethod.OAUTH else "cookie login"
    try:
        client.sign_in()
    except ApiError as exc:
        return Step("Sign-in", False, _acumatica_failure(client, exc))
    return Step("Sign-in", True, f"Signed in as {client.connection.username} with {method}.")


def _read(client: AcumaticaClient) -> Step:
    try:
        # Reference: reference/acumatica-api.md §3 ($top, $select): the cheapest authenticated read
        next(client.query("Customer", select="CustomerID", top=1), None)
    except ApiError as exc:
        return Step("Read a record", False, _acumatica_failure(client, exc))
    return Step("Read a record", True, f"Read customers through {client.connection.endpoint_name}/{client.version}.")


def _acumatica_failure(client: AcumaticaClient, exc: ApiError) -> str:
    return failure_message(exc, "Acumatica", client.instance_url)


def offered_versions(steps: list[Step]) -> list[str]:
    return next((step.versions for step in steps if step.versions), [])
