import time

import pytest
import requests

from sandbox.bigcommerce.gate import draw
from sandbox.bigcommerce.models import Delivery, Hook, Store
from sandbox.bigcommerce.storefront import place_order
from sandbox.bigcommerce.webhooks import wait_for_deliveries
from tests.sandbox_bigcommerce_helpers import bc_api, bc_store, sandbox_db  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.e2e, sandbox_db]


def _faults(store, **fields):
    Store.objects.filter(pk=store.pk).update(**fields)


def test_it_injects_500s(bc_api, bc_store):
    _faults(bc_store, fault_500_share=1.0)
    assert bc_api.get("v3/catalog/products").status_code == 500


def test_it_injects_platform_load_429s_without_body_or_rate_headers(bc_api, bc_store):
    _faults(bc_store, fault_429_share=1.0)
    response = bc_api.get("v2/orders")
    assert (response.status_code, response.content) == (429, b"")
    assert "X-Rate-Limit-Time-Reset-Ms" not in response.headers


def test_it_injects_timeouts(bc_api, bc_store):
    _faults(bc_store, fault_timeout_share=1.0, fault_timeout_seconds=0.5)
    with pytest.raises(requests.Timeout):
        bc_api.get("v2/orders", timeout=0.2)
    assert bc_api.get("v2/orders", timeout=5).status_code == 504


def test_it_adds_latency(bc_api, bc_store):
    _faults(bc_store, fault_latency_ms=300)
    started = time.monotonic()
    assert bc_api.get("v2/orders").status_code == 204
    assert time.monotonic() - started >= 0.3


def test_it_repeats_the_same_faults_for_the_same_seed(bc_api, bc_store):
    def run():
        _faults(bc_store, fault_500_share=0.5, fault_seed=42, fault_draws=0)
        return [bc_api.get("v2/orders").status_code for _ in range(12)]
    first = run()
    assert first == run()
    assert {500, 204} == set(first)


def test_it_drops_and_duplicates_webhook_deliveries(bc_store):
    Hook.objects.create(store=bc_store, scope="store/order/created", destination="http://127.0.0.1:9/")
    _faults(bc_store, fault_drop_webhook_share=1.0)
    place_order(bc_store, paid=False)
    assert list(Delivery.objects.values_list("status", flat=True)) == [Delivery.DROPPED]
    Delivery.objects.all().delete()
    _faults(bc_store, fault_drop_webhook_share=0.0, fault_duplicate_webhook_share=1.0)
    place_order(bc_store, paid=False)
    deliveries = list(Delivery.objects.all())
    assert len(deliveries) == 2 and deliveries[0].body == deliveries[1].body
    Hook.objects.all().delete()  # nothing left to send to the unreachable destination
    wait_for_deliveries()  # the delivery threads end before the test's database is flushed under them


def test_it_draws_a_repeatable_sequence(bc_store):
    _faults(bc_store, fault_seed=7, fault_draws=0)
    bc_store.refresh_from_db()
    first = [draw(bc_store) for _ in range(3)]
    _faults(bc_store, fault_draws=0)
    assert [draw(bc_store) for _ in range(3)] == first
