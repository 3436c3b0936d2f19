"""The fit check against the sandbox over real HTTP: SKU matching (exact, ignoring case, none; mappings and the
same-code rule respected), gateways without a payment mapping, endpoint versions, what the backfill imports,
and that it reads only (every call recorded, both sandboxes unchanged)."""
from datetime import timedelta
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from django.utils import timezone

from sandbox.acumatica.documents import put_record
from sandbox.acumatica.models import Record
from sandbox.bigcommerce import storefront
from sandbox.bigcommerce.models import Order, Product, Variant
from sandbox.catalog_data import demo_catalog
from tenants.fit_check import EXACT, IGNORING_CASE, UNMATCHED, run_fit_check
from tenants.models import SkuMapping
from tests.catalog_helpers import wire_tenant

pytestmark = pytest.mark.e2e


@pytest.fixture
def shop(make_tenant, live_server):
    """5 products (SKU-00005 with 4 colour variants) and the 3 items whose codes differ, no mappings yet;
    one product's SKU spelled in lower case in the store, one without a SKU; the refund adjustment item in
    Acumatica only; a pending and two paid orders."""
    env = wire_tenant(make_tenant, live_server.url, "fit", demo_catalog(count=5), map_codes=False)
    engraving = Product.objects.create(store=env.store, name="Engraving", sku="", price=Decimal("5.00"))
    Variant.objects.create(product=engraving, sku="", is_base=True)
    put_record(env.instance, "NonStockItem", {"InventoryID": "BCREFUND", "Description": "Refund adjustment"})
    Product.objects.filter(store=env.store, sku="SKU-00002").update(sku="sku-00002")
    Variant.objects.filter(product__store=env.store, sku="SKU-00002").update(sku="sku-00002")
    storefront.place_order(env.store, lines=[("SKU-00001", 2)], paid=False)
    storefront.place_order(env.store, lines=[("SKU-00003", 1)])
    storefront.place_order(env.store, lines=[("SKU-00004", 1)], pay_with=[("giftcertificate", Decimal("5.00")),
                                                                         ("testgateway", None)])
    old = storefront.place_order(env.store, lines=[("SKU-00001", 1)])  # before the backfill window
    Order.objects.filter(pk=old.pk).update(date_created=timezone.now() - timedelta(days=30),
                                           date_modified=timezone.now() - timedelta(days=30))
    return env


def test_it_counts_skus_by_how_they_match(shop):
    report = run_fit_check(shop.tenant)

    assert report.errors == {}
    skus = report.skus
    by_sku = {m.sku: m for m in skus.matches}
    assert len(by_sku) == 4 + 4 + 3  # SKU-00001..4, the 4 variants of SKU-00005, the 3 mismatched
    assert "SKU-00005" not in by_sku  # tracked by variant: no SKU of its own
    assert by_sku["SKU-00005-RED"].kind == "variant" and by_sku["SKU-00005-RED"].match == EXACT
    assert (by_sku["sku-00002"].match, by_sku["sku-00002"].inventory_id) == (IGNORING_CASE, "SKU-00002")
    assert sorted(m.sku for m in skus.unmatched) == ["GIFT-WRAP", "MUG-OLD-7", "TSHIRT-LEGACY-01"]
    assert skus.counts == {EXACT: 7, IGNORING_CASE: 1, UNMATCHED: 3}
    assert skus.without_sku == ["Engraving"]  # SKU-00005 sells through its variants: no gap
    # The three items whose codes differ are not (yet) in the store; the refund adjustment item is never pushed.
    assert skus.not_in_store == ["MUG-0007", "SVC-GIFTWRAP", "TS-LEG-001"]


def test_it_respects_mappings_and_the_same_code_rule(shop):
    tenant = shop.tenant
    SkuMapping.objects.create(tenant=tenant, bc_sku="GIFT-WRAP", inventory_id="SVC-GIFTWRAP")  # a non-stock item
    SkuMapping.objects.create(tenant=tenant, bc_sku="MUG-OLD-7", inventory_id="NO-SUCH-ITEM")
    tenant.same_code_fallback = False
    tenant.save()

    skus = run_fit_check(tenant).skus
    by_sku = {m.sku: m for m in skus.matches}

    assert (by_sku["GIFT-WRAP"].match, by_sku["GIFT-WRAP"].mapped) == (EXACT, True)
    assert (by_sku["MUG-OLD-7"].match, by_sku["MUG-OLD-7"].inventory_id) == (UNMATCHED, "NO-SUCH-ITEM")
    assert by_sku["SKU-00001"].match == UNMATCHED  # same code no longer counts
    assert "SVC-GIFTWRAP" not in skus.not_in_store and "SKU-00001" in skus.not_in_store


def test_it_reports_gateways_versions_and_the_backfill(shop):
    tenant = shop.tenant
    tenant.payment_method_map, tenant.cash_account_map = {"testgateway": "CC"}, {"CC": "102000"}
    tenant.save()

    report = run_fit_check(tenant)

    gateways = {g.gateway: g for g in report.gateways}
    assert set(gateways) == {"giftcertificate", "testgateway"}
    assert (gateways["testgateway"].payment_method, gateways["testgateway"].cash_account) == ("CC", "102000")
    assert gateways["testgateway"].orders == 3 and not gateways["testgateway"].problem
    assert [g.gateway for g in report.gateway_problems] == ["giftcertificate"]
    assert "giftcertificate" in gateways["giftcertificate"].problem

    assert report.versions.offered == [tenant.acumatica.endpoint_version] and report.versions.pinned_offered

    backfill = report.backfill
    recent = Order.objects.filter(store=shop.store, date_modified__gte=backfill.since)
    paid = [o for o in recent if o.status_id == 11]
    assert [(g.status_id, g.orders, g.paid) for g in backfill.groups] == [(11, 2, True), (1, 1, False)]
    assert backfill.imported_totals == {"USD": sum(o.total_inc_tax for o in paid)}
    assert all(isinstance(v, Decimal) for g in backfill.groups for v in g.totals.values())


def sandbox_state(env) -> tuple:
    """Everything the fit check could change in either sandbox, as comparable values."""
    acumatica = sorted(Record.objects.filter(instance=env.instance).values_list("pk", "last_modified", "qty_modified"))
    products = sorted(Product.objects.filter(store=env.store).values_list("pk", "date_modified", "price",
                                                                          "inventory_level"))
    variants = sorted(Variant.objects.filter(product__store=env.store).values_list("pk", "sku", "price",
                                                                                    "inventory_level"))
    orders = sorted(Order.objects.filter(store=env.store).values_list("pk", "date_modified", "status_id"))
    return acumatica, products, variants, orders, env.store.hooks.count()


AUTH_PATHS = ("/identity/connect/token", "/entity/auth/login", "/entity/auth/logout")


def test_it_only_reads(shop):
    calls = []
    before = sandbox_state(shop)

    run_fit_check(shop.tenant, on_call=lambda call: calls.append((call.method, urlsplit(call.url).path)))

    assert sandbox_state(shop) == before
    writes = [(method, path) for method, path in calls
              if method != "GET" and not path.endswith(AUTH_PATHS)]
    assert writes == []
    assert any("/sandbox/bigcommerce/" in path for _, path in calls)
    assert any(path.endswith("/StockItem") for _, path in calls)


@pytest.mark.parametrize("version", ["22.200.001", "23.200.001", "24.200.001"])
def test_it_reads_each_endpoint_version_and_names_a_version_the_instance_lacks(make_tenant, live_server, version):
    others = [v for v in ("22.200.001", "23.200.001", "24.200.001") if v != version]
    env = wire_tenant(make_tenant, live_server.url, "ver", demo_catalog(count=2), version=version, map_codes=False)
    env.instance.versions = [version, others[0]]
    env.instance.save()

    report = run_fit_check(env.tenant)
    assert report.errors == {}
    assert report.versions.offered == sorted([version, others[0]]) and report.versions.pinned_offered
    assert report.skus.counts == {EXACT: 2, IGNORING_CASE: 0, UNMATCHED: 3}

    connection = env.tenant.acumatica
    connection.endpoint_version = others[1]
    connection.save()
    report = run_fit_check(env.tenant)
    assert not report.versions.pinned_offered
    assert f"{others[1]} is not available on this instance" in report.errors["skus"]
    assert report.backfill is not None and report.gateways is not None  # BigCommerce reads go on
