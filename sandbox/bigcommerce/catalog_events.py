"""Product and SKU webhook events for catalog and inventory changes made through the API.

Reference: reference/bigcommerce-api.md §1.2 (payloads and when they fire):
- store/product/updated {type:"product", id}; store/sku/updated {type:"sku", id, sku:{product_id, variant_id}};
- store/product/inventory/updated only for products tracked by product, store/sku/inventory/updated only for
  products tracked by variant: {.., inventory:{product_id, method, value[, variant_id]}}, where `method` is
  "absolute" for the API and control panel ("relative" is an order's) and `value` the change in items.
The sandbox has no product create/delete endpoints, so store/product/created and /deleted never fire.
"""
from __future__ import annotations

from .models import Product, Variant
from .webhooks import emit

ABSOLUTE = "absolute"


def product_updated(product: Product) -> None:
    emit(product.store, "store/product/updated", {"type": "product", "id": product.pk})


def sku_updated(variant: Variant) -> None:
    emit(variant.product.store, "store/sku/updated",
         {"type": "sku", "id": variant.pk, "sku": {"product_id": variant.product_id, "variant_id": variant.pk}})


def inventory_changed(row: Product | Variant, change: int, method: str = ABSOLUTE) -> None:
    """A level moved by `change` items on a product tracked by product (or its base variant) or a variant."""
    if change == 0:
        return
    product = row if isinstance(row, Product) else row.product
    if product.inventory_tracking == "product":
        emit(product.store, "store/product/inventory/updated", {"type": "product", "id": product.pk, "inventory": {
            "product_id": product.pk, "method": method, "value": change}})
    elif product.inventory_tracking == "variant" and isinstance(row, Variant):
        emit(product.store, "store/sku/inventory/updated", {"type": "sku", "id": row.pk, "inventory": {
            "product_id": product.pk, "method": method, "value": change, "variant_id": row.pk}})
