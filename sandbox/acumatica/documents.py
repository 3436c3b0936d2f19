"""Insert-or-update of entity records by key, with the business rules the connector relies on.

Reference: acumatica-api.md section 3 ("PUT = create or update", If-None-Match / If-Match, 422 body) and
section 4 (keys and fields of Customer, SalesOrder, SalesInvoice, Payment, StockItem, NonStockItem).
"""
import datetime as dt
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .models import Instance, Record, Sequence

KEYS: dict[str, list[str]] = {
    "Customer": ["CustomerID"],
    "SalesOrder": ["OrderType", "OrderNbr"],
    "SalesInvoice": ["Type", "ReferenceNbr"],
    "Payment": ["Type", "ReferenceNbr"],
    "StockItem": ["InventoryID"],
    "NonStockItem": ["InventoryID"],
    "Shipment": ["Type", "ShipmentNbr"],
    "PurchaseReceipt": ["Type", "ReceiptNbr"],
    # Set-up lists an onboarding merchant picks from (read only by the connector).
    "PaymentMethod": ["PaymentMethodID"],
    "Warehouse": ["WarehouseID"],
    "Tax": ["TaxID"],
    "TaxZone": ["TaxZoneID"],
}
KEY_DEFAULTS = {"SalesOrder": {"OrderType": "SO"}, "SalesInvoice": {"Type": "Invoice"}, "Payment": {"Type": "Payment"},
                "Shipment": {"Type": "Shipment"}, "PurchaseReceipt": {"Type": "Receipt"}}
CREDIT_ORDER_TYPES = {"CM", "RC"}
# The order types every company has (Order Types, SO201000), each with its "Process Shipments" setting. Stock items of
# an order whose type processes shipments are invoiced once shipped (Prepare Invoice on the confirmed shipment, or on
# the order when nothing is left to ship); a type without it (IN "Invoice", CS "Cash Sale", CM "Credit Memo") is
# invoiced straight from the order, and releasing that invoice issues the goods.
# Reference: help.myob.com.au (MYOB Acumatica) "Sales of Stock Items: General Information" (SO and SA: the items are
# shipped before an invoice can be prepared), "To Process an Invoice Order" (IN: Prepare Invoice on the order, the
# release issues the items), Order Types (SO201000).
PROCESSES_SHIPMENTS = {"SO": True, "SA": True, "RM": True, "RC": True, "TR": True, "IN": False, "CS": False,
                       "CM": False}
ZERO = Decimal("0")


class PreconditionFailed(Exception):
    """412: If-None-Match: * on an existing record, or If-Match: * on a missing one."""


@dataclass(eq=False)
class Invalid(Exception):
    """422: the record as sent, with a summary and per-field errors (paths like "Details/0/InventoryID")."""
    entity: str
    plain: dict
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def summary(self) -> str:
        return "; ".join(f"{path.split('/')[-1]}: {msg}" for path, msg in self.errors.items())


def dec(value: Any) -> Decimal:
    return ZERO if value in (None, "") else Decimal(str(value))


def money(value: Decimal) -> str:
    return str(value.quantize(Decimal("0.01")))


def key_of(entity: str, plain: dict) -> str | None:
    values = [plain.get(k) for k in KEYS[entity]]
    return None if any(v in (None, "") for v in values) else "|".join(str(v) for v in values)


def next_number(instance: Instance, name: str, width: int = 6, prefix: str = "") -> str:
    seq, _ = Sequence.objects.get_or_create(instance=instance, name=name)
    Sequence.objects.filter(pk=seq.pk).update(last=F("last") + 1)
    seq.refresh_from_db()
    return f"{prefix}{seq.last:0{width}d}"


def find(instance: Instance, entity: str, plain: dict) -> Record | None:
    """By `id` (NoteID) first, else by key fields."""
    if plain.get("id"):
        try:
            return Record.objects.filter(instance=instance, entity=entity, note_id=uuid.UUID(str(plain["id"]))).first()
        except ValueError:
            return None
    key = key_of(entity, {**KEY_DEFAULTS.get(entity, {}), **plain})
    return Record.objects.filter(instance=instance, entity=entity, key=key).first() if key else None


def find_item(instance: Instance, inventory_id: str | None) -> Record | None:
    if not inventory_id:
        return None
    return Record.objects.filter(instance=instance, entity__in=["StockItem", "NonStockItem"],
                                 key=str(inventory_id)).first()


def merge(old: dict, new: dict) -> dict:
    """PUT writes only what is sent: linked objects merge, detail rows merge by id or are appended."""
    merged = dict(old)
    for name, value in new.items():
        if isinstance(value, list):
            merged[name] = _merge_rows(old.get(name) or [], value)
        elif isinstance(value, dict):
            merged[name] = merge(old.get(name) or {}, value)
        else:
            merged[name] = value
    return merged


def _merge_rows(old_rows: list[dict], new_rows: list[dict]) -> list[dict]:
    rows = [dict(r) for r in old_rows]
    by_id = {r.get("id"): r for r in rows}
    for row in new_rows:
        target = by_id.get(row.get("id")) if row.get("id") else None
        if target is not None and row.get("delete"):
            rows.remove(target)
        elif target is not None:
            target.update(merge(target, row))
        elif not row.get("delete"):
            rows.append({**{k: v for k, v in row.items() if k != "delete"}, "id": str(uuid.uuid4())})
    return rows


@transaction.atomic
def put_record(instance: Instance, entity: str, plain: dict, *, if_match: bool = False,
               if_none_match: bool = False, run_hooks: bool = True) -> tuple[Record, bool]:
    """Insert-or-update; returns (record, created). Raises PreconditionFailed or Invalid."""
    existing = find(instance, entity, plain)
    if existing is not None and if_none_match:
        raise PreconditionFailed(f"{entity} already exists.")
    if existing is None and (if_match or plain.get("id")):
        raise PreconditionFailed(f"{entity} does not exist.")
    data = merge(existing.data if existing else dict(KEY_DEFAULTS.get(entity, {})),
                 {k: v for k, v in plain.items() if k != "id"})
    before = dict(existing.data) if existing else None
    if run_hooks:
        from . import rules          # rules import this module
        rules.BEFORE_SAVE.get(entity, rules.no_rules)(instance, data, existing is None)
    record = existing or Record(instance=instance, entity=entity)
    record.data, record.key, record.last_modified = data, key_of(entity, data), timezone.now()
    if record.key is None:
        raise Invalid(entity, data, {KEYS[entity][-1]: f"'{KEYS[entity][-1]}' cannot be empty."})
    record.save()
    if run_hooks:
        rules.AFTER_SAVE.get(entity, rules.no_after)(instance, record, before)
    return record, existing is None


def today() -> str:
    return dt.datetime.combine(timezone.localdate(), dt.time(), tzinfo=dt.timezone.utc).isoformat()
