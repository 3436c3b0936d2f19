"""Non-stock items (services, digital goods) push price and cost, never inventory."""
from decimal import Decimal

import pytest

from audit.models import SyncRecord
from sandbox.acumatica.documents import put_record
from sync.catalog import push_catalog
from tests.catalog_helpers import catalog_env  # noqa: F401 (fixture)

pytestmark = pytest.mark.e2e


def test_it_pushes_a_services_price_and_cost_but_no_stock(catalog_env):
    env = catalog_env
    push_catalog(env.tenant)
    level = env.product("GIFT-WRAP").inventory_level
    put_record(env.instance, "NonStockItem", {"InventoryID": "SVC-GIFTWRAP", "DefaultPrice": "4.50",
                                              "CurrentCost": "1.25"})

    summary = push_catalog(env.tenant)

    product = env.product("GIFT-WRAP")
    assert (product.price, product.cost_price, product.inventory_level) == (Decimal("4.50"), Decimal("1.25"), level)
    assert summary.changed == 1
    record = SyncRecord.objects.get(tenant=env.tenant, external_id="SVC-GIFTWRAP")
    assert record.status == "succeeded" and record.result["pushed"] == {"cost": "1.2500", "price": "4.5000"}
    adjustments = env.bc_calls().filter(url__contains="inventory/adjustments").values_list("request_body", flat=True)
    assert all("GIFT" not in body and str(product.pk) not in body.split("product_id")[1:2] for body in adjustments)
