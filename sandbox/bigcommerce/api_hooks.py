"""Webhook management: /v3/hooks, /v3/hooks/admin, and the older /v2/hooks (bare objects, no envelope).

Reference: reference/bigcommerce-api.md §1.3 and specs/bigcommerce/webhooks.v3.yml. `store/hook/deliveryException`
is one hook per store and client, on a destination no other hook uses (the events come from webhooks.py).
"""
from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from .gate import ApiError, json_response, no_content, read_json
from .models import Delivery, Hook, Store
from .params import page_window
from .render import hook_json, pagination_meta

MAX_HOOKS_PER_SCOPE = 10  # Reference: reference/bigcommerce-api.md §1.3 (10 per store+client+scope).
DELIVERY_EXCEPTION = "store/hook/deliveryException"
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


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


def _check_exception_hook(store: Store, scope: str, destination: str, hook: Hook | None = None) -> None:
    """At most one deliveryException hook, and its destination shared with no other hook (either way)."""
    others = store.hooks.exclude(pk=hook.pk) if hook else store.hooks.all()
    if scope == DELIVERY_EXCEPTION:
        if others.filter(scope=DELIVERY_EXCEPTION).exists():
            raise ApiError(422, "Only one store/hook/deliveryException webhook is allowed.")
        if others.filter(destination=destination).exists():
            raise ApiError(422, "The store/hook/deliveryException webhook needs a destination no other webhook uses.")
    elif others.filter(scope=DELIVERY_EXCEPTION, destination=destination).exists():
        raise ApiError(422, "This destination receives store/hook/deliveryException; use another one.")


def _new_hook(store: Store, body: Any) -> Hook:
    fields = _checked_fields(store, body, required=True)
    same = store.hooks.filter(scope=fields["scope"])
    if same.filter(destination=fields["destination"]).exists() or same.count() >= MAX_HOOKS_PER_SCOPE:
        raise ApiError(422, "A webhook for this scope and destination already exists, or the scope is full.")
    _check_exception_hook(store, fields["scope"], fields["destination"])
    return Hook.objects.create(store=store, client_id=store.client_id, **fields)


def _changed_hook(store: Store, hook: Hook, body: Any) -> Hook:
    fields = _checked_fields(store, body, required=False)
    _check_exception_hook(store, fields.get("scope", hook.scope), fields.get("destination", hook.destination), hook)
    for name, value in fields.items():
        setattr(hook, name, value)
    hook.updated_at = timezone.now()
    hook.save()
    return hook


def create_hook(request: HttpRequest, store: Store) -> HttpResponse:
    # Reference: specs/bigcommerce/webhooks.v3.yml POST /hooks (200 with {data, meta}).
    return json_response({"data": hook_json(_new_hook(store, read_json(request))), "meta": {}})


def get_hook(request: HttpRequest, store: Store, webhook_id: int) -> HttpResponse:
    # Reference: specs/bigcommerce/webhooks.v3.yml GET /hooks/{webhook_id}.
    return json_response({"data": hook_json(_hook(store, webhook_id)), "meta": {}})


def update_hook(request: HttpRequest, store: Store, webhook_id: int) -> HttpResponse:
    # Reference: specs/bigcommerce/webhooks.v3.yml PUT /hooks/{webhook_id} (at least one field).
    hook = _changed_hook(store, _hook(store, webhook_id), read_json(request))
    return json_response({"data": hook_json(hook), "meta": {}})


def delete_hook(request: HttpRequest, store: Store, webhook_id: int) -> HttpResponse:
    # Reference: specs/bigcommerce/webhooks.v3.yml DELETE /hooks/{webhook_id} (answers with the deleted hook).
    hook = _hook(store, webhook_id)
    data = hook_json(hook)
    hook.delete()
    return json_response({"data": data, "meta": {}})


# --- /v3/hooks/admin ----------------------------------------------------------------------------

def hook_status(hook: Hook) -> str:
    """`deactivated` when the platform turned it off after failed retries, `inactive` when its owner did."""
    if hook.is_active:
        return "active"
    return "deactivated" if hook.deliveries.filter(status=Delivery.FAILED).exists() else "inactive"


def get_hooks_admin(request: HttpRequest, store: Store) -> HttpResponse:
    # Reference: specs/bigcommerce/webhooks.v3.yml GET /hooks/admin (emails, hooks_list with status,
    # blocked_domains). The sandbox does not denylist domains, so blocked_domains is always empty.
    hooks = store.hooks.order_by("pk")
    active = request.GET.get("is_active")
    if active is not None:
        if active not in ("true", "false"):
            raise ApiError(422, "The filter is_active is not valid.", {"is_active": active})
        hooks = hooks.filter(is_active=active == "true")
    rows = [{**hook_json(h), "status": hook_status(h)} for h in hooks]
    return json_response({"data": {"emails": store.hook_admin_emails, "hooks_list": rows, "blocked_domains": []},
                          "meta": {}})


def put_hooks_admin(request: HttpRequest, store: Store) -> HttpResponse:
    # Reference: specs/bigcommerce/webhooks.v3.yml PUT /hooks/admin ({emails: [...]} upserted; 204).
    body = read_json(request)
    emails = body.get("emails") if isinstance(body, dict) else None
    if not isinstance(emails, list) or not all(isinstance(e, str) and EMAIL.match(e) for e in emails):
        raise ApiError(422, "JSON data is missing or invalid", {"emails": "must be a list of e-mail addresses"})
    store.hook_admin_emails = emails
    store.save(update_fields=["hook_admin_emails"])
    return no_content()


# --- /v2/hooks: the same hooks, as bare objects --------------------------------------------------

def list_hooks_v2(request: HttpRequest, store: Store) -> HttpResponse:
    # Reference: reference/bigcommerce-api.md §1.3 ("Webhook endpoints also exist on v2 (/v2/hooks)").
    return json_response([hook_json(h) for h in store.hooks.order_by("pk")])


def create_hook_v2(request: HttpRequest, store: Store) -> HttpResponse:
    return json_response(hook_json(_new_hook(store, read_json(request))))


def get_hook_v2(request: HttpRequest, store: Store, webhook_id: int) -> HttpResponse:
    return json_response(hook_json(_hook(store, webhook_id)))


def update_hook_v2(request: HttpRequest, store: Store, webhook_id: int) -> HttpResponse:
    return json_response(hook_json(_changed_hook(store, _hook(store, webhook_id), read_json(request))))


def delete_hook_v2(request: HttpRequest, store: Store, webhook_id: int) -> HttpResponse:
    hook = _hook(store, webhook_id)
    data = hook_json(hook)
    hook.delete()
    return json_response(data)
