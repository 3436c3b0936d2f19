"""Catalog v3 (products, variants, batch updates) and the Inventory API's adjustments."""
from __future__ import annotations

import uuid
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet, Sum
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from sync.batches import update_rows  # a plain SQL bulk UPDATE (Django's bulk_update costs ~10 ms a row here)

from . import catalog_events as events
from .gate import ApiError, json_response, read_json
from .models import Location, LocationLevel, Product, Store, Variant
from .params import csv_param, date_param, int_list, page_window
from .render import pagination_meta, product_json, variant_json

PRODUCT_BATCH_LIMIT = 10    # Reference: reference/bigcommerce-api.md §7 ("Batches are limited to 10 products").
VARIANT_BATCH_LIMIT = 50    # Reference: reference/bigcommerce-api.md §7 ("Currently the limit is 50 variants").
ADJUSTMENT_LIMIT = 2000     # Reference: reference/bigcommerce-api.md §7 (2000 items per request).
MONEY_FIELDS = ("price", "cost_price", "sale_price", "retail_price", "weight")
INT_FIELDS = ("inventory_level", "inventory_warning_level")


def _page(request: HttpRequest, qs: QuerySet, render: Any) -> HttpResponse:
    page, limit = page_window(request)
    total = qs.count()
    rows = [render(row) for row in qs[(page - 1) * limit: page * limit]]
    return json_response({"data": rows, "meta": pagination_meta(total, len(rows), page, limit)})


def _include(request: HttpRequest) -> set[str]:
    return set(csv_param(request, "include") or [])


def _fields(request: HttpRequest, render: Any, keep: set[str] = frozenset()) -> Any:
    """Wraps a renderer with `include_fields` / `exclude_fields`: the id and the named fields only, or all
    but the excluded ones; the id is never dropped (specs: IncludeFieldsParam, ExcludeFieldsParam).
    ``keep`` are sub-resources asked for with `include`, which `include_fields` does not remove."""
    include, exclude = csv_param(request, "include_fields"), set(csv_param(request, "exclude_fields") or [])

    def rendered(row: Any) -> dict[str, Any]:
        data = render(row)
        if include is not None:
            data = {key: value for key, value in data.items() if key == "id" or key in include or key in keep}
        return {key: value for key, value in data.items() if key == "id" or key not in exclude}
    return rendered


def _filter_products(request: HttpRequest, qs: QuerySet[Product]) -> QuerySet[Product]:
    ids, skus = int_list(request, "id:in"), csv_param(request, "sku:in")
    filters: dict[str, Any] = {"date_modified__gte": date_param(request, "date_modified:min"),
                               "date_modified__lte": date_param(request, "date_modified:max")}
    if ids is not None:
        filters["pk__in"] = ids
    if skus is not None:
        qs = qs.filter(sku_matches(skus))
    for name, lookup in (("id", "pk"), ("sku", "sku__iexact"), ("name", "name")):
        if request.GET.get(name):
            filters[lookup] = request.GET[name]
    return qs.filter(**{k: v for k, v in filters.items() if v is not None})


def sku_matches(skus: list[str]) -> Q:
    """SKUs are unique without regard to case in a store, and the filters match them that way."""
    match = Q(pk__in=[])
    for sku in skus:
        match |= Q(sku__iexact=sku)
    return match


def list_products(request: HttpRequest, store: Store) -> HttpResponse:
    # Reference: specs/bigcommerce/products_catalog.v3.yml GET /catalog/products (sku, sku:in, id:in, include).
    include = _include(request)
    qs = _filter_products(request, store.products.order_by("pk").prefetch_related("variants"))
    return _page(request, qs, _fields(request, lambda p: product_json(p, include), include))


def _product(store: Store, product_id: int) -> Product:
    product = store.products.filter(pk=product_id).first()
    if product is None:
        raise ApiError(404, "The requested product was not found.")
    return product


def get_product(request: HttpRequest, store: Store, product_id: int) -> HttpResponse:
    # Reference: specs/bigcommerce/products_catalog.v3.yml GET /catalog/products/{product_id}.
    include = _include(request)
    render = _fields(request, lambda p: product_json(p, include), include)
    return json_response({"data": render(_product(store, product_id)), "meta": {}})


def _decimal(name: str, value: Any, nullable: bool) -> Decimal | None:
    if value is None and nullable:
        return None
    try:
        result = Decimal(str(value))
    except (InvalidOperation, ValueError):
        result = Decimal("-1")
    if isinstance(value, bool) or result < 0:
        raise ApiError(422, "JSON data is missing or invalid", {name: f"{value!r} is not a valid number"})
    return result


def _apply(row: Product | Variant, body: dict[str, Any], nullable: bool) -> None:
    for name in MONEY_FIELDS:
        if name in body:
            setattr(row, name, _decimal(name, body[name], nullable))
    for name in INT_FIELDS:
        if name in body:
            if not isinstance(body[name], int) or isinstance(body[name], bool) or body[name] < 0:
                raise ApiError(422, "JSON data is missing or invalid", {name: "must be a non-negative integer"})
            setattr(row, name, body[name])
    if "sku" in body:
        row.sku = str(body["sku"])


PRODUCT_FIELDS = [*MONEY_FIELDS, *INT_FIELDS, "sku", "inventory_tracking", "name", "is_visible", "date_modified"]
VARIANT_FIELDS = [*MONEY_FIELDS, *INT_FIELDS, "sku"]


def _update_product(product: Product, body: dict[str, Any], changes: events.Events) -> dict[str, Any]:
    """Applies one product's changes in memory (``_save_products`` writes them); returns its JSON as it
    stands after this change (a batch naming a product twice answers each row with its own state)."""
    level_before = product.inventory_level
    _apply(product, body, nullable=False)
    if body.get("inventory_tracking") in ("none", "product", "variant"):
        product.inventory_tracking = body["inventory_tracking"]
    for name in ("name", "is_visible"):
        if name in body:
            setattr(product, name, body[name])
    product.date_modified = timezone.now()
    changes.product_updated(product)
    changes.inventory_changed(product, product.inventory_level - level_before)
    return product_json(product, set())


def _save_products(products: list[Product]) -> None:
    """Writes the products changed in memory, and their base variants, which mirror a simple product
    (as in BigCommerce): a few statements for a whole batch."""
    update_rows(products, PRODUCT_FIELDS)
    _sync_base_variants(products)


def _sync_base_variants(products: list[Product]) -> None:
    base = list(Variant.objects.filter(product__in=products, is_base=True))
    by_id = {product.pk: product for product in products}
    for variant in base:
        variant.sku, variant.inventory_level = by_id[variant.product_id].sku, by_id[variant.product_id].inventory_level
    update_rows(base, ["sku", "inventory_level"])


def _products(store: Store, ids: list[int]) -> dict[int, Product]:
    """The products a batch names, in one query (their variants too: ``product_json`` names the base one)."""
    return {p.pk: p for p in store.products.filter(pk__in=ids).prefetch_related("variants")}


def _batch(request: HttpRequest, limit: int) -> list[dict[str, Any]]:
    body = read_json(request)
    if not isinstance(body, list) or not all(isinstance(row, dict) for row in body):
        raise ApiError(422, "JSON data is missing or invalid", {"body": "must be an array of objects"})
    if len(body) > limit:
        # Reference: specs/bigcommerce/products_catalog.v3.yml PUT /catalog/products 413 (error_Base).
        raise ApiError(413, f"The maximum items allowed in the array is {limit}.")
    if not body:
        raise ApiError(422, "JSON data is missing or invalid", {"body": "must not be empty"})
    for n, row in enumerate(body):
        if not isinstance(row.get("id"), int):
            raise ApiError(422, "JSON data is missing or invalid", {f"[{n}].id": "is required"})
    return body


def update_products(request: HttpRequest, store: Store) -> HttpResponse:
    # Reference: specs/bigcommerce/products_catalog.v3.yml PUT /catalog/products (batch of up to 10).
    rows = _batch(request, PRODUCT_BATCH_LIMIT)
    return json_response({"data": _update_products(store, rows), "meta": {}})


def _update_products(store: Store, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """All or nothing, row by row in order: the first row naming a missing product or a bad value
    answers for the batch, and nothing is written."""
    products, changes = _products(store, [row["id"] for row in rows]), events.Events(store)
    data = []
    for row in rows:
        if row["id"] not in products:
            raise ApiError(404, "The requested product was not found.")
        data.append(_update_product(products[row["id"]], row, changes))
    with transaction.atomic():
        _save_products(list({row["id"]: products[row["id"]] for row in rows}.values()))
        changes.emit()
    return data


def update_product(request: HttpRequest, store: Store, product_id: int) -> HttpResponse:
    # Reference: specs/bigcommerce/products_catalog.v3.yml PUT /catalog/products/{product_id}.
    body = read_json(request)
    if not isinstance(body, dict):
        raise ApiError(422, "JSON data is missing or invalid", {"body": "must be an object"})
    return json_response({"data": _update_products(store, [{**body, "id": product_id}])[0], "meta": {}})


def _variants(store: Store) -> QuerySet[Variant]:
    return Variant.objects.filter(product__store=store).select_related("product").order_by("pk")


def list_variants(request: HttpRequest, store: Store) -> HttpResponse:
    # Reference: specs/bigcommerce/product-variants_catalog.v3.yml GET /catalog/variants (id, sku, upc,
    # product_id:in, include_fields, exclude_fields). `sku:in` is not among its filters: refused rather than
    # ignored, so a client never trusts 250 unfiltered variants as the SKUs it asked for.
    if "sku:in" in request.GET:
        raise ApiError(400, "The filter sku:in is not supported on /catalog/variants; filter by sku, one at a time.",
                       {"sku:in": "not a filter of this endpoint"})
    qs = _variants(store)
    product_ids = int_list(request, "product_id:in")
    if product_ids is not None:
        qs = qs.filter(product_id__in=product_ids)
    for name, lookup in (("id", "pk"), ("sku", "sku")):
        if request.GET.get(name):
            qs = qs.filter(**{lookup: request.GET[name]})
    return _page(request, qs, _fields(request, variant_json))


def list_product_variants(request: HttpRequest, store: Store, product_id: int) -> HttpResponse:
    # Reference: specs/bigcommerce/product-variants_catalog.v3.yml GET /catalog/products/{product_id}/variants.
    product = _product(store, product_id)
    return _page(request, _variants(store).filter(product=product), _fields(request, variant_json))


def _update_variant(variant: Variant, body: dict[str, Any], changes: events.Events, totals: dict[int, bool]) -> dict:
    """Applies one variant's changes in memory (``_save_variants`` writes them); returns its JSON as it stands
    after this change. ``totals``: product id -> whether its level is the sum of its variants' (as the last
    change to it left it) or was set from its base variant."""
    level_before = variant.inventory_level
    _apply(variant, body, nullable=True)
    changes.sku_updated(variant)
    changes.inventory_changed(variant, variant.inventory_level - level_before)
    product = variant.product
    if variant.is_base and ("inventory_level" in body or "sku" in body):
        product.inventory_level, product.sku = variant.inventory_level, variant.sku
        totals[product.pk] = False
    elif product.inventory_tracking == "variant":
        totals[product.pk] = True
    product.date_modified = timezone.now()
    return variant_json(variant)


def _save_variants(variants: list[Variant], totals: dict[int, bool]) -> None:
    """Writes the variants, then their products; a product tracked by variant holds the sum of its variants'
    levels, read once the batch's variants are written."""
    update_rows(variants, VARIANT_FIELDS)
    products = list({variant.product_id: variant.product for variant in variants}.values())
    summed = [product.pk for product in products if totals.get(product.pk)]
    sums = _variant_totals(summed)
    for product in products:
        if totals.get(product.pk):
            product.inventory_level = sums.get(product.pk) or 0
    update_rows(products, PRODUCT_FIELDS)


def _variants_by_id(store: Store, ids: list[int]) -> dict[int, Variant]:
    """The store's variants among ``ids``, with their products. Read by key, then checked against the store:
    joined on the store in SQL, SQLite walks every variant of the store (a second per 800 ids at 10,000)."""
    rows = Variant.objects.filter(pk__in=ids).select_related("product")
    return {variant.pk: variant for variant in rows if variant.product.store_id == store.pk}


def _variant_totals(product_ids: list[int]) -> dict[int, int]:
    """Product id -> the sum of its variants' levels, in one query."""
    if not product_ids:
        return {}
    rows = (Variant.objects.filter(product_id__in=product_ids).order_by().values("product_id")
            .annotate(total=Sum("inventory_level")).values_list("product_id", "total"))
    return {product_id: total or 0 for product_id, total in rows}


def _variant(store: Store, variant_id: int) -> Variant:
    variant = _variants(store).filter(pk=variant_id).first()
    if variant is None:
        raise ApiError(404, "The requested variant was not found.")
    return variant


def update_variants(request: HttpRequest, store: Store) -> HttpResponse:
    # Reference: specs/bigcommerce/product-variants_catalog.v3.yml PUT /catalog/variants (batch of up to 50).
    rows = _batch(request, VARIANT_BATCH_LIMIT)
    return json_response({"data": _update_variants(store, rows), "meta": {}})


def _update_variants(store: Store, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """All or nothing, row by row in order, as ``_update_products``; one instance per product, so two
    variants of one product in a batch see each other's changes."""
    variants = _variants_by_id(store, [row["id"] for row in rows])
    products: dict[int, Product] = {}
    for variant in variants.values():
        variant.product = products.setdefault(variant.product_id, variant.product)
    changes, totals, data = events.Events(store), {}, []
    for row in rows:
        if row["id"] not in variants:
            raise ApiError(404, "The requested variant was not found.")
        data.append(_update_variant(variants[row["id"]], row, changes, totals))
    with transaction.atomic():
        _save_variants(list({row["id"]: variants[row["id"]] for row in rows}.values()), totals)
        changes.emit()
    return data


def update_product_variant(request: HttpRequest, store: Store, product_id: int, variant_id: int) -> HttpResponse:
    # Reference: specs/bigcommerce/product-variants_catalog.v3.yml PUT /catalog/products/{product_id}/variants/{variant_id}.
    variant = _variant(store, variant_id)
    if variant.product_id != product_id:
        raise ApiError(404, "The requested variant was not found.")
    body = read_json(request)
    if not isinstance(body, dict):
        raise ApiError(422, "JSON data is missing or invalid", {"body": "must be an object"})
    return json_response({"data": _update_variants(store, [{**body, "id": variant_id}])[0], "meta": {}})


# --- inventory --------------------------------------------------------------------------------

def _adjustment_items(request: HttpRequest, store: Store) -> list[dict[str, Any]]:
    body = read_json(request)
    items = body.get("items") if isinstance(body, dict) else None
    if not isinstance(items, list) or not items:
        raise ApiError(422, "JSON data is missing or invalid", {"items": "is required"})
    if len(items) > ADJUSTMENT_LIMIT:
        raise ApiError(413, f"The maximum items allowed in the array is {ADJUSTMENT_LIMIT}.")
    enabled = set(store.locations.filter(enabled=True).values_list("location_id", flat=True))
    for n, item in enumerate(items):
        _check_adjustment(store, n, item, enabled)
    return items


def _check_adjustment(store: Store, n: int, item: Any, enabled: set[int]) -> None:
    keys = [k for k in ("sku", "variant_id", "product_id") if isinstance(item, dict) and k in item]
    if len(keys) != 1 or not isinstance(item.get("quantity"), int) or not isinstance(item.get("location_id"), int):
        raise ApiError(422, "JSON data is missing or invalid",
                       {f"items[{n}]": "needs location_id, quantity and one of sku, variant_id, product_id"})
    if item["location_id"] not in enabled and item["location_id"] != store.default_location_id:
        raise ApiError(422, f"Location with id {item['location_id']} does not exist.")


class _Catalog:
    """Products and variants an adjustment names, loaded in three queries rather than per item."""

    def __init__(self, store: Store, items: list[dict[str, Any]]) -> None:
        variants = _variants(store).select_related("product")
        self.by_sku = {v.sku: v for v in variants.filter(sku__in=[i["sku"] for i in items if "sku" in i])}
        self.by_id = _variants_by_id(store, [i["variant_id"] for i in items if "variant_id" in i])
        self.products = {p.pk: p for p in store.products.filter(pk__in=[i["product_id"] for i in items
                                                                        if "product_id" in i])}

    def target(self, item: dict[str, Any]) -> Product | Variant:
        """The row whose level the item sets (a base variant stands for its product); 422 when the
        item does not exist or its tracking mode does not match."""
        if "product_id" in item:
            row: Product | Variant | None = self.products.get(item["product_id"])
        else:
            row = self.by_id.get(item["variant_id"]) if "variant_id" in item else self.by_sku.get(item["sku"])
        if row is None:
            raise ApiError(422, f"Item {item} does not exist.")
        product = row if isinstance(row, Product) else row.product
        wanted = "product" if isinstance(row, Product) or row.is_base else "variant"
        if product.inventory_tracking != wanted:
            key = next(k for k in ("sku", "variant_id", "product_id") if k in item)
            raise ApiError(422, f"Item with {key} {item[key]} is tracked by {product.inventory_tracking}.")
        return product if wanted == "product" else row


def _apply_levels(levels: dict[Product | Variant, int]) -> None:
    """Writes the new levels; base variants mirror their product, variant-tracked products sum their variants."""
    now = timezone.now()
    products = [row for row in levels if isinstance(row, Product)]
    variants = [row for row in levels if isinstance(row, Variant)]
    for row, level in levels.items():
        row.inventory_level = level
    for product in products:
        product.date_modified = now
    update_rows(products, ["inventory_level", "date_modified"])
    update_rows(variants, ["inventory_level"])
    for chunk in range(0, len(products), 500):
        _sync_base_variants(products[chunk:chunk + 500])
    # The parents of variants set here hold their variants' sum (written without touching the instances,
    # which the caller may still hold with the level they had).
    totals = _variant_totals(list({v.product_id for v in variants}))
    update_rows([Product(pk=product_id, inventory_level=totals.get(product_id, 0), date_modified=now)
                 for product_id in {v.product_id for v in variants}], ["inventory_level", "date_modified"])


def take_stock(lines: list[tuple[Variant, int]]) -> None:
    """An order placed takes its units out of stock, as the store's default inventory setting does ("reduce
    stock when an order is placed"): the variant's level when the product tracks variants, the product's when
    it tracks the product, nothing when it does not track inventory. The storefront sells no more than it has,
    so a level never goes below 0."""
    levels: dict[Product | Variant, int] = {}
    for variant, quantity in lines:
        product = variant.product
        if product.inventory_tracking == "none":
            continue
        row: Product | Variant = product if product.inventory_tracking == "product" else variant
        levels[row] = max(0, levels.get(row, row.inventory_level) - quantity)
    if levels:
        _apply_levels(levels)


def _adjust(request: HttpRequest, store: Store, relative: bool) -> HttpResponse:
    items = _adjustment_items(request, store)
    catalog = _Catalog(store, items)
    elsewhere = [item for item in items if item["location_id"] != store.default_location_id]
    items = [item for item in items if item["location_id"] == store.default_location_id]
    located = {(catalog.target(item), item["location_id"]): item for item in elsewhere}
    levels: dict[Product | Variant, int] = {}
    for item in items:
        row = catalog.target(item)
        levels[row] = (levels.get(row, row.inventory_level) if relative else 0) + item["quantity"]
    before = {row: row.inventory_level for row in levels}
    changes = events.Events(store)
    with transaction.atomic():
        _apply_levels(levels)
        for row, level in levels.items():
            changes.inventory_changed(row, level - before[row])
        for (row, location_id), item in located.items():
            _adjust_at_location(store, row, location_id, item["quantity"], relative, changes)
        changes.emit()
    return json_response({"transaction_id": str(uuid.uuid4())})


def _adjust_at_location(store: Store, row: Product | Variant, location_id: int, quantity: int,
                        relative: bool, changes: events.Events) -> None:
    """Stock at a location other than the default: kept per variant (a product's is its base variant's)."""
    variant = row if isinstance(row, Variant) else row.variants.get(is_base=True)
    location = store.locations.get(location_id=location_id)
    level, _ = LocationLevel.objects.select_for_update().get_or_create(variant=variant, location=location)
    before = level.available
    level.available = (before if relative else 0) + quantity
    level.save(update_fields=["available"])
    changes.inventory_changed(row, level.available - before)


def adjust_absolute(request: HttpRequest, store: Store) -> HttpResponse:
    """PUT /v3/inventory/adjustments/absolute: sets levels at a location; all or nothing."""
    # Reference: specs/bigcommerce/inventory.v3.yml PUT /inventory/adjustments/absolute; reference §7.
    return _adjust(request, store, relative=False)


def adjust_relative(request: HttpRequest, store: Store) -> HttpResponse:
    # Reference: specs/bigcommerce/inventory.v3.yml POST /inventory/adjustments/relative (POST, unlike absolute).
    return _adjust(request, store, relative=True)


def _location_json(store: Store, location: Location) -> dict[str, Any]:
    return {"id": location.location_id, "code": location.code, "label": location.label, "description": "",
            "managed_by_external_source": False, "type_id": "PHYSICAL", "enabled": location.enabled,
            "operating_hours": {}, "time_zone": "Etc/UTC", "created_at": "2024-01-01T00:00:00Z",
            "updated_at": "2024-01-01T00:00:00Z", "storefront_visibility": True,
            "is_default": location.location_id == store.default_location_id}


def list_locations(request: HttpRequest, store: Store) -> HttpResponse:
    # Reference: specs/bigcommerce/locations.v3.yml GET /inventory/locations (location_id:in, is_default,
    # is_active filters); reference §7 ("location_id: 1 ... is not stated as a guarantee. Read locations first").
    qs = store.locations.order_by("location_id")
    ids = int_list(request, "location_id:in")
    if ids is not None:
        qs = qs.filter(location_id__in=ids)
    for name, apply in (("is_active", lambda q, v: q.filter(enabled=v)),
                        ("is_default", lambda q, v: q.filter(location_id=store.default_location_id) if v
                         else q.exclude(location_id=store.default_location_id))):
        value = request.GET.get(name)
        if value not in (None, ""):
            if value not in ("true", "false"):
                raise ApiError(422, f"The filter {name} is not valid.", {name: value})
            qs = apply(qs, value == "true")
    return _page(request, qs, lambda location: _location_json(store, location))


# --- inventory reads per location -------------------------------------------------------------

def _item_variants(request: HttpRequest, store: Store) -> QuerySet[Variant]:
    qs = _variants(store)
    skus = csv_param(request, "sku:in")
    if skus is not None:
        qs = qs.filter(sku_matches(skus))
    for name, lookup in (("variant_id:in", "pk__in"), ("product_id:in", "product_id__in")):
        ids = int_list(request, name)
        if ids is not None:
            qs = qs.filter(**{lookup: ids})
    return qs


def _available(store: Store, variant: Variant, location: Location, levels: dict[tuple[int, int], int]) -> int:
    if location.location_id == store.default_location_id:
        return variant.inventory_level          # the Catalog API's level is the default location's
    return levels.get((variant.pk, location.pk), 0)


def _levels(variants: list[Variant]) -> dict[tuple[int, int], int]:
    rows = LocationLevel.objects.filter(variant__in=variants).values_list("variant_id", "location_id", "available")
    return {(variant_id, location_id): available for variant_id, location_id, available in rows}


def _item_page(request: HttpRequest, store: Store) -> tuple[list[Variant], dict[tuple[int, int], int], dict]:
    """One page of items (variants), their stock away from the default location, and the page's meta."""
    page, limit = page_window(request)
    qs = _item_variants(request, store)
    variants = list(qs[(page - 1) * limit: page * limit])
    return variants, _levels(variants), pagination_meta(qs.count(), len(variants), page, limit)


def _settings(variant: Variant) -> dict[str, Any]:
    return {"safety_stock": 0, "is_in_stock": True, "warning_level": variant.inventory_warning_level,
            "bin_picking_number": ""}


def list_inventory_items(request: HttpRequest, store: Store) -> HttpResponse:
    """GET /v3/inventory/items: every item with its stock at each location."""
    # Reference: specs/bigcommerce/inventory.v3.yml GET /inventory/items (ItemResponse; sku:in, variant_id:in,
    # product_id:in, location_id:in).
    locations = list(store.locations.order_by("location_id"))
    ids = int_list(request, "location_id:in")
    if ids is not None:
        locations = [loc for loc in locations if loc.location_id in ids]
    variants, levels, meta = _item_page(request, store)
    # `sku_id` is "null if the item is a base variant" yet typed a non-nullable integer: left out for those.
    rows = [{"identity": {"sku": v.sku, "variant_id": v.pk, "product_id": v.product_id,
                          **({} if v.is_base else {"sku_id": v.pk})},
             "locations": [{"location_id": loc.location_id, "location_code": loc.code, "location_name": loc.label,
                            "available_to_sell": _available(store, v, loc, levels),
                            "total_inventory_onhand": _available(store, v, loc, levels),
                            "location_enabled": loc.enabled, "settings": _settings(v)} for loc in locations]}
            for v in variants]
    return json_response({"data": rows, "meta": meta})


def list_location_items(request: HttpRequest, store: Store, location_id: int) -> HttpResponse:
    """GET /v3/inventory/locations/{location_id}/items: the items' stock at one location."""
    # Reference: specs/bigcommerce/inventory.v3.yml GET /inventory/locations/{location_id}/items.
    location = store.locations.filter(location_id=location_id).first()
    if location is None:
        raise ApiError(404, f"Location with id {location_id} does not exist.")
    variants, levels, meta = _item_page(request, store)
    rows = [{"identity": {"sku": v.sku, "variant_id": v.pk, "product_id": v.product_id},
             "available_to_sell": _available(store, v, location, levels),
             "total_inventory_onhand": _available(store, v, location, levels), "settings": _settings(v)}
            for v in variants]
    return json_response({"data": rows, "meta": meta})
