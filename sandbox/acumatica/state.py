"""Helpers for tests and the demo: read what landed in a simulated instance, change stock items.

All functions take an `Instance` or its slug and return plain dicts (unwrapped values, decimals as
strings, detail rows as lists), the same shape the sandbox stores:

    instance(slug) -> Instance
    customers(inst) / sales_orders(inst) / sales_invoices(inst) / payments(inst) / stock_items(inst)
        -> list[dict], oldest first; each dict also has "id" (the NoteID) and "LastModified" (ISO text)
    get(inst, entity, *keys) -> dict | None        e.g. get(inst, "SalesOrder", "SO", "000001")
    set_stock_item(inst, inventory_id, price=None, cost=None, qty=None, warehouse="MAIN") -> dict
        changes DefaultPrice, cost (CurrentStdCost, LastCost and AverageCost together) and/or the
        warehouse's QtyOnHand, bumps the right clocks and sends a push notification when a push URL is set
    push_deliveries(inst) -> list[PushDelivery]
    oauth_settings(inst) -> dict with client_id, client_secret, username, password, company
"""
from decimal import Decimal

from django.utils import timezone

from .documents import KEYS, find
from .models import Instance, PushDelivery, Record
from .push import notify_stock_change

InstanceRef = Instance | str


def instance(ref: InstanceRef) -> Instance:
    return ref if isinstance(ref, Instance) else Instance.objects.get(slug=ref)


def _plain(record: Record) -> dict:
    return {**record.data, "id": str(record.note_id), "LastModified": record.last_modified.isoformat()}


def records(ref: InstanceRef, entity: str) -> list[dict]:
    return [_plain(r) for r in Record.objects.filter(instance=instance(ref), entity=entity).order_by("id")]


def customers(ref: InstanceRef) -> list[dict]:
    return records(ref, "Customer")


def sales_orders(ref: InstanceRef) -> list[dict]:
    return records(ref, "SalesOrder")


def sales_invoices(ref: InstanceRef) -> list[dict]:
    return records(ref, "SalesInvoice")


def payments(ref: InstanceRef) -> list[dict]:
    return records(ref, "Payment")


def stock_items(ref: InstanceRef) -> list[dict]:
    return records(ref, "StockItem")


def get(ref: InstanceRef, entity: str, *keys: str) -> dict | None:
    record = find(instance(ref), entity, dict(zip(KEYS[entity], keys)))
    return _plain(record) if record else None


def set_stock_item(ref: InstanceRef, inventory_id: str, price: Decimal | str | None = None,
                   cost: Decimal | str | None = None, qty: int | Decimal | None = None,
                   warehouse: str = "MAIN") -> dict:
    """Changes a stock item as a user on the site would; price/cost touch LastModified, qty only availability."""
    inst = instance(ref)
    record = Record.objects.get(instance=inst, entity="StockItem", key=inventory_id)
    before = {**record.data, "WarehouseDetails": [dict(w) for w in record.data.get("WarehouseDetails") or []]}
    now = timezone.now()
    if price is not None or cost is not None:
        if price is not None:
            record.data["DefaultPrice"] = str(price)
        if cost is not None:
            record.data.update({f: str(cost) for f in ("CurrentStdCost", "LastCost", "AverageCost")})
        record.last_modified = now
    if qty is not None:
        _set_quantity(record, warehouse, qty)
        record.qty_modified = now
    record.save()
    notify_stock_change(inst, record, before)
    return _plain(record)


def _set_quantity(record: Record, warehouse: str, qty: int | Decimal) -> None:
    rows = record.data.setdefault("WarehouseDetails", [])
    row = next((r for r in rows if r.get("WarehouseID") == warehouse), None)
    if row is None:
        row = {"WarehouseID": warehouse, "Status": "Active"}
        rows.append(row)
    row["QtyOnHand"] = str(qty)


def push_deliveries(ref: InstanceRef) -> list[PushDelivery]:
    return list(PushDelivery.objects.filter(instance=instance(ref)).order_by("id"))


def oauth_settings(ref: InstanceRef) -> dict:
    inst = instance(ref)
    return {"client_id": inst.client_id, "client_secret": inst.client_secret, "username": inst.username,
            "password": inst.password, "company": inst.company}
