"""A catalog with every value changed goes out in batches at the API limits, plus a few lookups."""
import math
from decimal import Decimal
from urllib.parse import unquote

import pytest

from sandbox.acumatica.models import Record
from sandbox.catalog_data import demo_catalog
from sync.catalog import push_catalog
from tests.catalog_helpers import wire_tenant

pytestmark = pytest.mark.e2e


def change_every_item(catalog):
    """+1.00 on every price and cost, +5 units on every stock item's main warehouse."""
    for item in catalog:
        item.price += 1
        item.cost += 1
        item.quantity += 5
        for variant in item.variants:
            variant.price += 1
            variant.cost += 1
            variant.quantity += 5


def calls(env, method: str, path: str) -> int:
    return env.bc_calls().filter(method=method, url__contains=path).count()


def test_it_pushes_120_changed_skus_in_the_fewest_batch_calls(make_tenant, live_server):
    catalog = demo_catalog(count=75)  # 60 simple products + 15 with 4 variants = 120 SKUs, plus 3 mapped codes
    env = wire_tenant(make_tenant, live_server.url, "big", catalog)
    change_every_item(catalog)
    for item in catalog:  # Acumatica gets the new values, BigCommerce keeps the old ones
        for sku, v in [(item.inventory_id, item)] if not item.variants else [(v.sku, v) for v in item.variants]:
            record = Record.objects.get(instance=env.instance, key=sku)
            record.data.update(DefaultPrice=str(v.price), AverageCost=str(v.cost), CurrentCost=str(v.cost))
            record.save()

    summary = push_catalog(env.tenant)

    products = sum(1 for item in catalog if not item.variants)          # 63 incl. the mapped ones
    variants = sum(len(item.variants) for item in catalog)              # 60
    assert summary.changed == products + variants and summary.failed == 0
    # Non-stock items are a feed of their own, so the one service here gets its own product batch.
    non_stock = sum(1 for item in catalog if not item.is_stock)
    assert calls(env, "PUT", "v3/catalog/products") == math.ceil((products - non_stock) / 10) + 1
    assert calls(env, "PUT", "v3/catalog/variants") == math.ceil(variants / 50)
    assert calls(env, "PUT", "v3/inventory/adjustments/absolute") == 1
    assert env.bc_calls().filter(method="GET").count() <= 2  # one page of products, one of variants
    # Each endpoint is asked for exactly the fields the scan reads (BigCommerce returns only those and the id).
    scans = {unquote(url).split("/v3/catalog/")[1].split("?")[0]: unquote(url)
             for url in env.bc_calls().filter(method="GET").values_list("url", flat=True)}
    assert "include_fields=sku,price,cost_price,inventory_tracking" in scans["products"]
    assert "include_fields=product_id,sku,price,cost_price,option_values" in scans["variants"]
    assert env.product("SKU-00001").price == catalog[0].price
    assert env.variant("SKU-00075-BLACK").cost_price == catalog[74].variants[3].cost
    assert env.product("GIFT-WRAP").price == Decimal("20.99")

    before = env.bc_writes()
    assert push_catalog(env.tenant).changed == 0
    assert env.bc_writes() == before
