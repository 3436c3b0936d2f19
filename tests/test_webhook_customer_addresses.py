"""store/customer/address/* stubs name the address; the receiver queues the customer's record."""
import pytest
from django_q.conf import Conf

from audit.models import SyncRecord
from tests.webhook_helpers import deliver


@pytest.fixture(autouse=True)
def queue_instead_of_running(monkeypatch):
    monkeypatch.setattr(Conf, "SYNC", False)
    monkeypatch.setattr(Conf, "ORM", "default")


@pytest.mark.parametrize("action", ["created", "updated", "deleted"])
def test_an_address_event_queues_the_customer_not_the_address(client, tenant, action):
    payload = {"scope": f"store/customer/address/{action}", "hash": f"a-{action}",
               "data": {"type": "customer", "id": 60, "address": {"customer_id": 7}}}
    response = deliver(client, tenant, payload)
    assert response.status_code == 200 and response.json() == {"status": "queued"}
    assert list(SyncRecord.objects.values_list("kind", "external_id")) == [("customer", "7")]


def test_an_address_event_without_its_customer_is_refused(client, tenant):
    payload = {"scope": "store/customer/address/updated", "hash": "a", "data": {"type": "customer", "id": 60}}
    response = deliver(client, tenant, payload)
    assert response.status_code == 400 and not SyncRecord.objects.exists()
