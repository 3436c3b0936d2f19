"""The sandbox store's order read with its consignments: the same JSON as rendered row by row, in a few statements."""
import json

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from sandbox.bigcommerce.api_orders import get_order
from sandbox.bigcommerce.gate import endpoint
from sandbox.bigcommerce.models import Order
from sandbox.bigcommerce.render import consignments_json, order_json
from sandbox.bigcommerce.seed import seed_store
from sandbox.bigcommerce.storefront import place_order
from sandbox.catalog_data import demo_catalog
from tests.sandbox_bigcommerce_helpers import TOKEN, sandbox_db  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.e2e, sandbox_db]


def test_an_order_with_consignments_is_read_in_a_few_statements_with_the_same_json(transactional_db):
    """Regression guard: lines, addresses and transactions are read once each, not once per use (the connector
    reads every order this way)."""
    store = seed_store("reads", catalog=demo_catalog(count=20), access_token=TOKEN)
    order = place_order(store, lines=[("SKU-00001", 2), ("SKU-00002", 1)],
                        ship_to=[{"city": "Austin"}, {"city": "Dallas"}])
    path = (f"/sandbox/bigcommerce/stores/{store.store_hash}/v2/orders/{order.pk}"
            "?include=consignments.line_items,fees&consignment_structure=object")
    request = RequestFactory(HTTP_X_AUTH_TOKEN=TOKEN).get(path)
    view = endpoint({"GET": get_order})  # the view as urls.py builds it (the project's middleware not counted)
    with CaptureQueriesContext(connection) as queries:
        reply = view(request, store_hash=store.store_hash, order_id=order.pk)
    assert reply.status_code == 200, reply.content
    # 4 for the gate (store, rate window), the order, then its lines, addresses and transactions.
    assert len(queries) <= 8, [q["sql"][:80] for q in queries]
    fresh = Order.objects.get(pk=order.pk)  # rendered without prefetching: every relation read as it is used
    base = f"http://testserver/sandbox/bigcommerce/stores/{store.store_hash}/"
    expected = {**order_json(fresh, base), "fees": fresh.fees or [], "consignments": consignments_json(fresh, base, True)}
    assert json.loads(reply.content) == json.loads(json.dumps(expected))
    shipping = expected["consignments"]["shipping"]
    assert [c["city"] for c in shipping] == ["Austin", "Dallas"] and len(shipping[0]["line_items"]) == 2
