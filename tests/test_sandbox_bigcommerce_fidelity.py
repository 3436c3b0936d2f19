"""Sandbox store behaviours the real API has (issues #14 and #21): 204 content type, /v2/orders/count, v2 and
admin hooks, deliveryException, product/SKU webhooks, inventory locations, case-insensitive sku:in, https-only."""
import pytest

from sandbox.bigcommerce.models import Store
from sandbox.bigcommerce.seed import seed_store
from sandbox.bigcommerce.storefront import place_order
from sandbox.bigcommerce.webhooks import wait_for_deliveries
from sandbox.catalog_data import demo_catalog
from tests.sandbox_bigcommerce_helpers import Api, bc_api, bc_store, receiver, Receiver, sandbox_db  # noqa: F401

pytestmark = [pytest.mark.e2e, sandbox_db]


def test_transactions_of_an_order_without_any_answer_204_as_json(bc_api, bc_store):
    order = place_order(bc_store, lines=[("SKU-00001", 1)], paid=False)
    reply = bc_api.get(f"v3/orders/{order.pk}/transactions")
    assert reply.status_code == 204 and reply.content == b""
    assert reply.headers["Content-Type"] == "application/json"


def test_it_counts_orders_per_status(bc_api, bc_store):
    place_order(bc_store, lines=[("SKU-00001", 1)], paid=False)
    place_order(bc_store, lines=[("SKU-00002", 1)])
    place_order(bc_store, lines=[("SKU-00003", 1)])
    body = bc_api.get("v2/orders/count").json()
    assert body["count"] == 3
    by_status = {row["id"]: row["count"] for row in body["statuses"]}
    assert sum(by_status.values()) == 3 and by_status[11] == 2 and set(by_status) >= {0, 1, 5, 10, 11}
    assert bc_api.get("v2/orders/count", params={"status_id": 11}).json()["count"] == 2


def test_sku_in_matches_product_skus_without_regard_to_case(bc_api):
    reply = bc_api.get("v3/catalog/products", params={"sku:in": "sku-00001,Sku-00002,NOPE"})
    assert sorted(p["sku"] for p in reply.json()["data"]) == ["SKU-00001", "SKU-00002"]
    assert [p["sku"] for p in bc_api.get("v3/catalog/products", params={"sku": "sku-00003"}).json()["data"]] == [
        "SKU-00003"]


def test_a_new_store_takes_https_destinations_on_port_443_only(live_server, transactional_db):
    store = seed_store("strict01", catalog=demo_catalog(count=1), access_token="strict-token")
    api = Api(live_server.url, store, token="strict-token")
    for destination in ("http://hooks.example.com:9/x", "http://hooks.example.com/x", "https://hooks.example.com:8443/x"):
        reply = api.post("v3/hooks", {"scope": "store/order/created", "destination": destination})
        assert reply.status_code == 422 and "destination" in reply.json()["errors"], destination
    assert api.post("v3/hooks", {"scope": "store/order/created",
                                 "destination": "https://hooks.example.com/x"}).status_code == 200
    local = seed_store("local001", catalog=demo_catalog(count=1), access_token="local-token", local_receivers=True)
    assert Api(live_server.url, local, token="local-token").post("v3/hooks", {"scope": "store/order/created",
                                                         "destination": "http://127.0.0.1:9/x"}).status_code == 200


def test_v2_hooks_are_the_same_hooks_as_bare_objects(bc_api):
    created = bc_api.post("v2/hooks", {"scope": "store/order/created", "destination": "https://a.example/h"})
    assert created.status_code == 200
    hook = created.json()
    assert hook["scope"] == "store/order/created" and "data" not in hook
    assert [h["id"] for h in bc_api.get("v3/hooks").json()["data"]] == [hook["id"]]
    assert bc_api.put(f"v2/hooks/{hook['id']}", {"is_active": False}).json()["is_active"] is False
    assert bc_api.get(f"v2/hooks/{hook['id']}").json()["is_active"] is False
    assert [h["id"] for h in bc_api.get("v2/hooks").json()] == [hook["id"]]
    assert bc_api.call("DELETE", f"v2/hooks/{hook['id']}").status_code == 200
    assert bc_api.get(f"v2/hooks/{hook['id']}").status_code == 404


def test_hooks_admin_lists_hooks_with_status_and_keeps_emails(bc_api):
    bc_api.post("v3/hooks", {"scope": "store/order/created", "destination": "https://a.example/h"})
    off = bc_api.post("v3/hooks", {"scope": "store/order/updated", "destination": "https://a.example/h",
                                   "is_active": False}).json()["data"]
    assert bc_api.put("v3/hooks/admin", {"emails": ["ops@example.com"]}).status_code == 204
    assert bc_api.put("v3/hooks/admin", {"emails": ["not an email"]}).status_code == 422
    data = bc_api.get("v3/hooks/admin").json()["data"]
    assert data["emails"] == ["ops@example.com"] and data["blocked_domains"] == []
    assert {h["scope"]: h["status"] for h in data["hooks_list"]} == {"store/order/created": "active",
                                                                     "store/order/updated": "inactive"}
    assert [h["id"] for h in bc_api.get("v3/hooks/admin", params={"is_active": "false"}).json()["data"]["hooks_list"]] \
        == [off["id"]]


def test_delivery_exception_hook_rules(bc_api):
    first = bc_api.post("v3/hooks", {"scope": "store/hook/deliveryException", "destination": "https://ops.example/x"})
    assert first.status_code == 200
    second = bc_api.post("v3/hooks", {"scope": "store/hook/deliveryException", "destination": "https://b.example/x"})
    assert second.status_code == 422
    shared = bc_api.post("v3/hooks", {"scope": "store/order/created", "destination": "https://ops.example/x"})
    assert shared.status_code == 422


def test_failed_deliveries_are_reported_to_the_delivery_exception_hook(bc_api, bc_store, receiver):
    failing = Receiver(status=500)
    try:
        hook = bc_api.post("v3/hooks", {"scope": "store/order/created", "destination": failing.url}).json()["data"]
        bc_api.post("v3/hooks", {"scope": "store/hook/deliveryException", "destination": receiver.url})
        place_order(bc_store, lines=[("SKU-00001", 1)], paid=False)
        wait_for_deliveries()
        wait_for_deliveries()
    finally:
        failing.close()
    reports = [b["data"] for b in receiver.bodies() if b["scope"] == "store/hook/deliveryException"]
    codes = [r["error_code"] for r in reports]
    assert codes == [90001, 90002], reports        # one "will retry" per 10 minutes, then "disabled"
    assert all(r["type"] == "webhook" and r["id"] == hook["id"] for r in reports)
    admin = bc_api.get("v3/hooks/admin").json()["data"]["hooks_list"]
    assert {h["id"]: h["status"] for h in admin}[hook["id"]] == "deactivated"


def test_catalog_and_inventory_changes_fire_product_and_sku_webhooks(bc_api, bc_store, receiver):
    bc_api.post("v3/hooks", {"scope": "store/product/*", "destination": receiver.url})
    bc_api.post("v3/hooks", {"scope": "store/sku/*", "destination": receiver.url + "/sku"})
    simple = bc_store.products.get(sku="SKU-00001")
    variant_product = bc_store.products.filter(inventory_tracking="variant").first()
    variant = variant_product.variants.first()
    bc_api.put("v3/catalog/products", [{"id": simple.pk, "price": 12.5}])
    bc_api.put("v3/inventory/adjustments/absolute", {"items": [
        {"location_id": 1, "product_id": simple.pk, "quantity": simple.inventory_level + 3},
        {"location_id": 1, "variant_id": variant.pk, "quantity": variant.inventory_level - 2}]})
    wait_for_deliveries()
    events = sorted((b["scope"], b["data"]["id"], (b["data"].get("inventory") or {}).get("value"))
                    for b in receiver.bodies())
    assert events == sorted([("store/product/updated", simple.pk, None),
                             ("store/product/inventory/updated", simple.pk, 3),
                             ("store/sku/inventory/updated", variant.pk, -2)])
    sku_event = next(b["data"] for b in receiver.bodies() if b["scope"] == "store/sku/inventory/updated")
    assert sku_event["inventory"] == {"product_id": variant_product.pk, "method": "absolute", "value": -2,
                                      "variant_id": variant.pk}


def test_it_keeps_stock_at_a_second_location_apart_from_the_default_one(bc_api, bc_store):
    locations = bc_api.get("v3/inventory/locations").json()["data"]
    assert [(loc["id"], loc["is_default"]) for loc in locations] == [(1, True), (2, False)]
    product = bc_store.products.get(sku="SKU-00001")
    level = product.inventory_level
    reply = bc_api.put("v3/inventory/adjustments/absolute", {"items": [
        {"location_id": 2, "sku": "SKU-00001", "quantity": 7}]})
    assert reply.status_code == 200
    relative = bc_api.post("v3/inventory/adjustments/relative", {"items": [
        {"location_id": 2, "sku": "SKU-00001", "quantity": -2}]})
    assert relative.status_code == 200
    assert bc_api.put("v3/inventory/adjustments/relative", {"items": []}).status_code == 405  # POST only (spec)
    product.refresh_from_db()
    assert product.inventory_level == level      # the Catalog API shows the default location only
    assert product.variants.get(is_base=True).location_levels.get(location__location_id=2).available == 5
    missing = bc_api.put("v3/inventory/adjustments/absolute", {"items": [
        {"location_id": 3, "sku": "SKU-00001", "quantity": 1}]})
    assert missing.status_code == 422 and "3" in missing.json()["title"]
    assert [loc["id"] for loc in bc_api.get("v3/inventory/locations", params={"is_default": "false"}).json()["data"]] \
        == [2]


def test_it_reads_stock_per_location(bc_api, bc_store):
    base = bc_store.products.get(sku="SKU-00001").variants.get(is_base=True)
    bc_api.put("v3/inventory/adjustments/absolute", {"items": [{"location_id": 2, "sku": "SKU-00001", "quantity": 4}]})
    items = bc_api.get("v3/inventory/items", params={"sku:in": "sku-00001"}).json()["data"]
    assert [i["identity"]["variant_id"] for i in items] == [base.pk]
    assert [(loc["location_id"], loc["available_to_sell"]) for loc in items[0]["locations"]] == [
        (1, base.inventory_level), (2, 4)]
    east = bc_api.get("v3/inventory/locations/2/items", params={"variant_id:in": base.pk}).json()["data"]
    assert [(i["identity"]["sku"], i["available_to_sell"]) for i in east] == [("SKU-00001", 4)]
    assert bc_api.get("v3/inventory/locations/9/items").status_code == 404


def test_store_information_names_the_stores_time_zone_with_its_offsets(bc_api, bc_store):
    # Reference: https://developer.bigcommerce.com/docs/rest-management/store-information (GET /v2/store).
    body = bc_api.get("v2/store").json()
    assert (body["id"], body["currency"], body["status"]) == (bc_store.store_hash, "USD", "live")
    zone = body["timezone"]
    assert (zone["name"], zone["raw_offset"], zone["dst_offset"]) == ("America/Chicago", -21600, -18000)
    assert set(zone["date_format"]) == {"display", "export", "extended_display"}
    Store.objects.filter(pk=bc_store.pk).update(time_zone="Asia/Kolkata")  # no daylight saving
    zone = bc_api.get("v2/store").json()["timezone"]
    assert (zone["name"], zone["raw_offset"], zone["dst_offset"], zone["dst_correction"]) == (
        "Asia/Kolkata", 19800, 19800, False)


def test_dst_correction_is_on_while_the_zone_observes_daylight_saving():
    from datetime import datetime, timezone
    from sandbox.bigcommerce.api_store import timezone_json
    july, january = datetime(2026, 7, 1, tzinfo=timezone.utc), datetime(2026, 1, 15, tzinfo=timezone.utc)
    assert timezone_json("America/Chicago", july)["dst_correction"] is True
    assert timezone_json("America/Chicago", january)["dst_correction"] is False
    sydney = timezone_json("Australia/Sydney", july)  # southern winter: standard time
    assert (sydney["raw_offset"], sydney["dst_offset"], sydney["dst_correction"]) == (36000, 39600, False)
    assert timezone_json("Australia/Sydney", january)["raw_offset"] == 36000
