"""Receiver of Acumatica push notifications: ``POST /webhooks/acumatica/<public_id>/``.

Acumatica signs nothing; a push destination sends one custom header whose name and value the
admin chooses (reference/acumatica-api.md §5). We check the tenant's header (constant-time), drop
repeats by the notification's ``Id`` (Acumatica guarantees at least once delivery and says ``Id``
and ``Query`` identify a message), and queue one ``product`` record per InventoryID in
``Inserted`` (an update arrives as a Deleted old row plus an Inserted new row, so Inserted names
every item whose values are now current). No API call happens in the request: the records' runs
re-read Acumatica, so the row values in the notification are never pushed as such.

Refusals: unknown tenant 404, inactive 403, bad or missing header 401 (counted per tenant, nothing
stored or queued), malformed body 400/413/415.
"""
from __future__ import annotations

import hmac
import json
import logging
from uuid import UUID

from django.db import IntegrityError, transaction
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from audit.models import Direction, Source, SyncRecord
from sync.models import WebhookReceipt, WebhookRefusals
from sync.tasks import enqueue_record
from tenants.models import Tenant

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 1024 * 1024  # a notification carries one row per item and warehouse; generous but bounded
MAX_ITEMS = 1000              # InventoryIDs queued from one notification


class Refusal(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status, self.reason = status, reason


def _refuse(tenant: Tenant | None, refusal: Refusal) -> JsonResponse:
    if tenant is not None:
        WebhookRefusals.count_refusal(tenant, f"acumatica: {refusal.reason}")
    log.warning("Acumatica push refused (%s) for tenant %s: %s", refusal.status,
                getattr(tenant, "slug", "unknown"), refusal.reason)
    return JsonResponse({"error": refusal.reason}, status=refusal.status)


def _tenant(public_id: UUID) -> Tenant:
    tenant = Tenant.objects.select_related("acumatica").filter(public_id=public_id).first()
    if tenant is None or not hasattr(tenant, "acumatica"):
        raise Refusal(404, "unknown tenant")
    if not tenant.active:
        raise Refusal(403, "tenant is inactive")
    return tenant


def _check_header(request: HttpRequest, tenant: Tenant) -> None:
    connection = tenant.acumatica
    supplied = request.headers.get(connection.push_header_name) or ""
    expected = connection.push_secret or ""
    # compare_digest on bytes of both, always, so timing does not tell how much matched.
    if not (supplied and expected and hmac.compare_digest(supplied.encode(), expected.encode())):
        raise Refusal(401, f"missing or wrong {connection.push_header_name} header")


def _payload(request: HttpRequest) -> dict:
    if len(request.body) > MAX_BODY_BYTES:
        raise Refusal(413, "body too large")
    try:
        payload = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        raise Refusal(400, "body is not valid JSON") from None
    if not isinstance(payload, dict) or not str(payload.get("Id") or "").strip():
        raise Refusal(400, "a push notification needs an Id")
    if not isinstance(payload.get("Inserted", []), list):
        raise Refusal(400, "Inserted must be a list of rows")
    return payload


def inserted_inventory_ids(payload: dict) -> list[str]:
    """Distinct InventoryIDs of the Inserted rows (one row per item and warehouse), in order."""
    ids: dict[str, None] = {}
    for row in payload.get("Inserted") or []:
        value = row.get("InventoryID") if isinstance(row, dict) else None
        if isinstance(value, dict):  # a query may return wrapped values
            value = value.get("value")
        if isinstance(value, str) and value.strip():
            ids.setdefault(value.strip(), None)
    return list(ids)[:MAX_ITEMS]


@csrf_exempt
@require_POST
def acumatica_receiver(request: HttpRequest, public_id: UUID) -> JsonResponse:
    tenant = None
    try:
        tenant = _tenant(public_id)
        _check_header(request, tenant)
        payload = _payload(request)
    except Refusal as refusal:
        return _refuse(tenant, refusal)
    if not tenant.sync_catalog:
        return JsonResponse({"status": "ignored", "reason": "catalog sync is off for this tenant"})
    return JsonResponse(accept_push(tenant, payload))


def accept_push(tenant: Tenant, payload: dict) -> dict:
    """Stores the notification and queues a record per item; a repeated ``Id`` queues nothing."""
    ids = inserted_inventory_ids(payload)
    query = str(payload.get("Query") or "push")[:100]
    try:
        with transaction.atomic():
            WebhookReceipt.objects.create(tenant=tenant, source="acumatica", scope=query, object_id="",
                                          dedupe_key=str(payload["Id"])[:100], payload=payload)
            queued = 0
            for inventory_id in ids:
                stub = {"push_id": str(payload["Id"]), "query": query, "timestamp": payload.get("TimeStamp")}
                record, created = SyncRecord.objects.upsert_pending(
                    tenant, "product", inventory_id, Direction.TO_BIGCOMMERCE, Source.PUSH, stub=stub)
                if created:
                    enqueue_record(record)
                    queued += 1
    except IntegrityError:
        return {"status": "duplicate"}
    return {"status": "queued", "items": len(ids), "queued": queued}
