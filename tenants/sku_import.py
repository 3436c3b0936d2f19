"""CSV import of SKU mappings: columns `bc_sku` and `inventory_id` (a header row is required).

Rows update an existing mapping with the same SKU (compared without regard to case) or create one.
Every bad row is reported with its line number; good rows are saved even when others fail.
"""
import csv
import io
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models.functions import Lower

from tenants.models import SkuMapping, Tenant, normalize_inventory_id, normalize_sku

SKU_HEADERS = {"bc_sku", "sku", "bigcommerce sku"}
INVENTORY_HEADERS = {"inventory_id", "inventoryid", "acumatica inventoryid"}


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    errors: list[str] = field(default_factory=list)


def _column(header: list[str], names: set[str]) -> int | None:
    for index, title in enumerate(header):
        if title.strip().lower() in names:
            return index
    return None


def import_sku_mappings(tenant: Tenant, data: bytes) -> ImportResult:
    result = ImportResult()
    try:
        rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    except UnicodeDecodeError:
        result.errors.append("The file is not UTF-8 text; export it as CSV (UTF-8).")
        return result
    if not rows:
        result.errors.append("The file is empty.")
        return result
    sku_col, inv_col = _column(rows[0], SKU_HEADERS), _column(rows[0], INVENTORY_HEADERS)
    if sku_col is None or inv_col is None:
        result.errors.append("The first row must name the columns bc_sku and inventory_id.")
        return result
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) <= max(sku_col, inv_col):
            result.errors.append(f"Line {line}: expected a SKU and an InventoryID.")
            continue
        _import_row(tenant, line, row[sku_col], row[inv_col], result)
    return result


def _import_row(tenant: Tenant, line: int, sku: str, inventory_id: str, result: ImportResult) -> None:
    sku, inventory_id = normalize_sku(sku), normalize_inventory_id(inventory_id)
    if not sku or not inventory_id:
        result.errors.append(f"Line {line}: both the SKU and the InventoryID are needed.")
        return
    if len(inventory_id) > 30:
        result.errors.append(f"Line {line}: InventoryID {inventory_id!r} is longer than Acumatica's 30 characters.")
        return
    mapping = (SkuMapping.objects.annotate(sku_lower=Lower("bc_sku"))
               .filter(tenant=tenant, sku_lower=sku.lower()).first())
    try:
        with transaction.atomic():
            if mapping is None:
                SkuMapping.objects.create(tenant=tenant, bc_sku=sku, inventory_id=inventory_id)
                result.created += 1
            elif mapping.inventory_id != inventory_id:
                mapping.inventory_id = inventory_id
                mapping.bc_product_id = mapping.bc_variant_id = None
                mapping.save()
                result.updated += 1
    except IntegrityError:
        result.errors.append(f"Line {line}: InventoryID {inventory_id} is already mapped to another SKU.")
