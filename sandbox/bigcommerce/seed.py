"""Reset and seed a simulated store from the shared demo catalog."""
from __future__ import annotations

from django.db import transaction

from sandbox.catalog_data import DemoItem, demo_catalog

from .models import Customer, Location, Product, Store, Variant

DEMO_ACCESS_TOKEN = "sandbox-demo-access-token"
DEMO_CLIENT_ID = "sandbox-demo-client-id"
DEMO_CLIENT_SECRET = "sandbox-demo-client-secret"
DEMO_CUSTOMERS = [("Ada", "Lovelace"), ("Grace", "Hopper"), ("Alan", "Turing"), ("Katherine", "Johnson"),
                  ("Edsger", "Dijkstra")]


def _product(store: Store, item: DemoItem) -> Product:
    """Variant items make a product tracked by variant with no SKU of its own (BigCommerce's model)."""
    quantity = sum(v.quantity for v in item.variants) if item.variants else item.quantity
    return Product(store=store, name=item.name, sku="" if item.variants else item.sku, price=item.price,
                   cost_price=item.cost, weight=item.weight, inventory_level=quantity,
                   inventory_tracking="variant" if item.variants else "product")


def _variants(product: Product, item: DemoItem) -> list[Variant]:
    """A simple product gets one base variant carrying its SKU; a variant item one variant per option."""
    if not item.variants:
        return [Variant(product=product, sku=item.sku, is_base=True, inventory_level=item.quantity)]
    return [Variant(product=product, sku=v.sku, price=v.price, cost_price=v.cost, inventory_level=v.quantity,
                    option_values=[{"id": 1, "label": v.option, "option_id": 1, "option_display_name": "Colour"}])
            for v in item.variants]


def _add_catalog(store: Store, items: list[DemoItem]) -> None:
    products = Product.objects.bulk_create([_product(store, item) for item in items])
    Variant.objects.bulk_create([v for product, item in zip(products, items) for v in _variants(product, item)])


@transaction.atomic
def seed_store(store_hash: str = "demo1234", catalog: list[DemoItem] | None = None,
               access_token: str = DEMO_ACCESS_TOKEN, client_secret: str = DEMO_CLIENT_SECRET,
               client_id: str = DEMO_CLIENT_ID, local_receivers: bool = False) -> Store:
    """Deletes the store (and everything in it) and creates it again with the catalog and a few customers.

    Hook destinations must be https on port 443 as on a real store, unless `local_receivers` (http allowed)."""
    Store.objects.filter(store_hash=store_hash).delete()
    store = Store.objects.create(store_hash=store_hash, access_token=access_token, client_secret=client_secret,
                                 client_id=client_id, require_https_destinations=not local_receivers)
    # Two locations, like the instance's MAIN and EAST warehouses; the default one is what the Catalog API shows.
    Location.objects.bulk_create([
        Location(store=store, location_id=store.default_location_id, code="DEFAULT", label="Default location"),
        Location(store=store, location_id=store.default_location_id + 1, code="EAST", label="East warehouse")])
    _add_catalog(store, demo_catalog() if catalog is None else catalog)
    for first, last in DEMO_CUSTOMERS:
        Customer.objects.create(store=store, email=f"{first.lower()}.{last.lower()}@example.com", first_name=first,
                                last_name=last)
    return store
