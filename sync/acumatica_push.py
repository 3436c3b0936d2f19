"""Receiver of Acumatica push notifications: ``POST /webhooks/acumatica/<public_id>/``.

Acumatica signs nothing; a push destination sends one custom header whose name and value the
admin chooses (reference/acumatica-api.md §5). We check the tenant's header (constant-time), drop
repeats by the notification's ``Id`` (Acumatica guarantees at least once delivery and says ``Id``
and ``Query`` identify a message), and route by ``Query``:

- ``BC-Shipments`` (the shipments inquiry, see README): one ``shipment`` record per ShipmentNbr in
  ``Inserted`` or ``Deleted`` (a deleted shipment arrives as a Deleted row only, and its record must run
  to take the BigCommerce shipment back);
- any other query is the stock item inquiry: one ``product`` record per InventoryID in ``Inserted`` (an
  update arrives as a Deleted old row plus an Inserted new row, so Inserted names every item whose
  values are now current).

No API call happens in the request: the records' runs re-read Acumatica, so the row values in the
notification are never pushed as such.

Refusals: unknown tenant 404, inactive 403, bad or missing header 401 (counted per tenant, nothing
stored or queued), malformed body 400/413. The header is checked before the body is read.
"""
from __future__ import annotations

import hmac
import logging
from uuid import UUID

from django.db import IntegrityError, transaction
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from audit.models import Direction, Source, SyncRecord
from connector_site.error_reports import protect
from sync.models import WebhookReceipt, WebhookRefusals
from sync.tasks import enqueue_records
from sync.webhook_input import Refusal, header_bytes, parse_json_object, read_body, short_text
from tenants.models import Tenant

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 2 * 1024 * 1024  # one row per item and warehouse: room for 10,000 items in two warehouses
MAX_ITEMS = 10_000                 # distinct InventoryIDs in one notification; more is refused whole (413)
MAX_INVENTORY_ID_LENGTH = 100      # SyncRecord.external_id
MAX_NAME_LENGTH = 100              # Id and Query: WebhookReceipt.dedupe_key and scope
SHIPMENT_QUERY = "BC-Shipments"    # the name the shipments generic inquiry must have (README, Shipments)


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
    name = tenant.acumatica.push_header_name
    # compare_digest on bytes of both, always, so timing does not tell how much matched.
    if not (tenant.acumatica.push_secret and header_bytes(request.headers, name) and hmac.compare_digest(
            header_bytes(request.headers, name), tenant.acumatica.push_secret.encode())):
        raise Refusal(401, f"missing or wrong {name} header")


def _payload(body: bytes) -> dict:
    payload = parse_json_object(body)
    short_text(payload.get("Id"), "Id", MAX_NAME_LENGTH)
    short_text(payload.get("Query"), "Query", MAX_NAME_LENGTH, required=False)
    for rows in ("Inserted", "Deleted"):
        if not isinstance(payload.get(rows, []), list):
            raise Refusal(400, f"{rows} must be a list of rows")
    return payload


def inserted_inventory_ids(payload: dict) -> list[str]:
    """Distinct InventoryIDs of the Inserted rows (one row per item and warehouse), in order.

    A row without an InventoryID names no item and is skipped; one that is not a short string makes
    the whole notification a 400, and more than MAX_ITEMS items a 413: nothing is queued in part.
    """
    ids: dict[str, None] = {}
    for row in payload.get("Inserted") or []:
        value = row.get("InventoryID") if isinstance(row, dict) else None
        if isinstance(value, dict):  # a query may return wrapped values
            value = value.get("value")
        if value is None or value == "":
            continue
        ids.setdefault(short_text(value, "InventoryID", MAX_INVENTORY_ID_LENGTH), None)
        if len(ids) > MAX_ITEMS:
            raise Refusal(413, f"a notification may name at most {MAX_ITEMS} items")
    return list(ids)


def shipment_numbers(payload: dict) -> list[str]:
    """Distinct ShipmentNbrs of the Inserted and Deleted rows of a shipments notification, in order."""
    numbers: dict[str, None] = {}
    for row in (payload.get("Inserted") or []) + (payload.get("Deleted") or []):
        value = row.get("ShipmentNbr") if isinstance(row, dict) else None
        if isinstance(value, dict):
            value = value.get("value")
        if value is None or value == "":
            continue
        numbers.setdefault(short_text(value, "ShipmentNbr", MAX_INVENTORY_ID_LENGTH).strip(), None)
        if len(numbers) > MAX_ITEMS:
            raise Refusal(413, f"a notification may name at most {MAX_ITEMS} shipments")
    return list(numbers)


def is_shipments(payload: dict) -> bool:
    return str(payload.get("Query") or "").strip() == SHIPMENT_QUERY


@csrf_exempt
@require_POST
def acumatica_receiver(request: HttpRequest, public_id: UUID) -> JsonResponse:
    tenant = None
    try:
        tenant = _tenant(public_id)
        protect(request, (getattr(tenant.acumatica, name) for name in tenant.acumatica.SECRET_FIELDS))
        _check_header(request, tenant)
        body = read_body(request, MAX_BODY_BYTES)
        payload = _payload(body)
        shipments = is_shipments(payload)
        ids = shipment_numbers(payload) if shipments else inserted_inventory_ids(payload)
    except Refusal as refusal:
        return _refuse(tenant, refusal)
    if shipments and not tenant.sync_shipments:
        return JsonResponse({"status": "ignored", "reason": "shipment sync is off for this tenant"})
    if not shipments and not tenant.sync_catalog:
        return JsonResponse({"status": "ignored", "reason": "catalog sync is off for this tenant"})
    return JsonResponse(accept_push(tenant, payload, ids, kind="shipment" if shipments else "product"))


def accept_push(tenant: Tenant, payload: dict, ids: list[str], kind: str = "product") -> dict:
    """Stores the notification and queues a record per item (or shipment); a repeated ``Id`` queues nothing."""
    push_id = str(payload["Id"]).strip()
    query = str(payload.get("Query") or "push").strip()
    stub = {"push_id": push_id, "query": query, "timestamp": payload.get("TimeStamp")}
    try:
        with transaction.atomic():
            WebhookReceipt.objects.create(tenant=tenant, source="acumatica", scope=query, object_id="",
                                          dedupe_key=push_id, payload=payload)
            to_run = SyncRecord.objects.upsert_pending_many(
                tenant, kind, ids, Direction.TO_BIGCOMMERCE, Source.PUSH, stub=stub)
            enqueue_records(to_run)
    except IntegrityError:
        return {"status": "duplicate"}
    return {"status": "queued", "items": len(ids), "queued": len(to_run)}
