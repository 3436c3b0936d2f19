"""The connection a merchant is onboarding, kept server-side between the wizard's steps.

After a Test connection the entered values (and the secrets, encrypted with the same Fernet keys as the
connection fields) sit in the merchant's session, so no step asks for a secret twice and no secret is
ever sent back to the browser. The draft rebuilds unsaved connection objects; the wizard saves them as
the tenant's connections when the merchant starts.

    save_draft(session, bc, ac, tested=..., origin=..., key=SESSION_KEY)
    load_draft(session, key=SESSION_KEY) -> Draft | None
    clear_draft(session, key=SESSION_KEY)
    tested_secret(draft, connection, attribute) -> str   # the draft's secret, if typed for this destination

The one-page form keeps its own draft per page (`form_draft_key`), so Save after Test connection
does not ask for the secrets just tested either.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass

from cryptography.fernet import InvalidToken

from tenants.destinations import destination_changes
from tenants.models import AcumaticaConnection, BigCommerceConnection

SESSION_KEY = "onboarding_draft"
BC_FIELDS = ("store_hash", "client_id", "api_base_url")
AC_FIELDS = ("instance_url", "endpoint_version", "company", "auth_method", "client_id", "username")
BC_SECRETS = ("access_token", "client_secret")
AC_SECRETS = ("client_secret", "password")
# A draft stands for a connection the merchant already entered: the destination rules of
# tenants/destinations.py (a secret only goes where it was typed for) compare against it as against a
# stored row, which they recognise by its primary key. `as_stored` gives a copy with this marker; it is
# never saved, nor handed to a client.
DRAFT_PK = -1


def _fernet():
    # The connection fields' own Fernet (settings.FERNET_KEYS, rotation included).
    return BigCommerceConnection._meta.get_field("access_token").fernet


def _seal(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode() if value else ""


def _open(token: str) -> str:
    if not token:
        return ""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:  # keys rotated since: the merchant types it again
        return ""


@dataclass
class Draft:
    bigcommerce: BigCommerceConnection
    acumatica: AcumaticaConnection
    name: str
    tested: bool        # the last Test connection passed on exactly these values
    origin: str         # "merchant" or "sandbox" (provisioned by sandbox/demo.py)
    sandbox: dict       # for a sandbox draft: {"store_hash", "instance_slug"}


def form_draft_key(slug: str | None) -> str:
    return f"{SESSION_KEY}:{slug or 'new'}"


def save_draft(session, bc: BigCommerceConnection, ac: AcumaticaConnection, *, name: str, tested: bool,
               origin: str = "merchant", sandbox: dict | None = None, key: str = SESSION_KEY) -> None:
    session[key] = {
        "name": name, "tested": tested, "origin": origin, "sandbox": sandbox or {},
        "bigcommerce": {f: getattr(bc, f) for f in BC_FIELDS}, "acumatica": {f: getattr(ac, f) for f in AC_FIELDS},
        "bigcommerce_secrets": {f: _seal(getattr(bc, f)) for f in BC_SECRETS},
        "acumatica_secrets": {f: _seal(getattr(ac, f)) for f in AC_SECRETS},
    }


def load_draft(session, key: str = SESSION_KEY) -> Draft | None:
    data = session.get(key)
    if not data:
        return None
    bc = BigCommerceConnection(**data["bigcommerce"],
                               **{f: _open(v) for f, v in data["bigcommerce_secrets"].items()})
    ac = AcumaticaConnection(**data["acumatica"], **{f: _open(v) for f, v in data["acumatica_secrets"].items()})
    return Draft(bigcommerce=bc, acumatica=ac, name=data["name"], tested=data["tested"], origin=data["origin"],
                 sandbox=data.get("sandbox") or {})


def as_stored(connection):
    stored = copy.copy(connection)
    stored.pk = DRAFT_PK
    return stored


def clear_draft(session, key: str = SESSION_KEY) -> None:
    session.pop(key, None)


def tested_secret(draft: Draft | None, connection, attribute: str) -> str:
    """The secret the draft holds for `connection`'s system, if it was typed for the same destination."""
    if draft is None:
        return ""
    typed_for = draft.bigcommerce if isinstance(connection, BigCommerceConnection) else draft.acumatica
    if destination_changes(as_stored(typed_for), connection):
        return ""
    return getattr(typed_for, attribute) or ""
