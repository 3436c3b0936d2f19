"""Query-string parsing shared by the simulated endpoints; bad values answer 400/422 as the real API does."""
from __future__ import annotations

from datetime import datetime, timezone as dt_timezone
from email.utils import parsedate_to_datetime

from django.http import HttpRequest
from django.utils.dateparse import parse_date, parse_datetime

from .gate import ApiError


def int_param(request: HttpRequest, name: str, default: int, minimum: int = 1, maximum: int | None = None) -> int:
    raw = request.GET.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(400, f"The filter {name} is not valid.", {name: "must be an integer"})
    if value < minimum:
        raise ApiError(400, f"The filter {name} is not valid.", {name: f"must be at least {minimum}"})
    return min(value, maximum) if maximum else value


def csv_param(request: HttpRequest, name: str) -> list[str] | None:
    raw = request.GET.get(name)
    return None if raw is None else [part.strip() for part in raw.split(",") if part.strip()]


def int_list(request: HttpRequest, name: str) -> list[int] | None:
    values = csv_param(request, name)
    try:
        return None if values is None else [int(v) for v in values]
    except ValueError:
        raise ApiError(422, f"The filter {name} is not valid.", {name: "must be a list of integers"})


def date_param(request: HttpRequest, name: str, status: int = 400) -> datetime | None:
    """Accepts RFC 2822, ISO-8601 date-times and plain dates (UTC when no zone is given)."""
    # Reference: reference/bigcommerce-api.md §4 (min/max_date_modified: RFC-2822 or ISO-8601).
    raw = request.GET.get(name)
    if raw in (None, ""):
        return None
    value = _parse_date(raw.strip())
    if value is None:
        raise ApiError(status, f"The filter {name} is not a valid date.", {name: raw})
    return value if value.tzinfo else value.replace(tzinfo=dt_timezone.utc)


def _parse_date(raw: str) -> datetime | None:
    try:
        return parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        pass
    try:
        parsed = parse_datetime(raw.replace(" ", "+") if raw.count(" ") == 1 and "T" in raw else raw)
    except ValueError:
        return None
    if parsed is not None:
        return parsed
    day = parse_date(raw)
    return datetime(day.year, day.month, day.day) if day else None


def page_window(request: HttpRequest, default_limit: int = 50, max_limit: int = 250) -> tuple[int, int]:
    # Reference: reference/bigcommerce-api.md §4 and §7 (page from 1; limit default 50, max 250).
    return int_param(request, "page", 1), int_param(request, "limit", default_limit, maximum=max_limit)
