"""Customers v3 (read side: what ml-connector looks up)."""
from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from .gate import ApiError, json_response
from .models import Store
from .params import csv_param, date_param, int_list, page_window
from .render import customer_json, pagination_meta

CUSTOMER_SORTS = {"date_created", "date_modified", "last_name"}


def _sort(request: HttpRequest) -> str:
    field, _, direction = request.GET.get("sort", "id:asc").partition(":")
    if field not in CUSTOMER_SORTS | {"id"} or direction not in ("", "asc", "desc"):
        raise ApiError(422, "The sort parameter is not valid.", {"sort": request.GET.get("sort", "")})
    field = "pk" if field == "id" else field
    return f"-{field}" if direction == "desc" else field


def list_customers(request: HttpRequest, store: Store) -> HttpResponse:
    # Reference: specs/bigcommerce/customers.v3.yml GET /customers (id:in, email:in, date_modified:min/max,
    # date_created:min/max, include=addresses, sort).
    page, limit = page_window(request)
    filters = {"pk__in": int_list(request, "id:in"), "email__in": csv_param(request, "email:in"),
               "date_modified__gte": date_param(request, "date_modified:min", 422),
               "date_modified__lte": date_param(request, "date_modified:max", 422),
               "date_created__gte": date_param(request, "date_created:min", 422),
               "date_created__lte": date_param(request, "date_created:max", 422)}
    qs = store.customers.filter(**{k: v for k, v in filters.items() if v is not None}).order_by(_sort(request), "pk")
    include = set(csv_param(request, "include") or [])
    total = qs.count()
    rows = [customer_json(c, include) for c in qs[(page - 1) * limit: page * limit]]
    return json_response({"data": rows, "meta": pagination_meta(total, len(rows), page, limit)})
