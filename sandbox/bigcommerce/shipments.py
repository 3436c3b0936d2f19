"""Order shipments, v2: POST/GET/DELETE /v2/orders/{id}/shipments, GET/PUT/DELETE .../shipments/{shipment_id},
GET .../shipments/count.

Reference: specs/bigcommerce/orders.v2.oas2.yml (orderShipment_Post: order_address_id and items required, items
by order_product_id and quantity; orderShipment_Put: no items; tracking_number at most 50 characters,
tracking_link 500; shipping_provider one of the standard providers or "carrier_<id>") and webhooks.v3.yml
(store/shipment/created|updated|deleted with data {"type": "shipment", "id", "orderId"}).

A shipment moves the order products' quantity_shipped and the order's status: Shipped when every product is
shipped, Partially Shipped otherwise, back to Awaiting Fulfillment when its last shipment is deleted. A quantity
beyond what is left to ship, an order product or address of another order, and a field the resource does not
define are refused with 400, as v2 refuses invalid fields.
"""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.http import HttpRequest, HttpResponse

from . import webhooks
from .api_orders import _order
from .gate import ApiError, json_response, no_content, read_json
from .models import Order, Shipment, Store
from .params import page_window
from .render import rfc2822
from .storefront import set_status

POST_FIELDS = {"order_address_id", "tracking_number", "tracking_link", "merchant_shipping_cost", "shipping_method",
               "shipping_provider", "tracking_carrier", "comments", "items"}
PUT_FIELDS = POST_FIELDS - {"items"}
STANDARD_PROVIDERS = {"auspost", "canadapost", "endicia", "usps", "fedex", "ups", "upsready", "upsonline",
                      "shipperhq", "royalmail", ""}
PROVIDER_NAMES = {"auspost": "Australia Post", "canadapost": "Canada Post", "endicia": "Endicia", "usps": "USPS",
                  "fedex": "FedEx", "ups": "UPS", "upsready": "UPS", "upsonline": "UPS", "shipperhq": "ShipperHQ",
                  "royalmail": "Royal Mail"}
CUSTOM_PROVIDER = re.compile(r"^carrier_\d+$")
MAX_LENGTHS = {"tracking_number": 50, "tracking_link": 500, "comments": 65535, "tracking_carrier": 100,
               "shipping_method": 250}
SHIPPED, PARTIALLY_SHIPPED, AWAITING_FULFILLMENT = 2, 3, 11


def invalid(field: str, message: str) -> ApiError:
    return ApiError(400, f"The field '{field}' is invalid.", {field: message})


def _shipment(order: Order, shipment_id: int) -> Shipment:
    shipment = order.shipments.filter(pk=shipment_id).first()
    if shipment is None:
        raise ApiError(404, "The requested resource was not found.")
    return shipment


def shipment_json(shipment: Shipment) -> dict[str, Any]:
    # Reference: specs/bigcommerce/orders.v2.oas2.yml orderShipment.
    order, address = shipment.order, shipment.order_address
    tracking = shipment.tracking_number
    generated = f"https://track.aftership.com/{tracking}" if tracking and not shipment.tracking_link else ""
    return {
        "id": shipment.pk, "order_id": order.pk, "customer_id": order.customer_id or 0,
        "order_address_id": address.pk, "date_created": rfc2822(shipment.date_created),
        "tracking_number": tracking, "merchant_shipping_cost": f"{shipment.merchant_shipping_cost:.4f}",
        "shipping_method": shipment.shipping_method, "shipping_provider": shipment.shipping_provider,
        "tracking_carrier": shipment.tracking_carrier, "tracking_link": shipment.tracking_link,
        "comments": shipment.comments, "billing_address": order.billing_address,
        "shipping_address": address.address, "items": shipment.items,
        "shipping_provider_display_name": PROVIDER_NAMES.get(shipment.shipping_provider, shipment.shipping_provider),
        "generated_tracking_link": generated,
    }


def _fields(body: Any, allowed: set[str]) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise ApiError(400, "The request body must be a JSON object.")
    for name in body:
        if name not in allowed:
            raise ApiError(400, f"The field '{name}' is not supported by this resource.", {name: "unknown field"})
    values: dict[str, Any] = {}
    for name in ("tracking_number", "tracking_link", "tracking_carrier", "shipping_method", "comments"):
        if name in body:
            if not isinstance(body[name], str):
                raise invalid(name, "must be a string")
            if len(body[name]) > MAX_LENGTHS[name]:
                raise invalid(name, f"must be at most {MAX_LENGTHS[name]} characters")
            values[name] = body[name]
    if "shipping_provider" in body:
        provider = body["shipping_provider"]
        if not isinstance(provider, str) or not (provider in STANDARD_PROVIDERS or CUSTOM_PROVIDER.match(provider)):
            raise invalid("shipping_provider", "must be one of the shipping providers or carrier_<id>")
        values["shipping_provider"] = provider
    if "merchant_shipping_cost" in body:
        try:
            values["merchant_shipping_cost"] = Decimal(str(body["merchant_shipping_cost"]))
        except InvalidOperation:
            raise invalid("merchant_shipping_cost", "must be a decimal number") from None
    return values


def _address(order: Order, body: dict[str, Any], required: bool):
    if "order_address_id" not in body:
        if required:
            raise ApiError(400, "The required field 'order_address_id' was not supplied.", {"order_address_id": "required"})
        return None
    address_id = body["order_address_id"]
    address = order.shipping_addresses.filter(pk=address_id).first() if type(address_id) is int else None
    if address is None:
        raise invalid("order_address_id", "is not a shipping address of this order")
    return address


def _items(order: Order, body: dict[str, Any]) -> list[dict[str, int]]:
    items = body.get("items")
    if not isinstance(items, list) or not items:
        raise ApiError(400, "The required field 'items' was not supplied.", {"items": "required, a non-empty array"})
    lines = {line.pk: line for line in order.lines.all()}
    wanted: dict[int, int] = {}
    for item in items:
        if not isinstance(item, dict) or set(item) - {"order_product_id", "quantity"} or \
                type(item.get("order_product_id")) is not int or type(item.get("quantity")) is not int:
            raise invalid("items", "each item needs integer order_product_id and quantity, and nothing else")
        if item["order_product_id"] not in lines:
            raise invalid("items", f"order product {item['order_product_id']} is not on this order")
        if item["quantity"] <= 0:
            raise invalid("items", "quantity must be greater than zero")
        wanted[item["order_product_id"]] = wanted.get(item["order_product_id"], 0) + item["quantity"]
    for line_id, quantity in wanted.items():
        left = lines[line_id].quantity - lines[line_id].quantity_shipped
        if quantity > left:
            raise invalid("items", f"quantity {quantity} of order product {line_id} exceeds the {left} left to ship")
    return [{"order_product_id": line_id, "product_id": lines[line_id].product_id or 0, "quantity": quantity}
            for line_id, quantity in wanted.items()]


def _move_quantities(order: Order, items: list[dict[str, int]], sign: int) -> None:
    for item in items:
        line = order.lines.select_for_update().get(pk=item["order_product_id"])
        line.quantity_shipped = max(0, line.quantity_shipped + sign * item["quantity"])
        line.save(update_fields=["quantity_shipped"])


def _settle_status(order: Order) -> None:
    lines = list(order.lines.all())
    shipped = sum(line.quantity_shipped for line in lines)
    status = SHIPPED if all(line.quantity_shipped >= line.quantity for line in lines) else \
        PARTIALLY_SHIPPED if shipped else AWAITING_FULFILLMENT
    order.refresh_from_db()
    if status != order.status_id:
        set_status(order, status)


def _emit(shipment: Shipment, action: str) -> None:
    webhooks.emit(shipment.order.store, f"store/shipment/{action}",
                  {"type": "shipment", "id": shipment.pk, "orderId": shipment.order_id})


def list_shipments(request: HttpRequest, store: Store, order_id: int) -> HttpResponse:
    order = _order(store, order_id)
    page, limit = page_window(request)
    chunk = list(order.shipments.order_by("pk")[(page - 1) * limit: page * limit])
    if not chunk:
        return no_content()
    return json_response([shipment_json(s) for s in chunk])


@transaction.atomic
def create_shipment(request: HttpRequest, store: Store, order_id: int) -> HttpResponse:
    order = _order(store, order_id)
    Order.objects.select_for_update().filter(pk=order.pk).first()     # one shipment at a time per order
    body = read_json(request)
    values = _fields(body, POST_FIELDS)
    address = _address(order, body, required=True)
    items = _items(order, body)
    shipment = Shipment.objects.create(order=order, order_address=address, items=items, **values)
    _move_quantities(order, items, +1)
    _emit(shipment, "created")
    _settle_status(order)
    return json_response(shipment_json(shipment), 201)


def get_shipment(request: HttpRequest, store: Store, order_id: int, shipment_id: int) -> HttpResponse:
    return json_response(shipment_json(_shipment(_order(store, order_id), shipment_id)))


@transaction.atomic
def update_shipment(request: HttpRequest, store: Store, order_id: int, shipment_id: int) -> HttpResponse:
    shipment = _shipment(_order(store, order_id), shipment_id)
    body = read_json(request)
    values = _fields(body, PUT_FIELDS)
    address = _address(shipment.order, body, required=False)
    for name, value in values.items():
        setattr(shipment, name, value)
    if address is not None:
        shipment.order_address = address
    shipment.save()
    _emit(shipment, "updated")
    return json_response(shipment_json(shipment))


def _delete(shipment: Shipment) -> None:
    _move_quantities(shipment.order, shipment.items, -1)
    _emit(shipment, "deleted")
    shipment.delete()


@transaction.atomic
def delete_shipment(request: HttpRequest, store: Store, order_id: int, shipment_id: int) -> HttpResponse:
    order = _order(store, order_id)
    _delete(_shipment(order, shipment_id))
    _settle_status(order)
    return no_content()


@transaction.atomic
def delete_shipments(request: HttpRequest, store: Store, order_id: int) -> HttpResponse:
    order = _order(store, order_id)
    for shipment in list(order.shipments.order_by("pk")):
        _delete(shipment)
    _settle_status(order)
    return no_content()


def count_shipments(request: HttpRequest, store: Store, order_id: int) -> HttpResponse:
    return json_response({"count": _order(store, order_id).shipments.count()})
