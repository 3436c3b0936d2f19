"""What the merchant picks from, read live from their own BigCommerce store and Acumatica instance.

    read_choices(bc_connection, ac_connection) -> Choices

Each list is read on its own: one that cannot be read (a missing permission, an entity the instance
does not publish, a store API that answers 404) leaves that list empty with a note saying why, and the
settings step falls back to a typed value. Nothing here writes. The connections may be unsaved (the
wizard's draft).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sync.acumatica import AcumaticaClient
from sync.bigcommerce import BigCommerceClient
from sync.http import ApiError
from tenants.connection_test import QUICK, failure_message
from tenants.models import AcumaticaConnection, BigCommerceConnection

RECENT_ORDERS = 20         # orders read for gateways and channels
ORDERS_WITH_PAYMENTS = 10  # of those, whose transactions are read (one call each)
MAX_ROWS = 500             # per Acumatica list; a choice list longer than this is typed instead


@dataclass
class Choices:
    order_statuses: list[tuple[int, str]] = field(default_factory=list)
    channels: list[int] = field(default_factory=list)
    gateways: list[str] = field(default_factory=list)
    time_zone: str = ""
    payment_methods: list[tuple[str, str]] = field(default_factory=list)  # (PaymentMethodID, Description)
    cash_accounts: dict[str, list[str]] = field(default_factory=dict)    # PaymentMethodID -> CashAccounts
    warehouses: list[str] = field(default_factory=list)
    branches: list[tuple[str, str]] = field(default_factory=list)       # (BranchID, BranchName)
    taxes: list[str] = field(default_factory=list)
    tax_zones: list[str] = field(default_factory=list)
    non_stock_items: list[tuple[str, str]] = field(default_factory=list)  # (InventoryID, Description)
    notes: dict[str, str] = field(default_factory=dict)  # list name -> why it could not be read


def read_choices(bc_connection: BigCommerceConnection, ac_connection: AcumaticaConnection) -> Choices:
    choices = Choices()
    # A person waits for the page: the quick retry policy of Test connection.
    with BigCommerceClient(bc_connection, policy=QUICK) as bc:
        _read_bigcommerce(bc, choices)
    with AcumaticaClient(ac_connection, policy=QUICK) as ac:
        _read_acumatica(ac, choices)
    return choices


def _attempt(choices: Choices, name: str, what: str, read: Callable[[], None], system: str, url: str) -> None:
    try:
        read()
    except ApiError as error:  # our own classified words, never the remote body (as Test connection)
        why = (f"{system} does not offer this list here (404)." if error.status == 404
               else failure_message(error, system, url))
        choices.notes[name] = f"Could not read {what}. {why}"


def _read_bigcommerce(bc: BigCommerceClient, choices: Choices) -> None:
    def statuses() -> None:
        choices.order_statuses = [(int(row["id"]), str(row.get("name") or row["id"]))
                                  for row in bc.list_order_statuses()]

    def orders() -> None:
        recent = bc.recent_orders(RECENT_ORDERS)
        choices.channels = sorted({int(o["channel_id"]) for o in recent if o.get("channel_id")})
        seen = {}
        for order in recent[:ORDERS_WITH_PAYMENTS]:
            for transaction in bc.get_transactions(int(order["id"])):
                if transaction.get("gateway"):
                    seen.setdefault(str(transaction["gateway"]), None)
        choices.gateways = list(seen)

    def time_zone() -> None:
        choices.time_zone = bc.store_time_zone()

    for name, what, read in (("order_statuses", "BigCommerce order statuses", statuses),
                             ("gateways", "recent BigCommerce orders", orders),
                             ("time_zone", "the store's time zone", time_zone)):
        _attempt(choices, name, what, read, "BigCommerce", bc.base_url)


def _rows(ac: AcumaticaClient, entity: str, select: str, expand: str | None = None) -> list[dict]:
    rows = []
    for row in ac.query(entity, select=select, expand=expand):
        rows.append(row)
        if len(rows) >= MAX_ROWS:
            break
    return rows


def _value(row: dict, name: str) -> str:
    cell = row.get(name)
    return str((cell or {}).get("value") or "") if isinstance(cell, dict) else ""


def _read_acumatica(ac: AcumaticaClient, choices: Choices) -> None:
    # Reference: reference/acumatica-api.md §3 ($select, $expand); entities PaymentMethod (AllowedCashAccounts),
    # Warehouse, Tax, TaxZone, NonStockItem, CompaniesStructure of the Default endpoint
    # (specs/acumatica/Default_*.swagger2.json).
    def payment_methods() -> None:
        for row in _rows(ac, "PaymentMethod", "PaymentMethodID,Description,Active,UseInAR,AllowedCashAccounts",
                         expand="AllowedCashAccounts"):
            method = _value(row, "PaymentMethodID")
            if not method or (row.get("UseInAR") or {}).get("value") is False \
                    or (row.get("Active") or {}).get("value") is False:
                continue
            choices.payment_methods.append((method, _value(row, "Description")))
            allowed = [a for a in row.get("AllowedCashAccounts") or []
                       if _value(a, "CashAccount") and (a.get("UseInAR") or {}).get("value") is not False]
            # The account Acumatica itself defaults to in AR first: the one to pre-select.
            allowed.sort(key=lambda a: (a.get("ARDefault") or {}).get("value") is not True)
            choices.cash_accounts[method] = [_value(a, "CashAccount") for a in allowed]

    def branches() -> None:
        # Reference: CompaniesStructure inquiry (PUT ...?$expand=Results, no parameters; reference/acumatica-api.md §4)
        results = ac.inquire("CompaniesStructure", {}, expand="Results").get("Results") or []
        choices.branches = [(_value(r, "BranchID"), _value(r, "BranchName")) for r in results
                            if _value(r, "BranchID") and (r.get("BranchStatus") or {}).get("value") is not False]

    def warehouses() -> None:
        choices.warehouses = [_value(r, "WarehouseID") for r in _rows(ac, "Warehouse", "WarehouseID")
                              if _value(r, "WarehouseID")]

    def taxes() -> None:
        choices.taxes = [_value(r, "TaxID") for r in _rows(ac, "Tax", "TaxID") if _value(r, "TaxID")]

    def tax_zones() -> None:
        choices.tax_zones = [_value(r, "TaxZoneID") for r in _rows(ac, "TaxZone", "TaxZoneID") if _value(r, "TaxZoneID")]

    def non_stock_items() -> None:
        choices.non_stock_items = [(_value(r, "InventoryID"), _value(r, "Description"))
                                   for r in _rows(ac, "NonStockItem", "InventoryID,Description")
                                   if _value(r, "InventoryID")]

    for name, what, read in (("payment_methods", "Acumatica payment methods", payment_methods),
                             ("branches", "Acumatica branches", branches),
                             ("warehouses", "Acumatica warehouses", warehouses),
                             ("taxes", "Acumatica taxes", taxes),
                             ("tax_zones", "Acumatica tax zones", tax_zones),
                             ("non_stock_items", "Acumatica non-stock items", non_stock_items)):
        _attempt(choices, name, what, read, "Acumatica", ac.instance_url)
