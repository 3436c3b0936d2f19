"""BigCommerceClient over real HTTP against the sandbox store (pytest-django live_server)."""
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from sandbox.bigcommerce import storefront
from sandbox.bigcommerce.models import Store
from sandbox.bigcommerce.seed import seed_store
from sandbox.catalog_data import demo_catalog
from sync.bigcommerce import BigCommerceClient
from sync.http import ApiError, RetryPolicy
from tenants import connection_test
from tests.clients_helpers import Calls, FakeClock

pytestmark = pytest.mark.e2e
TOKEN = "clients-sandbox-token-SECRET"
FAST = RetryPolicy(max_attempts=3, base_delay=0.05, max_delay=0.2, max_total_wait=5.0)


@pytest.fixture
def store(transactional_db) -> Store:
    store = seed_store("clients01", catalog=demo_catalog(count=6), access_token=TOKEN)
    store.rate_limit_quota = 10000
    store.save()
    return store


@pytest.fixture
def conn(live_server, make_tenant, store):
    tenant = make_tenant("sbx", store_hash=store.store_hash, access_token=TOKEN,
                         api_base_url=live_server.url + "/sandbox/bigcommerce/stores/{store_hash}/")
    return tenant.bigcommerce


def test_it_reads_a_paid_order_with_lines_addresses_transactions_and_refunds(conn, store):
    order = storefront.place_order(store, lines=[("SKU-00001", 2), ("SKU-00005-RED", 1)])
    storefront.refund(order, amount=Decimal("5.00"), reason="Scratched")
    calls = Calls()
    with BigCommerceClient(conn, on_call=calls, policy=FAST) as client:
        full = client.get_order(order.pk)
        transactions = client.get_transactions(order.pk)
        refunds = client.get_refunds(order.pk)
    assert full["status_id"] == 14 and isinstance(full["total_inc_tax"], Decimal)  # partially refunded
    assert sorted(line["sku"] for line in full["products"]) == ["SKU-00001", "SKU-00005-RED"]
    assert len(full["shipping_addresses"]) == 1
    assert sum(t["amount"] for t in transactions if t["event"] == "purchase") == full["total_inc_tax"]
    assert [r["total_amount"] for r in refunds] == [Decimal("5.00")]
    assert all(c.request_headers["X-Auth-Token"] == "[redacted]" for c in calls)


def test_the_one_call_order_has_exactly_the_lines_and_addresses_of_the_sub_resources(conn, store):
    """The embedded consignments (one call) must give what /products and /shipping_addresses give."""
    order = storefront.place_order(store, lines=[("SKU-00001", 2), ("SKU-00002", 1), ("SKU-00005-RED", 1)],
                                   ship_to=[{"city": "Austin"}, {"city": "Boston"}])
    order.lines.filter(sku="SKU-00002").update(type="digital")  # a download: its own consignment
    calls = Calls()
    with BigCommerceClient(conn, on_call=calls, policy=FAST) as client:
        full = client.get_order(order.pk)
        assert len(calls) == 1
        lines = client._call("GET", f"v2/orders/{order.pk}/products")
        addresses = client._call("GET", f"v2/orders/{order.pk}/shipping_addresses")
    assert full["products"] == lines
    assert full["shipping_addresses"] == addresses
    assert [a["city"] for a in full["shipping_addresses"]] == ["Austin", "Boston"]


def test_the_sandbox_embeds_consignments_only_in_the_object_structure(conn, store):
    order = storefront.place_order(store)
    with BigCommerceClient(conn, policy=FAST) as client:
        with pytest.raises(ApiError) as refused:
            client._call("GET", f"v2/orders/{order.pk}", params={"include": "consignments.line_items"})
        links = client._call("GET", f"v2/orders/{order.pk}",
                             params={"include": "consignments", "consignment_structure": "object"})
    assert refused.value.status == 400
    line_items = links["consignments"]["shipping"][0]["line_items"]
    assert [set(item) for item in line_items] == [{"url", "resource"}]


def test_it_pages_orders_modified_since_to_the_end(conn, store, monkeypatch):
    monkeypatch.setattr("sync.bigcommerce.V2_PAGE", 2)
    since = timezone.now() - timedelta(minutes=1)
    placed = [storefront.place_order(store, paid=False).pk for _ in range(5)]
    with BigCommerceClient(conn, policy=FAST) as client:
        seen = [o["id"] for o in client.iter_orders_modified_since(since)]
    assert sorted(seen) == sorted(placed)


def test_it_finds_and_updates_catalog_rows_by_sku(conn, store):
    with BigCommerceClient(conn, policy=FAST) as client:
        products = client.find_products_by_skus(["SKU-00001", "SKU-00002", "NOPE"])
        variants = client.find_variants_by_skus(["SKU-00005-RED", "NOPE"])
        assert set(products) == {"SKU-00001", "SKU-00002"} and set(variants) == {"SKU-00005-RED"}
        client.update_products([{"id": products["SKU-00001"]["id"], "price": Decimal("99.95")}])
        client.update_variants([{"id": variants["SKU-00005-RED"]["id"], "cost_price": Decimal("3.10")}])
        client.set_inventory_absolute([{"sku": "SKU-00005-RED", "quantity": 42}], location_id=conn.location_id)
        again = client.find_products_by_skus(["SKU-00001"])["SKU-00001"]
        variant = client.find_variants_by_skus(["SKU-00005-RED"])["SKU-00005-RED"]
    assert again["price"] == Decimal("99.95")
    assert variant["cost_price"] == Decimal("3.10") and variant["inventory_level"] == 42


def test_it_creates_lists_and_reactivates_hooks(conn):
    with BigCommerceClient(conn, policy=FAST) as client:
        hook = client.create_hook("store/order/created", "https://connector.example/webhooks/bigcommerce/x/",
                                  {"X-Connector-Secret": conn.webhook_secret}, is_active=False)
        assert [h["id"] for h in client.list_hooks(is_active=False)] == [hook["id"]]
        assert client.update_hook(hook["id"], is_active=True)["is_active"] is True


def test_it_reports_a_wrong_token_and_passes_the_connection_test(conn):
    assert [s.ok for s in connection_test.test_bigcommerce(conn)] == [True, True, True, True]
    conn.access_token = "wrong-token-value"
    with BigCommerceClient(conn, policy=FAST) as client:
        with pytest.raises(ApiError) as error:
            client.get_transactions(1)
    assert error.value.status == 401 and error.value.permanent


def test_it_paces_itself_under_a_small_quota_instead_of_hitting_429(conn, store):
    store.rate_limit_quota, store.rate_limit_window_ms = 5, 400
    store.save()
    calls = Calls()
    with BigCommerceClient(conn, on_call=calls, policy=RetryPolicy(max_attempts=1)) as client:
        for _ in range(8):
            client.find_variants_by_skus(["SKU-00001"])
    assert [c.status for c in calls] == [200] * 8


def test_it_rides_out_injected_500s_and_bare_429s(conn, store):
    order = storefront.place_order(store)
    store.fault_500_share, store.fault_429_share, store.fault_seed = 0.3, 0.3, 7
    store.save()
    calls, clock = Calls(), FakeClock()
    policy = RetryPolicy(max_attempts=10, base_delay=0.5, max_delay=10.0, max_total_wait=600.0)
    with BigCommerceClient(conn, on_call=calls, clock=clock, policy=policy) as client:
        for _ in range(6):
            assert len(client.get_transactions(order.pk)) == 1
    statuses = [c.status for c in calls]
    assert statuses.count(200) == 6 and 500 in statuses and 429 in statuses
    assert len(clock.sleeps) == len(calls) - 6  # one (fake) wait before every resend
