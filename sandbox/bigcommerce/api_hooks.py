"""Webhook management, /v3/hooks."""
from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from .gate import ApiError, json_response, read_json
from .models import Hook, Store
from .params import page_window
from .render import hook_json, pagination_meta

MAX_HOOKS_PER_SCOPE = 10  # Reference: reference/bigcommerce-api.md §1.3 (10 per store+client+scope).


def _hook(store: Store, webhook_id: int) -> Hook:
    hook = store.hooks.filter(pk=webhook_id).first()
    if hook is None:
        raise ApiError(404, "The requested webhook was not found.")
    return hook


def _checked_fields(store: Store, body: Any, required: bool) -> dict[str, Any]:
    """Validates a webhook_Base / webhook_Put body; 422 like the real API for bad or missing fields."""
    if not isinstance(body, dict):
        raise ApiError(422, "JSON data is missing or invalid", {"body": "must be an object"})
    fields = {k: body[k] for k in ("scope", "destination", "is_active", "headers") if k in body}
    missing = [k for k in ("scope", "destination") if required and not fields.get(k)]
    if missing or not fields:
        raise ApiError(422, "JSON data is missing or invalid", {k: "is required" for k in missing or ["body"]})
    _check_types(fields)
    if "destination" in fields:
        _check_destination(store, fields["destination"])
    return fields


def _check_types(fields: dict[str, Any]) -> None:
    if "scope" in fields and not (isinstance(fields["scope"], str) and fields["scope"].startswith("store/")):
        raise ApiError(422, "JSON data is missing or invalid", {"scope": "is not a valid scope"})
    if "is_active" in fields and not isinstance(fields["is_active"], bool):
        raise ApiError(422, "JSON data is missing or invalid", {"is_active": "must be a boolean"})
    headers = fields.get("headers")
    if headers is not None and not (isinstance(headers, dict) and all(isinstance(v, str) for v in headers.values())):
        raise ApiError(422, "JSON data is missing or invalid", {"headers": "must be an object of strings"})


def _check_destination(store: Store, destination: Any) -> None:
    # Reference: reference/bigcommerce-api.md §1.3 (https, port 443 only; relaxed per store for local receivers).
    parts = urlsplit(destination if isinstance(destination, str) else "")
    https_ok = parts.scheme == "https" and parts.port in (None, 443)
    if not parts.hostname or parts.scheme not in ("http", "https") or (store.require_https_destinations and not https_ok):
        raise ApiError(422, "JSON data is missing or invalid", {"destination": "must be an https URL on port 443"})


def list_hooks(request: HttpRequest, store: Store) -> HttpResponse:
    # Reference: specs/bigcommerce/webhooks.v3.yml GET /hooks (is_active, scope, destination filters).
    page, limit = page_window(request)
    qs = store.hooks.order_by("pk")
    active = request.GET.get("is_active")
    if active is not None:
        if active not in ("true", "false"):
            raise ApiError(422, "The filter is_active is not valid.", {"is_active": active})
        qs = qs.filter(is_active=active == "true")
    for name in ("scope", "destination"):
        if request.GET.get(name):
            qs = qs.filter(**{name: request.GET[name]})
    total = qs.count()
    rows = [hook_json(h) for h in qs[(page - 1) * limit: page * limit]]
    return json_response({"data": rows, "meta": pagination_meta(total, len(rows), page, limit)})


def create_hook(request: HttpRequest, store: Store) -> HttpResponse:
    # Reference: specs/bigcommerce/webhooks.v3.yml POST /hooks (200 with {data, meta}).
    fields = _checked_fields(store, read_json(request), required=True)
    same = store.hooks.filter(scope=fields["scope"])
    if same.filter(destination=fields["destination"]).exists() or same.count() >= MAX_HOOKS_PER_SCOPE:
        raise ApiError(422, "A webhook for this scope and destination already exists, or the scope is full.")
    hook = Hook.objects.create(store=store, client_id=store.client_id, **fields)
    return json_response({"data": hook_json(hook), "meta": {}})


def get_hook(request: HttpRequest, store: Store, webhook_id: int) -> HttpResponse:
    # Reference: specs/bigcommerce/webhooks.v3.yml GET /hooks/{webhook_id}.
    return json_response({"data": hook_json(_hook(store, webhook_id)), "meta": {}})


def update_hook(request: HttpRequest, store: Store, webhook_id: int) -> HttpResponse:
    # Reference: specs/bigcommerce/webhooks.v3.yml PUT /hooks/{webhook_id} (at least one field).
    hook = _hook(store, webhook_id)
    for name, value in _checked_fields(store, read_json(request), required=False).items():
        setattr(hook, name, value)
    hook.updated_at = timezone.now()
    hook.save()
    return json_response({"data": hook_json(hook), "meta": {}})


def delete_hook(request: HttpRequest, store: Store, webhook_id: int) -> HttpResponse:
    # Reference: specs/bigcommerce/webhooks.v3.yml DELETE /hooks/{webhook_id} (answers with the deleted hook).
    hook = _hook(store, webhook_id)
    data = hook_json(hook)
    hook.delete()
    return json_response({"data": data, "meta": {}})
