"""The contract: which fields each entity has per endpoint version, and the `{"value": ...}` wire format.

Field lists come from `sync/acumatica_fields.json` (shared with the connector's own payload check, so both
sides agree on the contract), derived from the official endpoint metadata
(../shared/specs/acumatica/key-entities.summary.json). Inside the sandbox a record is a plain dict
(`{"CustomerID": "C1", "MainContact": {"Email": "a@b"}, "Details": [{...}]}`); this module converts
between that and the wire format in both directions.

Strictness (all answered 400 with the HttpError body, like any request the server cannot bind):
- a value that is not of its declared type; `DateTimeValue` must be an RFC 3339 date-time with an offset
  (the specs declare `format: date-time`), so a date-only "2026-01-02" is refused;
- a field the pinned version does not define. The real API drops unknown names silently and answers 200
  with nothing applied (reference/acumatica-api.md §3, §7); the sandbox refuses them so that a field the
  connector believes it wrote cannot be lost unnoticed. `Instance.refuse_unknown_fields` turns this off.
Over-long strings are checked after parsing (`length_errors`, 422 with a per-field error).
"""
import datetime as dt
import functools
import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

SYSTEM_FIELDS = {"id", "rowNumber", "note", "custom", "error", "files", "_links", "delete"}
ENDPOINT = "Default"


class FlatFieldError(ValueError):
    """A field was sent without its `{"value": ...}` wrapper, or with a value of the wrong type."""


class UnknownFieldError(FlatFieldError):
    """A field name the pinned endpoint version does not define."""


# RFC 3339 date-time, the `format: date-time` of the specs' DateTimeValue: date, time and an offset.
DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


@functools.cache
def _all_versions() -> dict[str, dict]:
    path = Path(__file__).resolve().parents[2] / "sync" / "acumatica_fields.json"
    return json.loads(path.read_text())["versions"]


def known_versions() -> list[str]:
    return sorted(_all_versions())


def entity_meta(version: str, entity: str) -> dict | None:
    """Top-level entity metadata ({kind, fields, actions}) or None if the version does not have it."""
    meta = _all_versions().get(version, {}).get(entity)
    return meta if meta and meta["kind"] == "TopLevelEntity" else None


def type_fields(version: str, type_name: str) -> dict[str, str] | None:
    meta = _all_versions().get(version, {}).get(type_name)
    return meta["fields"] if meta else None


def is_value_type(type_name: str) -> bool:
    return type_name.endswith("Value") and not type_name.endswith("[]")


# ---------------------------------------------------------------- wire -> plain

# Reference: acumatica-api.md section 3 "Record format" (every non-system field is {"value": ...}).
def parse_record(version: str, type_name: str, body: Any, path: str = "", strict: bool = True) -> dict:
    """Unwraps a request body; with `strict`, a field the version does not define is refused."""
    if not isinstance(body, dict):
        raise FlatFieldError(f"{path or type_name}: an object is expected.")
    fields = type_fields(version, type_name) or {}
    plain: dict[str, Any] = {}
    for name, raw in body.items():
        if name in ("id", "delete"):
            plain[name] = raw
        elif name == "note":
            plain["note"] = _unwrap(raw, f"{path}note")
        elif name in fields:
            parsed = _parse_field(version, fields[name], raw, f"{path}{name}", strict)
            if parsed is not _SKIP:
                plain[name] = parsed
        elif strict and name not in SYSTEM_FIELDS:
            raise UnknownFieldError(f"The field {path}{name} is not defined in {type_name} of "
                                    f"{ENDPOINT}/{version}.")
    return plain


_SKIP = object()


def _parse_field(version: str, type_name: str, raw: Any, path: str, strict: bool) -> Any:
    if is_value_type(type_name):
        return _convert(type_name, _unwrap(raw, path), path)
    if type_name.endswith("[]"):
        if type_fields(version, type_name[:-2]) is None:
            return _SKIP                       # a detail type the sandbox does not model
        if not isinstance(raw, list):
            raise FlatFieldError(f"{path}: an array is expected.")
        return [parse_record(version, type_name[:-2], row, f"{path}/", strict) for row in raw]
    if type_fields(version, type_name) is None:
        return _SKIP
    return parse_record(version, type_name, raw, f"{path}/", strict)


def _unwrap(raw: Any, path: str) -> Any:
    if not isinstance(raw, dict):
        raise FlatFieldError(f"The value of {path} must be an object with a 'value' property.")
    return raw.get("value")


def _convert(type_name: str, value: Any, path: str) -> Any:
    """Keeps JSON-friendly plain values: decimals as strings (exact), the rest as sent."""
    if value is None:
        return None
    try:
        if isinstance(value, (dict, list)):
            raise TypeError(value)
        if type_name in ("DecimalValue", "DoubleValue"):
            number = Decimal(str(value))
            if isinstance(value, bool) or not number.is_finite():
                raise ValueError(value)
            return str(number)
        if type_name in ("IntValue", "ShortValue", "LongValue", "ByteValue"):
            if isinstance(value, bool) or Decimal(str(value)) != int(Decimal(str(value))):
                raise ValueError(value)
            return int(Decimal(str(value)))
        if type_name == "BooleanValue":
            if isinstance(value, bool):
                return value
            if str(value).lower() not in ("true", "false"):
                raise ValueError(value)
            return str(value).lower() == "true"
        if type_name == "DateTimeValue":
            if not (isinstance(value, str) and DATE_TIME.match(value)):
                raise ValueError(value)
            return parse_datetime(value).isoformat()
    except (ArithmeticError, ValueError, TypeError):
        raise FlatFieldError(f"{path}: '{value}' is not a valid {type_name}.") from None
    return str(value) if type_name == "StringValue" else value


def parse_datetime(text: str) -> dt.datetime:
    parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.timezone.utc)


# ---------------------------------------------------------------- plain -> wire

def render_record(version: str, type_name: str, plain: dict, expand: set[str] | None,
                  select: set[str] | None = None, prefix: str = "") -> dict:
    """Wraps a plain record. Linked and detail objects appear only when named in $expand."""
    fields = type_fields(version, type_name) or {}
    out: dict[str, Any] = {}
    if "id" in plain:
        out["id"] = plain["id"]
    out["rowNumber"] = plain.get("rowNumber", 1)
    out["note"] = {"value": plain.get("note") or ""}
    for name, type_ in fields.items():
        if name not in plain or (select is not None and not _selected(select, prefix + name)):
            continue
        rendered = _render_field(version, type_, plain[name], expand, select, f"{prefix}{name}/", name)
        if rendered is not _SKIP:
            out[name] = rendered
    out["custom"] = {}
    return out


def _selected(select: set[str], path: str) -> bool:
    return any(s == path or s.startswith(path + "/") or path.startswith(s + "/") for s in select)


def _render_field(version: str, type_: str, value: Any, expand: set[str] | None, select: set[str] | None,
                  prefix: str, name: str) -> Any:
    if is_value_type(type_):
        return {} if value is None else {"value": _wire_value(type_, value)}
    if expand is None or prefix.rstrip("/") not in expand:
        return _SKIP
    if type_.endswith("[]"):
        rows = value or []
        return [render_record(version, type_[:-2], {**row, "rowNumber": n}, expand, select, prefix)
                for n, row in enumerate(rows, start=1)]
    return render_record(version, type_, value or {}, expand, select, prefix)


def _wire_value(type_name: str, value: Any) -> Any:
    if type_name in ("DecimalValue", "DoubleValue"):
        return float(Decimal(str(value)))
    if type_name == "DateTimeValue" and isinstance(value, dt.datetime):
        return value.isoformat()
    return value


def wrap(**values: Any) -> dict:
    """Small helper for building wire bodies in code and tests: wrap(A=1) -> {"A": {"value": 1}}."""
    return {name: {"value": value} for name, value in values.items()}
