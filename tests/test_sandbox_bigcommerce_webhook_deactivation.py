import pytest

from sandbox.bigcommerce.models import Delivery, Hook
from sandbox.bigcommerce.storefront import place_order
from sandbox.bigcommerce.webhooks import wait_for_deliveries
from tests.sandbox_bigcommerce_helpers import bc_api, bc_store, receiver, sandbox_db  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.e2e, sandbox_db]


@pytest.fixture
def failing_hook(bc_api, receiver):
    receiver.status = 500
    response = bc_api.post("v3/hooks", {"scope": "store/order/created", "destination": receiver.url})
    return response.json()["data"]


def test_it_retries_on_the_schedule_then_deactivates_the_hook(bc_api, bc_store, receiver, failing_hook):
    place_order(bc_store, lines=[("SKU-00001", 1)], paid=False)
    wait_for_deliveries()
    # One first attempt plus one per entry of the store's schedule ("0.05,0.05").
    assert len(receiver.received) == 3
    assert len({r["headers"]["webhook-id"] for r in receiver.received}) == 1
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (Delivery.FAILED, 3, 500)
    assert Hook.objects.get(pk=failing_hook["id"]).is_active is False
    listed = bc_api.get("v3/hooks", params={"is_active": "false"}).json()["data"]
    assert [h["id"] for h in listed] == [failing_hook["id"]]


def test_it_succeeds_on_a_retry_when_the_receiver_recovers(bc_api, bc_store, receiver, failing_hook):
    receiver.arrived.clear()
    place_order(bc_store, lines=[("SKU-00001", 1)], paid=False)
    receiver.arrived.wait(5)
    receiver.status = 200
    wait_for_deliveries()
    assert Delivery.objects.get().status == Delivery.DELIVERED
    assert Hook.objects.get(pk=failing_hook["id"]).is_active is True


def test_it_counts_an_unreachable_destination_as_a_failure(bc_api, bc_store, receiver, failing_hook):
    receiver.close()
    place_order(bc_store, lines=[("SKU-00001", 1)], paid=False)
    wait_for_deliveries()
    delivery = Delivery.objects.get()
    assert delivery.status == Delivery.FAILED
    assert delivery.last_status_code is None and "ConnectionError" in delivery.last_error
