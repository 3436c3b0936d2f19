"""Acumatica shipment -> BigCommerce shipment body: pure functions, no database."""
import pytest

from sync import shipments_mapping as m

PRODUCTS = [{"id": 11, "sku": "A-1", "quantity": 3, "quantity_shipped": 0, "name": "A"},
            {"id": 12, "sku": "B-1", "quantity": 1, "quantity_shipped": 0, "name": "B"},
            {"id": 13, "sku": "", "quantity": 1, "quantity_shipped": 0, "name": "No SKU"}]
IDS = {"A-1": "ITEM-A", "B-1": "ITEM-B"}
SO_LINES = {"1": {"LineNbr": 1, "InventoryID": "ITEM-A", "ExternalRef": "11"},
            "2": {"LineNbr": 2, "InventoryID": "ITEM-B"},               # a line from before ExternalRef was set
            "3": {"LineNbr": 3, "InventoryID": "BCNOSKU", "ExternalRef": "13"},
            "4": {"LineNbr": 4, "InventoryID": "BCFEE", "ExternalRef": "fee-5"}}


def group(*lines):
    return m.OrderShipment(100, "SO", "000001", [
        {"OrderLineNbr": n, "InventoryID": inv, "ShippedQty": q} for n, inv, q in lines])


def test_it_finds_order_products_by_line_reference_then_by_sku_and_skips_fee_lines():
    items = m.shipped_items(group((1, "ITEM-A", 2.0), (2, "ITEM-B", 1), (3, "BCNOSKU", 1), (4, "BCFEE", 1),
                                  (1, "ITEM-A", "1.00")), SO_LINES, PRODUCTS, IDS, "000007")
    assert items == [{"order_product_id": 11, "quantity": 3}, {"order_product_id": 12, "quantity": 1},
                     {"order_product_id": 13, "quantity": 1}]


def test_an_item_not_on_the_order_or_a_fraction_needs_a_person():
    with pytest.raises(m.ShipmentProblem, match="ships ITEM-Z, which is not on BigCommerce order #100"):
        m.shipped_items(group((9, "ITEM-Z", 1)), SO_LINES, PRODUCTS, IDS, "000007")
    with pytest.raises(m.ShipmentProblem, match="ships 1.5 of ITEM-A; BigCommerce counts whole units"):
        m.shipped_items(group((1, "ITEM-A", "1.5")), SO_LINES, PRODUCTS, IDS, "000007")


def test_more_than_is_left_to_ship_is_refused_but_our_own_earlier_shipment_counts_as_free():
    shipped = [{**PRODUCTS[0], "quantity_shipped": 2}]
    with pytest.raises(m.ShipmentProblem, match="ships 2 of A-1 but BigCommerce order #100 has 1 left to ship"):
        m.check_quantities([{"order_product_id": 11, "quantity": 2}], shipped, [], 100, "000007")
    ours = [{"items": [{"order_product_id": 11, "quantity": 2}]}]
    m.check_quantities([{"order_product_id": 11, "quantity": 3}], shipped, ours, 100, "000007")


@pytest.mark.parametrize("ship_via, expected", [
    ("UPSGROUND", "ups"), ("FedEx 2Day", "fedex"), ("USPS-PRIORITY", "usps"), ("LOCAL", "default"),
    ("mapped", "carrier_7"), ("", "default")])
def test_it_maps_ship_via_to_a_shipping_provider(ship_via, expected):
    assert m.shipping_provider(ship_via, {"MAPPED": "carrier_7"}, "default") == expected


def test_the_body_carries_the_first_tracking_number_and_lists_every_package():
    shipment = {"ShipmentNbr": "000007", "ShipVia": "UPSGROUND",
                "Packages": [{"TrackingNbr": "1Z1"}, {"TrackingNbr": "1Z2"}, {"TrackingNbr": ""}]}
    body = m.shipment_body(shipment, 55, [{"order_product_id": 11, "quantity": 1}], "ups")
    assert body == {"order_address_id": 55, "items": [{"order_product_id": 11, "quantity": 1}],
                    "tracking_number": "1Z1", "shipping_provider": "ups", "shipping_method": "UPSGROUND",
                    "comments": "[Acumatica shipment 000007] 2 packages, tracking numbers: 1Z1, 1Z2."}
    assert m.is_ours({"comments": body["comments"]}, "000007") and not m.is_ours({"comments": body["comments"]}, "00000")


def test_values_bigcommerce_would_refuse_are_said_before_sending():
    too_long = {"ShipmentNbr": "000007", "Packages": [{"TrackingNbr": "X" * 51}]}
    with pytest.raises(m.ShipmentProblem, match="longer than the 50 characters"):
        m.shipment_body(too_long, 55, [], "ups")
    with pytest.raises(m.ShipmentProblem, match="'DHL Express' is not a BigCommerce shipping provider code"):
        m.shipment_body({"ShipmentNbr": "000007"}, 55, [], "DHL Express")


def test_only_confirmed_issues_count_as_shipped():
    assert m.is_shipped({"Status": "Confirmed", "Operation": "Issue"})
    assert m.is_shipped({"Status": "Completed"})
    assert not m.is_shipped({"Status": "Open", "Operation": "Issue"})
    assert not m.is_shipped({"Status": "Confirmed", "Operation": "Receipt"})


def test_an_update_sends_only_what_changed():
    existing = {"tracking_number": "OLD", "shipping_provider": "ups", "comments": "c", "order_address_id": 5,
                "shipping_method": "UPS"}
    body = {"order_address_id": 5, "items": [], "tracking_number": "NEW", "shipping_provider": "ups",
            "shipping_method": "UPS", "comments": "c"}
    assert m.changed_fields(existing, body) == {"tracking_number": "NEW"}


def test_a_malformed_provider_map_is_said_not_crashed_on():
    with pytest.raises(m.ShipmentProblem, match="must map Ship Via codes to provider codes"):
        m.shipping_provider("UPS", ["ups"], "")
