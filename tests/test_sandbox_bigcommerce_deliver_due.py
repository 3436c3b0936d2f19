"""deliver_due() as a scheduled job would call it: inside a test transaction, with a fake clock."""
from datetime import timedelta

import pytest
import responses
from django.utils import timezone

from sandbox.bigcommerce.models import Delivery, Hook
from sandbox.bigcommerce.seed import seed_store
from sandbox.bigcommerce.storefront import place_order
from sandbox.bigcommerce.webhooks import deliver_due
from sandbox.catalog_data import demo_catalog

URL = "https://receiver.example.com/hooks"


@pytest.fixture
def hook(db):
    store = seed_store("due12345", catalog=demo_catalog(count=2))
    store.webhook_retry_schedule = "60,180"
    store.save()
    return Hook.objects.create(store=store, scope="store/order/created", destination=URL)


@responses.activate
def test_it_waits_for_the_schedule_before_retrying(hook):
    responses.add(responses.POST, URL, status=503)
    place_order(hook.store, paid=False)
    now = timezone.now()
    assert deliver_due(now) == 1
    assert deliver_due(now + timedelta(seconds=30)) == 0
    assert deliver_due(now + timedelta(seconds=61)) == 1
    delivery = Delivery.objects.get()
    assert (delivery.attempts, delivery.status) == (2, Delivery.PENDING)


@responses.activate
def test_it_deactivates_the_hook_after_the_last_retry(hook):
    responses.add(responses.POST, URL, status=500)
    place_order(hook.store, paid=False)
    now = timezone.now()
    for seconds in (0, 61, 61 + 181):
        deliver_due(now + timedelta(seconds=seconds))
    hook.refresh_from_db()
    assert hook.is_active is False
    assert Delivery.objects.get().status == Delivery.FAILED
    assert len(responses.calls) == 3


@responses.activate
def test_it_marks_a_2xx_as_delivered(hook):
    responses.add(responses.POST, URL, status=204)
    place_order(hook.store, paid=False)
    deliver_due()
    assert Delivery.objects.get().status == Delivery.DELIVERED
