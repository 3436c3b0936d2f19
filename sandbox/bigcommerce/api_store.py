"""GET /v2/store: the Store Information API, the part a connector reads (the store's time zone).

Not in ../shared/specs/bigcommerce. Reference: BigCommerce Dev Center, "Store Information",
https://developer.bigcommerce.com/docs/rest-management/store-information (GET /stores/{store_hash}/v2/store;
example timezone {"name": "America/Chicago", "raw_offset": -21600, "dst_offset": -18000,
"dst_correction": true, "date_format": {"display", "export", "extended_display"}}). Offsets are seconds
from UTC: raw_offset without daylight saving, dst_offset with it. dst_correction is a manual control panel
switch on a real store (support.bigcommerce.com, Date and Timezone Settings); the sandbox answers what a
merchant who follows that advice has set: on while the zone observes daylight saving.
"""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from .gate import json_response
from .models import Store

# The control panel's defaults as the documentation's example shows them (PHP date() formats).
DATE_FORMAT = {"display": "M jS Y", "export": "M jS Y", "extended_display": "M jS Y @ g:i A"}


def _seconds(delta) -> int:
    return int(delta.total_seconds()) if delta is not None else 0


def timezone_json(name: str, now: datetime) -> dict:
    zone = ZoneInfo(name)
    local = now.astimezone(zone)
    raw_offset = _seconds(local.utcoffset()) - _seconds(local.dst())
    # The daylight offset: the zone's offset on a summer day of this year (either hemisphere), else the raw one.
    summer = [_seconds(datetime(local.year, month, 1, tzinfo=zone).utcoffset()) for month in (1, 7)]
    dst_offset = next((offset for offset in summer if offset != raw_offset), raw_offset)
    return {"name": name, "raw_offset": raw_offset, "dst_offset": dst_offset,
            "dst_correction": bool(_seconds(local.dst())), "date_format": dict(DATE_FORMAT)}


def get_store(request: HttpRequest, store: Store) -> HttpResponse:
    # Only fields the documentation shows and the sandbox can answer truthfully; none is made up to look full.
    domain = request.get_host()
    return json_response({
        "id": store.store_hash,
        "domain": domain,
        "secure_url": request.build_absolute_uri("/").rstrip("/"),
        "status": "live",
        "name": f"Sandbox store {store.store_hash}",
        "timezone": timezone_json(store.time_zone, timezone.now()),
        "language": "en",
        "currency": store.currency_code,
    })
