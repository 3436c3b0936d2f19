"""The "Test connection" checks behind the onboarding page's button.

    test_bigcommerce(conn: BigCommerceConnection, clock=SYSTEM_CLOCK) -> list[Step]
    test_acumatica(conn: AcumaticaConnection, clock=SYSTEM_CLOCK) -> list[Step]
    offered_versions(steps) -> list[str]     # the Acumatica versions found, for the version picker

Each ``Step`` has a ``name``, ``ok`` and a plain-words ``message``. The checks only read; they work
on unsaved connection objects (nothing is stored, not even OAuth tokens) and never put a secret in a
message (the clients redact every known secret value from their errors).

(The functions are named test_* because the issue names them so; ``__test__ = False`` keeps pytest
from collecting them when a test module imports them.)
"""
from __future__ import annotations

from dataclasses import dataclass, field

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


def _bc_step(client: BigCommerceClient, area: str, name: str, ok_message: str) -> Step:
    try:
        client.ping(area)
    except ApiError as exc:
        return Step(name, False, exc.message)
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
        return Step("Reach the instance", False, exc.message)
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
        return Step("Sign-in", False, exc.message)
    return Step("Sign-in", True, f"Signed in as {client.connection.username} with {method}.")


def _read(client: AcumaticaClient) -> Step:
    try:
        # Reference: reference/acumatica-api.md §3 ($top, $select): the cheapest authenticated read
        next(client.query("Customer", select="CustomerID", top=1), None)
    except ApiError as exc:
        return Step("Read a record", False, exc.message)
    return Step("Read a record", True, f"Read customers through {client.connection.endpoint_name}/{client.version}.")


def offered_versions(steps: list[Step]) -> list[str]:
    return next((step.versions for step in steps if step.versions), [])
