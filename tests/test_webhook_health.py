"""The webhook health check repairs hooks in the sandbox store and reads back what a dead hook missed."""
import pytest
from django.test import override_settings

from audit.models import AuditEvent, SyncRecord
from sandbox.bigcommerce import storefront, webhooks
from sandbox.bigcommerce.models import Hook, Store
from sandbox.catalog_data import demo_catalog
from sandbox.demo import connect_sandbox_tenant
from sync.jobs import check_webhooks_job
from sync.models import Cursor, WebhookReceipt
from sync.webhook_auth import SECRET_HEADER
from sync.webhook_registration import ORDER_HOOK_SCOPES, wanted_scopes

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def shop(live_server):
    with override_settings(PUBLIC_BASE_URL=live_server.url):
        tenant = connect_sandbox_tenant(live_server.url, catalog=demo_catalog(count=5))
        assert check_webhooks_job(tenant.pk) == f"{len(wanted_scopes(tenant))} hook(s) repaired"
        yield tenant, Store.objects.get(store_hash="demo1234")


def test_it_registers_every_scope_with_the_secret_header(shop, live_server):
    tenant, store = shop
    hooks = Hook.objects.filter(store=store)
    assert sorted(h.scope for h in hooks) == sorted(wanted_scopes(tenant))
    destination = f"{live_server.url}/webhooks/bigcommerce/{tenant.public_id}/"
    assert all(h.destination == destination and h.is_active for h in hooks)
    assert all(h.headers == {SECRET_HEADER: tenant.bigcommerce.webhook_secret} for h in hooks)


def test_it_recreates_reactivates_and_fixes_hooks_then_polls_what_was_missed(shop):
    tenant, store = shop
    Cursor.objects.update_or_create(tenant=tenant, stream="orders", defaults={"position": None})
    created, updated, status = ORDER_HOOK_SCOPES[0], ORDER_HOOK_SCOPES[1], ORDER_HOOK_SCOPES[2]
    Hook.objects.filter(store=store, scope=created).delete()
    Hook.objects.filter(store=store, scope=updated).update(is_active=False)
    Hook.objects.filter(store=store, scope=status).update(headers={SECRET_HEADER: "stale"})
    missed = storefront.place_order(store, lines=[("SKU-00001", 1)], paid=False)  # no hook fires for it
    assert not SyncRecord.objects.filter(kind="order").exists()
    # The last good poll ran just before the hooks broke.
    Cursor.objects.filter(tenant=tenant, stream="orders").update(position=missed.date_created)

    assert check_webhooks_job(tenant.pk) == "3 hook(s) repaired"
    hooks = {h.scope: h for h in Hook.objects.filter(store=store)}
    assert hooks[created].is_active and hooks[updated].is_active
    assert hooks[status].headers == {SECRET_HEADER: tenant.bigcommerce.webhook_secret}
    actions = set(AuditEvent.objects.filter(tenant=tenant).values_list("action", flat=True))
    assert {"webhook.created", "webhook.reactivated", "webhook.fixed", "webhook.checked"} <= actions
    assert SyncRecord.objects.filter(kind="order", external_id=str(missed.pk), source="poll").exists()
    assert check_webhooks_job(tenant.pk) == "0 hook(s) repaired"


def test_the_check_webhooks_command_repairs_one_tenant_or_all(shop):
    from io import StringIO

    from django.core.management import CommandError, call_command
    tenant, store = shop
    Hook.objects.filter(store=store, scope=ORDER_HOOK_SCOPES[0]).update(is_active=False)
    out = StringIO()
    call_command("check_webhooks", tenant.slug, stdout=out)
    assert f"{tenant.slug}: 1 hook(s) repaired" in out.getvalue()
    assert f"{ORDER_HOOK_SCOPES[0]}: reactivated" in out.getvalue()
    out = StringIO()
    call_command("check_webhooks", "--all", stdout=out)
    assert f"{tenant.slug}: 0 hook(s) repaired" in out.getvalue()
    with pytest.raises(CommandError, match="No tenant with slug 'nope'"):
        call_command("check_webhooks", "nope")
    with pytest.raises(CommandError, match="Name one tenant slug, or pass --all"):
        call_command("check_webhooks")


def test_a_hook_for_a_scope_no_longer_wanted_is_switched_off_and_status_changes_still_arrive(shop, live_server):
    """Earlier versions also subscribed store/order/statusUpdated; store/order/updated fires for every status
    change too, so that hook only doubled the deliveries. The check switches ours off; a status change still
    reaches the order's record."""
    tenant, store = shop
    destination = f"{live_server.url}/webhooks/bigcommerce/{tenant.public_id}/"
    ours = Hook.objects.filter(store=store).first()
    old = Hook.objects.create(store=store, client_id=ours.client_id, scope="store/order/statusUpdated",
                              destination=destination, headers=ours.headers, is_active=True)
    assert "store/order/statusUpdated" not in wanted_scopes(tenant)
    assert check_webhooks_job(tenant.pk) == "0 hook(s) repaired"  # switched off, nothing missed to read back
    old.refresh_from_db()
    assert not old.is_active
    assert AuditEvent.objects.filter(tenant=tenant, action="webhook.retired").count() == 1
    assert check_webhooks_job(tenant.pk) == "0 hook(s) repaired"

    order = storefront.place_order(store, lines=[("SKU-00001", 1)], paid=False)
    storefront.set_status(order, 11)  # fires store/order/statusUpdated (not subscribed) and store/order/updated
    webhooks.wait_for_deliveries()
    scopes = list(WebhookReceipt.objects.filter(tenant=tenant, object_id=str(order.pk)).values_list("scope", flat=True))
    assert "store/order/updated" in scopes and "store/order/statusUpdated" not in scopes
    assert SyncRecord.objects.filter(tenant=tenant, kind="order", external_id=str(order.pk)).exists()
