"""Reset and seed a simulated store from the shared demo catalog."""
from __future__ import annotations

from django.db import transaction

from sandbox.catalog_data import DemoItem, demo_catalog

from .models import Customer, Product, Store, Variant

DEMO_ACCESS_TOKEN = "sandbox-demo-access-token"
DEMO_CLIENT_ID = "sandbox-demo-client-id"
DEMO_CLIENT_SECRET = "sandbox-demo-client-secret"
DEMO_CUSTOMERS = [("Ada", "Lovelace"), ("Grace", "Hopper"), ("Alan", "Turing"), ("Katherine", "Johnson"),
                  ("Edsger", "Dijkstra")]


def _add_product(store: Store, item: DemoItem) -> Product:
    """Simple items get a base variant with the product SKU; variant items get one variant per option
    and a product tracked by variant (BigCommerce's model)."""
    tracking = "variant" if item.variants else "product"
    quantity = sum(v.quantity for v in item.variants) if item.variants else item.quantity
    product = Product.objects.create(store=store, name=item.name, sku="" if item.variants else item.sku,
                                     price=item.price, cost_price=item.cost, weight=item.weight,
                                     inventory_level=quantity, inventory_tracking=tracking)
    if not item.variants:
        Variant.objects.create(product=product, sku=item.sku, is_base=True, inventory_level=item.quantity)
    for v in item.variants:
        option = [{"id": 1, "label": v.option, "option_id": 1, "option_display_name": "Colour"}]
        Variant.objects.create(product=product, sku=v.sku, option_values=option, price=v.price, cost_price=v.cost,
                               inventory_level=v.quantity)
    return product


@transaction.atomic
def seed_store(store_hash: str = "demo1234", catalog: list[DemoItem] | None = None,
               access_token: str = DEMO_ACCESS_TOKEN, client_secret: str = DEMO_CLIENT_SECRET,
               client_id: str = DEMO_CLIENT_ID) -> Store:
    """Deletes the store (and everything in it) and creates it again with the catalog and a few customers."""
    Store.objects.filter(store_hash=store_hash).delete()
    store = Store.objects.create(store_hash=store_hash, access_token=access_token, client_secret=client_secret,
                                 client_id=client_id)
    for item in demo_catalog() if catalog is None else catalog:
        _add_product(store, item)
    for first, last in DEMO_CUSTOMERS:
        Customer.objects.create(store=store, email=f"{first.lower()}.{last.lower()}@example.com", first_name=first,
                                last_name=last)
    return store
