"""Acumatica reads of the catalog push: changed-since stock items, non-stock items and availability.

Every reader is a generator of ``catalog_values.Item`` that pages through Acumatica, so a caller
can stream 10,000 items without holding them all.

- Prices and costs: ``StockItem`` and ``NonStockItem`` filtered on the pinned version's
  last-modified field (``sync/versions.py``: StockItem ``LastModified`` up to 23.200.001,
  ``LastModifiedDateTime`` from 24.200.001), ``$top``/``$skip`` pages.
- Availability: an inventory movement does not touch the item's last-modified time, so stock has
  its own changed-since read, ``InventoryQuantityAvailable`` (22.200.001+; read with PUT), see
  ``moved_stock``. When the tenant counts only some warehouses, or on-hand stock, the items it
  names are re-read with their ``WarehouseDetails``. Before 22.200.001 there is no changed-since
  source for stock at all, so every stock item is read with its warehouses and the diff against
  the last pushed state decides.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import replace
from datetime import datetime, timezone

from sync import versions
from sync.acumatica import AcumaticaClient, unwrap
from sync.batches import chunked
from sync.catalog_values import (NON_STOCK_ITEM, STOCK_ITEM, CatalogSettings, Item, available_values,
                                 later, odata_in, plain, price_values, stock_item_values)

PAGE = 500            # Acumatica $top: fewer round trips, still a bounded page
IDS_PER_FILTER = 40   # InventoryIDs per `eq ... or ...` filter; keeps the URL short
AVAILABILITY = "InventoryQuantityAvailable"


def has_availability_inquiry(ac: AcumaticaClient) -> bool:
    return versions.has_entity(ac.version, AVAILABILITY)


def stock_settings(ac: AcumaticaClient, settings: CatalogSettings) -> CatalogSettings:
    """Without the availability inquiry, warehouse details (on hand) are the only stock source."""
    return settings if has_availability_inquiry(ac) else replace(settings, use_on_hand=True)


def _modified(ac: AcumaticaClient, entity: str, row: dict) -> str | None:
    value = row.get(ac.field_name(entity, versions.LAST_MODIFIED))
    return str(value) if value else None


def _since_filter(ac: AcumaticaClient, entity: str, since: datetime | None) -> str | None:
    return ac.modified_since_filter(entity, since) if since else None


def stock_items(ac: AcumaticaClient, settings: CatalogSettings, since: datetime | None = None,
                filter: str | None = None) -> Iterator[Item]:
    """Stock items changed since ``since`` (all when None), with stock when it is counted per warehouse."""
    settings = stock_settings(ac, settings)
    expand = "WarehouseDetails" if settings.per_warehouse and settings.push_inventory else None
    # Reference: reference/acumatica-api.md §3-4 (GET StockItem, $filter on LastModified[DateTime], $expand, $top/$skip)
    for row in ac.query(STOCK_ITEM, filter=filter or _since_filter(ac, STOCK_ITEM, since), expand=expand, top=PAGE):
        item = unwrap(row)
        yield Item(str(item.get("InventoryID") or "").strip(), True, stock_item_values(item, settings),
                   source=_source(STOCK_ITEM, item), modified=_modified(ac, STOCK_ITEM, item))


def non_stock_items(ac: AcumaticaClient, settings: CatalogSettings, since: datetime | None = None,
                    filter: str | None = None) -> Iterator[Item]:
    """Non-stock items (services, digital goods): price and cost only, never inventory."""
    # Reference: reference/acumatica-api.md §4 (NonStockItem: DefaultPrice, CurrentCost, LastCost, LastModifiedDateTime)
    for row in ac.query(NON_STOCK_ITEM, filter=filter or _since_filter(ac, NON_STOCK_ITEM, since), top=PAGE):
        item = unwrap(row)
        yield Item(str(item.get("InventoryID") or "").strip(), False, price_values(NON_STOCK_ITEM, item, settings),
                   source=_source(NON_STOCK_ITEM, item), modified=_modified(ac, NON_STOCK_ITEM, item))


def _source(entity: str, item: dict) -> dict:
    keep = ("InventoryID", "Description", "DefaultPrice", "CurrentStdCost", "AverageCost", "LastCost",
            "CurrentCost", "WarehouseDetails")
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


def moved_stock(ac: AcumaticaClient, settings: CatalogSettings,
                since: datetime | None) -> tuple[dict[str, int | None], datetime | None]:
    """Items whose stock changed since ``since``: upper-case InventoryID -> storefront quantity.

    The quantity is None when stock is counted per warehouse: the item must then be re-read with
    its warehouse details. The inquiry answers in one response (it has no paging); only an int per
    item is kept from it. Before 22.200.001 there is no such source (empty; the caller then reads
    every stock item's warehouses). Also returns the newest change, for the availability cursor.
    """
    if not settings.push_inventory or not has_availability_inquiry(ac):
        return {}, None
    per_warehouse = stock_settings(ac, settings).per_warehouse
    moved: dict[str, int | None] = {}
    newest = None
    for row in available_rows(ac, since):
        newest = later(newest, row.get("LastModifiedDateTime"))
        quantity = available_values(row, settings)["inventory"]
        moved[str(row["InventoryID"]).strip().upper()] = None if per_warehouse else quantity
    return moved, newest


def moved_item(inventory_id: str, quantity: int) -> Item:
    return Item(inventory_id, True, {"inventory": quantity},
                source={"entity": AVAILABILITY, "InventoryID": inventory_id, "storefront_quantity": quantity})


def stock_items_by_id(ac: AcumaticaClient, settings: CatalogSettings, inventory_ids: Iterable[str]) -> Iterator[Item]:
    for chunk in chunked(dict.fromkeys(inventory_ids), IDS_PER_FILTER):
        yield from stock_items(ac, settings, filter=odata_in("InventoryID", chunk))


def items_by_id(ac: AcumaticaClient, settings: CatalogSettings, inventory_ids: list[str]) -> Iterator[Item]:
    """Current values of the named items (stock or non-stock), for --sku runs and replays."""
    for chunk in chunked(dict.fromkeys(i.strip().upper() for i in inventory_ids if i.strip()), IDS_PER_FILTER):
        found = {}
        for item in stock_items(ac, settings, filter=odata_in("InventoryID", chunk)):
            found[item.inventory_id.upper()] = item
        rest = [i for i in chunk if i not in found]
        if rest:
            for item in non_stock_items(ac, settings, filter=odata_in("InventoryID", rest)):
                found[item.inventory_id.upper()] = item
        for item in found.values():
            _add_available(ac, settings, item)
            yield item


def _add_available(ac: AcumaticaClient, settings: CatalogSettings, item: Item) -> None:
    """A targeted read of one item's available quantity (one inquiry call per item)."""
    if not (item.is_stock and settings.push_inventory) or stock_settings(ac, settings).per_warehouse:
        return
    for row in available_rows(ac, inventory_id=item.inventory_id):
        if str(row["InventoryID"]).strip().upper() == item.inventory_id.upper():
            item.values.update(available_values(row, settings))
            item.source["QtyAvailable"] = plain(row.get("QtyAvailable"))
