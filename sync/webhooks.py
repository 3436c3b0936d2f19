"""Webhook receivers: BigCommerce order/customer events and Acumatica push notifications.

Receivers verify first, then store the stub and create or coalesce a pending SyncRecord in one
transaction, enqueue after commit and answer at once: no API call happens inside the request.
Refusals are 4xx with a short reason, counted per tenant, and create no work.
"""
import hashlib
import logging
from datetime import datetime, timezone

from django.db import IntegrityError, transaction
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from audit.models import Direction, Source, SyncRecord, remember_secrets, secrets_cached
from connector_site.error_reports import protect
from sync.models import WebhookReceipt, WebhookRefusals
from sync.tasks import enqueue_record
from sync.webhook_auth import DeliveryRefused, verify_delivery
from sync.webhook_input import (Refusal, numeric_id, parse_json_object, read_body, require_json_content_type,
                                short_text)
from tenants.models import Tenant

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 64 * 1024  # BigCommerce stubs are a few hundred bytes; refuse anything far larger.

# scope -> (record kind, how to find the object id in `data`)
ORDER_SCOPES = {"store/order/created", "store/order/updated", "store/order/statusUpdated", "store/order/archived",
                "store/order/refund/created"}
TRANSACTION_SCOPES = {"store/order/transaction/created", "store/order/transaction/updated"}
CUSTOMER_SCOPES = {"store/customer/created", "store/customer/updated"}
# data.id is the address id; the customer is data.address.customer_id (reference/bigcommerce-api.md §1.2).
CUSTOMER_ADDRESS_SCOPES = {"store/customer/address/created", "store/customer/address/updated",
                           "store/customer/address/deleted"}


MAX_SCOPE_LENGTH = 100
MAX_DELIVERY_ID_LENGTH = 96  # stored with a 3-character prefix in a 100-character column


def refuse(tenant: Tenant | None, status: int, reason: str) -> JsonResponse:
    if tenant is not None:
        WebhookRefusals.count_refusal(tenant, reason)
    log.warning("Webhook refused (%s) for tenant %s: %s", status, getattr(tenant, "slug", "unknown"), reason)
    return JsonResponse({"error": reason}, status=status)


def load_tenant(public_id) -> Tenant:
    tenant = Tenant.objects.select_related("bigcommerce", "acumatica").filter(public_id=public_id).first()
    if tenant is None:
        raise Refusal(404, "unknown tenant")
    if not tenant.active:
        raise Refusal(403, "tenant is inactive")
    return tenant


def bigcommerce_work(payload: dict) -> tuple[str, str] | None:
    """(record kind, external id) for a scope we handle; None for scopes we ignore."""
    scope, data = payload.get("scope"), payload.get("data")
    if not isinstance(scope, str) or not isinstance(data, dict):
        raise Refusal(400, "payload needs a scope and a data object")
    short_text(scope, "scope", MAX_SCOPE_LENGTH)
    if scope in ORDER_SCOPES:
        return ("order", numeric_id(data.get("id"), "data.id"))
    if scope in TRANSACTION_SCOPES:
        return ("order", numeric_id(data.get("order_id"), "data.order_id"))
    if scope in CUSTOMER_SCOPES:
        return ("customer", numeric_id(data.get("id"), "data.id"))
    if scope in CUSTOMER_ADDRESS_SCOPES:
        address = data.get("address")
        customer_id = address.get("customer_id") if isinstance(address, dict) else None
        return ("customer", numeric_id(customer_id, "data.address.customer_id"))
    return None


def delivery_key(headers, payload: dict, body: bytes) -> str:
    """What identifies one delivery, so a re-delivery is recognised and distinct events are not.

    BigCommerce's ``hash`` is a digest of ``data`` alone, so every ``store/order/updated`` of one order
    has the same hash; the event's ``created_at`` tells them apart, and a re-delivery repeats both.
    A Standard Webhooks ``webhook-id`` names the message itself and is used when present.
    """
    message_id = short_text(headers.get("webhook-id"), "webhook-id", MAX_DELIVERY_ID_LENGTH, required=False)
    if message_id:
        return f"id:{message_id}"
    event_hash, created_at = payload.get("hash"), payload.get("created_at")
    if isinstance(event_hash, str) and 0 < len(event_hash) <= 64 and type(created_at) is int:
        return f"event:{event_hash}@{created_at}"
    return "body:" + hashlib.sha256(body).hexdigest()  # not BigCommerce's shape: the bytes identify it


@csrf_exempt
@require_POST
def bigcommerce_receiver(request: HttpRequest, public_id):
    tenant = None
    try:
        tenant = load_tenant(public_id)
        connection = getattr(tenant, "bigcommerce", None)
        if connection is None:
            raise Refusal(404, "tenant has no BigCommerce connection")
        protect(request, (getattr(connection, name) for name in connection.SECRET_FIELDS))
        body = read_body(request, MAX_BODY_BYTES)
        # Headers and the raw bytes prove who sent it; only then is the body looked at.
        verify_delivery(request.headers, body, header_secret=connection.webhook_secret,
                        client_secret=connection.client_secret)
        del connection  # holds the secrets; keep it out of any later frame an error page could show
        require_json_content_type(request)
        payload = parse_json_object(body)
        work = bigcommerce_work(payload)
        key = delivery_key(request.headers, payload, body) if work else ""
    except Refusal as refusal:
        return refuse(tenant, refusal.status, refusal.reason)
    except DeliveryRefused as refused:
        return refuse(tenant, 401, refused.reason)
    if work is None:
        log.debug("Ignoring BigCommerce scope %s for tenant %s", payload.get("scope"), tenant.slug)
        return JsonResponse({"status": "ignored"})
    return JsonResponse({"status": accept_bigcommerce_event(tenant, payload, key, *work)})


def event_time(payload: dict) -> datetime | None:
    """When BigCommerce says the event happened (`created_at`, Unix seconds), if it says so."""
    created_at = payload.get("created_at")
    if type(created_at) is not int or created_at <= 0:
        return None
    try:
        return datetime.fromtimestamp(created_at, tz=timezone.utc)
    except (OverflowError, OSError, ValueError):
        return None


def accept_bigcommerce_event(tenant: Tenant, payload: dict, dedupe_key: str, kind: str, external_id: str) -> str:
    """Stores the stub and queues the record; 'duplicate' when this exact event was seen before."""
    try:
        with secrets_cached(), transaction.atomic():
            remember_secrets(tenant)  # loaded with the tenant (load_tenant): the event needs no second read
            WebhookReceipt.objects.create(tenant=tenant, source="bigcommerce", scope=payload["scope"],
                                          object_id=external_id, dedupe_key=dedupe_key, payload=payload)
            record, created = SyncRecord.objects.upsert_pending(
                tenant, kind, external_id, Direction.TO_ACUMATICA, Source.WEBHOOK, stub=payload,
                changed_at=event_time(payload))
            if created:
                enqueue_record(record, settle=True)
    except IntegrityError:
        return "duplicate"
    return "queued" if created else "coalesced"
