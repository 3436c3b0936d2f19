"""JSON shapes of the simulated API, field by field as the official specs have them."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from email.utils import format_datetime
from typing import Any

from .models import Customer, Hook, Order, OrderProduct, Product, Refund, ShippingAddress, Transaction, Variant

PAYMENT_STATUSES_BY_STATUS = {0: "", 1: "pending", 4: "refunded", 5: "void", 6: "declined", 7: "pending",
                              12: "held for review", 14: "partially refunded"}


def money(value: Decimal | None) -> str:
    """v2 money: a decimal string with four places, e.g. "336.3200"."""
    return f"{(value or Decimal('0')):.4f}"


def number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def rfc2822(value: datetime | None) -> str:
    # Reference: specs/bigcommerce/orders.v2.oas2.yml order_Resp example ("Tue, 05 Mar 2019 21:40:11 +0000").
    return format_datetime(value) if value else ""


def iso(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def order_json(order: Order, base_url: str) -> dict[str, Any]:
    # Reference: specs/bigcommerce/orders.v2.oas2.yml order_Resp (order_RespOnly + order_Shared).
    link = f"{base_url}v2/orders/{order.pk}"
    lines = list(order.lines.all())
    return {
        "id": order.pk, "customer_id": order.customer_id or 0,
        "date_created": rfc2822(order.date_created), "date_modified": rfc2822(order.date_modified),
        "date_shipped": rfc2822(order.date_shipped), "status_id": order.status_id, "status": order.status,
        "subtotal_ex_tax": money(order.subtotal_ex_tax), "subtotal_inc_tax": money(order.subtotal_ex_tax + order.subtotal_tax),
        "subtotal_tax": money(order.subtotal_tax), "base_shipping_cost": money(order.shipping_cost_ex_tax),
        "shipping_cost_ex_tax": money(order.shipping_cost_ex_tax),
        "shipping_cost_inc_tax": money(order.shipping_cost_ex_tax + order.shipping_cost_tax),
        "shipping_cost_tax": money(order.shipping_cost_tax), "shipping_cost_tax_class_id": 2,
        "base_handling_cost": money(0), "handling_cost_ex_tax": money(0), "handling_cost_inc_tax": money(0),
        "handling_cost_tax": money(0), "handling_cost_tax_class_id": 2,
        "base_wrapping_cost": money(0), "wrapping_cost_ex_tax": money(0), "wrapping_cost_inc_tax": money(0),
        "wrapping_cost_tax": money(0), "wrapping_cost_tax_class_id": 3,
        "total_ex_tax": money(order.total_ex_tax), "total_inc_tax": money(order.total_inc_tax),
        "total_tax": money(order.total_tax), "items_total": sum(line.quantity for line in lines),
        "items_shipped": sum(line.quantity_shipped for line in lines), "payment_method": order.payment_method, "payment_provider_id": "",
        "payment_status": order.payment_status, "refunded_amount": money(order.refunded_amount),
        "order_is_digital": bool(lines) and all(line.type == "digital" for line in lines),
        "store_credit_amount": money(_paid_with(order, "storecredit")),
        "gift_certificate_amount": money(_paid_with(order, "giftcertificate")),
        "ip_address": "127.0.0.1", "ip_address_v6": "", "geoip_country": "United States", "geoip_country_iso2": "US",
        "currency_id": 1, "currency_code": order.currency_code, "currency_exchange_rate": "1.0000000000",
        "default_currency_id": 1, "default_currency_code": order.transactional_currency_code or order.currency_code,
        "store_default_currency_code": order.store.currency_code,
        "store_default_to_transactional_exchange_rate": f"{order.transactional_rate:.10f}",
        "staff_notes": "", "customer_message": order.customer_message, "discount_amount": money(order.discount_amount),
        "coupon_discount": money(order.coupon_discount), "shipping_address_count": len(order.shipping_addresses.all()),
        "is_deleted": False, "ebay_order_id": "0", "cart_id": f"cart-{order.pk}",
        "billing_address": {**order.billing_address, "form_fields": []},
        "is_email_opt_in": False, "credit_card_type": None, "order_source": "www", "channel_id": order.channel_id,
        "external_source": None, "external_id": order.external_id, "external_merchant_id": None,
        "tax_provider_id": "BasicTaxProvider", "customer_locale": "en", "external_order_id": "",
        "is_tax_inclusive_pricing": order.tax_inclusive,
        "products": {"url": f"{link}/products", "resource": f"/orders/{order.pk}/products"},
        "shipping_addresses": {"url": f"{link}/shipping_addresses", "resource": f"/orders/{order.pk}/shipping_addresses"},
        "coupons": {"url": f"{link}/coupons", "resource": f"/orders/{order.pk}/coupons"},
    }


def _paid_with(order: Order, gateway: str) -> Decimal:
    return sum((t.amount for t in order.transactions.all() if t.gateway == gateway and t.status == "ok"
                and t.event in ("purchase", "capture")), Decimal("0"))


def order_product_json(line: OrderProduct, order_address_id: int) -> dict[str, Any]:
    # Reference: specs/bigcommerce/orders.v2.oas2.yml orderProducts (discounted_total_inc_tax: after every
    # discount, tax included).
    inc = line.base_price + line.price_tax
    discounts = sum((Decimal(str(d.get("amount") or 0)) for d in line.applied_discounts or []), Decimal("0"))
    return {
        "id": line.pk, "order_id": line.order_id, "product_id": line.product_id or 0,
        "variant_id": line.variant_id or 0, "order_address_id": order_address_id, "order_pickup_method_id": 0,
        "name": line.name, "name_customer": line.name, "name_merchant": line.name, "sku": line.sku, "upc": "",
        "type": line.type, "base_price": money(line.base_price), "price_ex_tax": money(line.base_price),
        "price_inc_tax": money(inc), "price_tax": money(line.price_tax), "base_total": money(line.total_ex_tax),
        "total_ex_tax": money(line.total_ex_tax), "total_inc_tax": money(line.total_ex_tax + line.total_tax),
        "total_tax": money(line.total_tax), "discounted_total_inc_tax": money(line.total_ex_tax + line.total_tax - discounts),
        "quantity": line.quantity, "base_cost_price": money(0), "cost_price_inc_tax": money(0),
        "cost_price_ex_tax": money(0), "cost_price_tax": money(0), "weight": float(line.weight),
        "width": money(0), "height": money(0), "depth": money(0),
        "is_refunded": line.quantity_refunded >= line.quantity, "quantity_refunded": line.quantity_refunded,
        "refund_amount": money(line.refund_amount), "return_id": 0, "wrapping_id": 0, "wrapping_name": None,
        "base_wrapping_cost": money(0), "wrapping_cost_ex_tax": money(0), "wrapping_cost_inc_tax": money(0),
        "wrapping_cost_tax": money(0), "wrapping_message": "", "quantity_shipped": line.quantity_shipped, "event_name": None,
        "event_date": None, "fixed_shipping_cost": money(0), "ebay_item_id": "", "ebay_transaction_id": "",
        "option_set_id": None, "parent_order_product_id": None, "is_bundled_product": False,
        "bin_picking_number": "", "external_id": None, "brand": "", "applied_discounts": line.applied_discounts or [],
        "product_options": line.product_options, "configurable_fields": [], "gift_certificate_id": None,
    }


def shipping_address_json(address: ShippingAddress) -> dict[str, Any]:
    # Reference: specs/bigcommerce/orders.v2.oas2.yml orderShippingAddress.
    order = address.order
    return {
        "id": address.pk, "order_id": order.pk, **address.address,
        "items_total": sum(line.quantity for line in order.lines.all()),
        "items_shipped": sum(line.quantity_shipped for line in order.lines.all()),
        "shipping_method": address.shipping_method, "base_cost": money(address.cost_ex_tax),
        "cost_ex_tax": money(address.cost_ex_tax), "cost_inc_tax": money(address.cost_ex_tax + address.cost_tax),
        "cost_tax": money(address.cost_tax), "cost_tax_class_id": 2, "base_handling_cost": money(0),
        "handling_cost_ex_tax": money(0), "handling_cost_inc_tax": money(0), "handling_cost_tax": money(0),
        "handling_cost_tax_class_id": 2, "shipping_zone_id": 1, "shipping_zone_name": "United States",
        "form_fields": [],
        "shipping_quotes": {"url": "", "resource": f"/orders/{order.pk}/shipping_addresses/{address.pk}/shipping_quotes"},
    }


def consignments_json(order: Order, base_url: str, embed_lines: bool) -> dict[str, Any]:
    """The order's consignments in the object structure: one shipping consignment per shipping address,
    digital lines in the one downloads consignment. Physical lines ship to the first address, as the
    products endpoint says (`order_address_id`); every line is in exactly one consignment."""
    # Reference: specs/bigcommerce/orders.v2.oas2.yml orderConsignment_Get (pickups, shipping,
    # downloads maxItems 1, email.gift_certificates), shippingConsignment_Get, digitalConsignment_Get;
    # line_items are orderProducts with include=consignments.line_items, else products_Resource links.
    # Sorted here rather than by the query: ``.all()`` uses the order's prefetched rows (``get_order``).
    addresses = sorted(order.shipping_addresses.all(), key=lambda address: address.pk)
    first = addresses[0].pk if addresses else 0

    def items(lines: list[OrderProduct]) -> list[dict[str, Any]]:
        if embed_lines:
            return [order_product_json(line, first) for line in lines]
        return [{"url": f"{base_url}v2/orders/{order.pk}/products/{line.pk}",
                 "resource": f"/orders/{order.pk}/products/{line.pk}"} for line in lines]

    lines = sorted(order.lines.all(), key=lambda line: line.pk)
    digital = [line for line in lines if line.type == "digital"]
    physical = [line for line in lines if line.type != "digital"]
    shipping = []
    for n, address in enumerate(addresses):
        consignment = {key: value for key, value in shipping_address_json(address).items() if key != "order_id"}
        consignment["line_items"] = items(physical if n == 0 else [])
        shipping.append(consignment)
    downloads = [{"recipient_email": order.billing_address.get("email", ""), "line_items": items(digital)}] \
        if digital else []
    return {"pickups": [], "shipping": shipping, "downloads": downloads, "email": {"gift_certificates": []}}


def transaction_json(tx: Transaction) -> dict[str, Any]:
    # Reference: specs/bigcommerce/orders.v3.yml Transaction.
    return {
        "id": tx.pk, "order_id": str(tx.order_id), "event": tx.event, "method": tx.method,
        "amount": float(tx.amount), "currency": tx.currency, "gateway": tx.gateway,
        "gateway_transaction_id": tx.gateway_transaction_id, "date_created": iso(tx.date_created),
        "test": tx.test, "status": tx.status, "fraud_review": False, "offline": None, "custom": None,
        "payment_method_id": "testgateway.card", "payment_instrument_token": None,
    }


def refund_json(refund: Refund) -> dict[str, Any]:
    # Reference: specs/bigcommerce/orders.v3.yml Refund.
    return {
        "id": refund.pk, "order_id": refund.order_id, "user_id": 0, "created": iso(refund.created),
        "reason": refund.reason, "total_amount": float(refund.total_amount), "total_tax": float(refund.total_tax),
        "uses_merchant_override_values": False, "items": refund.items, "payments": refund.payments,
    }


def customer_json(customer: Customer, include: set[str]) -> dict[str, Any]:
    # Reference: specs/bigcommerce/customers.v3.yml customer_Full.
    data: dict[str, Any] = {
        "id": customer.pk, "email": customer.email, "first_name": customer.first_name,
        "last_name": customer.last_name, "company": customer.company, "phone": customer.phone,
        "registration_ip_address": "", "notes": customer.notes, "tax_exempt_category": "",
        "customer_group_id": customer.customer_group_id, "date_created": iso(customer.date_created),
        "date_modified": iso(customer.date_modified), "address_count": len(customer.addresses),
        "attribute_count": 0, "authentication": {"force_password_reset": False},
        "accepts_product_review_abandoned_cart_emails": False, "origin_channel_id": 1, "channel_ids": [1],
    }
    if "addresses" in include:
        data["addresses"] = [customer_address_json(customer, a.get("id") or n + 1, a)
                             for n, a in enumerate(customer.addresses)]
    return data


def customer_address_json(customer: Customer, address_id: int, address: dict[str, Any]) -> dict[str, Any]:
    # Reference: specs/bigcommerce/customers.v3.yml address_Full (the storefront keeps order-style addresses).
    return {"id": address_id, "customer_id": customer.pk, "first_name": address.get("first_name", ""),
            "last_name": address.get("last_name", ""), "company": address.get("company", ""),
            "address1": address.get("street_1", ""), "address2": address.get("street_2", ""),
            "city": address.get("city", ""), "state_or_province": address.get("state", ""),
            "postal_code": address.get("zip", ""), "country_code": address.get("country_iso2", ""),
            "country": address.get("country", ""), "phone": address.get("phone", ""),
            "address_type": "residential"}


def variant_json(variant: Variant) -> dict[str, Any]:
    # Reference: specs/bigcommerce/product-variants_catalog.v3.yml productVariant_Full.
    product = variant.product
    return {
        "id": variant.pk, "product_id": product.pk, "sku": variant.sku, "sku_id": variant.pk,
        "price": number(variant.price), "calculated_price": float(variant.calculated_price),
        "sale_price": number(variant.sale_price), "retail_price": number(variant.retail_price),
        "map_price": None, "weight": number(variant.weight),
        "calculated_weight": float(variant.weight if variant.weight is not None else product.weight),
        "width": None, "height": None, "depth": None, "is_free_shipping": False, "fixed_cost_shipping_price": None,
        "purchasing_disabled": False, "purchasing_disabled_message": "", "image_url": "",
        "cost_price": number(variant.cost_price), "upc": "", "mpn": "", "gtin": "",
        "inventory_level": variant.inventory_level, "inventory_warning_level": variant.inventory_warning_level,
        "bin_picking_number": "", "option_values": variant.option_values,
    }


def product_json(product: Product, include: set[str]) -> dict[str, Any]:
    # Reference: specs/bigcommerce/products_catalog.v3.yml product_Full.
    data: dict[str, Any] = {
        "id": product.pk, "name": product.name, "type": product.type, "sku": product.sku,
        "description": "", "weight": float(product.weight), "width": 0, "depth": 0, "height": 0,
        "price": float(product.price), "cost_price": float(product.cost_price),
        "retail_price": float(product.retail_price), "sale_price": float(product.sale_price),
        "map_price": 0, "tax_class_id": 0, "product_tax_code": "", "calculated_price": float(product.price),
        "categories": [], "brand_id": 0, "option_set_display": "right",
        "inventory_level": product.inventory_level, "inventory_warning_level": product.inventory_warning_level,
        "inventory_tracking": product.inventory_tracking, "reviews_rating_sum": 0, "reviews_count": 0,
        "total_sold": 0, "fixed_cost_shipping_price": 0, "is_free_shipping": False,
        "is_visible": product.is_visible, "is_featured": False, "related_products": [], "warranty": "",
        "bin_picking_number": "", "layout_file": "", "upc": "", "mpn": "", "gtin": "", "search_keywords": "",
        "availability": "available", "availability_description": "", "gift_wrapping_options_type": "any",
        "gift_wrapping_options_list": [], "sort_order": 0, "condition": "New", "is_condition_shown": False,
        "order_quantity_minimum": 0, "order_quantity_maximum": 0, "page_title": "", "meta_keywords": [],
        "meta_description": "", "date_created": iso(product.date_created), "date_modified": iso(product.date_modified),
        "view_count": 0, "preorder_release_date": None, "preorder_message": "", "is_preorder_only": False,
        "is_price_hidden": False, "price_hidden_label": "",
        "custom_url": {"url": f"/demo-product-{product.pk}/", "is_customized": False},
        "base_variant_id": next((v.pk for v in product.variants.all() if v.is_base), None),
        "open_graph_type": "product", "open_graph_title": "", "open_graph_description": "",
        "open_graph_use_meta_description": True, "open_graph_use_product_name": True,
        "open_graph_use_image": True,
    }
    if "variants" in include:
        data["variants"] = [variant_json(v) for v in product.variants.all()]
    return data


def hook_json(hook: Hook) -> dict[str, Any]:
    # Reference: specs/bigcommerce/webhooks.v3.yml webhook_Full (times as unix integers).
    return {
        "id": hook.pk, "client_id": hook.client_id, "store_hash": hook.store.store_hash, "scope": hook.scope,
        "destination": hook.destination, "headers": hook.headers, "is_active": hook.is_active,
        "created_at": int(hook.created_at.timestamp()), "updated_at": int(hook.updated_at.timestamp()),
    }


def pagination_meta(total: int, count: int, page: int, limit: int) -> dict[str, Any]:
    # Reference: reference/bigcommerce-api.md §3 (meta.pagination shape).
    pages = max(1, -(-total // limit))
    links: dict[str, str] = {"current": f"?page={page}&limit={limit}"}
    if page > 1:
        links["previous"] = f"?page={page - 1}&limit={limit}"
    if page < pages:
        links["next"] = f"?page={page + 1}&limit={limit}"
    return {"pagination": {"total": total, "count": count, "per_page": limit, "current_page": page,
                           "total_pages": pages, "links": links}}
