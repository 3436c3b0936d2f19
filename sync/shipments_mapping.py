"""Acumatica shipment -> BigCommerce order shipment (pure: dicts in, dicts out; no ORM, no HTTP).

One Acumatica shipment may ship several sales orders; for each BigCommerce order among them we make one
BigCommerce shipment: the order's shipping address, the shipped order products and quantities, the first
package's tracking number, the shipping provider for the Ship Via code, and `comments` carrying our marker
"[Acumatica shipment 000123]" (a BigCommerce shipment has no external reference field: the marker is how a
re-run finds what an earlier run created before it could record it).

A BigCommerce shipment has one tracking number; a shipment with several packages lists every package's
tracking number in the comments as well, which the shopper sees on the order page.

Reference: specs/bigcommerce/orders.v2.oas2.yml (orderShipment_Post / orderShipment_Put; tracking_number at
most 50 characters; shipping_provider values) and the Default endpoint's Shipment entity (Details rows with
OrderType, OrderNbr, OrderLineNbr, InventoryID, ShippedQty; Packages rows with TrackingNbr; ShipVia; Status).
"""
import re
from dataclasses import dataclass
from decimal import Decimal

# Statuses of a shipment whose goods have left: confirmed, and what an invoice makes of it later.
SHIPPED_STATUSES = {"Confirmed", "Partially Invoiced", "Invoiced", "Completed"}
MAX_TRACKING_NUMBER = 50
MAX_SHIPPING_METHOD = 250
# A Ship Via code that starts with a carrier's name uses that carrier, unless the tenant maps the code.
KNOWN_CARRIERS = [("USPS", "usps"), ("FEDEX", "fedex"), ("UPS", "ups"), ("CANADAPOST", "canadapost"),
                  ("AUSPOST", "auspost"), ("ROYALMAIL", "royalmail")]
# The spec's enum (auspost, canadapost, endicia, usps, fedex, ups, upsready, upsonline, shipperhq, royalmail, "")
# is open ("some shipping providers may not be listed") and third-party carriers are carrier_<id>: a code only.
BC_PROVIDER = re.compile(r"^[a-z0-9_]{0,50}$")
# What the settings page accepts (tenants/forms.py): the spec's listed providers, carrier_<id>, or empty. Stricter
# than BC_PROVIDER on purpose: a typo ("fedx") there is refused before a shipment meets it.
SPEC_PROVIDERS = ("auspost", "canadapost", "endicia", "usps", "fedex", "ups", "upsready", "upsonline", "shipperhq",
                  "royalmail")
THIRD_PARTY_PROVIDER = re.compile(r"^carrier_[0-9]{1,42}$")


def is_known_provider(code: str) -> bool:
    return code == "" or code in SPEC_PROVIDERS or bool(THIRD_PARTY_PROVIDER.match(code))


class ShipmentProblem(Exception):
    """Something a person must settle (an item not on the order, too much quantity); needs attention."""

    permanent = True


@dataclass(frozen=True)
class OrderShipment:
    """What one Acumatica shipment ships of one BigCommerce order."""
    order_id: int
    order_type: str
    order_nbr: str
    lines: list[dict]


def marker(shipment_nbr: str) -> str:
    return f"[Acumatica shipment {shipment_nbr}]"


def is_ours(bc_shipment: dict, shipment_nbr: str) -> bool:
    return marker(shipment_nbr) in str(bc_shipment.get("comments") or "")


def is_shipped(shipment: dict) -> bool:
    """Confirmed goods issued to a customer (a return is a receipt; a transfer ships to our own warehouse)."""
    return shipment.get("Status") in SHIPPED_STATUSES and shipment.get("Operation", "Issue") == "Issue"


def shipped_orders(shipment: dict) -> dict[tuple[str, str], list[dict]]:
    """Shipment lines grouped by the sales order they ship, in the order of first appearance."""
    groups: dict[tuple[str, str], list[dict]] = {}
    for line in shipment.get("Details") or []:
        groups.setdefault((line.get("OrderType") or "SO", str(line.get("OrderNbr") or "")), []).append(line)
    return groups


def shipping_provider(ship_via: str | None, provider_map: dict[str, str], default: str) -> str:
    if not isinstance(provider_map, dict) or not all(isinstance(v, str) for v in provider_map.values()):
        raise ShipmentProblem('The tenant\'s shipping provider map must map Ship Via codes to provider codes, like '
                              '{"FEDEX2DAY": "fedex"}. Fix it in the tenant settings, then replay.')
    code = (ship_via or "").strip()
    mapped = {k.upper(): v for k, v in provider_map.items()}.get(code.upper())
    if mapped is not None:
        return mapped
    squeezed = re.sub(r"[^A-Z]", "", code.upper())
    for prefix, provider in KNOWN_CARRIERS:
        if squeezed.startswith(prefix):
            return provider
    return default


def tracking_numbers(shipment: dict) -> list[str]:
    numbers = [str(p.get("TrackingNbr") or "").strip() for p in shipment.get("Packages") or []]
    return list(dict.fromkeys(n for n in numbers if n))


def whole_quantity(value, shipment_nbr: str, inventory_id: str) -> int:
    quantity = Decimal(str(value or 0))
    if quantity != quantity.to_integral_value():
        raise ShipmentProblem(f"Shipment {shipment_nbr} ships {quantity} of {inventory_id}; BigCommerce counts whole "
                              "units only. Ship whole units (or change the unit of measure), then replay.")
    return int(quantity)


def order_product_for(line: dict, so_lines: dict[str, dict], products: list[dict], inventory_ids: dict[str, str],
                      order_id: int, shipment_nbr: str) -> dict:
    """The BigCommerce order product a shipment line ships: the sales order line's ExternalRef (the order
    product id the connector wrote there), else the one order product whose SKU maps to the InventoryID."""
    so_line = so_lines.get(str(line.get("OrderLineNbr"))) or {}
    by_id = {str(p["id"]): p for p in products}
    if str(so_line.get("ExternalRef") or "") in by_id:
        return by_id[str(so_line["ExternalRef"])]
    inventory_id = str(line.get("InventoryID") or "")
    matches = [p for p in products if inventory_ids.get(p.get("sku") or "", "").upper() == inventory_id.upper()]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise ShipmentProblem(f"Shipment {shipment_nbr} ships {inventory_id}, which is not on BigCommerce order "
                              f"#{order_id} (no order product's SKU maps to it). Fix the SKU mapping or the shipment "
                              "in Acumatica, then replay; or mark this record resolved.")
    raise ShipmentProblem(f"Shipment {shipment_nbr} ships {inventory_id}, which is on BigCommerce order #{order_id} "
                          f"{len(matches)} times, and its sales order line does not say which one. Create this "
                          "shipment in BigCommerce by hand and mark this record resolved.")


def shipped_items(group: OrderShipment, so_lines: dict[str, dict], products: list[dict],
                  inventory_ids: dict[str, str], shipment_nbr: str) -> list[dict]:
    """[{"order_product_id", "quantity"}] for the shipment lines of one order, one entry per order product."""
    quantities: dict[int, int] = {}
    for line in group.lines:
        if str((so_lines.get(str(line.get("OrderLineNbr"))) or {}).get("ExternalRef") or "").startswith("fee-"):
            continue  # an order fee line (sync/mapping.py): BigCommerce has no product to ship for it
        product = order_product_for(line, so_lines, products, inventory_ids, group.order_id, shipment_nbr)
        quantity = whole_quantity(line.get("ShippedQty"), shipment_nbr, str(line.get("InventoryID")))
        quantities[int(product["id"])] = quantities.get(int(product["id"]), 0) + quantity
    return [{"order_product_id": product_id, "quantity": quantity} for product_id, quantity in quantities.items()
            if quantity > 0]


def check_quantities(items: list[dict], products: list[dict], ours: list[dict], order_id: int,
                     shipment_nbr: str) -> None:
    """Refuses more than BigCommerce has left to ship, counting what our own earlier shipment holds as free."""
    by_id = {int(p["id"]): p for p in products}
    held = {}
    for bc_shipment in ours:
        for item in bc_shipment.get("items") or []:
            held[int(item["order_product_id"])] = held.get(int(item["order_product_id"]), 0) + int(item["quantity"])
    for item in items:
        product = by_id[item["order_product_id"]]
        left = int(product.get("quantity") or 0) - int(product.get("quantity_shipped") or 0) + held.get(
            item["order_product_id"], 0)
        if item["quantity"] > left:
            raise ShipmentProblem(
                f"Shipment {shipment_nbr} ships {item['quantity']} of {product.get('sku') or product.get('name')} "
                f"but BigCommerce order #{order_id} has {left} left to ship of the {product.get('quantity')} ordered "
                "(other shipments hold the rest). Correct the shipment in Acumatica, or adjust the BigCommerce "
                "order's shipments, then replay.")


def shipment_body(shipment: dict, order_address_id: int, items: list[dict], provider: str) -> dict:
    """The orderShipment_Post body. Raises ShipmentProblem for a value BigCommerce would refuse."""
    nbr = str(shipment["ShipmentNbr"])
    numbers = tracking_numbers(shipment)
    if numbers and len(numbers[0]) > MAX_TRACKING_NUMBER:
        raise ShipmentProblem(f"Shipment {nbr}'s tracking number {numbers[0]} is longer than the "
                              f"{MAX_TRACKING_NUMBER} characters BigCommerce accepts. Correct it, then replay.")
    if not BC_PROVIDER.match(provider):
        raise ShipmentProblem(f"'{provider}' is not a BigCommerce shipping provider code (such as usps, fedex, ups, "
                              "upsready, upsonline, auspost, canadapost, royalmail, endicia, shipperhq, carrier_<id> "
                              "or empty). "
                              "Fix the tenant's shipping provider settings, then replay.")
    comments = marker(nbr)
    if len(numbers) > 1:
        comments += f" {len(numbers)} packages, tracking numbers: {', '.join(numbers)}."
    return {"order_address_id": order_address_id, "items": items, "tracking_number": numbers[0] if numbers else "",
            "shipping_provider": provider, "shipping_method": str(shipment.get("ShipVia") or "")[:MAX_SHIPPING_METHOD],
            "comments": comments}


def same_items(bc_shipment: dict, items: list[dict]) -> bool:
    def key(rows):
        return sorted((int(r["order_product_id"]), int(r["quantity"])) for r in rows)
    return key(bc_shipment.get("items") or []) == key(items)


def changed_fields(bc_shipment: dict, body: dict) -> dict:
    """The orderShipment_Put body that brings an existing shipment to `body` (items aside); {} if none differ."""
    return {name: value for name, value in body.items()
            if name != "items" and str(bc_shipment.get(name) or "") != str(value or "")}
