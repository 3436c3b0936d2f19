"""Pure functions of the catalog push: Acumatica item -> BigCommerce values, diffs, batch bodies.

No ORM, no HTTP, no settings: they take plain (unwrapped) dicts and return dicts, so their tests
need no database.

Values are a dict with any of ``price`` (Decimal), ``cost`` (Decimal) and ``inventory`` (int); a
key is present only when it is known and the tenant pushes it, so a diff never touches a value
that this read did not see (an availability read knows no price, a price read may know no stock).

Reference: reference/acumatica-api.md §4 (StockItem DefaultPrice, CurrentStdCost, AverageCost,
LastCost, WarehouseDetails[].QtyOnHand; NonStockItem DefaultPrice, CurrentCost, LastCost;
InventoryQuantityAvailable Results[].QtyAvailable) and reference/bigcommerce-api.md §7 (product
and variant `price`, `cost_price`; inventory absolute adjustments by product_id or variant_id).
"""
from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from sync.mapping import odata_string

STOCK_ITEM = "StockItem"
NON_STOCK_ITEM = "NonStockItem"
MONEY_PLACES = Decimal("0.0001")  # both vendors keep money to 4 places; finer digits would always "differ"
VALUE_KEYS = ("price", "cost", "inventory")

# Tenant.cost_field -> the Acumatica field holding that cost, per entity. A non-stock item has one
# current cost (no standard/average split), so both of those settings read CurrentCost.
COST_FIELDS = {
    STOCK_ITEM: {"standard": "CurrentStdCost", "average": "AverageCost", "last": "LastCost"},
    NON_STOCK_ITEM: {"standard": "CurrentCost", "average": "CurrentCost", "last": "LastCost"},
}

T = TypeVar("T")


@dataclass(frozen=True)
class CatalogSettings:
    """The tenant's catalog choices, copied off the Tenant row so these functions stay pure."""

    push_price: bool = True
    push_cost: bool = True
    push_inventory: bool = True
    cost_field: str = "average"
    warehouses: tuple[str, ...] = ()
    use_on_hand: bool = False
    safety_stock: int = 0

    @property
    def per_warehouse(self) -> bool:
        """True when stock must be summed from warehouse details instead of the item-level aggregate."""
        return bool(self.warehouses) or self.use_on_hand


@dataclass
class Item:
    """One Acumatica item's current values, as read in this run."""

    inventory_id: str
    is_stock: bool
    values: dict[str, Any]
    source: dict[str, Any] = field(default_factory=dict)  # what was read, for the record's snapshot
    modified: str | None = None  # the feed's last-modified text, for the changed-since cursor


def money(value: Any) -> Decimal | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value)).quantize(MONEY_PLACES)
    except (InvalidOperation, ValueError):
        return None


def storefront_quantity(quantity: Any, safety_stock: int) -> int:
    """Whole units the storefront may sell: rounded down, minus the safety stock, never negative."""
    try:
        units = math.floor(Decimal(str(quantity or 0)))
    except (InvalidOperation, ValueError):
        units = 0
    return max(0, units - max(0, safety_stock))


def warehouse_quantity(details: Iterable[dict], settings: CatalogSettings) -> int:
    """QtyOnHand summed over the tenant's warehouses (all when none are chosen).

    The StockItem's warehouse details carry on-hand only (reference §4), so per-warehouse stock is
    on-hand stock; the item-level available quantity comes from InventoryQuantityAvailable.
    """
    chosen = {w.upper() for w in settings.warehouses}
    total = Decimal("0")
    for row in details or []:
        warehouse = str(row.get("WarehouseID") or "").upper()
        if chosen and warehouse not in chosen:
            continue
        total += Decimal(str(row.get("QtyOnHand") or 0))
    return storefront_quantity(total, settings.safety_stock)


def price_values(entity: str, item: dict, settings: CatalogSettings) -> dict[str, Any]:
    """Price and cost of a StockItem or NonStockItem (unwrapped), as the tenant pushes them."""
    values: dict[str, Any] = {}
    if settings.push_price and money(item.get("DefaultPrice")) is not None:
        values["price"] = money(item.get("DefaultPrice"))
    cost_field = COST_FIELDS[entity].get(settings.cost_field, COST_FIELDS[entity]["average"])
    if settings.push_cost and money(item.get(cost_field)) is not None:
        values["cost"] = money(item.get(cost_field))
    return values


def stock_item_values(item: dict, settings: CatalogSettings) -> dict[str, Any]:
    """A StockItem's values; inventory too when its warehouse details were read and stock is per warehouse."""
    values = price_values(STOCK_ITEM, item, settings)
    if settings.push_inventory and settings.per_warehouse and "WarehouseDetails" in item:
        values["inventory"] = warehouse_quantity(item["WarehouseDetails"], settings)
    return values


def available_values(row: dict, settings: CatalogSettings) -> dict[str, Any]:
    """Values from one InventoryQuantityAvailable result row (item-level available quantity)."""
    if not settings.push_inventory:
        return {}
    return {"inventory": storefront_quantity(row.get("QtyAvailable"), settings.safety_stock)}


def changes(desired: dict[str, Any], known: dict[str, Any]) -> dict[str, Any]:
    """The desired values that differ from what BigCommerce is known to hold (unknown counts as different)."""
    return {key: value for key, value in desired.items() if known.get(key) is None or known[key] != value}


def jsonable_values(values: dict[str, Any]) -> dict[str, Any]:
    """Values for JSON storage (audit data, not-found memory): decimals as text."""
    return {key: (str(value) if isinstance(value, Decimal) else value) for key, value in sorted(values.items())}


def plain(data: Any) -> Any:
    """JSON-storable copy of read data (snapshots, stubs): decimals become text."""
    if isinstance(data, dict):
        return {key: plain(value) for key, value in data.items()}
    if isinstance(data, (list, tuple)):
        return [plain(value) for value in data]
    if isinstance(data, Decimal):
        return str(data)
    return data


def catalog_body(target_id: int, changed: dict[str, Any]) -> dict[str, Any] | None:
    """The element of a product or variant batch PUT for the changed price/cost; None if neither changed."""
    body: dict[str, Any] = {"id": target_id}
    if "price" in changed:
        body["price"] = changed["price"]
    if "cost" in changed:
        body["cost_price"] = changed["cost"]
    return body if len(body) > 1 else None


def adjustment_item(target: str, target_id: int, quantity: int) -> dict[str, Any]:
    """One absolute adjustment item (the client adds location_id)."""
    key = "variant_id" if target == "variant" else "product_id"
    return {key: target_id, "quantity": quantity}


def bc_values(row: dict) -> dict[str, Any]:
    """Price and cost as a BigCommerce product or variant reports them (a variant's null = inherited)."""
    values = {"price": money(row.get("price")), "cost": money(row.get("cost_price"))}
    return {key: value for key, value in values.items() if value is not None}


def later(current: datetime | None, text: str | None) -> datetime | None:
    """The later of ``current`` and the ISO time ``text`` (Acumatica's last-modified values)."""
    if not text:
        return current
    try:
        moment = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return current
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment if current is None or moment > current else current


def halves(batch: list[T]) -> tuple[list[T], list[T]]:
    middle = len(batch) // 2
    return batch[:middle], batch[middle:]


def odata_in(field_name: str, values: Iterable[str]) -> str:
    """`F eq 'a' or F eq 'b'`: OData v3 has no `in`, and Acumatica documents only eq/or for this."""
    return " or ".join(f"{field_name} eq {odata_string(v)}" for v in values)
