"""Catch-up polls cannot skip: order pages are keyed by id, and a same-second edit is not taken as seen.

Over real HTTP against the sandbox store; the pipelines run (Q_SYNC) against the sandbox Acumatica.
"""
from datetime import timedelta

import pytest
from django.test import override_settings

from audit.models import SyncRecord
from sandbox.acumatica import state
from sandbox.bigcommerce import storefront
from sandbox.bigcommerce.models import Order, Store
from sandbox.catalog_data import demo_catalog
from sandbox.demo import connect_sandbox_tenant
from sync import bigcommerce, polling
from sync.jobs import poll_orders_job
from sync.bigcommerce import BigCommerceClient
from sync.mapping import bc_datetime
from sync.models import Cursor

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def shop(live_server):
    with override_settings(PUBLIC_BASE_URL=live_server.url):
        tenant = connect_sandbox_tenant(live_server.url, catalog=demo_catalog(count=3))
    return tenant, Store.objects.get(store_hash="demo1234")


def test_an_order_edited_between_two_pages_does_not_make_the_poll_skip_another(shop, monkeypatch):
    tenant, store = shop
    placed = [storefront.place_order(store, lines=[("SKU-00001", 1)], paid=False) for _ in range(12)]
    # Spread the orders over distinct seconds, oldest first, as a day of trading would.
    base = placed[0].date_modified - timedelta(hours=1)
    for n, order in enumerate(placed):
        Order.objects.filter(pk=order.pk).update(date_modified=base + timedelta(seconds=n))
    monkeypatch.setattr(polling, "ORDER_PAGE", 5)
    monkeypatch.setattr(bigcommerce, "V2_PAGE", 5)  # the page size of the former offset paging, too
    monkeypatch.setattr(polling, "enqueue_record", lambda record, **kwargs: None)  # count what is queued, run nothing
    calls = {"orders": 0}
    real_call = BigCommerceClient._call

    def call(self, method, path, **kwargs):
        response = real_call(self, method, path, **kwargs)
        if path == "v2/orders":
            calls["orders"] += 1
            if calls["orders"] == 1:  # between the first and the second page, the merchant edits order 2
                storefront.set_status(Order.objects.get(pk=placed[1].pk), 9)
        return response
    monkeypatch.setattr(BigCommerceClient, "_call", call)

    polling.poll_orders(tenant.pk, since=base - timedelta(minutes=1))

    queued = set(SyncRecord.objects.filter(tenant=tenant, kind="order").values_list("external_id", flat=True))
    assert queued == {str(order.pk) for order in placed}
    assert calls["orders"] >= 3


def test_a_customer_edited_in_the_second_of_the_last_read_is_synced_by_the_next_poll(shop):
    tenant, store = shop
    store.hooks.all().delete()
    shopper = storefront.create_customer(store, email="same.second@example.com", first_name="Sam", last_name="Old")
    assert polling.poll_customers(tenant.pk) >= 1  # the store's seeded shoppers too
    record = SyncRecord.objects.get(tenant=tenant, kind="customer", external_id=str(shopper.pk))
    assert record.status == "succeeded", record.last_error
    modified = shopper.date_modified
    # The poll's run read the customer 300 ms into the second it was modified; then, still in that
    # second, the shopper renames herself: BigCommerce's date_modified (whole seconds) does not move.
    SyncRecord.objects.filter(pk=record.pk).update(
        claimed_at=bc_datetime(modified.strftime("%Y-%m-%dT%H:%M:%S+00:00")) + timedelta(milliseconds=300))
    storefront.update_customer(shopper, last_name="New")
    type(shopper).objects.filter(pk=shopper.pk).update(date_modified=modified)

    assert polling.poll_customers(tenant.pk) == 1

    record.refresh_from_db()
    assert record.status == "succeeded", record.last_error
    [customer] = [c for c in state.customers("demo")
                  if (c.get("MainContact") or {}).get("Email") == "same.second@example.com"]
    assert customer["CustomerName"] == "Sam New"


def test_a_poll_right_after_another_queues_nothing_new(shop):
    tenant, store = shop
    store.hooks.all().delete()
    storefront.create_customer(store, email="twice@example.com")
    assert polling.poll_customers(tenant.pk) >= 1
    assert polling.poll_customers(tenant.pk) == 0


def test_a_poll_during_a_run_that_read_the_order_does_not_run_it_again(shop):
    """The run in progress was claimed in the second of the order's change (the whole-second stamp cannot tell
    which came first), but the snapshot it stored is the order as the poll reads it: no second run. A later
    change in that same second is not in the snapshot, and runs it again."""
    tenant, store = shop
    store.hooks.all().delete()
    order = storefront.place_order(store, lines=[("SKU-00001", 1)])
    assert polling.poll_orders(tenant.pk) == 1  # runs inline (Q_SYNC) and keeps the snapshot
    record = SyncRecord.objects.get(kind="order", external_id=str(order.pk))
    modified = bc_datetime(record.snapshot["order"]["date_modified"])
    SyncRecord.objects.filter(pk=record.pk).update(status="running", claimed_at=modified)
    assert polling.poll_orders(tenant.pk) == 0
    assert SyncRecord.objects.get(pk=record.pk).rerun_requested is False
    Order.objects.filter(pk=order.pk).update(customer_message="edited in the same second")
    polling.poll_orders(tenant.pk)
    assert SyncRecord.objects.get(pk=record.pk).rerun_requested is True


def test_the_scheduled_poll_leaves_the_newest_changes_to_their_webhooks(shop, settings):
    """An order changed less than POLL_WEBHOOK_GRACE_SECONDS ago has its webhooks in flight: the scheduled poll
    leaves it to them and keeps its cursor before it. When they never come, a poll after the grace reads it."""
    tenant, store = shop
    store.hooks.all().delete()  # the webhooks never come
    settings.POLL_WEBHOOK_GRACE_SECONDS = 60
    older, fresh = (storefront.place_order(store, lines=[("SKU-00001", 1)], paid=False) for _ in range(2))
    two_minutes_ago = older.date_modified - timedelta(minutes=2)
    Order.objects.filter(pk=older.pk).update(date_modified=two_minutes_ago)
    poll_orders_job(tenant.pk)
    polled = set(SyncRecord.objects.filter(kind="order").values_list("external_id", flat=True))
    assert polled == {str(older.pk)}
    assert Cursor.objects.get(tenant=tenant, stream="orders").position < fresh.date_modified - timedelta(seconds=59)
    Order.objects.filter(pk=fresh.pk).update(date_modified=two_minutes_ago)  # as if the grace had passed
    poll_orders_job(tenant.pk)
    polled = set(SyncRecord.objects.filter(kind="order").values_list("external_id", flat=True))
    assert polled == {str(older.pk), str(fresh.pk)}
    assert SyncRecord.objects.get(kind="order", external_id=str(fresh.pk)).source == "poll"
