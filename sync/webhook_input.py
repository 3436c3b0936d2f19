"""Hostile-input checks shared by both webhook receivers.

Anyone on the internet can reach a receiver, so everything a client sends is checked for type, size
and encoding before it is trusted or reaches the database, and every failure is a ``Refusal``: a 4xx
with a short reason that never echoes the input. The checks, in the order receivers apply them:

- headers: read as bytes (``header_bytes``) so non-ASCII values compare instead of raising;
- body size from ``Content-Length`` before the body is read (``read_body``);
- the body is parsed only after authentication (``parse_json_object``): strict JSON, no NaN or
  Infinity, nesting at most ``MAX_DEPTH``, no NUL and no lone surrogate in any string (PostgreSQL's
  jsonb refuses both, and no real payload carries them);
- ids and names (``numeric_id``, ``short_text``): type and length, ASCII digits only for numbers.
"""
from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest

MAX_DEPTH = 20            # real stubs nest 3 levels, push notifications 4
MAX_ID_DIGITS = 19        # BigCommerce ids are integers; 19 digits is a signed 64-bit integer
ASCII_DIGITS = re.compile(r"[0-9]{1,%d}" % MAX_ID_DIGITS)
FORBIDDEN_CHARACTERS = re.compile("[\x00\ud800-\udfff]")


class Refusal(Exception):
    """A request we will not act on: ``status`` is a 4xx, ``reason`` is short and safe to send back."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status, self.reason = status, reason


def header_bytes(headers: Mapping[str, str], name: str) -> bytes:
    """A header's value as bytes; WSGI hands headers over as latin-1 text, any byte is possible."""
    value = headers.get(name) or ""
    return value.encode("utf-8", "surrogatepass")


def read_body(request: HttpRequest, max_bytes: int) -> bytes:
    """The raw body, refused (413) from Content-Length before it is read when it is too large."""
    declared = request.META.get("CONTENT_LENGTH") or "0"
    if not declared.isascii() or not declared.isdigit():
        raise Refusal(400, "Content-Length is not a number")
    if int(declared) > max_bytes:
        raise Refusal(413, "body too large")
    try:
        body = request.body
    except RequestDataTooBig:
        raise Refusal(413, "body too large") from None
    if len(body) > max_bytes:
        raise Refusal(413, "body too large")
    return body


def require_json_content_type(request: HttpRequest) -> None:
    if request.content_type != "application/json":
        raise Refusal(415, "content type must be application/json")


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def parse_json_object(body: bytes) -> dict:
    """Strict JSON object: refuses NaN/Infinity, deep nesting, NUL and lone surrogates (400)."""
    try:
        # Very deep input stops the C parser with RecursionError long before it costs anything.
        payload = json.loads(body, parse_constant=_refuse_constant)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise Refusal(400, "body is not valid JSON") from None
    if not isinstance(payload, dict):
        raise Refusal(400, "body must be a JSON object")
    _check_values(payload)
    return payload


def _check_values(payload: dict) -> None:
    """Walks the parsed body without recursion: depth, then every key and string."""
    stack: list[tuple[Any, int]] = [(payload, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, (dict, list)):
            if depth > MAX_DEPTH:
                raise Refusal(400, f"body nests deeper than {MAX_DEPTH} levels")
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for key, item in items:
                stack.append((key, depth))
                stack.append((item, depth + 1))
        elif isinstance(value, str) and FORBIDDEN_CHARACTERS.search(value):
            raise Refusal(400, "body contains a NUL character or an unpaired surrogate")


def numeric_id(value: Any, what: str) -> str:
    """A positive integer id given as a JSON number or a string of ASCII digits, canonical form."""
    if isinstance(value, bool):
        raise Refusal(400, f"{what} must be a numeric id")
    text = str(value) if isinstance(value, (int, str)) else ""
    if not ASCII_DIGITS.fullmatch(text) or int(text) == 0:
        raise Refusal(400, f"{what} must be a numeric id of at most {MAX_ID_DIGITS} digits")
    return str(int(text))


def short_text(value: Any, what: str, max_length: int, required: bool = True) -> str:
    """A string (a number is accepted as its text) of at most ``max_length`` characters, stripped."""
    if value is None and not required:
        return ""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise Refusal(400, f"{what} must be a string")
    text = str(value).strip()
    if required and not text:
        raise Refusal(400, f"{what} is missing")
    if len(text) > max_length:
        raise Refusal(400, f"{what} is longer than {max_length} characters")
    if FORBIDDEN_CHARACTERS.search(text):
        raise Refusal(400, f"{what} contains a NUL character or an unpaired surrogate")
    return text
