"""BigCommerce REST Management API client (the "adapter" for the store side).

    client = BigCommerceClient(connection, on_call=None)

Orders:
    get_order(order_id) -> dict                      # v2 order + "products" + "shipping_addresses" lists (1 call)
    iter_orders_modified_since(since, status_id=None) -> Iterator[dict]   # sorted date_modified:asc
    iter_orders_modified_since_by_id(since, page_size=250) -> Iterator[dict]   # id keyset: edits cannot skip
    recent_orders(limit=25) -> list[dict]            # newest first (one page)
    get_transactions(order_id) -> list[dict]         # v3; [] on 204
    get_refunds(order_id) -> list[dict]              # v3
Customers:
    get_customer(customer_id) -> dict | None         # with addresses
    find_customers_by_email(email) -> list[dict]
    iter_customers_modified_since(since) -> Iterator[dict]
Catalog:
    find_products_by_skus(skus, include_fields=None) -> dict[str, dict]   # requested SKU -> product (missing absent)
    find_products_by_ids(ids, include_fields=None) -> dict[int, dict]
    find_variants_by_skus(skus, include_fields=None) -> dict[str, dict]   # requested SKU -> variant
    iter_products(include_fields=None) / iter_variants(include_fields=None) -> Iterator[dict]   # whole catalog
    iter_variants(include_fields=None) -> Iterator[dict]
    update_products(batch) -> list[dict]             # chunks of 10
    update_variants(batch) -> list[dict]             # chunks of 50
    set_inventory_absolute(items, location_id, reason=None) -> list   # chunks of 2000; transaction ids
Webhooks:
    list_hooks(scope=None, is_active=None, destination=None) -> list[dict]
    create_hook(scope, destination, headers, is_active=True) -> dict
    update_hook(hook_id, **fields) -> dict
Order shipments:
    get_shipping_lines(order_id) -> (products, shipping_addresses)
    list_shipments(order_id) / create_shipment(order_id, body) / update_shipment(order_id, id, body)
    delete_shipment(order_id, id) -> bool             # False when already gone
Connection check:
    ping(area="orders") -> None                      # one cheap read: orders, customers, catalog, webhooks

v2 answers bare objects/arrays (204 for "nothing"), v3 answers ``{data, meta}``; both come back as
plain dicts/lists. Money values are ``Decimal``: JSON numbers are parsed as Decimal and v2's decimal
strings ("336.3200") are converted for money-named keys. Errors raise ``sync.http.ApiError``.

Every request goes through ``sync.http.HttpClient`` (retries, 429 waits, call records) and through
the store's shared ``RateBudget`` (proactive pacing).
"""
from __future__ import annotations

import re
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation
from typing import Any, Iterable, Iterator

import requests

from sync import ratebudget
from sync.batches import chunked
from sync.http import (SYSTEM_CLOCK, ApiError, CallHook, Clock, HttpClient, RetryPolicy, parse_json,
                       redirect_error, server_wait)
from tenants.models import BigCommerceConnection

V2_PAGE = 250          # reference/bigcommerce-api.md §4: 250 is the general maximum per page
V3_PAGE = 250          # products/customers `limit` max 250
PRODUCTS_PER_PUT = 10  # products_catalog.v3.yml: "Batches are limited to 10 products"
VARIANTS_PER_PUT = 50  # product-variants_catalog.v3.yml: "the limit is 50 variants"
INVENTORY_PER_PUT = 2000  # inventory.v3.yml: 2000 items per adjustment request
SKUS_PER_LOOKUP = 50   # keeps the `sku:in` query string well under URL limits

# Keys whose decimal-string values are money (v2 orders send "336.3200").
MONEY_KEY = re.compile(r"(^|_)(total|subtotal|amount|price|cost|tax|discount|credit|fee|rate|value)(_|$)"
                       r"|_(ex|inc)_tax$")
DECIMAL_TEXT = re.compile(r"^-?\d+(\.\d+)?$")


def to_decimals(data: Any) -> Any:
    """Converts decimal strings under money-named keys to Decimal, recursively."""
    if isinstance(data, list):
        return [to_decimals(item) for item in data]
    if not isinstance(data, dict):
        return data
    out = {}
    for key, value in data.items():
        if isinstance(value, str) and MONEY_KEY.search(key) and DECIMAL_TEXT.match(value):
            try:
                value = Decimal(value)
            except InvalidOperation:
                pass
        out[key] = to_decimals(value)
    return out


def _consignment_parts(consignments: dict, order: dict) -> tuple[list[dict] | None, list[dict]]:
    """(order product lines, shipping addresses) from embedded consignments; lines None when they are
    not all there (links only, or fewer items than the order's `items_total`)."""
    groups = [*(consignments.get("shipping") or []), *(consignments.get("pickups") or []),
              *(consignments.get("downloads") or []),
              *((consignments.get("email") or {}).get("gift_certificates") or [])]
    lines: dict[int, dict] = {}
    for group in groups:
        items = group.get("line_items") or []
        for line in items if isinstance(items, list) else [items]:
            if not isinstance(line, dict) or "id" not in line or "quantity" not in line:
                return None, []  # a link to the line, not the line
            lines[int(line["id"])] = line
    if sum(int(line["quantity"]) for line in lines.values()) != int(order.get("items_total") or 0):
        return None, []
    addresses = [{"order_id": order.get("id"), **{k: v for k, v in group.items() if k != "line_items"}}
                 for group in consignments.get("shipping") or []]
    return [lines[key] for key in sorted(lines)], addresses


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("Pass an aware datetime; BigCommerce filters are in UTC.")
    return moment.astimezone(timezone.utc)


class BigCommerceClient:
    def __init__(self, connection: BigCommerceConnection, on_call: CallHook | None = None, *,
                 clock: Clock = SYSTEM_CLOCK, policy: RetryPolicy | None = None, uniform=None) -> None:
        self.connection = connection
        self.base_url = connection.base_url
        self.clock = clock
        self._expected_left: int | None = None  # the rate budget row's count after our last request
        self.http = HttpClient(
            on_call=on_call, clock=clock, policy=policy or RetryPolicy(), vendor="BigCommerce",
            secrets=[getattr(connection, name) for name in BigCommerceConnection.SECRET_FIELDS],
            before_send=self._reserve, after_response=self._observe,
            **({"uniform": uniform} if uniform else {}))
        self.http.session.headers.update({
            "X-Auth-Token": connection.access_token, "Accept": "application/json"})

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> "BigCommerceClient":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    # -- plumbing ------------------------------------------------------------------------------

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self.clock.time(), tz=timezone.utc)

    def _reserve(self) -> float:
        wait, self._expected_left = ratebudget.spend(self.connection.store_hash, self._now())
        return wait

    def _observe(self, response: requests.Response) -> None:
        expected, self._expected_left = self._expected_left, None
        ratebudget.observe(self.connection.store_hash, response.headers, self._now(), expected_left=expected)

    def _call(self, method: str, path: str, *, params: dict | None = None, body: Any = None,
              not_found: str | None = None) -> Any:
        """One API call; returns parsed JSON (None for 204) or raises ApiError."""
        response = self.http.request(method, self.base_url + path, params=params, json_body=body)
        if response.status_code == 404 and not_found is not None:
            raise ApiError(not_found, status=404, permanent=True)
        if 300 <= response.status_code < 400:
            raise redirect_error(response, "BigCommerce", self.http.redactor)
        if response.status_code >= 400:
            raise self._error(response)
        return to_decimals(parse_json(response))

    def _error(self, response: requests.Response) -> ApiError:
        status = response.status_code
        detail = self._detail(response)
        if status == 401:
            message = "BigCommerce rejected the access token (401). Check the API account's token."
        elif status == 403:
            message = f"The BigCommerce API account lacks a permission (scope) this needs (403). {detail}"
        elif status == 404:
            message = (f"BigCommerce found nothing at {response.request.method} "
                       f"{self.http.redactor.url(response.url)} (404). {detail}")
        else:
            message = f"BigCommerce answered {status}. {detail}"
        transient = status == 429 or status >= 500
        return ApiError(self.http.redactor.text(message.strip()) or "", status=status, permanent=not transient,
                        retry_after=server_wait(response) if transient else None)

    @staticmethod
    def _detail(response: requests.Response) -> str:
        data = parse_json(response)
        if isinstance(data, list) and data and isinstance(data[0], dict):  # v2: [{status, message}]
            return "; ".join(str(item.get("message", "")) for item in data)[:500]
        if isinstance(data, dict):  # v3: {status, title, errors{field: text}}
            errors = data.get("errors")
            extra = "; ".join(f"{k}: {v}" for k, v in errors.items()) if isinstance(errors, dict) else ""
            return " ".join(filter(None, [str(data.get("title") or data.get("message") or ""), extra]))[:500]
        return ""

    def _v2_pages(self, path: str, params: dict) -> Iterator[dict]:
        """v2 paging: page=1.. until a 204 or a short page."""
        page = 1
        while True:
            rows = self._call("GET", path, params={**params, "page": page, "limit": V2_PAGE}) or []
            yield from rows
            if len(rows) < V2_PAGE:
                return
            page += 1

    def _v3_pages(self, path: str, params: dict) -> Iterator[dict]:
        """v3 paging: follow meta.pagination until current_page reaches total_pages."""
        page = 1
        while True:
            envelope = self._call("GET", path, params={**params, "page": page, "limit": V3_PAGE}) or {}
            rows = envelope.get("data") or []
            yield from rows
            pagination = (envelope.get("meta") or {}).get("pagination") or {}
            if not rows or page >= int(pagination.get("total_pages") or page):
                return
            page += 1

    @staticmethod
    def _data(envelope: Any) -> Any:
        return (envelope or {}).get("data") if isinstance(envelope, dict) else envelope

    # -- connection check ----------------------------------------------------------------------

    # One cheap read per area the connector needs; a 403 on one names the missing API scope.
    PING_PATHS = {"orders": "v2/orders", "customers": "v3/customers", "catalog": "v3/catalog/products",
                  "webhooks": "v3/hooks"}

    def ping(self, area: str = "orders") -> None:
        """One cheap authenticated read (limit=1) of ``area``: orders, customers, catalog or webhooks."""
        # Reference: specs/bigcommerce/orders.v2.oas2.yml GET /orders (204 when empty); customers.v3.yml
        # GET /customers; products_catalog.v3.yml GET /catalog/products; webhooks.v3.yml GET /hooks
        self._call("GET", self.PING_PATHS[area], params={"limit": 1},
                   not_found=f"BigCommerce knows no store '{self.connection.store_hash}' (404). Check the store hash.")

    # -- store settings (the onboarding wizard's choices) ---------------------------------------

    def list_order_statuses(self) -> list[dict]:
        # Reference: specs/bigcommerce/orders.v2.oas2.yml GET /order_statuses ([{id, name, ...}])
        return self._call("GET", "v2/order_statuses") or []

    def recent_orders(self, limit: int = 20) -> list[dict]:
        """The newest orders (one page), for the gateways and channels a store really uses."""
        # Reference: specs/bigcommerce/orders.v2.oas2.yml GET /orders (sort=date_created:desc, limit; 204 when none)
        return self._call("GET", "v2/orders", params={"sort": "date_created:desc", "limit": limit, "page": 1}) or []

    def store_time_zone(self) -> str:
        """The store's IANA time zone name, from the Store Information API."""
        # Reference: BigCommerce Store Information API GET /v2/store (timezone.name); not in ../shared/specs,
        # so callers treat any failure as "unknown" and let the merchant pick.
        info = self._call("GET", "v2/store")
        zone = info.get("timezone") if isinstance(info, dict) else None
        return str(zone.get("name") or "") if isinstance(zone, dict) else ""

    # -- orders --------------------------------------------------------------------------------

    def get_order(self, order_id: int) -> dict:
        """The order with its product lines and shipping addresses, as lists under those keys: one call.

        The lines and addresses come embedded in the order (`include=consignments.line_items`, object
        structure): every line sits in one consignment, and a shipping consignment is the shipping
        address with its lines. When the embedded lines do not add up to the order's `items_total`
        (a line in a consignment kind we do not read, or links instead of lines), the sub-resources
        are read instead, so a line is never lost.
        """
        # Reference: specs/bigcommerce/orders.v2.oas2.yml GET /orders/{order_id} (order_includes:
        # consignments.line_items, fees; consignment_structure=object; orderConsignment_Get)
        order = self._call("GET", f"v2/orders/{int(order_id)}",
                           params={"include": "consignments.line_items,fees", "consignment_structure": "object"},
                           not_found=f"BigCommerce order {order_id} does not exist (404).")
        consignments = order.get("consignments")
        lines, addresses = _consignment_parts(consignments if isinstance(consignments, dict) else {}, order)
        if lines is None:
            # Reference: specs/bigcommerce/orders.v2.oas2.yml GET /orders/{order_id}/products, /shipping_addresses
            lines = list(self._v2_pages(f"v2/orders/{int(order_id)}/products", {}))
            addresses = list(self._v2_pages(f"v2/orders/{int(order_id)}/shipping_addresses", {}))
        order["products"], order["shipping_addresses"] = lines, addresses
        return order

    def iter_orders_modified_since(self, since: datetime, status_id: int | None = None) -> Iterator[dict]:
        # Reference: specs/bigcommerce/orders.v2.oas2.yml GET /orders (min_date_modified, sort, page; 204 at the end)
        params: dict[str, Any] = {"min_date_modified": _utc(since).isoformat(timespec="seconds"),
                                  "sort": "date_modified:asc"}
        if status_id is not None:
            params["status_id"] = status_id
        yield from self._v2_pages("v2/orders", params)

    def iter_orders_modified_since_by_id(self, since: datetime, page_size: int = V2_PAGE) -> Iterator[dict]:
        """Orders modified at or after ``since``, in id order, paged by id (``min_id``) instead of by offset.

        An order edited while we page moves to a later ``date_modified`` but keeps its id, so no other
        order shifts into a page already read: offset paging over a date sort skips one order per edit.
        An order edited after we passed its id is left for the next poll, whose window starts no later
        than this poll did (``sync/polling.py``)."""
        # Reference: specs/bigcommerce/orders.v2.oas2.yml GET /orders (min_date_modified, min_id, sort=id:asc,
        # limit; 204 when nothing matches)
        after = 0
        while True:
            rows = self._call("GET", "v2/orders", params={
                "min_date_modified": _utc(since).isoformat(timespec="seconds"), "sort": "id:asc",
                "min_id": after + 1, "page": 1, "limit": page_size}) or []
            yield from rows
            if len(rows) < page_size:
                return
            after = max(int(row["id"]) for row in rows)

    def recent_orders(self, limit: int = 25) -> list[dict]:
        """The store's newest orders (one page, newest first), e.g. to see which gateways it uses."""
        # Reference: specs/bigcommerce/orders.v2.oas2.yml GET /orders (sort=date_created:desc, limit; 204 when none)
        return list(self._call("GET", "v2/orders", params={"sort": "date_created:desc", "page": 1,
                                                           "limit": min(limit, V2_PAGE)}) or [])

    def get_transactions(self, order_id: int) -> list[dict]:
        # Reference: specs/bigcommerce/orders.v3.yml GET /orders/{order_id}/transactions (204 when none)
        return list(self._data(self._call("GET", f"v3/orders/{int(order_id)}/transactions")) or [])

    def get_refunds(self, order_id: int) -> list[dict]:
        # Reference: specs/bigcommerce/orders.v3.yml GET /orders/{order_id}/payment_actions/refunds
        return list(self._data(self._call("GET", f"v3/orders/{int(order_id)}/payment_actions/refunds")) or [])

    # -- customers -----------------------------------------------------------------------------

    def get_customer(self, customer_id: int) -> dict | None:
        # Reference: specs/bigcommerce/customers.v3.yml GET /customers (id:in, include=addresses)
        rows = self._data(self._call("GET", "v3/customers",
                                     params={"id:in": int(customer_id), "include": "addresses"})) or []
        return rows[0] if rows else None

    def find_customers_by_email(self, email: str) -> list[dict]:
        # Reference: specs/bigcommerce/customers.v3.yml GET /customers (email:in)
        return list(self._data(self._call("GET", "v3/customers",
                                          params={"email:in": email, "include": "addresses"})) or [])

    def iter_customers_modified_since(self, since: datetime) -> Iterator[dict]:
        # Reference: specs/bigcommerce/customers.v3.yml GET /customers (date_modified:min, sort)
        stamp = _utc(since).strftime("%Y-%m-%dT%H:%M:%S")
        yield from self._v3_pages("v3/customers", {"date_modified:min": stamp, "sort": "date_modified:asc",
                                                   "include": "addresses"})

    # -- catalog -------------------------------------------------------------------------------

    @staticmethod
    def _fields(include_fields: str | None) -> dict:
        return {"include_fields": include_fields} if include_fields else {}

    def find_products_by_skus(self, skus: Iterable[str], include_fields: str | None = None) -> dict[str, dict]:
        """Products whose base SKU is one of ``skus``, keyed by the SKU as asked (case-insensitive).

        With ``include_fields`` BigCommerce answers the id and those fields only (``sku`` is needed)."""
        wanted = {sku.lower(): sku for sku in skus}
        found: dict[str, dict] = {}
        for chunk in chunked(list(wanted.values()), SKUS_PER_LOOKUP):
            # Reference: specs/bigcommerce/products_catalog.v3.yml GET /catalog/products (sku:in, include_fields)
            for product in self._v3_pages("v3/catalog/products", {"sku:in": ",".join(chunk),
                                                                  **self._fields(include_fields)}):
                asked = wanted.get(str(product.get("sku", "")).lower())
                if asked is not None:
                    found[asked] = product
        return found

    def find_products_by_ids(self, ids: Iterable[int], include_fields: str | None = None) -> dict[int, dict]:
        """Products by id (``id:in``, 50 per request)."""
        found: dict[int, dict] = {}
        for chunk in chunked(list(dict.fromkeys(int(i) for i in ids)), SKUS_PER_LOOKUP):
            # Reference: specs/bigcommerce/products_catalog.v3.yml GET /catalog/products (id:in, include_fields)
            for product in self._v3_pages("v3/catalog/products", {"id:in": ",".join(map(str, chunk)),
                                                                  **self._fields(include_fields)}):
                found[int(product["id"])] = product
        return found

    def find_variants_by_skus(self, skus: Iterable[str], include_fields: str | None = None) -> dict[str, dict]:
        """Variants by SKU, one lookup per SKU: `sku:in` is not a filter of /catalog/variants."""
        found: dict[str, dict] = {}
        for sku in dict.fromkeys(skus):
            # Reference: specs/bigcommerce/product-variants_catalog.v3.yml GET /catalog/variants (sku, include_fields)
            rows = self._data(self._call("GET", "v3/catalog/variants",
                                         params={"sku": sku, **self._fields(include_fields)})) or []
            match = [row for row in rows if str(row.get("sku", "")).lower() == sku.lower()]
            if match:
                found[sku] = match[0]
        return found

    def iter_products(self, include_fields: str | None = None) -> Iterator[dict]:
        """Every product of the store, page by page."""
        # Reference: specs/bigcommerce/products_catalog.v3.yml GET /catalog/products (include_fields)
        yield from self._v3_pages("v3/catalog/products", self._fields(include_fields))

    def iter_variants(self, include_fields: str | None = None) -> Iterator[dict]:
        """Every variant of the store (base variants included), page by page."""
        # Reference: specs/bigcommerce/product-variants_catalog.v3.yml GET /catalog/variants (include_fields)
        yield from self._v3_pages("v3/catalog/variants", self._fields(include_fields))

    def update_products(self, batch: list[dict]) -> list[dict]:
        # Reference: specs/bigcommerce/products_catalog.v3.yml PUT /catalog/products (10 per batch)
        return self._putchunked("v3/catalog/products", batch, PRODUCTS_PER_PUT)

    def update_variants(self, batch: list[dict]) -> list[dict]:
        # Reference: specs/bigcommerce/product-variants_catalog.v3.yml PUT /catalog/variants (50 per batch)
        return self._putchunked("v3/catalog/variants", batch, VARIANTS_PER_PUT)

    def _putchunked(self, path: str, batch: list[dict], size: int) -> list[dict]:
        updated: list[dict] = []
        for chunk in chunked(batch, size):
            updated.extend(self._data(self._call("PUT", path, body=chunk)) or [])
        return updated

    def set_inventory_absolute(self, items: list[dict], location_id: int, reason: str | None = None) -> list:
        """Sets absolute stock levels; items are {sku|variant_id|product_id, quantity}."""
        transactions = []
        for chunk in chunked([{**item, "location_id": location_id} for item in items], INVENTORY_PER_PUT):
            body: dict[str, Any] = {"items": chunk}
            if reason:
                body["reason"] = reason
            # Reference: specs/bigcommerce/inventory.v3.yml PUT /inventory/adjustments/absolute (2000 items)
            result = self._call("PUT", "v3/inventory/adjustments/absolute", body=body) or {}
            transactions.append(result.get("transaction_id"))
        return transactions

    # -- webhooks ------------------------------------------------------------------------------

    def list_hooks(self, scope: str | None = None, is_active: bool | None = None,
                   destination: str | None = None) -> list[dict]:
        params: dict[str, Any] = {}
        if scope:
            params["scope"] = scope
        if is_active is not None:
            params["is_active"] = "true" if is_active else "false"
        if destination:
            params["destination"] = destination
        # Reference: specs/bigcommerce/webhooks.v3.yml GET /hooks (page, limit, is_active, scope, destination)
        return list(self._v3_pages("v3/hooks", params))

    def create_hook(self, scope: str, destination: str, headers: dict[str, str], is_active: bool = True) -> dict:
        # Reference: specs/bigcommerce/webhooks.v3.yml POST /hooks (webhook_Base)
        body = {"scope": scope, "destination": destination, "is_active": is_active, "headers": headers}
        return self._data(self._call("POST", "v3/hooks", body=body))

    def update_hook(self, hook_id: int, **fields: Any) -> dict:
        # Reference: specs/bigcommerce/webhooks.v3.yml PUT /hooks/{id} (at least one field)
        if not fields:
            raise ValueError("update_hook needs at least one field, e.g. is_active=True")
        return self._data(self._call("PUT", f"v3/hooks/{int(hook_id)}", body=fields,
                                     not_found=f"BigCommerce webhook {hook_id} no longer exists (404)."))


    # -- order shipments -----------------------------------------------------------------------

    def get_shipping_lines(self, order_id: int) -> tuple[list[dict], list[dict]]:
        """An order's products (with quantity_shipped) and shipping addresses: all a shipment needs, in two calls."""
        # Reference: specs/bigcommerce/orders.v2.oas2.yml GET /orders/{order_id}/products, /shipping_addresses
        products = list(self._v2_pages(f"v2/orders/{int(order_id)}/products", {}))
        if not products:
            raise ApiError(f"BigCommerce order {order_id} has no products, or does not exist.", status=404,
                           permanent=True)
        return products, list(self._v2_pages(f"v2/orders/{int(order_id)}/shipping_addresses", {}))

    def list_shipments(self, order_id: int) -> list[dict]:
        # Reference: specs/bigcommerce/orders.v2.oas2.yml GET /orders/{order_id}/shipments (204 when none)
        return list(self._v2_pages(f"v2/orders/{int(order_id)}/shipments", {}))

    def create_shipment(self, order_id: int, body: dict) -> dict:
        # Reference: specs/bigcommerce/orders.v2.oas2.yml POST /orders/{order_id}/shipments (orderShipment_Post)
        return self._call("POST", f"v2/orders/{int(order_id)}/shipments", body=body)

    def update_shipment(self, order_id: int, shipment_id: int, body: dict) -> dict:
        # Reference: specs/bigcommerce/orders.v2.oas2.yml PUT /orders/{order_id}/shipments/{shipment_id}
        # (orderShipment_Put: no items; a change of items is a delete and a new shipment)
        return self._call("PUT", f"v2/orders/{int(order_id)}/shipments/{int(shipment_id)}", body=body)

    def delete_shipment(self, order_id: int, shipment_id: int) -> bool:
        """False when the shipment was already gone (404): deleting is idempotent."""
        # Reference: specs/bigcommerce/orders.v2.oas2.yml DELETE /orders/{order_id}/shipments/{shipment_id}
        try:
            self._call("DELETE", f"v2/orders/{int(order_id)}/shipments/{int(shipment_id)}", not_found="gone")
        except ApiError as error:
            if error.status == 404:
                return False
            raise
        return True
