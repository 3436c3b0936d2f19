"""A small OData v3 `$filter` evaluator over plain records.

Reference: acumatica-api.md section 3 "Query parameters" ($filter follows OData v3: eq/ne/gt/ge/lt/le,
and/or/not, substringof, startswith, endswith; string literals in single quotes; datetimeoffset'...' and
date'...' literals; linked fields as `MainContact/Email`).
"""
import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any, Callable

from .schema import parse_datetime

Predicate = Callable[[dict], bool]


class FilterError(ValueError):
    pass


_TOKEN = re.compile(r"""
    \s*(?:
      (?P<typed>(?:datetimeoffset|datetime|date|guid)'[^']*')
    | (?P<string>'(?:[^']|'')*')
    | (?P<number>-?\d+(?:\.\d+)?[mMdDfFlL]?)
    | (?P<punct>[(),])
    | (?P<name>[A-Za-z_][\w./]*)
    )""", re.VERBOSE)

_COMPARE = {"eq", "ne", "gt", "ge", "lt", "le"}


def tokenize(text: str) -> list[tuple[str, str]]:
    tokens, pos = [], 0
    text = text.strip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match or match.end() == pos:
            raise FilterError(f"Cannot parse $filter near '{text[pos:pos + 20]}'.")
        kind = match.lastgroup
        tokens.append((kind, match.group(kind)))
        pos = match.end()
    return tokens


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]]):
        self.tokens, self.pos = tokens, 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise FilterError("Unexpected end of $filter.")
        self.pos += 1
        return token

    def expect(self, value: str) -> None:
        if self.take()[1] != value:
            raise FilterError(f"'{value}' expected in $filter.")

    def parse_or(self) -> Predicate:
        left = self.parse_and()
        while self._is_word("or"):
            self.pos += 1
            right, prev = self.parse_and(), left
            left = lambda r, a=prev, b=right: a(r) or b(r)   # noqa: E731
        return left

    def parse_and(self) -> Predicate:
        left = self.parse_unary()
        while self._is_word("and"):
            self.pos += 1
            right, prev = self.parse_unary(), left
            left = lambda r, a=prev, b=right: a(r) and b(r)  # noqa: E731
        return left

    def parse_unary(self) -> Predicate:
        if self._is_word("not"):
            self.pos += 1
            inner = self.parse_unary()
            return lambda r: not inner(r)
        if self.peek() == ("punct", "("):
            self.pos += 1
            inner = self.parse_or()
            self.expect(")")
            return inner
        return self.parse_comparison()

    def parse_comparison(self) -> Predicate:
        kind, word = self.peek() or ("", "")
        if kind == "name" and word.lower() in ("substringof", "startswith", "endswith"):
            return self.parse_function()
        left = self.operand()
        op = self.take()[1].lower()
        if op not in _COMPARE:
            raise FilterError(f"Unknown operator '{op}' in $filter.")
        right = self.operand()
        return lambda r: _compare(op, left(r), right(r))

    def parse_function(self) -> Predicate:
        name = self.take()[1].lower()
        self.expect("(")
        first = self.operand()
        self.expect(",")
        second = self.operand()
        self.expect(")")
        if name == "substringof":        # substringof('needle', Field)
            return lambda r: _text(first(r)) in _text(second(r))
        if name == "startswith":
            return lambda r: _text(first(r)).startswith(_text(second(r)))
        return lambda r: _text(first(r)).endswith(_text(second(r)))

    def operand(self) -> Callable[[dict], Any]:
        kind, text = self.take()
        if kind == "string":
            value = text[1:-1].replace("''", "'")
            return lambda r: value
        if kind == "number":
            number = Decimal(text.rstrip("mMdDfFlL"))
            return lambda r: number
        if kind == "typed":
            value = _typed_literal(text)
            return lambda r: value
        if kind == "name":
            lowered = text.lower()
            if lowered in ("true", "false"):
                return lambda r: lowered == "true"
            if lowered == "null":
                return lambda r: None
            return lambda r: lookup(r, text)
        raise FilterError(f"Unexpected '{text}' in $filter.")

    def _is_word(self, word: str) -> bool:
        token = self.peek()
        return token is not None and token[0] == "name" and token[1].lower() == word


def _typed_literal(text: str) -> Any:
    prefix, _, rest = text.partition("'")
    raw = rest[:-1]
    try:
        if prefix in ("datetimeoffset", "datetime"):
            return parse_datetime(raw)
        if prefix == "date":
            return dt.datetime.fromisoformat(raw).replace(tzinfo=dt.timezone.utc)
    except ValueError:
        raise FilterError(f"Bad literal {text} in $filter.") from None
    return raw


def lookup(record: dict, path: str) -> Any:
    """Follows `MainContact/Email` through linked entities; detail arrays are not filterable."""
    value: Any = record
    for part in path.split("/"):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def _text(value: Any) -> str:
    return "" if value is None else str(value).lower()


def _coerce(left: Any, right: Any) -> tuple[Any, Any]:
    if isinstance(right, dt.datetime) and isinstance(left, str):
        return parse_datetime(left), right
    if isinstance(left, dt.datetime) and isinstance(right, str):
        return left, parse_datetime(right)
    if isinstance(right, Decimal) and left is not None and not isinstance(left, bool):
        try:
            return Decimal(str(left)), right
        except InvalidOperation:
            return str(left), str(right)
    return left, right


def _compare(op: str, left: Any, right: Any) -> bool:
    if op in ("eq", "ne"):
        if left is None or right is None:
            equal = left is None and right is None
        else:
            a, b = _coerce(left, right)
            equal = a.lower() == b.lower() if isinstance(a, str) and isinstance(b, str) else a == b
        return equal if op == "eq" else not equal
    if left is None or right is None:
        return False
    a, b = _coerce(left, right)
    try:
        return {"gt": a > b, "ge": a >= b, "lt": a < b, "le": a <= b}[op]
    except TypeError:
        return False


def compile_filter(text: str) -> Predicate:
    parser = _Parser(tokenize(text))
    predicate = parser.parse_or()
    if parser.peek() is not None:
        raise FilterError(f"Unexpected '{parser.peek()[1]}' in $filter.")
    return predicate


def field_names(text: str) -> list[str]:
    """The field paths a filter mentions, so unknown ones can be refused."""
    words = {"and", "or", "not", "true", "false", "null", "substringof", "startswith", "endswith", *_COMPARE}
    return [t for kind, t in tokenize(text) if kind == "name" and t.lower() not in words]
