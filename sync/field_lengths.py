"""How long an Acumatica string field may be, and fitting values into it without silent cuts.

Lengths come from `acumatica_field_lengths.json` (one table, keyed by contract type and field, the
same names as the endpoint schema). Acumatica cuts an over-long value without a word, so the
connector checks first: a value either fits, moves its overflow to the next line (address lines),
is shortened with an audit note (names, where a shorter name still identifies the customer), or
stops the record with a message naming the field and the value (e-mail, phone, city, postal code).
"""
import functools
import json
from pathlib import Path


class ValueTooLong(Exception):
    """A value that would lose meaning if cut: the record needs a person."""

    permanent = True


@functools.cache
def _lengths() -> dict[str, dict[str, int]]:
    return json.loads(Path(__file__).with_name("acumatica_field_lengths.json").read_text())["types"]


def max_length(type_name: str, field: str) -> int | None:
    """The longest value Acumatica keeps in `type_name.field`, or None when it is not limited here."""
    return _lengths().get(type_name, {}).get(field)


def require_fit(type_name: str, field: str, value: str, what: str) -> str:
    """The value unchanged, or ValueTooLong naming `what` (e.g. "BigCommerce customer 12's e-mail")."""
    limit = max_length(type_name, field)
    if limit is not None and len(value) > limit:
        raise ValueTooLong(f"{what} is {len(value)} characters long, but Acumatica's {type_name} {field} "
                           f"holds {limit}: {value!r}. Shorten it in BigCommerce, then replay the record.")
    return value


def require_fits(type_name: str, values: dict[str, str], what: str) -> dict[str, str]:
    """Every value of a small record (e.g. a DocContact) unchanged, or ValueTooLong for the first that
    does not fit."""
    return {field: require_fit(type_name, field, value, f"{what}: {field}") for field, value in values.items()}


def split_at_word(value: str, limit: int) -> tuple[str, str]:
    """(head, rest): head at most `limit` characters, cut at the last space when there is one."""
    if len(value) <= limit:
        return value, ""
    cut = value.rfind(" ", 0, limit + 1)
    cut = cut if cut > 0 else limit
    return value[:cut].rstrip(), value[cut:].strip()


def shorten(type_name: str, field: str, value: str) -> tuple[str, str | None]:
    """(value that fits, audit note or None). For names only: the full value goes into the note."""
    limit = max_length(type_name, field)
    if limit is None or len(value) <= limit:
        return value, None
    head, _ = split_at_word(value, limit)
    return head, (f"{type_name} {field} was {len(value)} characters, Acumatica holds {limit}: "
                  f"sent {head!r}; the full value was {value!r}.")


def fit_lines(type_name: str, fields: tuple[str, str], first: str, second: str, what: str) -> tuple[str, str]:
    """Two lines (e.g. AddressLine1/2): an over-long first line continues on the second; what does
    not fit on the second line either is ValueTooLong (the contract has no third line)."""
    limit1, limit2 = (max_length(type_name, f) or 10**6 for f in fields)
    head, rest = split_at_word(first, limit1)
    tail = " ".join(p for p in (rest, second) if p)
    if len(tail) > limit2:
        raise ValueTooLong(f"{what} does not fit in Acumatica's two address lines ({limit1} and {limit2} characters): "
                           f"{first!r} / {second!r}. Shorten the address in BigCommerce, then replay the record.")
    return head, tail
