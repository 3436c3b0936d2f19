"""Secrets are bound to the destination they were entered for.

A stored token or password may only ever travel to the store or instance it was typed for. When a
connection's destination changes (store hash or API root; instance URL, company or sign-in method),
the stored secrets are not carried over: the owner types them again. Sign-in tokens the connector
obtained from the old destination are dropped.

Every path that edits a connection (the onboarding form, the admin forms, any API) calls
`carry_over_secrets`; `check_rebound` runs on every save of a connection as the last line, so a path
that forgets cannot send an old secret to a new host.

    destination_changes(stored, candidate) -> list[str]      # destination fields that differ
    carry_over_secrets(stored, candidate, entered) -> list[str]  # typed secrets that must be retyped
    check_rebound(connection)                                # raises SecretsNotRebound
"""
from __future__ import annotations

from urllib.parse import urlsplit

from django.db import models

from tenants.models import AcumaticaConnection, BigCommerceConnection

# Where the secrets go: a change to any of these is a new destination.
DESTINATION_FIELDS: dict[type[models.Model], tuple[str, ...]] = {
    BigCommerceConnection: ("store_hash", "api_base_url"),
    AcumaticaConnection: ("instance_url", "company", "auth_method"),
}
# Secrets a person types (and must type again for a new destination).
TYPED_SECRETS: dict[type[models.Model], tuple[str, ...]] = {
    BigCommerceConnection: ("access_token", "client_secret"),
    AcumaticaConnection: ("client_secret", "password"),
}
# Secrets the old destination issued to us: worthless elsewhere, dangerous to send there.
ISSUED_SECRETS: dict[type[models.Model], tuple[str, ...]] = {
    BigCommerceConnection: (),
    AcumaticaConnection: ("access_token", "refresh_token"),
}


class SecretsNotRebound(ValueError):
    """A connection was saved for a new destination with a secret entered for the old one."""


def _normalized(value) -> str:
    text = str(value or "").strip()
    if "://" not in text:
        return text
    parts = urlsplit(text)
    # Host names and schemes are case-insensitive and a trailing slash names the same root.
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}{parts.path.rstrip('/')}?{parts.query}"


def destination_changes(stored, candidate) -> list[str]:
    if stored is None or stored.pk is None:
        return []
    return [name for name in DESTINATION_FIELDS[type(candidate)]
            if _normalized(getattr(stored, name)) != _normalized(getattr(candidate, name))]


def carry_over_secrets(stored, candidate, entered: dict[str, str]) -> list[str]:
    """Sets `candidate`'s typed secrets from `entered` (attribute -> typed value, empty = not typed),
    falling back to the stored value only when the destination is unchanged. Drops issued tokens when
    it changed. Returns the typed secrets that were stored but must now be typed again."""
    moved = bool(destination_changes(stored, candidate))
    retype = []
    for name in TYPED_SECRETS[type(candidate)]:
        if entered.get(name):
            setattr(candidate, name, entered[name])
            continue
        kept = getattr(stored, name, "") if stored is not None else ""
        if moved and kept:
            retype.append(name)
            kept = ""
        setattr(candidate, name, kept or "")
    if moved:
        forget_issued(candidate)
    return retype


def forget_issued(connection) -> None:
    for name in ISSUED_SECRETS[type(connection)]:
        setattr(connection, name, "")
    if isinstance(connection, AcumaticaConnection):
        connection.token_expires_at = None


def retype_message(connection_label: str, changed: list[str]) -> str:
    what = ", ".join(name.replace("_", " ") for name in changed)
    return (f"The {connection_label} destination changed ({what}): type this secret again. "
            "Stored secrets are only ever sent to the destination they were entered for.")


def check_rebound(connection, update_fields=None) -> None:
    """Refuses to save a connection whose destination changed while it still holds a typed secret
    entered for the old one; drops the old destination's issued tokens."""
    fields = DESTINATION_FIELDS[type(connection)]
    if connection.pk is None or (update_fields is not None and not set(update_fields) & set(fields)):
        return
    stored = type(connection).objects.filter(pk=connection.pk).first()
    changed = destination_changes(stored, connection)
    if not changed:
        return
    reused = [name for name in TYPED_SECRETS[type(connection)]
              if getattr(stored, name) and getattr(connection, name) == getattr(stored, name)]
    if reused:
        raise SecretsNotRebound(f"{type(connection).__name__} {connection.pk}: {', '.join(changed)} changed but "
                                f"{', '.join(reused)} is the one entered for the old destination; set it again.")
    for name in ISSUED_SECRETS[type(connection)]:
        if getattr(connection, name) == getattr(stored, name):
            setattr(connection, name, "")
    if isinstance(connection, AcumaticaConnection) and connection.access_token == "":
        connection.token_expires_at = None
