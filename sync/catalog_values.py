"""Pure functions of the catalog push: Acumatica item -> BigCommerce values, diffs, batch bodies.

No ORM, no HTTP, no settings: they take plain (unwrapped) dicts and return dicts, so their tests
need no database.

Values are a dict with any of ``price`` (Decimal), ``cost`` (Decimal) and ``inventory`` (int); a
key is present only when it is known and the tenant pushes it, so a diff never touches a value
that this read did not see (an availability read knows no price, a price read may know no stock).

Units: Acumatica keeps prices, costs and stock in the item's base unit; the storefront sells the
sales unit (``SalesUOM``). A case of 12 is pushed as one sellable unit at 12 times the base price.
Conversions are exact fractions; a price is rounded once, after multiplying, and stock is rounded
down to whole sales units.

Reference: reference/acumatica-api.md §4 (StockItem DefaultPrice, CurrentStdCost, AverageCost,
LastCost, BaseUOM, SalesUOM, WarehouseDetails[].QtyOnHand; NonStockItem DefaultPrice, CurrentCost,
LastCost; InventoryQuantityAvailable Results[].QtyAvailable; InventorySummaryInquiry Results[]
QtyOnHand, QtyAvailable, QtyAvailableForShipment per WarehouseID, base unit); specs/acumatica
Default_22/23/24 InventoryItemUOMConversion (FromUOM, ToUOM, ConversionFactor, MultiplyOrDivide);
reference/peer-connectors.md §2 (Acumatica's own connector: on hand / available for shipping /
available, all or specific warehouses, converted to the sales unit); reference/bigcommerce-api.md §7
(product and variant `price`, `cost_price`; inventory absolute adjustments by product_id or variant_id).
"""
from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from fractions import Fraction
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


AVAILABLE, FOR_SHIPPING, ON_HAND = "available", "available_for_shipping", "on_hand"
# Tenant.stock_quantity -> the InventorySummaryInquiry result column with that quantity.
SUMMARY_COLUMNS = {AVAILABLE: "QtyAvailable", FOR_SHIPPING: "QtyAvailableForShipment", ON_HAND: "QtyOnHand"}
# Where a quantity mode reads its stock (see CatalogSettings.stock_source).
AGGREGATE, WAREHOUSE_DETAILS, SUMMARY = "aggregate", "warehouse_details", "summary"


@dataclass(frozen=True)
class CatalogSettings:
    """The tenant's catalog choices, copied off the Tenant row so these functions stay pure."""

    push_price: bool = True
    push_cost: bool = True
    push_inventory: bool = True
    cost_field: str = "average"
    quantity: str = AVAILABLE          # available | available_for_shipping | on_hand
    warehouses: tuple[str, ...] = ()   # WarehouseIDs to count; empty means all
    safety_stock: int = 0              # storefront (sales) units held back per SKU
    excluded: frozenset[str] = frozenset()  # upper-case InventoryIDs that are never pushed (ERP-only items)

    @property
    def stock_source(self) -> str:
        """Where the chosen quantity is read in Acumatica.

        - ``aggregate``: available over all warehouses is InventoryQuantityAvailable's item-level
          QtyAvailable (one call for every item that moved).
        - ``warehouse_details``: on hand is on the StockItem's WarehouseDetails (read with the item).
        - ``summary``: available, or available for shipping, of chosen warehouses exist only per
          warehouse in InventorySummaryInquiry (one call per item that moved).
        """
        if self.quantity == ON_HAND:
            return WAREHOUSE_DETAILS
        return AGGREGATE if self.quantity == AVAILABLE and not self.warehouses else SUMMARY


@dataclass
class Item:
    """One Acumatica item's current values, as read in this run."""

    inventory_id: str
    is_stock: bool
    values: dict[str, Any]
    source: dict[str, Any] = field(default_factory=dict)  # what was read, for the record's snapshot
    modified: str | None = None  # the feed's last-modified text, for the changed-since cursor
    unit: Fraction | None = Fraction(1)  # base units in one sales unit; None: no conversion known
    base_stock: Decimal | None = None    # the chosen quantity in base units, once known
    needs_stock: bool = False            # its stock moved but has not been read yet
    stock_stamp: str = ""                # the availability time of the move, once settled: not re-read
    problem: str | None = None           # why nothing of it can be pushed (e.g. a unit without conversion)


def money(value: Any) -> Decimal | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value)).quantize(MONEY_PLACES)
    except (InvalidOperation, ValueError):
        return None


def exact(value: Any) -> Fraction | None:
    try:
        return None if value in (None, "") or isinstance(value, bool) else Fraction(Decimal(str(value)))
    except (InvalidOperation, ValueError):
        return None


def per_sales_unit(value: Any, unit: Fraction) -> Decimal | None:
    """A base-unit price or cost for one sales unit: multiplied exactly, then rounded once (half up)."""
    amount = exact(value)
    if amount is None:
        return None
    amount *= unit
    return (Decimal(amount.numerator) / Decimal(amount.denominator)).quantize(MONEY_PLACES, rounding=ROUND_HALF_UP)


def sales_unit(item: dict) -> tuple[Fraction | None, str]:
    """Base units in one sales unit of a StockItem (unwrapped, UOMConversions expanded), and a description.

    Acumatica's conversion rows read "1 FromUOM = ConversionFactor ToUOM" when MultiplyOrDivide is
    Multiply (From = BOX, To = EA, 12: a box holds 12), and the inverse when Divide. None when the
    sales unit has no conversion to the base unit on the item.
    """
    base = str(item.get("BaseUOM") or "").strip().upper()
    sales = str(item.get("SalesUOM") or "").strip().upper()
    if not sales or not base or sales == base:
        return Fraction(1), base or sales
    for row in item.get("UOMConversions") or []:
        rate = exact(row.get("ConversionFactor"))
        if not rate or rate <= 0:
            continue
        multiply = not str(row.get("MultiplyOrDivide") or "Multiply").strip().lower().startswith("d")
        pair = (str(row.get("FromUOM") or "").strip().upper(), str(row.get("ToUOM") or "").strip().upper())
        if pair == (sales, base):
            return (rate if multiply else 1 / rate), f"{sales} = {rate if multiply else 1 / rate} {base}"
        if pair == (base, sales):
            return (1 / rate if multiply else rate), f"{sales} = {1 / rate if multiply else rate} {base}"
    return None, f"{sales} (no conversion to {base})"


def unit_problem(inventory_id: str, item: dict) -> str:
    return (f"Acumatica item {inventory_id} sells in {item.get('SalesUOM')} but has no conversion from it to its "
            f"base unit {item.get('BaseUOM')}; its price and stock are not pushed. Add the conversion on the "
            "item's Units of Measure, then replay.")


def storefront_quantity(quantity: Any, safety_stock: int, unit: Fraction = Fraction(1)) -> int:
    """Whole sales units the storefront may sell: base quantity / unit size, rounded down, minus the
    safety stock, never negative."""
    base = exact(quantity) or Fraction(0)
    return max(0, math.floor(base / unit) - max(0, safety_stock))


def warehouse_total(rows: Iterable[dict], settings: CatalogSettings, column: str) -> Decimal:
    """``column`` summed over the tenant's warehouses (all when none are chosen), base units.

    Rows without a WarehouseID (a total line, if an inquiry answers one) are not a warehouse."""
    chosen = {w.strip().upper() for w in settings.warehouses}
    total = Decimal("0")
    for row in rows or []:
        warehouse = str(row.get("WarehouseID") or "").strip().upper()
        if not warehouse or (chosen and warehouse not in chosen):
            continue
        total += Decimal(str(row.get(column) or 0))
    return total


def price_values(entity: str, item: dict, settings: CatalogSettings, unit: Fraction = Fraction(1)) -> dict[str, Any]:
    """Price and cost of a StockItem or NonStockItem (unwrapped), per sales unit, as the tenant pushes them."""
    values: dict[str, Any] = {}
    price = per_sales_unit(item.get("DefaultPrice"), unit)
    if settings.push_price and price is not None:
        values["price"] = price
    cost_field = COST_FIELDS[entity].get(settings.cost_field, COST_FIELDS[entity]["average"])
    cost = per_sales_unit(item.get(cost_field), unit)
    if settings.push_cost and cost is not None:
        values["cost"] = cost
    return values


def stock_item_values(item: dict, settings: CatalogSettings, unit: Fraction = Fraction(1)) -> dict[str, Any]:
    """A StockItem's price and cost per sales unit (its stock is added by the reads, see ``Item.base_stock``)."""
    return price_values(STOCK_ITEM, item, settings, unit)


def stock_of_details(item: dict, settings: CatalogSettings) -> Decimal | None:
    """On hand over the chosen warehouses, from an item read with its WarehouseDetails."""
    if settings.stock_source != WAREHOUSE_DETAILS or "WarehouseDetails" not in item:
        return None
    return warehouse_total(item["WarehouseDetails"], settings, "QtyOnHand")


def inventory_values(item: Item, settings: CatalogSettings) -> dict[str, Any]:
    """The storefront quantity of an item whose base stock and sales unit are known."""
    if not (settings.push_inventory and item.is_stock) or item.base_stock is None or item.unit is None:
        return {}
    return {"inventory": storefront_quantity(item.base_stock, settings.safety_stock, item.unit)}


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
