"""Orders v2 and the order parts of v3 (transactions, refund quotes, refunds)."""
from __future__ import annotations

from typing import Any

from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse

from . import refunds
from .gate import ApiError, json_response, no_content, read_json
from .models import ORDER_STATUSES, Order, Refund, Store
from .params import date_param, int_list, int_param, page_window
from .render import consignments_json, order_json, order_product_json, refund_json, shipping_address_json, transaction_json
from .storefront import COUPONS

ORDER_SORTS = {"id", "customer_id", "date_created", "date_modified", "status_id", "channel_id", "external_id"}


def base_url(request: HttpRequest, store: Store) -> str:
    return request.build_absolute_uri(f"/sandbox/bigcommerce/stores/{store.store_hash}/")


def _order(store: Store, order_id: int, *prefetch: str) -> Order:
    order = store.orders.filter(pk=order_id).prefetch_related(*prefetch).first()
    if order is None:
        raise ApiError(404, "The requested resource was not found.")
    return order


def _filter_orders(request: HttpRequest, orders: QuerySet[Order]) -> QuerySet[Order]:
    filters = {"date_modified__gte": date_param(request, "min_date_modified"),
               "date_modified__lte": date_param(request, "max_date_modified"),
               "date_created__gte": date_param(request, "min_date_created"),
               "date_created__lte": date_param(request, "max_date_created")}
    for name, lookup in (("min_id", "pk__gte"), ("max_id", "pk__lte"), ("customer_id", "customer_id"),
                         ("status_id", "status_id"), ("channel_id", "channel_id")):
        if request.GET.get(name) not in (None, ""):
            filters[lookup] = int_param(request, name, 0, minimum=0)
    if request.GET.get("email"):
        filters["billing_address__email"] = request.GET["email"]
    return orders.filter(**{k: v for k, v in filters.items() if v is not None})


def _sort(request: HttpRequest) -> str:
    field, _, direction = request.GET.get("sort", "id:asc").partition(":")
    if field not in ORDER_SORTS or direction not in ("", "asc", "desc"):
        raise ApiError(400, "The sort field is not valid.", {"sort": request.GET.get("sort", "")})
    field = "pk" if field == "id" else field
    return f"-{field}" if direction == "desc" else field


def list_orders(request: HttpRequest, store: Store) -> HttpResponse:
    """GET /v2/orders: a bare array; 204 with an empty body past the last page or when nothing matches."""
    # Reference: specs/bigcommerce/orders.v2.oas2.yml GET /orders; reference/bigcommerce-api.md §4.
    page, limit = page_window(request)
    orders = _filter_orders(request, store.orders.all()).order_by(_sort(request), "pk")
    chunk = list(orders.prefetch_related("lines", "shipping_addresses")[(page - 1) * limit: page * limit])
    if not chunk:
        return no_content()
    base = base_url(request, store)
    return json_response([order_json(order, base) for order in chunk])


ORDER_INCLUDES = {"consignments", "consignments.line_items", "fees"}


def get_order(request: HttpRequest, store: Store, order_id: int) -> HttpResponse:
    """GET /v2/orders/{id}; `include` (comma-separated) embeds the fees and the consignments, the latter
    only in the object structure (`consignment_structure=object`), the one the spec documents."""
    # Reference: specs/bigcommerce/orders.v2.oas2.yml GET /orders/{order_id} (order_includes,
    # consignment_structure; orderConsignment_Get).
    # Its lines, addresses and transactions are read once each, however many times the JSON uses them.
    order = _order(store, order_id, "lines", "shipping_addresses", "transactions")
    includes = {name for name in request.GET.get("include", "").split(",") if name}
    if includes - ORDER_INCLUDES:
        raise ApiError(400, "The include parameter is not valid.", {"include": request.GET.get("include", "")})
    data = order_json(order, base_url(request, store))
    if "fees" in includes:
        data["fees"] = order.fees or []
    if includes & {"consignments", "consignments.line_items"}:
        if request.GET.get("consignment_structure") != "object":
            raise ApiError(400, "consignment_structure=object is required with include=consignments.",
                           {"consignment_structure": request.GET.get("consignment_structure", "")})
        data["consignments"] = consignments_json(order, base_url(request, store),
                                                 embed_lines="consignments.line_items" in includes)
    return json_response(data)


def list_order_products(request: HttpRequest, store: Store, order_id: int) -> HttpResponse:
    # Reference: specs/bigcommerce/orders.v2.oas2.yml GET /orders/{order_id}/products.
    order = _order(store, order_id)
    page, limit = page_window(request)
    address = order.shipping_addresses.first()
    lines = list(order.lines.order_by("pk")[(page - 1) * limit: page * limit])
    if not lines:
        return no_content()
    return json_response([order_product_json(line, address.pk if address else 0) for line in lines])


def list_shipping_addresses(request: HttpRequest, store: Store, order_id: int) -> HttpResponse:
    # Reference: specs/bigcommerce/orders.v2.oas2.yml GET /orders/{order_id}/shipping_addresses.
    order = _order(store, order_id)
    addresses = list(order.shipping_addresses.order_by("pk"))
    if not addresses:
        return no_content()
    return json_response([shipping_address_json(a) for a in addresses])


def list_coupons(request: HttpRequest, store: Store, order_id: int) -> HttpResponse:
    """The coupon applied to the order (the storefront's coupons are percentage discounts); 204 when none."""
    # Reference: specs/bigcommerce/orders.v2.oas2.yml GET /orders/{order_id}/coupons (orderCoupons_Base).
    order = _order(store, order_id)
    if not order.coupon_code:
        return no_content()
    percent = COUPONS.get(order.coupon_code, 0) * 100
    return json_response([{"id": order.pk, "coupon_id": sorted(COUPONS).index(order.coupon_code) + 1,
                           "order_id": order.pk, "code": order.coupon_code, "amount": float(percent), "type": 1,
                           "discount": float(order.coupon_discount)}])


def _status_rows() -> list[dict[str, Any]]:
    return [{"id": status_id, "name": name, "system_label": name, "custom_label": name, "system_description": name}
            for status_id, name in ORDER_STATUSES.items()]


def list_order_statuses(request: HttpRequest, store: Store) -> HttpResponse:
    # Reference: specs/bigcommerce/orders.v2.oas2.yml GET /order_statuses; reference/bigcommerce-api.md §4.
    return json_response(_status_rows())


def count_orders(request: HttpRequest, store: Store) -> HttpResponse:
    """GET /v2/orders/count: the orders per status and in all, with the list's filters."""
    # Reference: specs/bigcommerce/orders.v2.oas2.yml GET /orders/count (ordersCount_Full).
    counts = dict(_filter_orders(request, store.orders.all()).values_list("status_id").annotate(n=Count("pk")))
    statuses = [{**row, "count": counts.get(row["id"], 0), "sort_order": n} for n, row in enumerate(_status_rows())]
    return json_response({"statuses": statuses, "count": sum(counts.values())})


def list_transactions(request: HttpRequest, store: Store, order_id: int) -> HttpResponse:
    """GET /v3/orders/{id}/transactions: 204 when the order has none."""
    # Reference: specs/bigcommerce/orders.v3.yml GET /orders/{order_id}/transactions.
    order = _order(store, order_id)
    txs = [transaction_json(tx) for tx in order.transactions.order_by("pk")]
    if not txs:
        return no_content()
    meta = {"pagination": {"total": len(txs), "count": len(txs), "per_page": len(txs), "current_page": 1,
                           "total_pages": 1, "links": {"current": "?page=1"}}}
    return json_response({"data": txs, "meta": meta})


def _items(body: Any) -> list[dict[str, Any]]:
    if not isinstance(body, dict) or not isinstance(body.get("items"), list):
        raise ApiError(422, "The request body is not valid.", {"items": "is required and must be an array"})
    if not all(isinstance(item, dict) and "item_type" in item and "item_id" in item for item in body["items"]):
        raise ApiError(422, "The request body is not valid.", {"items": "each needs item_type and item_id"})
    return body["items"]


def create_refund_quote(request: HttpRequest, store: Store, order_id: int) -> HttpResponse:
    # Reference: specs/bigcommerce/orders.v3.yml POST /orders/{order_id}/payment_actions/refund_quotes.
    order = _order(store, order_id)
    result = refunds.quote(order, _items(read_json(request)))
    return json_response({"data": refunds.quote_json(order, result), "meta": {}}, 201)


def create_refund(request: HttpRequest, store: Store, order_id: int) -> HttpResponse:
    # Reference: specs/bigcommerce/orders.v3.yml POST /orders/{order_id}/payment_actions/refunds.
    order = _order(store, order_id)
    body = read_json(request)
    items = _items(body)
    payments = body.get("payments")
    if not isinstance(payments, list) or not all(isinstance(p, dict) for p in payments):
        raise ApiError(422, "The request body is not valid.", {"payments": "is required and must be an array"})
    refund = refunds.create_refund(order, items, payments, reason=str(items[0].get("reason", "")))
    return json_response({"data": refund_json(refund), "meta": {}}, 201)


def list_order_refunds(request: HttpRequest, store: Store, order_id: int) -> HttpResponse:
    # Reference: specs/bigcommerce/orders.v3.yml GET /orders/{order_id}/payment_actions/refunds.
    order = _order(store, order_id)
    data = [refund_json(r) for r in order.refunds.order_by("pk")]
    return json_response({"data": data, "meta": {}})


def list_refunds(request: HttpRequest, store: Store) -> HttpResponse:
    # Reference: specs/bigcommerce/orders.v3.yml GET /orders/payment_actions/refunds.
    page, limit = page_window(request)
    qs = Refund.objects.filter(order__store=store).order_by("pk")
    order_ids, ids = int_list(request, "order_id:in"), int_list(request, "id:in")
    if order_ids is not None:
        qs = qs.filter(order_id__in=order_ids)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    data = [refund_json(r) for r in qs[(page - 1) * limit: page * limit]]
    return json_response({"data": data, "meta": {}})


def get_refund(request: HttpRequest, store: Store, refund_id: int) -> HttpResponse:
    # Reference: specs/bigcommerce/orders.v3.yml GET /orders/payment_actions/refunds/{refund_id}.
    refund = Refund.objects.filter(order__store=store, pk=refund_id).first()
    if refund is None:
        raise ApiError(404, "The requested resource was not found.")
    return json_response({"data": refund_json(refund), "meta": {}})
