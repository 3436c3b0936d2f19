from datetime import timedelta

import pytest
from django.utils import timezone

from sandbox.bigcommerce.models import Order
from sandbox.bigcommerce.storefront import place_order
from tests.sandbox_bigcommerce_helpers import bc_api, bc_store, sandbox_db  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.e2e, sandbox_db]


@pytest.fixture
def five_orders(bc_store):
    return [place_order(bc_store, lines=[("SKU-00001", 1)]) for _ in range(5)]


def test_it_pages_orders_and_answers_204_with_an_empty_body_past_the_end(bc_api, five_orders):
    pages = [bc_api.get("v2/orders", params={"limit": 2, "page": n}) for n in (1, 2, 3, 4)]
    assert [p.status_code for p in pages] == [200, 200, 200, 204]
    assert [len(p.json()) for p in pages[:3]] == [2, 2, 1]
    assert pages[3].content == b""
    assert [o["id"] for p in pages[:3] for o in p.json()] == [o.pk for o in five_orders]


def test_it_answers_204_when_nothing_matches(bc_api, five_orders):
    assert bc_api.get("v2/orders", params={"status_id": 5}).status_code == 204


def test_it_filters_on_date_modified_in_rfc2822_and_iso(bc_api, five_orders):
    old = timezone.now() - timedelta(days=3)
    Order.objects.filter(pk__in=[o.pk for o in five_orders[:3]]).update(date_modified=old)
    since = timezone.now() - timedelta(days=1)
    iso = bc_api.get("v2/orders", params={"min_date_modified": since.isoformat()})
    rfc = bc_api.get("v2/orders", params={"min_date_modified": since.strftime("%a, %d %b %Y %H:%M:%S +0000")})
    assert [o["id"] for o in iso.json()] == [o.pk for o in five_orders[3:]]
    assert [o["id"] for o in rfc.json()] == [o.pk for o in five_orders[3:]]


def test_it_sorts_by_date_modified(bc_api, five_orders):
    for n, order in enumerate(five_orders):
        Order.objects.filter(pk=order.pk).update(date_modified=timezone.now() - timedelta(hours=n))
    ids = [o["id"] for o in bc_api.get("v2/orders", params={"sort": "date_modified:asc"}).json()]
    assert ids == [o.pk for o in reversed(five_orders)]


def test_it_filters_on_status(bc_api, bc_store, five_orders):
    pending = place_order(bc_store, lines=[("SKU-00002", 1)], paid=False)
    assert [o["id"] for o in bc_api.get("v2/orders", params={"status_id": 1}).json()] == [pending.pk]


def test_it_refuses_a_bad_sort(bc_api, five_orders):
    assert bc_api.get("v2/orders", params={"sort": "price"}).status_code == 400
