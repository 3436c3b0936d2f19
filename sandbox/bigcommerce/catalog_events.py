"""Product and SKU webhook events for catalog and inventory changes made through the API.

Reference: reference/bigcommerce-api.md §1.2 (payloads and when they fire):
- store/product/updated {type:"product", id}; store/sku/updated {type:"sku", id, sku:{product_id, variant_id}};
- store/product/inventory/updated only for products tracked by product, store/sku/inventory/updated only for
  products tracked by variant: {.., inventory:{product_id, method, value[, variant_id]}}, where `method` is
  "absolute" for the API and control panel ("relative" is an order's) and `value` the change in items.
The sandbox has no product create/delete endpoints, so store/product/created and /deleted never fire.

A request collects its events in an ``Events`` and emits them together at its end, in the order they
happened: a batch of 50 variants reads the store's hooks once, not 100 times.
"""
from __future__ import annotations

from typing import Any

from .models import Product, Store, Variant
from .webhooks import emit_all

ABSOLUTE = "absolute"


class Events:
    """One request's catalog events for one store, emitted by ``emit()`` (inside the request's transaction)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.queued: list[tuple[str, dict[str, Any]]] = []

    def emit(self) -> None:
        emit_all(self.store, self.queued)
        self.queued = []

    def product_updated(self, product: Product) -> None:
        self.queued.append(("store/product/updated", {"type": "product", "id": product.pk}))

    def sku_updated(self, variant: Variant) -> None:
        self.queued.append(("store/sku/updated", {"type": "sku", "id": variant.pk,
                                                  "sku": {"product_id": variant.product_id, "variant_id": variant.pk}}))

    def inventory_changed(self, row: Product | Variant, change: int, method: str = ABSOLUTE) -> None:
        """A level moved by `change` items on a product tracked by product (or its base variant) or a variant."""
        if change == 0:
            return
        product = row if isinstance(row, Product) else row.product
        if product.inventory_tracking == "product":
            self.queued.append(("store/product/inventory/updated", {"type": "product", "id": product.pk, "inventory": {
                "product_id": product.pk, "method": method, "value": change}}))
        elif product.inventory_tracking == "variant" and isinstance(row, Variant):
            self.queued.append(("store/sku/inventory/updated", {"type": "sku", "id": row.pk, "inventory": {
                "product_id": product.pk, "method": method, "value": change, "variant_id": row.pk}}))
