"""The demo catalog both simulators are seeded from, so SKUs and InventoryIDs line up.

Deterministic (seeded random), so tests can rely on it. A few items deliberately use a different
code on each side; the connector covers those with SKU mappings (see MISMATCHED_CODES).
"""
import random
from dataclasses import dataclass, field
from decimal import Decimal

COLOURS = ["RED", "BLUE", "GREEN", "BLACK"]
# BigCommerce SKU -> Acumatica InventoryID for items whose codes differ on purpose.
MISMATCHED_CODES = {"TSHIRT-LEGACY-01": "TS-LEG-001", "MUG-OLD-7": "MUG-0007", "GIFT-WRAP": "SVC-GIFTWRAP"}


@dataclass
class DemoVariant:
    sku: str
    option: str
    price: Decimal
    cost: Decimal
    quantity: int


@dataclass
class DemoItem:
    sku: str                 # BigCommerce product SKU
    inventory_id: str        # Acumatica InventoryID (same as sku unless mismatched)
    name: str
    price: Decimal
    cost: Decimal
    quantity: int
    weight: Decimal
    is_stock: bool = True    # False: an Acumatica non-stock item (a service)
    variants: list[DemoVariant] = field(default_factory=list)


def demo_catalog(count: int = 300, seed: int = 7) -> list[DemoItem]:
    """`count` products; every fifth has colour variants (each variant is its own Acumatica stock item)."""
    rng = random.Random(seed)
    items = []
    for n in range(1, count + 1):
        sku = f"SKU-{n:05d}"
        price = Decimal(rng.randrange(500, 20000)) / 100
        item = DemoItem(sku=sku, inventory_id=sku, name=f"Demo product {n}", price=price,
                        cost=(price * Decimal("0.55")).quantize(Decimal("0.01")), quantity=rng.randrange(0, 200),
                        weight=Decimal(rng.randrange(1, 50)) / 10)
        if n % 5 == 0:
            item.variants = [DemoVariant(sku=f"{sku}-{c}", option=c, price=price, cost=item.cost,
                                         quantity=rng.randrange(0, 60)) for c in COLOURS]
        items.append(item)
    for bc_sku, inventory_id in MISMATCHED_CODES.items():
        items.append(DemoItem(sku=bc_sku, inventory_id=inventory_id, name=f"Mapped {bc_sku}",
                              price=Decimal("19.99"), cost=Decimal("7.50"), quantity=40, weight=Decimal("0.5"),
                              is_stock=not bc_sku.startswith("GIFT")))
    return items
