"""Field names that differ between Acumatica Default endpoint versions, in one table.

    field_name(version, entity, logical_name) -> str      # raises FieldNotAvailable
    has_entity(version, entity) -> bool
    has_field(version, entity, field) -> bool             # from the endpoint field lists (sync/contract.py)

Logical names used so far: ``last_modified`` (the field a changed-since ``$filter`` runs on).
Entities without a last-modified field in a version are absent from that version's table and
raise ``FieldNotAvailable`` with a plain message.

A version newer than the table uses the newest row not newer than it (endpoints are stable once
released); a version older than the table raises. Default/26.200.001 (contract version 5) renames
fields and changes the filter syntax; it is deliberately not in the table until it is supported.

Reference: specs/acumatica/key-entities.summary.json (field lists of Default/20, 22, 23 and
24.200.001, from the endpoint XML); reference/acumatica-api.md §4.
"""
from __future__ import annotations

from sync import contract

LAST_MODIFIED = "last_modified"

_COMMON = {"Customer": "LastModifiedDateTime", "Invoice": "LastModifiedDateTime",
           "Payment": "LastModifiedDateTime", "NonStockItem": "LastModifiedDateTime",
           "Shipment": "LastModifiedDateTime", "Contact": "LastModifiedDateTime",
           "SalesOrder": "LastModified", "StockItem": "LastModified"}

FIELD_NAMES: dict[str, dict[str, dict[str, str]]] = {
    "20.200.001": {LAST_MODIFIED: dict(_COMMON)},
    "22.200.001": {LAST_MODIFIED: {**_COMMON, "InventoryQuantityAvailable": "LastModifiedDateTime"}},
    # SalesInvoice gains LastModifiedDateTime in 23.200.001; there is none in 20/22.
    "23.200.001": {LAST_MODIFIED: {**_COMMON, "InventoryQuantityAvailable": "LastModifiedDateTime",
                                   "SalesInvoice": "LastModifiedDateTime"}},
    # 24.200.001 keeps StockItem.LastModified but adds LastModifiedDateTime; prefer the new one.
    "24.200.001": {LAST_MODIFIED: {**_COMMON, "InventoryQuantityAvailable": "LastModifiedDateTime",
                                   "SalesInvoice": "LastModifiedDateTime", "StockItem": "LastModifiedDateTime"}},
}

# Entities that exist only from some version on (InventoryQuantityAvailable: 22.200.001+).
ENTITY_SINCE = {"InventoryQuantityAvailable": "22.200.001"}

# Fields the connector sends or filters on that exist only from some version on (entity or detail
# type, field) -> first version; from the swagger/openapi files of 22, 23 and 24.200.001.


class FieldNotAvailable(LookupError):
    """The pinned endpoint version has no such field; the message says so in plain words."""


def _key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def table_version(version: str) -> str:
    """The newest table row not newer than ``version``."""
    known = [v for v in FIELD_NAMES if _key(v) <= _key(version)]
    if not known:
        raise FieldNotAvailable(f"Endpoint version {version} is older than any this connector supports "
                                f"(oldest: {min(FIELD_NAMES, key=_key)}).")
    return max(known, key=_key)


def field_name(version: str, entity: str, logical_name: str) -> str:
    names = FIELD_NAMES[table_version(version)].get(logical_name, {})
    if entity not in names:
        raise FieldNotAvailable(f"{entity} has no {logical_name.replace('_', '-')} field in Default/{version}.")
    return names[entity]


def has_entity(version: str, entity: str) -> bool:
    since = ENTITY_SINCE.get(entity)
    return since is None or _key(version) >= _key(since)


def has_field(version: str, entity: str, field: str) -> bool:
    """Whether `entity` (or a detail type, e.g. SalesInvoiceDetail) has `field` in this version, from the
    endpoint field lists the payload check uses (sync/contract.py)."""
    return contract.has_field(version, entity, field)