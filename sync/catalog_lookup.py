"""SKU -> BigCommerce product or variant id, kept on ``CatalogState`` (and on the SKU mapping).

Few unknown SKUs are looked up in batches by the push (``find_products_by_skus``, then variants);
many are found by reading BigCommerce's catalog once (``scan_catalog``): 250 rows a page instead
of a call per 50 SKUs (variants: per SKU, as ``sku:in`` is not documented for them).
"""
from __future__ import annotations


from sync.bigcommerce import BigCommerceClient
from sync.batches import chunked
from sync.catalog_values import bc_values
from sync.inventory_ids import inventory_ids_for
from sync.models import CatalogState
from tenants.models import SkuMapping, Tenant

BC_PAGE = 250
STATE_BATCH = 100       # rows per bulk UPDATE; larger CASE statements get slower, not faster
STATE_FIELDS = ["sku", "is_stock", "target", "bc_product_id", "bc_variant_id", "price", "cost", "inventory",
                "refused_values", "pushed_at"]


def forget(state: CatalogState, keep_values: bool) -> None:
    state.target, state.bc_product_id, state.bc_variant_id = "", None, None
    if not keep_values:
        state.price = state.cost = state.inventory = None
        state.refused_values = None


def found(state: CatalogState, target: str, row: dict) -> None:
    state.target = target
    state.bc_product_id = int(row["product_id"] if target == "variant" else row["id"])
    state.bc_variant_id = int(row["id"]) if target == "variant" else None
    if state.price is None and state.cost is None:
        # Before our first push, what BigCommerce shows is the baseline: equal values are not re-sent.
        seen = bc_values(row)
        state.price, state.cost = seen.get("price"), seen.get("cost")


def copy_ids(source: CatalogState, state: CatalogState) -> None:
    for name in ("target", "bc_product_id", "bc_variant_id", "price", "cost"):
        setattr(state, name, getattr(source, name))


def cache_on_mappings(tenant: Tenant, states: list[CatalogState]) -> None:
    """Keeps the ids on the SKU mapping rows too, where the merchant sees them."""
    by_inventory_id = {s.inventory_id.upper(): s for s in states}
    for mapping in SkuMapping.objects.filter(tenant=tenant, inventory_id__in=list(by_inventory_id)):
        state = by_inventory_id[mapping.inventory_id.upper()]
        if (mapping.bc_product_id, mapping.bc_variant_id) != (state.bc_product_id, state.bc_variant_id):
            SkuMapping.objects.filter(pk=mapping.pk).update(bc_product_id=state.bc_product_id,
                                                            bc_variant_id=state.bc_variant_id)


SCAN_FIELDS = "id,product_id,sku,price,cost_price,option_values"


def scan_catalog(tenant: Tenant, bc: BigCommerceClient) -> None:
    """Caches the ids of every BigCommerce product and variant whose SKU maps to an InventoryID.

    One pass over products and one over variants (250 per page) instead of a lookup per 50 SKUs;
    pages are written as they come, so memory stays flat.
    """
    for page in chunked(bc.iter_products(SCAN_FIELDS), BC_PAGE):
        _store_scanned(tenant, "product", [row for row in page if row.get("sku")])
    for page in chunked(bc.iter_variants(SCAN_FIELDS), BC_PAGE):
        # A product's base variant (no option values) carries the product's SKU; the product wins.
        _store_scanned(tenant, "variant", [row for row in page if row.get("sku") and row.get("option_values")])


def _store_scanned(tenant: Tenant, target: str, rows: list[dict]) -> None:
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
        found(state, target, row)
        if state.pk is None:
            new.append(state)
    CatalogState.objects.bulk_create(new, ignore_conflicts=True)
    CatalogState.objects.bulk_update(list(existing.values()), STATE_FIELDS, batch_size=STATE_BATCH)
    cache_on_mappings(tenant, list(existing.values()) + new)
