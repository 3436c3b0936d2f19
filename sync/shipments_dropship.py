"""Drop-ship: the vendor ships straight to the shopper, so Acumatica has no SO shipment; the released purchase
receipt of the drop-ship purchase order is the shipment, and (as Acumatica's own BigCommerce connector does) its
vendor reference is the tracking number.

How a receipt is tied to the sales order, with fields the Default endpoint has in 22, 23 and 24.200.001 alike
(../shared/specs/acumatica/):
- a released drop-ship receipt is a row of SalesOrder.Shipments (SalesOrderShipment, the SOOrderShipment list)
  whose ShipmentType is "Drop-Shipment" and whose ShipmentNbr is the receipt number;
- each receipt line (PurchaseReceiptDetail POOrderType, POOrderNbr, POLineNbr, InventoryID, ReceiptQty) receives
  the purchase order line that a sales order line links to (SalesOrderDetail.PurchasingDetails, Selected rows).
A receipt does not name its sales order (PurchaseOrder/PurchaseOrderDetail carry no sales order field, and
PurchaseReceipt has no LastModifiedDateTime in 22.200.001), and detail lines cannot be filtered on, so the
catch-up poll reads sales orders modified since its cursor (SalesOrder.LastModified, every version) and queues
one record per drop-ship row, carrying the sales order in its stub.

One record per receipt: kind "shipment", external id "PR-<receipt nbr>", run by sync/shipments.py's
ShipmentSync on a shipment-shaped reading of the receipt, so binding, marker lookup, replay, crash recovery and
quantity checks are exactly those of shipments (marker "[Acumatica shipment PR-000045]").
"""
from datetime import datetime

from django.db import transaction

from audit.models import Direction, Source, SyncRecord
from sync.acumatica import AcumaticaClient, unwrap
from sync.batches import chunked
from sync.clients import open_clients
from sync.documents import first
from sync.mapping import odata_string
from sync.models import Cursor
from sync.polling import OVERLAP
from sync.shipments_mapping import ShipmentProblem
from sync.tasks import enqueue_record
from tenants.models import Tenant

PREFIX = "PR-"
STREAM = "dropships"
DROP_SHIPMENT = "Drop-Shipment"
RELEASED = "Released"
PAGE = 100


def is_drop_ship(external_id: str) -> bool:
    return str(external_id).startswith(PREFIX)


def record_id(receipt_nbr: str) -> str:
    return f"{PREFIX}{receipt_nbr}"


# -- the pipeline (called by sync.shipments.sync_shipment for "PR-" records) ----------------------------

def sync_drop_ship(record: SyncRecord) -> dict | None:
    from sync.shipments import ShipmentSync
    snapshot = record.snapshot if isinstance(record.snapshot, dict) else {}
    previous = snapshot.get("shipment")
    orders = [tuple(o) for o in (record.stub or {}).get("orders") or snapshot.get("orders") or []]
    if not orders:
        record.filter(f"Drop-ship receipt {record.external_id[len(PREFIX):]} was queued without its sales order; "
                      "the shipments poll finds it on the sales order's Shipments tab and queues it with it.")
        return None
    with open_clients(record.tenant, record.call_recorder()) as (bc, ac):
        receipt = read_receipt(ac, record.external_id[len(PREFIX):])
        sales_orders = {key: unwrap(ac.get("SalesOrder", list(key), expand="Details/PurchasingDetails"))
                        for key in orders} if receipt else {}
        shipment = as_shipment(record.external_id, receipt, sales_orders)
        record.store_snapshot({"shipment": shipment, "receipt": receipt, "orders": [list(o) for o in orders]})
        return ShipmentSync(record, record.tenant, bc, ac, record.external_id).run(shipment, previous)


def read_receipt(ac: AcumaticaClient, receipt_nbr: str) -> dict | None:
    return first(ac.query("PurchaseReceipt", filter=f"Type eq 'Receipt' and ReceiptNbr eq {odata_string(receipt_nbr)}",
                          expand="Details"))


def as_shipment(nbr: str, receipt: dict | None, sales_orders: dict[tuple, dict]) -> dict | None:
    """The receipt in the shape of an Acumatica Shipment (what sync.shipments_mapping reads), or None if gone.

    Released = confirmed; each line ships the sales order line linked to the purchase order line it receives;
    the vendor reference is the one package's tracking number; no Ship Via (the tenant's default provider)."""
    if receipt is None:
        return None
    links = {}
    for (order_type, order_nbr), order in sales_orders.items():
        for line in order.get("Details") or []:
            for link in line.get("PurchasingDetails") or []:
                if link.get("Selected"):
                    key = (link.get("POOrderType"), link.get("POOrderNbr"), str(link.get("POOrderLineNbr")))
                    links[key] = (order_type, order_nbr, line.get("LineNbr"))
    details = []
    for row in receipt.get("Details") or []:
        linked = links.get((row.get("POOrderType"), row.get("POOrderNbr"), str(row.get("POLineNbr"))))
        if linked is None:
            raise ShipmentProblem(
                f"Drop-ship receipt {receipt.get('ReceiptNbr')} receives {row.get('InventoryID')} on purchase order "
                f"{row.get('POOrderNbr')} line {row.get('POLineNbr')}, which no line of sales order(s) "
                f"{', '.join('/'.join(k) for k in sales_orders)} is linked to. Link it in Acumatica (PO Link on the "
                "sales order line), then replay.")
        order_type, order_nbr, line_nbr = linked
        details.append({"OrderType": order_type, "OrderNbr": order_nbr, "OrderLineNbr": line_nbr,
                        "InventoryID": row.get("InventoryID"), "ShippedQty": row.get("ReceiptQty")})
    vendor_ref = str(receipt.get("VendorRef") or "").strip()
    return {"ShipmentNbr": nbr, "Status": "Confirmed" if receipt.get("Status") == RELEASED else receipt.get("Status"),
            "Operation": "Issue", "ShipVia": "", "Details": details,
            "Packages": [{"TrackingNbr": vendor_ref}] if vendor_ref else [],
            "LastModifiedDateTime": receipt.get("LastModifiedDateTime")}


# -- the catch-up poll (called by sync.shipments_poll.poll_shipments) ----------------------------------

def drop_ship_rows(order: dict) -> list[str]:
    return [str(row["ShipmentNbr"]) for row in order.get("Shipments") or []
            if row.get("ShipmentType") == DROP_SHIPMENT and row.get("ShipmentNbr")]


def poll_drop_ships(tenant: Tenant, ac: AcumaticaClient, since: datetime | None, started: datetime) -> int:
    """Queues a record for each drop-ship receipt on a sales order changed since the cursor (or `since`), with
    the shipments poll's rules (overlap, first poll starts where it runs); a released receipt cannot change, so
    one already known is not queued again. Returns how many were queued."""
    from sync.shipments_poll import _modified, advance
    cursor, _ = Cursor.objects.get_or_create(tenant=tenant, stream=STREAM)
    start = since or (cursor.position or started) - OVERLAP
    queued = 0
    field = ac.field_name("SalesOrder", "last_modified")
    rows = (unwrap(row) for row in ac.query("SalesOrder", filter=ac.modified_since_filter("SalesOrder", start),
                                           expand="Shipments", top=PAGE))
    for page in chunked(rows, PAGE):
        with transaction.atomic():
            found = {record_id(nbr): (order["OrderType"], order["OrderNbr"]) for order in page
                     for nbr in drop_ship_rows(order)}
            known = set(SyncRecord.objects.filter(tenant=tenant, kind="shipment", external_id__in=list(found))
                        .values_list("external_id", flat=True))
            for external_id, order_key in found.items():
                if external_id in known:
                    continue
                record, created = SyncRecord.objects.upsert_pending(
                    tenant, "shipment", external_id, Direction.TO_BIGCOMMERCE, Source.POLL,
                    stub={"orders": [list(order_key)], "poll": True})
                if created:
                    enqueue_record(record)
                    queued += 1
            advance(cursor, [_modified({"LastModifiedDateTime": o.get(field)}) for o in page], started)
    return queued


def queue_drop_ship(tenant: Tenant, receipt_nbr: str, order_type: str, order_nbr: str,
                    source: str = Source.MANUAL) -> SyncRecord:
    """Queues one drop-ship receipt of the given sales order (a command, a test, the demo)."""
    with transaction.atomic():
        record, created = SyncRecord.objects.upsert_pending(
            tenant, "shipment", record_id(receipt_nbr), Direction.TO_BIGCOMMERCE, source,
            stub={"orders": [[order_type, order_nbr]], "manual": True})
        if created:
            enqueue_record(record)
    return record
