"""SKU -> BigCommerce product or variant id, kept on ``CatalogState`` (and on the SKU mapping).

Few unknown SKUs are looked up in batches by the push (``find_products_by_skus``, then variants);
many are found by reading BigCommerce's catalog once (``scan_catalog``): 250 rows a page instead
of a call per 50 SKUs (variants: per SKU, as ``sku:in`` is not documented for them).
"""
from __future__ import annotations


from sync.bigcommerce import BigCommerceClient
from sync.batches import chunked, update_rows
from sync.catalog_values import bc_values
from sync.inventory_ids import inventory_ids_for
from sync.models import CatalogState
from tenants.models import SkuMapping, Tenant

BC_PAGE = 250
STATE_BATCH = 500       # rows per UPDATE (sync.batches.update_rows)
STATE_FIELDS = ["sku", "is_stock", "target", "bc_product_id", "bc_variant_id", "price", "cost", "inventory",
                "refused_values", "not_in_bigcommerce", "tracks_inventory", "sales_unit", "stock_stamp", "pushed_at"]
# Exactly the fields each endpoint's rows are read for (`found`, `bc_values`, the base-variant test):
# BigCommerce answers the id and the named fields only (specs: IncludeFieldsParam of products and
# variants; the products list has no variant fields such as product_id or option_values).
PRODUCT_FIELDS = "sku,price,cost_price,inventory_tracking"
VARIANT_FIELDS = "product_id,sku,price,cost_price,option_values"
TRACKING_FIELDS = "inventory_tracking"


def forget(state: CatalogState, keep_values: bool) -> None:
    state.target, state.bc_product_id, state.bc_variant_id = "", None, None
    state.tracks_inventory = True
    if not keep_values:
        state.price = state.cost = state.inventory = None
        state.refused_values = None
        state.not_in_bigcommerce = False


def found(state: CatalogState, target: str, row: dict, tracking: str | None = None) -> None:
    """Caches what BigCommerce has for the SKU. ``tracking`` is the inventory_tracking of a variant's
    product (a product row carries its own): stock is pushed only where BigCommerce counts it."""
    state.target = target
    state.bc_product_id = int(row["product_id"] if target == "variant" else row["id"])
    state.bc_variant_id = int(row["id"]) if target == "variant" else None
    state.not_in_bigcommerce = False
    state.tracks_inventory = (row.get("inventory_tracking") if target == "product" else tracking) == target
    if state.price is None and state.cost is None:
        # Before our first push, what BigCommerce shows is the baseline: equal values are not re-sent.
        seen = bc_values(row)
        state.price, state.cost = seen.get("price"), seen.get("cost")


def copy_ids(source: CatalogState, state: CatalogState) -> None:
    for name in ("target", "bc_product_id", "bc_variant_id", "price", "cost", "not_in_bigcommerce", "tracks_inventory"):
        setattr(state, name, getattr(source, name))


def cache_on_mappings(tenant: Tenant, states: list[CatalogState]) -> None:
    """Keeps the ids on the SKU mapping rows too, where the merchant sees them."""
    by_inventory_id = {s.inventory_id.upper(): s for s in states}
    for mapping in SkuMapping.objects.filter(tenant=tenant, inventory_id__in=list(by_inventory_id)):
        state = by_inventory_id[mapping.inventory_id.upper()]
        if (mapping.bc_product_id, mapping.bc_variant_id) != (state.bc_product_id, state.bc_variant_id):
            SkuMapping.objects.filter(pk=mapping.pk).update(bc_product_id=state.bc_product_id,
                                                            bc_variant_id=state.bc_variant_id)


def scan_catalog(tenant: Tenant, bc: BigCommerceClient) -> None:
    """Caches the ids of every BigCommerce product and variant whose SKU maps to an InventoryID.

    One pass over products and one over variants (250 per page) instead of a lookup per 50 SKUs;
    pages are written as they come, so memory stays flat (but for each product's tracking mode, an
    int and a short string per product, which variants need).
    """
    tracking: dict[int, str] = {}
    for page in chunked(bc.iter_products(PRODUCT_FIELDS), BC_PAGE):
        tracking.update((int(row["id"]), str(row.get("inventory_tracking") or "")) for row in page)
        _store_scanned(tenant, "product", [row for row in page if row.get("sku")], tracking)
    for page in chunked(bc.iter_variants(VARIANT_FIELDS), BC_PAGE):
        # A product's base variant (no option values) carries the product's SKU; the product wins.
        _store_scanned(tenant, "variant", [row for row in page if row.get("sku") and row.get("option_values")],
                       tracking)


def _store_scanned(tenant: Tenant, target: str, rows: list[dict], tracking: dict[int, str]) -> None:
    ids = inventory_ids_for(tenant, [str(row["sku"]) for row in rows])
    by_inventory_id = {ids[str(row["sku"])]: row for row in rows if str(row["sku"]) in ids}
    if not by_inventory_id:
        return
    existing = {s.inventory_id: s for s in CatalogState.objects.filter(tenant=tenant,
                                                                         inventory_id__in=list(by_inventory_id))}
    new = []
    for inventory_id, row in by_inventory_id.items():
        state = existing.get(inventory_id) or CatalogState(tenant=tenant, inventory_id=inventory_id)
        if target == "variant" and state.target == "product":
            continue
        if state.sku != str(row["sku"]):
            forget(state, keep_values=False)
            state.sku = str(row["sku"])
        found(state, target, row, tracking.get(int(row.get("product_id") or 0)))
        if state.pk is None:
            new.append(state)
    CatalogState.objects.bulk_create(new, ignore_conflicts=True)
    update_rows(list(existing.values()), STATE_FIELDS, size=STATE_BATCH)
    cache_on_mappings(tenant, list(existing.values()) + new)
