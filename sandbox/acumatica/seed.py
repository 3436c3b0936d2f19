"""Resets and seeds a simulated instance from the shared demo catalog.

InventoryIDs follow `sandbox.catalog_data.demo_catalog()`: `item.inventory_id` for simple products, one
stock item per variant SKU for products with variants, non-stock items for `is_stock=False`. Quantities
are split over two warehouses (MAIN and EAST).
"""
from collections.abc import Iterable, Sequence as Seq
from decimal import Decimal

from django.db import transaction

from sandbox.catalog_data import DemoItem, demo_catalog

from .documents import put_record
from .models import Instance

WAREHOUSES = ("MAIN", "EAST")
# Every Default version a current site serves that has a published schema (reference/acumatica-api.md §1).
ENDPOINT_VERSIONS = ("22.200.001", "23.200.001", "24.200.001")
DEMO_CUSTOMERS = [
    ("Ada Lovelace", "ada@example.com", "12 Analytical Way", "London", "", "SW1A 1AA", "GB"),
    ("Grace Hopper", "grace@example.com", "1 Compiler Ct", "Arlington", "VA", "22201", "US"),
    ("Alan Turing", "alan@example.com", "3 Enigma Rd", "Manchester", "", "M1 1AE", "GB"),
    ("Katherine Johnson", "katherine@example.com", "7 Orbit Ave", "Hampton", "VA", "23666", "US"),
]


@transaction.atomic
def seed_instance(slug: str = "demo", catalog: Iterable[DemoItem] | None = None,
                  versions: Seq[str] = ENDPOINT_VERSIONS, company: str = "Company",
                  customers: bool = True, **settings: object) -> Instance:
    """Deletes the instance `slug` (and all its state) and creates it again with catalog and customers.

    Extra keyword arguments set Instance fields (e.g. access_token_seconds=2, push_url=...)."""
    Instance.objects.filter(slug=slug).delete()
    instance = Instance.objects.create(slug=slug, company=company, versions=list(versions), **settings)
    for item in (demo_catalog() if catalog is None else catalog):
        _seed_item(instance, item)
    _seed_setup_lists(instance)
    if customers:
        for name, email, line1, city, state, postal, country in DEMO_CUSTOMERS:
            put_record(instance, "Customer", {"CustomerName": name, "MainContact": {
                "Email": email, "DisplayName": name,
                "Address": {"AddressLine1": line1, "City": city, "State": state, "PostalCode": postal,
                            "Country": country}}})
    return instance


# What a distributor's instance has set up for web sales: payment methods (with the cash accounts each
# may use in AR), warehouses, the tax that carries BigCommerce's tax, tax zones.
PAYMENT_METHODS = [("CC", "Credit card", ["10250"]), ("CASH", "Cash", ["10250", "10200"]),
                   ("CHECK", "Check", ["10200", "10250"]), ("STORECREDIT", "Store credit", ["10250"]),
                   ("GIFTCERT", "Gift certificate", ["10250"])]
TAXES = [("BCTAX", "Tax charged by BigCommerce")]
TAX_ZONES = [("TAXABLE", "Taxable customers"), ("EXEMPT", "Tax exempt")]


def _seed_setup_lists(instance: Instance) -> None:
    for method, description, accounts in PAYMENT_METHODS:
        put_record(instance, "PaymentMethod", {
            "PaymentMethodID": method, "Description": description, "Active": True, "UseInAR": True,
            "UseInAP": method == "CHECK", "MeansOfPayment": "Credit Card" if method == "CC" else "Cash/Check",
            "AllowedCashAccounts": [{"CashAccount": a, "UseInAR": True, "ARDefault": n == 0, "Branch": "MAIN"}
                                    for n, a in enumerate(accounts)]}, run_hooks=False)
    for warehouse in WAREHOUSES:
        put_record(instance, "Warehouse", {"WarehouseID": warehouse, "Description": f"{warehouse} warehouse",
                                           "Active": True}, run_hooks=False)
    for tax, description in TAXES:
        put_record(instance, "Tax", {"TaxID": tax, "Description": description, "TaxType": "Sales"}, run_hooks=False)
    for zone, description in TAX_ZONES:
        put_record(instance, "TaxZone", {"TaxZoneID": zone, "Description": description}, run_hooks=False)


def _seed_item(instance: Instance, item: DemoItem) -> None:
    if not item.is_stock:
        put_record(instance, "NonStockItem", {"InventoryID": item.inventory_id, "Description": item.name,
                                              "DefaultPrice": str(item.price), "CurrentCost": str(item.cost),
                                              "LastCost": str(item.cost)}, run_hooks=True)
        return
    variants = item.variants or [item]
    for v in variants:
        inventory_id = item.inventory_id if v is item else v.sku
        name = item.name if v is item else f"{item.name} {v.option}"
        put_record(instance, "StockItem", _stock_item(inventory_id, name, v.price, v.cost, v.quantity, item.weight),
                   run_hooks=False)


def _stock_item(inventory_id: str, name: str, price: Decimal, cost: Decimal, qty: int, weight: Decimal) -> dict:
    main, east = qty - qty // 3, qty // 3
    return {"InventoryID": inventory_id, "Description": name, "ItemStatus": "Active", "ItemClass": "STOCKITEM",
            "BaseUOM": "EA", "SalesUOM": "EA", "DefaultPrice": str(price), "CurrentStdCost": str(cost),
            "LastCost": str(cost), "AverageCost": str(cost), "DimensionWeight": str(weight),
            "DefaultWarehouseID": WAREHOUSES[0],
            "WarehouseDetails": [{"WarehouseID": WAREHOUSES[0], "QtyOnHand": str(main), "IsDefault": True,
                                  "Status": "Active"},
                                 {"WarehouseID": WAREHOUSES[1], "QtyOnHand": str(east), "IsDefault": False,
                                  "Status": "Active"}]}
