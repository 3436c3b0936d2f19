"""Push notifications for stock item and shipment changes, delivered to the instance's webhook destination.

Reference: acumatica-api.md section 5 -- payload {"Inserted":[rows],"Deleted":[rows],"Query","CompanyId",
"Id","TimeStamp","AdditionalInfo"}; an update is a Deleted (old) row plus an Inserted (new) row; one
optional custom header (name and value chosen by the admin), no signature; at most 5 attempts, an error
reply triggers a resend.

The simulated query (`Instance.push_query`, a generic inquiry over items and their warehouses) returns one
row per item and warehouse with these columns: InventoryID, Description, DefaultPrice, CurrentStdCost,
LastCost, AverageCost, WarehouseID, QtyOnHand, QtyAvailable.
"""
import threading
import time
import uuid

import requests
from django.db import close_old_connections, connection, transaction

from .load import roll_fault
from .models import Instance, PushDelivery, Record

MAX_ATTEMPTS = 5


def rows_for(data: dict | None) -> list[dict]:
    if not data:
        return []
    item = {f: data.get(f) for f in ("InventoryID", "Description", "DefaultPrice", "CurrentStdCost", "LastCost",
                                     "AverageCost")}
    item = {k: (float(v) if k not in ("InventoryID", "Description") and v is not None else v) for k, v in item.items()}
    warehouses = data.get("WarehouseDetails") or [{}]
    return [{**item, "WarehouseID": w.get("WarehouseID"), "QtyOnHand": float(w.get("QtyOnHand") or 0),
             "QtyAvailable": float(w.get("QtyOnHand") or 0)} for w in warehouses]


def payload_for(instance: Instance, before: dict | None, after: dict | None) -> dict:
    # TimeStamp: a .NET-ticks-like long that only grows, used by receivers for ordering.
    ticks = int(time.time() * 10_000_000) + 621_355_968_000_000_000
    return {"Inserted": rows_for(after), "Deleted": rows_for(before), "Query": instance.push_query,
            "CompanyId": instance.company, "Id": str(uuid.uuid4()), "TimeStamp": ticks, "AdditionalInfo": {}}


def notify_stock_change(instance: Instance, record: Record, before: dict | None) -> PushDelivery | None:
    """Queues a delivery; the POST happens in a thread after commit so a same-process receiver can answer."""
    if not instance.push_url:
        return None
    return _send(instance, payload_for(instance, before, record.data))


def _send(instance: Instance, payload: dict) -> PushDelivery:
    delivery = PushDelivery.objects.create(instance=instance, url=instance.push_url, payload=payload)
    copies = _copies(instance)
    if copies == 0:
        PushDelivery.objects.filter(pk=delivery.pk).update(error="Dropped by fault injection.")
    headers = {instance.push_header_name: instance.push_header_value} if instance.push_header_name else {}
    args = (delivery.pk, instance.push_url, headers, delivery.payload, instance.push_retry_delay_ms / 1000)
    for _ in range(copies):     # a duplicate carries the same Id, as an at-least-once delivery would
        transaction.on_commit(lambda: threading.Thread(target=_deliver, args=args, daemon=True).start())
    return delivery


def _copies(instance: Instance) -> int:
    """0 (dropped), 1, or 2 (duplicated) per the instance's fault settings."""
    if not (instance.push_drop_rate or instance.push_duplicate_rate):
        return 1
    roll = roll_fault(instance)
    if roll < instance.push_drop_rate:
        return 0
    return 2 if roll < instance.push_drop_rate + instance.push_duplicate_rate else 1


# Reference: acumatica-api.md section 5 (webhook destination: HTTP POST, custom header, 5 attempts).
def _deliver(delivery_id: int, url: str, headers: dict, payload: dict, retry_delay: float) -> None:
    status, error, attempts = None, "", 0
    for attempts in range(1, MAX_ATTEMPTS + 1):
        try:
            status = requests.post(url, json=payload, headers=headers, timeout=10).status_code
            error = ""
        except requests.RequestException as e:
            status, error = None, f"{type(e).__name__}: {e}"[:500]
        if status is not None and 200 <= status < 300:
            break
        time.sleep(retry_delay)
    _record_outcome(delivery_id, attempts, status, error)


def _record_outcome(delivery_id: int, attempts: int, status: int | None, error: str) -> None:
    try:
        close_old_connections()
        PushDelivery.objects.filter(pk=delivery_id).update(
            attempts=attempts, status_code=status, error=error,
            delivered=status is not None and 200 <= status < 300)
    except Exception:   # noqa: BLE001 -- the row may be gone (test teardown, reset); delivery already happened
        pass
    finally:
        connection.close()


# A second push query, a generic inquiry over shipments: one row per shipment and sales order it ships, with
# these columns. Its name is fixed (the stock-item query's name is the instance's `push_query`).
SHIPMENT_QUERY = "BC-Shipments"


def shipment_rows(data: dict | None) -> list[dict]:
    if not data:
        return []
    head = {f: data.get(f) for f in ("Type", "ShipmentNbr", "Status", "CustomerID")}
    orders = {(r.get("OrderType"), r.get("OrderNbr")) for r in data.get("Details") or []} or {(None, None)}
    return [{**head, "OrderType": t, "OrderNbr": nbr} for t, nbr in sorted(orders, key=str)]


def notify_shipment_change(instance: Instance, after: dict | None, before: dict | None) -> PushDelivery | None:
    if not instance.push_url:
        return None
    payload = {**payload_for(instance, None, None), "Query": SHIPMENT_QUERY,
               "Inserted": shipment_rows(after), "Deleted": shipment_rows(before)}
    return _send(instance, payload)
