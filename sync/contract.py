"""What the tenant's pinned Acumatica endpoint version accepts, checked before a payload leaves.

    check_payload(version, entity, payload) -> None     # raises ContractError
    has_field(version, type_name, field) -> bool

Acumatica ignores field names it does not know and answers 200 (reference/acumatica-api.md §3), so a
field the pinned version lacks (SalesOrder.TaxZone in every version, top-level SalesOrder.Branch in
22.200.001) would be dropped without a word. This check turns that into a clear, permanent error
naming the field and the version. It also checks the value formats the specs declare: a
DateTimeValue is an RFC 3339 date-time with an offset (`format: date-time`), a BooleanValue a
boolean, a DecimalValue a number.

Field lists: acumatica_fields.json, per Default endpoint version, derived from the endpoint metadata
in ../shared/specs/acumatica/key-entities.summary.json (Acumatica/AcumaticaRESTAPIClientForCSharp,
MIT). The sandbox Acumatica reads the same file, so both sides agree on the contract.
"""
from __future__ import annotations

import datetime as dt
import functools
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from sync.http import ApiError

FIELDS_FILE = Path(__file__).with_name("acumatica_fields.json")
# System fields every record may carry (reference/acumatica-api.md §3 "Record format").
SYSTEM_FIELDS = frozenset({"id", "rowNumber", "note", "custom", "delete", "_links", "files", "error"})


class ContractError(ApiError):
    """A payload the pinned endpoint version would not take as meant; a connector or settings problem."""

    def __init__(self, message: str) -> None:
        super().__init__(message, status=None, permanent=True)


@functools.cache
def _versions() -> dict[str, dict]:
    return json.loads(FIELDS_FILE.read_text())["versions"]


def type_fields(version: str, type_name: str) -> dict[str, str] | None:
    meta = _versions().get(version, {}).get(type_name)
    return meta["fields"] if meta else None


def has_field(version: str, type_name: str, field: str) -> bool:
    return field in (type_fields(version, type_name) or {})


def check_payload(version: str, entity: str, payload: dict) -> None:
    """Raises ContractError for the first field `version` lacks or whose value breaks its declared type.

    `payload` is wrapped ({"Field": {"value": ...}}), as it goes on the wire."""
    if version not in _versions():
        raise ContractError(f"The connector has no field list for endpoint Default/{version}; "
                            f"supported: {', '.join(sorted(_versions()))}.")
    if type_fields(version, entity) is None:
        raise ContractError(f"Entity {entity} is not in endpoint Default/{version}.")
    _check(version, entity, payload, entity)


def _check(version: str, type_name: str, record: dict, path: str) -> None:
    fields = type_fields(version, type_name)
    if fields is None:
        return   # a linked type outside the summary (none of the ones we send): nothing to check against
    for name, value in record.items():
        if name in SYSTEM_FIELDS:
            continue
        where = f"{path}.{name}"
        declared = fields.get(name)
        if declared is None:
            raise ContractError(f"{where} does not exist in Acumatica endpoint Default/{version}, so Acumatica "
                                "would ignore it. This is a connector mapping problem; tell support.")
        if declared.endswith("[]"):
            if not isinstance(value, list):
                raise ContractError(f"{where} must be a list of {declared[:-2]} rows.")
            for number, row in enumerate(value):
                _check(version, declared[:-2], row, f"{where}[{number}]")
        elif declared.endswith("Value"):
            _check_value(declared, value, where, version)
        elif isinstance(value, dict):
            _check(version, declared, value, where)


def _check_value(declared: str, wrapped: Any, where: str, version: str) -> None:
    if not isinstance(wrapped, dict) or "value" not in wrapped:
        raise ContractError(f"{where} must be sent as {{\"value\": ...}}.")
    value = wrapped["value"]
    if value is None:
        return
    problem = None
    if declared == "DateTimeValue":
        problem = _datetime_problem(value)
    elif declared == "BooleanValue" and not isinstance(value, bool):
        problem = "a boolean"
    elif declared in ("DecimalValue", "DoubleValue") and (isinstance(value, bool)
                                                          or not isinstance(value, (int, float, Decimal))):
        problem = "a number"
    if problem:
        raise ContractError(f"{where} is {declared} in Default/{version}: {value!r} is not {problem}.")


def _datetime_problem(value: Any) -> str | None:
    text = value.isoformat() if isinstance(value, dt.datetime) else value
    if not isinstance(text, str) or "T" not in text:
        return "an RFC 3339 date-time (e.g. 2026-12-31T00:00:00-05:00)"
    try:
        parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return "an RFC 3339 date-time"
    return None if parsed.tzinfo else "an RFC 3339 date-time with an offset"
