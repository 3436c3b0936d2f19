"""Webhook receivers: BigCommerce order/customer events and Acumatica push notifications.

Receivers verify first, then create or coalesce a pending SyncRecord, enqueue it and store the stub
(``accept_bigcommerce_event``: in that order, without a transaction), and answer at once: no API call happens
inside the request.
Refusals are 4xx with a short reason, counted per tenant, and create no work.
"""
import hashlib
import logging
import time
from datetime import datetime, timezone

from django.db import IntegrityError, transaction
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from audit.models import (Direction, Source, SyncRecord, remember_secrets, savepoint_if_in_transaction,
                          secrets_cached)
from connector_site.error_reports import protect
from sync.models import WebhookReceipt, WebhookRefusals
from sync.orders import REFUND_SCOPE
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


# The tenant (with its connections, one joined SELECT) is kept per process for a few seconds: BigCommerce sends
# an order's webhooks within a fraction of a second, and each would read it again. The trade-off: a tenant
# switched off, or deleted, still has deliveries accepted for up to this long by a process that just served
# it; a rotated webhook secret is not delayed (a delivery the cached secrets refuse is checked again against
# a fresh read, ``bigcommerce_receiver``), while the old secret stays accepted this long.
TENANT_CACHE_SECONDS = 5.0
_tenants: dict[str, tuple[float, Tenant]] = {}  # public id -> (monotonic time read, tenant); one per tenant


def load_tenant(public_id, fresh: bool = False) -> Tenant:
    key = str(public_id)
    read_at, tenant = _tenants.get(key, (0.0, None))
    if fresh or tenant is None or time.monotonic() - read_at > TENANT_CACHE_SECONDS:
        tenant = Tenant.objects.select_related("bigcommerce", "acumatica").filter(public_id=public_id).first()
        if tenant is None:
            _tenants.pop(key, None)
            raise Refusal(404, "unknown tenant")
        _tenants[key] = (time.monotonic(), tenant)
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
        body = read_body(request, MAX_BODY_BYTES)
        try:
            verify_bigcommerce(request, tenant, body)
        except DeliveryRefused:  # perhaps signed with a secret rotated since the tenant was cached
            tenant = load_tenant(public_id, fresh=True)
            verify_bigcommerce(request, tenant, body)
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


def verify_bigcommerce(request: HttpRequest, tenant: Tenant, body: bytes) -> None:
    """Headers and the raw bytes prove who sent it; only then is the body looked at."""
    connection = getattr(tenant, "bigcommerce", None)
    if connection is None:
        raise Refusal(404, "tenant has no BigCommerce connection")
    protect(request, (getattr(connection, name) for name in connection.SECRET_FIELDS))
    verify_delivery(request.headers, body, header_secret=connection.webhook_secret,
                    client_secret=connection.client_secret)


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
    """Queues the record and keeps the stub; 'duplicate' when this exact event was seen before.

    No transaction (on SQLite each costs a BEGIN and a COMMIT, and holds the write lock the other deliveries
    wait for); instead the statements come in an order that loses nothing if the process dies between them:
    the record first (pending), the receipt, then the task. A crash before the receipt leaves BigCommerce
    without an answer, so it re-delivers, and that delivery finds no receipt and is taken again (coalesced:
    the record is already pending). The receipt first would be the unsafe order: its re-delivery would be a
    'duplicate' with no work behind it. A crash between the receipt and the task leaves a pending record that
    the minute's sweep queues (``run_due_records``), as a crash between a commit and its enqueue always did.
    The task comes last so that its run (inline when Q_SYNC) finds the receipt.

    The usual delivery, an order's second to fourth webhook, is 2 statements: one UPDATE finds the record
    still waiting for its run, one INSERT keeps the receipt. The receipt is the audit of what BigCommerce
    sent, so a coalesced delivery writes no audit event of its own (the record's trail links to its
    receipts by object id). A duplicate of such a delivery touches the pending record too (harmless: it
    only stretches the settle window) and is then refused by the receipt's unique key.
    """
    with secrets_cached():
        remember_secrets(tenant)  # loaded with the tenant (load_tenant): its events need no second read
        if payload["scope"] == REFUND_SCOPE:
            return accept_in_one_transaction(tenant, payload, dedupe_key, kind, external_id)
        status, record = queue_work(tenant, payload, dedupe_key, kind, external_id)
    if status == "duplicate":
        return status
    try:
        with savepoint_if_in_transaction():
            WebhookReceipt.objects.create(tenant=tenant, source="bigcommerce", scope=payload["scope"],
                                          object_id=external_id, dedupe_key=dedupe_key, payload=payload)
    except IntegrityError:
        # The same delivery twice at once: both made sure of the work and one kept the stub. The one that
        # created the record still says 'queued' (it did), so concurrent copies answer one 'queued'.
        status = "queued" if record is not None else "duplicate"
    if record is not None:
        enqueue_record(record, settle=True)
    return status


CREATED_SCOPES = {"store/order/created", "store/customer/created"}  # an object's first event


def queue_work(tenant: Tenant, payload: dict, dedupe_key: str, kind: str,
               external_id: str) -> tuple[str, SyncRecord | None]:
    """('queued', the record to enqueue), ('coalesced', None) or ('duplicate', None: seen before, nothing
    done), trying the cheapest case first."""
    records = SyncRecord.objects
    # An object's created event is nearly always its first delivery: its insert is tried first (one statement
    # fewer); any other event most likely finds its record pending.
    created_first = payload["scope"] in CREATED_SCOPES
    record = create_pending(tenant, payload, kind, external_id) if created_first else None
    if record is None:
        if records.touch_pending(tenant, kind, external_id):
            return "coalesced", None
        if not created_first:
            record = create_pending(tenant, payload, kind, external_id)
            if record is None and records.touch_pending(tenant, kind, external_id):
                return "coalesced", None  # another delivery of the order created it between our two statements
    if record is None:  # a record running or settled: a duplicate must not reopen it, so look for one first
        if WebhookReceipt.objects.filter(tenant=tenant, source="bigcommerce", scope=payload["scope"],
                                         object_id=external_id, dedupe_key=dedupe_key).exists():
            return "duplicate", None
        record, created = records.upsert_pending(tenant, kind, external_id, Direction.TO_ACUMATICA, Source.WEBHOOK,
                                                 stub=payload, changed_at=event_time(payload))
        if not created:
            return "coalesced", None
    return "queued", record


def create_pending(tenant: Tenant, payload: dict, kind: str, external_id: str) -> SyncRecord | None:
    return SyncRecord.objects.create_pending(tenant, kind, external_id, Direction.TO_ACUMATICA, Source.WEBHOOK,
                                             stub=payload)


def accept_in_one_transaction(tenant: Tenant, payload: dict, dedupe_key: str, kind: str, external_id: str) -> str:
    """A refund's webhook: its receipt is what tells the order's run to read the refunds when no money moved
    (``sync.orders.has_refunds``), so receipt and record commit together and no run can start between them.
    Rare enough that the transaction's statements do not matter."""
    try:
        with transaction.atomic():
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
