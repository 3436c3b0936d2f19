"""The catalog part of the onboarding/settings form: which stock the storefront may sell.

A mixin of form fields (``CatalogSettingsFields``) that ``OnboardingForm`` inherits, so the catalog
choices sit with the rest of the tenant's settings on the page the merchant works in. A change to
what stock means (quantity, warehouses, safety stock) restarts the stock read, so the next catalog
push recomputes every item's quantity instead of only those whose stock moves later.
"""
from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError

from tenants.models import Tenant

STOCK_SETTINGS = ("stock_quantity", "warehouses", "safety_stock", "catalog_excluded_items")
ACUMATICA_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _\-./]{0,29}$")


def _id_list(text: str, what: str) -> list[str]:
    """Comma- or line-separated Acumatica IDs, upper case (Acumatica compares them without case), once each."""
    ids = [part.strip().upper() for part in re.split(r"[,\n]", text or "") if part.strip()]
    bad = [i for i in ids if not ACUMATICA_ID.match(i)]
    if bad:
        raise ValidationError(f"Not a valid {what}: {', '.join(bad)} (up to 30 letters, digits, spaces, - _ . /).")
    return list(dict.fromkeys(ids))


class CatalogSettingsFields(forms.Form):
    stock_quantity = forms.ChoiceField(
        label="Stock to publish", choices=Tenant.StockQuantity.choices, initial=Tenant.StockQuantity.AVAILABLE,
        widget=forms.RadioSelect, required=False,
        help_text="Available is on hand minus what open sales orders have allocated; available for shipping also "
                  "holds back stock on shipments; on hand counts everything in the warehouse.")
    warehouses = forms.CharField(
        label="Warehouses", required=False, widget=forms.TextInput(attrs={"placeholder": "all warehouses"}),
        help_text="Acumatica WarehouseIDs whose stock counts, separated by commas; empty means all.")
    safety_stock = forms.IntegerField(
        label="Safety stock", min_value=0, initial=0, required=False,
        help_text="Units held back from the storefront per item, in the item's sales unit.")
    catalog_excluded_items = forms.CharField(
        label="Items not sold online", required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Acumatica InventoryIDs never pushed to BigCommerce, separated by commas. The refund adjustment "
                  "item is always left out.")

    @staticmethod
    def catalog_initial(tenant: Tenant) -> dict:
        return {"stock_quantity": tenant.stock_quantity, "warehouses": ", ".join(tenant.warehouses or []),
                "safety_stock": tenant.safety_stock,
                "catalog_excluded_items": ", ".join(tenant.catalog_excluded_items or [])}

    def clean_stock_quantity(self) -> str:
        return self.cleaned_data.get("stock_quantity") or Tenant.StockQuantity.AVAILABLE

    def clean_safety_stock(self) -> int:
        return self.cleaned_data.get("safety_stock") or 0

    def clean_warehouses(self) -> list[str]:
        return _id_list(self.cleaned_data.get("warehouses", ""), "WarehouseID")

    def clean_catalog_excluded_items(self) -> list[str]:
        return _id_list(self.cleaned_data.get("catalog_excluded_items", ""), "InventoryID")

    def apply_catalog_settings(self, tenant: Tenant) -> bool:
        """Copies the choices onto the tenant (unsaved); True when what stock means has changed.

        A setting the request did not carry at all (a client posting only some fields) keeps its value."""
        changed = False
        for name in STOCK_SETTINGS:
            if name not in self.data:
                continue
            value = self.cleaned_data[name]
            if getattr(tenant, name) != value:
                setattr(tenant, name, value)
                changed = True
        return changed and tenant.pk is not None


def restart_stock_read(tenant: Tenant) -> None:
    """The next catalog push reads every item's stock again (with the new meaning), not only moves."""
    from sync.models import CatalogState, Cursor
    Cursor.objects.filter(tenant=tenant, stream="availability").update(position=None)
    CatalogState.objects.filter(tenant=tenant).update(stock_stamp="")
