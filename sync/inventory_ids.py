"""SKU <-> InventoryID, through the tenant's SKU mappings, then the same code on both sides."""
from django.db.models import Exists, OuterRef
from django.db.models.functions import Lower, Upper

from tenants.models import SkuMapping, Tenant


def inventory_ids_for(tenant: Tenant, skus: list[str], tenant_maps_skus: bool = True) -> dict[str, str]:
    """BigCommerce SKU -> Acumatica InventoryID for every SKU that has one (missing SKUs are absent).

    ``tenant_maps_skus=False``: the caller knows the tenant has no SKU mapping at all (an order run's claim
    answers it, ``tenant_maps_skus_fact``), so there is nothing to read."""
    wanted = {sku.lower(): sku for sku in skus if sku}
    found = {}
    rows = (SkuMapping.objects.filter(tenant=tenant).annotate(sku_lower=Lower("bc_sku"))
            .filter(sku_lower__in=list(wanted)).values_list("sku_lower", "inventory_id")) if tenant_maps_skus else []
    for sku_lower, inventory_id in rows:
        found[wanted[sku_lower]] = inventory_id
    if tenant.same_code_fallback:
        for sku in wanted.values():
            found.setdefault(sku, sku)
    return found


def tenant_maps_skus_fact() -> Exists:
    """For a claim's query (``sync.tasks.register_pipeline`` facts): has the record's tenant any SKU mapping?"""
    return Exists(SkuMapping.objects.filter(tenant_id=OuterRef("tenant_id")))


def skus_for(tenant: Tenant, inventory_ids: list[str]) -> dict[str, str]:
    """Acumatica InventoryID -> BigCommerce SKU (the reverse direction, for catalog pushes)."""
    wanted = {inventory_id.upper(): inventory_id for inventory_id in inventory_ids if inventory_id}
    found = {}
    rows = (SkuMapping.objects.filter(tenant=tenant).annotate(inv_upper=Upper("inventory_id"))
            .filter(inv_upper__in=list(wanted)).values_list("inv_upper", "bc_sku"))
    for inv_upper, sku in rows:
        found[wanted[inv_upper]] = sku
    if tenant.same_code_fallback:
        mapped_skus = set(SkuMapping.objects.filter(tenant=tenant).annotate(sku_upper=Upper("bc_sku"))
                          .filter(sku_upper__in=list(wanted)).values_list("sku_upper", flat=True))
        for inv_upper, inventory_id in wanted.items():
            # A code that is some other item's mapped SKU must not also match itself.
            if inventory_id not in found and inv_upper not in mapped_skus:
                found[inventory_id] = inventory_id
    return found
