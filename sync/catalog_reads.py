"""Acumatica reads of the catalog push: changed-since stock items, non-stock items and stock.

Every reader is a generator of ``catalog_values.Item`` that pages through Acumatica, so a caller
can stream 10,000 items without holding them all.

- Prices and costs: ``StockItem`` (with its ``UOMConversions``, for the sales unit) and
  ``NonStockItem`` filtered on the pinned version's last-modified field (``sync/versions.py``:
  StockItem ``LastModified`` up to 23.200.001, ``LastModifiedDateTime`` from 24.200.001),
  ``$top``/``$skip`` pages.
- Which stock moved: an inventory movement or a sales order allocation does not touch the item's
  last-modified time, so stock has its own changed-since read, ``InventoryQuantityAvailable``
  (22.200.001+; read with PUT), see ``moved_stock``. Before 22.200.001 there is no such source, so
  every stock item's stock is read and the diff against the last pushed state decides.
- The quantity the tenant chose (``CatalogSettings.stock_source``): available over all warehouses
  comes with that same read; on hand is the item's ``WarehouseDetails``; available or available for
  shipping of chosen warehouses is read per moved item from ``InventorySummaryInquiry``
  (``finish_stock``). All of them are base-unit quantities, converted to sales units at the end.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import Decimal
from fractions import Fraction

from sync import versions
from sync.acumatica import AcumaticaClient, unwrap
from sync.batches import chunked
from sync.catalog_values import (AGGREGATE, NON_STOCK_ITEM, STOCK_ITEM, SUMMARY, SUMMARY_COLUMNS, WAREHOUSE_DETAILS,
                                 CatalogSettings, Item, inventory_values, later, odata_in, plain, price_values,
                                 sales_unit, stock_item_values, stock_of_details, unit_problem, warehouse_total)

PAGE = 500            # Acumatica $top: fewer round trips, still a bounded page
IDS_PER_FILTER = 40   # InventoryIDs per `eq ... or ...` filter; keeps the URL short
AVAILABILITY = "InventoryQuantityAvailable"
SUMMARY_INQUIRY = "InventorySummaryInquiry"


def has_availability_inquiry(ac: AcumaticaClient) -> bool:
    return versions.has_entity(ac.version, AVAILABILITY)


def _modified(ac: AcumaticaClient, entity: str, row: dict) -> str | None:
    value = row.get(ac.field_name(entity, versions.LAST_MODIFIED))
    return str(value) if value else None


def _since_filter(ac: AcumaticaClient, entity: str, since: datetime | None) -> str | None:
    return ac.modified_since_filter(entity, since) if since else None


def stock_items(ac: AcumaticaClient, settings: CatalogSettings, since: datetime | None = None,
                filter: str | None = None) -> Iterator[Item]:
    """Stock items changed since ``since`` (all when None), per sales unit; with on hand when that is the quantity."""
    expand = "UOMConversions"
    if settings.push_inventory and settings.stock_source == WAREHOUSE_DETAILS:
        expand += ",WarehouseDetails"
    # Reference: reference/acumatica-api.md §3-4 (GET StockItem, $filter on LastModified[DateTime], $expand, $top/$skip)
    for row in ac.query(STOCK_ITEM, filter=filter or _since_filter(ac, STOCK_ITEM, since), expand=expand, top=PAGE):
        data = unwrap(row)
        inventory_id = str(data.get("InventoryID") or "").strip()
        unit, described = sales_unit(data)
        item = Item(inventory_id, True, stock_item_values(data, settings, unit) if unit else {},
                    source=_source(STOCK_ITEM, data), modified=_modified(ac, STOCK_ITEM, data), unit=unit,
                    base_stock=stock_of_details(data, settings))
        item.source["sales_unit"] = described
        if unit is None:
            item.problem = unit_problem(inventory_id, data)
        yield item


def non_stock_items(ac: AcumaticaClient, settings: CatalogSettings, since: datetime | None = None,
                    filter: str | None = None) -> Iterator[Item]:
    """Non-stock items (services, digital goods): price and cost only, never inventory.

    The NonStockItem entity carries no unit conversions (spec 22/23/24), so its price is its
    base-unit price."""
    # Reference: reference/acumatica-api.md §4 (NonStockItem: DefaultPrice, CurrentCost, LastCost, LastModifiedDateTime)
    for row in ac.query(NON_STOCK_ITEM, filter=filter or _since_filter(ac, NON_STOCK_ITEM, since), top=PAGE):
        item = unwrap(row)
        yield Item(str(item.get("InventoryID") or "").strip(), False, price_values(NON_STOCK_ITEM, item, settings),
                   source=_source(NON_STOCK_ITEM, item), modified=_modified(ac, NON_STOCK_ITEM, item))


def _source(entity: str, item: dict) -> dict:
    keep = ("InventoryID", "Description", "DefaultPrice", "CurrentStdCost", "AverageCost", "LastCost",
            "CurrentCost", "BaseUOM", "SalesUOM", "WarehouseDetails")
    source = {key: item[key] for key in keep if key in item}
    if "WarehouseDetails" in source:
        source["WarehouseDetails"] = [{k: w.get(k) for k in ("WarehouseID", "QtyOnHand")}
                                      for w in source["WarehouseDetails"]]
    return plain({"entity": entity, **source})


def available_rows(ac: AcumaticaClient, since: datetime | None = None, inventory_id: str | None = None) -> list[dict]:
    """InventoryQuantityAvailable results: [{InventoryID, QtyAvailable, LastModifiedDateTime}]."""
    body: dict = {}
    if since is not None:
        body["LastModifiedDateTime"] = {"value": since.astimezone(timezone.utc).isoformat()}
    if inventory_id is not None:
        body["InventoryID"] = {"value": inventory_id}
    # Reference: reference/acumatica-api.md §4 (PUT InventoryQuantityAvailable?$expand=Results; both filters optional)
    result = unwrap(ac.put(AVAILABILITY, body, expand="Results"))
    return [row for row in result.get("Results") or [] if row.get("InventoryID")]


def summary_rows(ac: AcumaticaClient, settings: CatalogSettings, inventory_id: str) -> list[dict]:
    """InventorySummaryInquiry results of one item (one row per warehouse and location, base unit)."""
    body: dict = {"InventoryID": {"value": inventory_id}}
    if len(settings.warehouses) == 1:  # let Acumatica filter when one warehouse is chosen
        body["WarehouseID"] = {"value": settings.warehouses[0]}
    # Reference: reference/acumatica-api.md §4 (PUT InventorySummaryInquiry?$expand=Results; Results[] per
    # WarehouseID/LocationID with QtyOnHand, QtyAvailable, QtyAvailableForShipment); specs Default_22/23/24
    return unwrap(ac.put(SUMMARY_INQUIRY, body, expand="Results")).get("Results") or []


@dataclass
class Moves:
    """Items whose stock moved: upper-case InventoryID -> base-unit quantity (None: read it later), the
    availability time of each move, and the newest of them (the availability cursor)."""

    quantities: dict[str, Decimal | None] = field(default_factory=dict)
    stamps: dict[str, str] = field(default_factory=dict)
    newest: datetime | None = None

    def forget(self, seen: dict[str, str]) -> None:
        """Drops moves already read and settled (the same availability time): the cursor's overlap."""
        for key, stamp in seen.items():
            if stamp and self.stamps.get(key) == stamp:
                self.quantities.pop(key, None)

    def take(self, key: str) -> tuple[Decimal | None, str]:
        return self.quantities.pop(key, None), self.stamps.get(key, "")


def moved_stock(ac: AcumaticaClient, settings: CatalogSettings, since: datetime | None) -> Moves:
    """Items whose stock changed since ``since``, with the base-unit quantity when it is the one chosen.

    The quantity is known when it is the item-level available quantity; otherwise None, and the
    item's chosen quantity is read later (``finish_stock``). The inquiry answers in one response (it
    has no paging); only a number and a time per item are kept from it. Before 22.200.001 there is
    no such source (empty).
    """
    moves = Moves()
    if not settings.push_inventory or not has_availability_inquiry(ac):
        return moves
    aggregate = settings.stock_source == AGGREGATE
    for row in available_rows(ac, since):
        moves.newest = later(moves.newest, row.get("LastModifiedDateTime"))
        key = str(row["InventoryID"]).strip().upper()
        moves.quantities[key] = Decimal(str(row.get("QtyAvailable") or 0)) if aggregate else None
        moves.stamps[key] = str(row.get("LastModifiedDateTime") or "")
    return moves


def stock_moved(item: Item, quantity: Decimal | None, stamp: str = "") -> None:
    """Marks an item whose stock moved: with its quantity when the move read it, else to be read."""
    if not item.is_stock:
        return
    item.stock_stamp = stamp
    if quantity is not None:
        item.base_stock = quantity
    elif item.base_stock is None:
        item.needs_stock = True


def moved_item(inventory_id: str, quantity: Decimal | None, stamp: str, unit: Fraction) -> Item:
    """An item known only by its stock move (its sales unit remembered from an earlier read)."""
    item = Item(inventory_id, True, {}, source={"entity": AVAILABILITY, "InventoryID": inventory_id}, unit=unit)
    stock_moved(item, quantity, stamp)
    return item


def stock_items_by_id(ac: AcumaticaClient, settings: CatalogSettings, inventory_ids: Iterable[str]) -> Iterator[Item]:
    for chunk in chunked(dict.fromkeys(inventory_ids), IDS_PER_FILTER):
        yield from stock_items(ac, settings, filter=odata_in("InventoryID", chunk))


def items_by_id(ac: AcumaticaClient, settings: CatalogSettings, inventory_ids: list[str]) -> Iterator[Item]:
    """Current values of the named items (stock or non-stock) with their stock, for --sku runs and replays."""
    for chunk in chunked(dict.fromkeys(i.strip().upper() for i in inventory_ids if i.strip()), IDS_PER_FILTER):
        found = {}
        for item in stock_items(ac, settings, filter=odata_in("InventoryID", chunk)):
            found[item.inventory_id.upper()] = item
        rest = [i for i in chunk if i not in found]
        if rest:
            for item in non_stock_items(ac, settings, filter=odata_in("InventoryID", rest)):
                found[item.inventory_id.upper()] = item
        for item in found.values():
            stock_moved(item, None)
        yield from finish_stock(ac, settings, list(found.values()))


def _read_stock(ac: AcumaticaClient, settings: CatalogSettings, item: Item) -> Decimal | None:
    """One item's chosen quantity, base units (one inquiry call)."""
    if settings.stock_source == SUMMARY:
        rows = summary_rows(ac, settings, item.inventory_id)
        item.source["summary"] = plain([{k: r.get(k) for k in ("WarehouseID", "LocationID", "QtyOnHand",
                                                                "QtyAvailable", "QtyAvailableForShipment")}
                                        for r in rows])
        return warehouse_total(rows, settings, SUMMARY_COLUMNS[settings.quantity])
    if settings.stock_source == AGGREGATE and has_availability_inquiry(ac):
        for row in available_rows(ac, inventory_id=item.inventory_id):
            if str(row["InventoryID"]).strip().upper() == item.inventory_id.upper():
                item.source["QtyAvailable"] = plain(row.get("QtyAvailable"))
                return Decimal(str(row.get("QtyAvailable") or 0))
        return Decimal("0")
    if settings.stock_source == AGGREGATE:  # 20.200.001: available exists only per warehouse
        return warehouse_total(summary_rows(ac, settings, item.inventory_id), settings, "QtyAvailable")
    return None  # on hand comes with the item's WarehouseDetails


def finish_stock(ac: AcumaticaClient, settings: CatalogSettings, items: list[Item]) -> list[Item]:
    """Reads the stock of items that still need it, then adds the storefront quantity in sales units."""
    for item in items:
        if not (settings.push_inventory and item.is_stock) or item.problem:
            continue
        if item.needs_stock and item.base_stock is None:
            item.base_stock = _read_stock(ac, settings, item)
        item.needs_stock = False
        item.values.update(inventory_values(item, settings))
        if "inventory" in item.values:
            item.source["storefront_quantity"] = item.values["inventory"]
    return items
