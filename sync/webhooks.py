"""Webhook receivers: BigCommerce order/customer events and Acumatica push notifications.

Receivers verify first, then store the stub and create or coalesce a pending SyncRecord in one
transaction, enqueue after commit and answer at once: no API call happens inside the request.
Refusals are 4xx with a short reason, counted per tenant, and create no work.
"""
import hashlib
import json
import logging

from django.db import IntegrityError, transaction
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from audit.models import Direction, Source, SyncRecord
from sync.models import WebhookReceipt, WebhookRefusals
from sync.tasks import enqueue_record
from sync.webhook_auth import DeliveryRefused, verify_delivery
from tenants.models import Tenant

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 64 * 1024  # BigCommerce stubs are a few hundred bytes; refuse anything far larger.

# scope -> (record kind, how to find the object id in `data`)
ORDER_SCOPES = {"store/order/created", "store/order/updated", "store/order/statusUpdated", "store/order/archived",
                "store/order/refund/created"}
TRANSACTION_SCOPES = {"store/order/transaction/created", "store/order/transaction/updated"}
CUSTOMER_SCOPES = {"store/customer/created", "store/customer/updated"}


class Refusal(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status, self.reason = status, reason


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


def read_json_body(request: HttpRequest) -> dict:
    if request.content_type != "application/json":
        raise Refusal(415, "content type must be application/json")
    length = int(request.META.get("CONTENT_LENGTH") or 0)
    if length > MAX_BODY_BYTES or len(request.body) > MAX_BODY_BYTES:
        raise Refusal(413, "body too large")
    try:
        payload = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        raise Refusal(400, "body is not valid JSON") from None
    if not isinstance(payload, dict):
        raise Refusal(400, "body must be a JSON object")
    return payload


def bigcommerce_work(payload: dict) -> tuple[str, str] | None:
    """(record kind, external id) for a scope we handle; None for scopes we ignore."""
    scope, data = payload.get("scope"), payload.get("data")
    if not isinstance(scope, str) or not isinstance(data, dict):
        raise Refusal(400, "payload needs a scope and a data object")
    if scope in ORDER_SCOPES:
        object_id = data.get("id")
    elif scope in TRANSACTION_SCOPES:
        object_id = data.get("order_id")
    elif scope in CUSTOMER_SCOPES:
        return ("customer", _object_id(data.get("id")))
    else:
        return None
    return ("order", _object_id(object_id))


def _object_id(value) -> str:
    if isinstance(value, bool) or not str(value).isdigit():
        raise Refusal(400, "data does not name a numeric object id")
    return str(int(value))


@csrf_exempt
@require_POST
def bigcommerce_receiver(request: HttpRequest, public_id):
    tenant = None
    try:
        tenant = load_tenant(public_id)
        connection = getattr(tenant, "bigcommerce", None)
        if connection is None:
            raise Refusal(404, "tenant has no BigCommerce connection")
        payload = read_json_body(request)
        verify_delivery(request.headers, request.body, header_secret=connection.webhook_secret,
                        client_secret=connection.client_secret)
        work = bigcommerce_work(payload)
    except Refusal as refusal:
        return refuse(tenant, refusal.status, refusal.reason)
    except DeliveryRefused as refused:
        return refuse(tenant, 401, refused.reason)
    if work is None:
        log.debug("Ignoring BigCommerce scope %s for tenant %s", payload.get("scope"), tenant.slug)
        return JsonResponse({"status": "ignored"})
    # BigCommerce sends the same `hash` for a repeated event; without one, the body itself identifies it.
    dedupe_key = str(payload.get("hash") or hashlib.sha256(request.body).hexdigest())
    return JsonResponse({"status": accept_bigcommerce_event(tenant, payload, dedupe_key, *work)})


def accept_bigcommerce_event(tenant: Tenant, payload: dict, dedupe_key: str, kind: str, external_id: str) -> str:
    """Stores the stub and queues the record; 'duplicate' when this exact event was seen before."""
    try:
        with transaction.atomic():
            WebhookReceipt.objects.create(tenant=tenant, source="bigcommerce", scope=payload["scope"],
                                          object_id=external_id, dedupe_key=dedupe_key[:100], payload=payload)
            record, created = SyncRecord.objects.upsert_pending(
                tenant, kind, external_id, Direction.TO_ACUMATICA, Source.WEBHOOK, stub=payload)
            if created:
                enqueue_record(record)
    except IntegrityError:
        return "duplicate"
    return "queued" if created else "coalesced"
