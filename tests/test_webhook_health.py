"""The webhook health check repairs hooks in the sandbox store and reads back what a dead hook missed."""
import pytest
from django.test import override_settings

from audit.models import AuditEvent, SyncRecord
from sandbox.bigcommerce import storefront
from sandbox.bigcommerce.models import Hook, Store
from sandbox.catalog_data import demo_catalog
from sandbox.demo import connect_sandbox_tenant
from sync.jobs import check_webhooks_job
from sync.models import Cursor
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
