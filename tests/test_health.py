"""Tenant health: never green while anything is wrong; problems grouped by cause with a fix and Retry all."""
import json
from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from audit.health import AMBER, GREEN, RED, cause_of, tenant_health
from audit.models import AuditEvent, Status, SyncRecord
from sync.models import JobHealth, WebhookRefusals, WorkerHeartbeat
from tenants.models import Membership
from tests.audit_helpers import make_record, pipeline

PAYMENT = ("No Acumatica payment method and cash account for BigCommerce payments via 'testgateway'. "
           "Set them in the tenant's payment maps or defaults.")
ASYNC_WORKERS = {"name": "t", "orm": "default", "sync": False}


def healthy(tenant, webhooks_checked_at=None):
    """A tenant whose flows ran and whose webhooks were checked: green unless a test breaks something."""
    for job in ("poll-orders", "push-catalog", "poll-shipments", "check-webhooks"):
        JobHealth.note(tenant.pk, job)
    AuditEvent.write(action="webhook.checked", tenant_id=tenant.pk, message="ok", response_body="[]",
                     created_at=webhooks_checked_at or timezone.now())
    make_record(tenant, "1", status=Status.SUCCEEDED, finished_at=timezone.now())
    return tenant


def dashboard(client, tenant, user) -> str:
    client.force_login(user)
    return client.get(f"/dashboard/{tenant.slug}/").content.decode()


def test_a_healthy_tenant_is_green_and_says_all_clear(client, tenant, merchant_of):
    healthy(tenant)
    assert tenant_health(tenant).state == GREEN
    html = dashboard(client, tenant, merchant_of(tenant))
    assert 'data-state="green"' in html and "all clear" in html


BREAKAGES = {
    "a record needs attention": (RED, lambda t: make_record(t, "7", status=Status.NEEDS_ATTENTION, last_error=PAYMENT)),
    "a record fails and retries": (AMBER, lambda t: make_record(
        t, "8", status=Status.FAILED, last_error="Acumatica answered 503.",
        next_attempt_at=timezone.now() + timedelta(minutes=5))),
    "a catalog push failed": (RED, lambda t: make_record(
        t, "WIDGET-1", kind="product", status=Status.NEEDS_ATTENTION, last_error="SKU 'WIDGET-1' not found in BigCommerce.")),
    "a paid order was filtered": (AMBER, lambda t: make_record(
        t, "9", status=Status.FILTERED, status_reason="Channel 2 is not synced.",
        snapshot={"order": {"id": 9, "status_id": 11}})),
    "webhook deliveries were refused": (AMBER, lambda t: WebhookRefusals.count_refusal(t, "secret header does not match")),
    "the webhook check failed": (RED, lambda t: AuditEvent.write(
        action="webhook.check_failed", tenant_id=t.pk, message="BigCommerce answered 401.")),
    "the order flow has not succeeded for hours": (AMBER, lambda t: JobHealth.objects.filter(
        tenant=t, job="poll-orders").update(last_success_at=timezone.now() - timedelta(hours=3))
        or SyncRecord.objects.filter(tenant=t).update(finished_at=timezone.now() - timedelta(hours=3))),
    "the last catalog push failed": (AMBER, lambda t: JobHealth.note(
        t.pk, "push-catalog", error="BigCommerce answered 401 Unauthorized: check the X-Auth-Token.")),
    "the shipments flow has not succeeded for hours": (AMBER, lambda t: JobHealth.objects.filter(
        tenant=t, job="poll-shipments").update(last_success_at=timezone.now() - timedelta(hours=3))),
}


@pytest.mark.parametrize("breakage", BREAKAGES)
def test_it_is_never_green_while_anything_is_wrong(client, tenant, merchant_of, breakage):
    healthy(tenant)
    level, break_it = BREAKAGES[breakage]
    break_it(tenant)
    health = tenant_health(tenant)
    assert health.state == level, health.as_dict()
    html = dashboard(client, tenant, merchant_of(tenant))
    assert f'data-state="{level}"' in html and "all clear" not in html


def test_a_new_tenant_is_not_stale_but_an_old_one_that_never_synced_is(tenant):
    JobHealth.note(tenant.pk, "check-webhooks")
    AuditEvent.write(action="webhook.checked", tenant_id=tenant.pk, message="ok", response_body="[]")
    assert tenant_health(tenant).state == GREEN
    type(tenant).objects.filter(pk=tenant.pk).update(created_at=timezone.now() - timedelta(days=1))
    tenant.refresh_from_db()
    health = tenant_health(tenant)
    assert health.state == AMBER and any("never succeeded" in p.title for p in health.problems)


def test_webhooks_not_checked_for_too_long_are_amber(tenant):
    """Only the check finds hooks BigCommerce deactivated: a check that stopped running is not all clear."""
    type(tenant).objects.filter(pk=tenant.pk).update(created_at=timezone.now() - timedelta(days=1))
    healthy(tenant, webhooks_checked_at=timezone.now() - timedelta(hours=2, minutes=50))
    tenant.refresh_from_db()
    assert tenant_health(tenant).state == GREEN  # the hourly check is late by less than three runs
    health = tenant_health(tenant, now=timezone.now() + timedelta(minutes=20))
    assert health.state == AMBER, health.as_dict()
    assert [p.title.split(" (")[0] for p in health.problems] == ["BigCommerce webhooks not checked for too long"]


@override_settings(Q_CLUSTER=ASYNC_WORKERS)
def test_dead_workers_make_every_tenant_red(client, tenant, merchant_of):
    healthy(tenant)
    assert tenant_health(tenant).state == RED  # no worker has ever reported
    WorkerHeartbeat.objects.create(name="host:1", beat_at=timezone.now() - timedelta(minutes=10))
    assert "no task worker has reported for 10 min" in tenant_health(tenant).problems[0].detail
    WorkerHeartbeat.objects.filter(name="host:1").update(beat_at=timezone.now())
    assert tenant_health(tenant).state == GREEN


def test_it_groups_records_by_cause_with_a_fix_link(client, tenant, merchant_of):
    healthy(tenant)
    for order in ("11", "12", "13"):
        make_record(tenant, order, status=Status.NEEDS_ATTENTION, last_error=PAYMENT)
    make_record(tenant, "14", status=Status.NEEDS_ATTENTION,
                last_error="SKU 'X-1' has no Acumatica InventoryID: add a SKU mapping or create the item.")
    groups = [p for p in tenant_health(tenant).problems if p.group_key]
    assert [(g.title, g.count) for g in groups] == [("3 orders: need attention", 3), ("1 order: needs attention", 1)]
    assert groups[0].fix_url == f"/onboarding/{tenant.slug}/#id_payment_method_map"
    html = dashboard(client, tenant, merchant_of(tenant))
    assert "3 orders: need attention" in html and "Retry all 3" in html and "Fix: Pick the payment method" in html


@pytest.mark.parametrize("role", ["owner", "viewer"])
def test_every_fix_link_leads_to_a_page_with_what_it_points_at(client, tenant, merchant_of, monkeypatch, role):
    """All that can go wrong at once; each Fix link the member gets is followed, and its anchor is on the page it
    reaches. An owner picks payment methods from the live lists; a viewer reads the settings where they are."""
    from tenants import fit_check, fit_check_views, live_choices, onboarding
    monkeypatch.setattr(fit_check_views, "run_fit_check", lambda t: fit_check.FitReport())  # it reads both systems
    monkeypatch.setattr(onboarding, "read_choices", lambda bc, ac: live_choices.Choices())  # so do the lists
    healthy(tenant)
    for break_it in (b for _, b in BREAKAGES.values()):
        break_it(tenant)
    for n, error in enumerate(["SKU 'X-1' has no Acumatica InventoryID: add a SKU mapping or create the item.",
                               "Guest order #5 has no guest CustomerID: set the guest policy.",
                               "Acumatica rejected the credentials (401).",
                               "'fedx' is not a BigCommerce shipping provider code (such as usps). "
                               "Fix the tenant's shipping provider settings, then replay."], start=70):
        make_record(tenant, str(n), status=Status.NEEDS_ATTENTION, last_error=error)
    owner = role == "owner"
    links = {p.fix_url for p in tenant_health(tenant, can_manage=owner).problems if p.fix_url}
    # payment, SKUs, guest, Acumatica, shipments, BigCommerce (check and push), filtered
    assert len(links) == 7, links
    payments = f"/onboarding/{tenant.slug}/lists/#payments" if owner else \
        f"/onboarding/{tenant.slug}/#id_payment_method_map"
    assert payments in links and f"/onboarding/{tenant.slug}/#shipments" in links
    client.force_login(merchant_of(tenant, role=role))
    for link in links:
        path, _, anchor = link.partition("#")
        response = client.get(path)
        assert response.status_code == 200, link
        assert not anchor or f'id="{anchor}"' in response.content.decode(), link


def test_the_dashboard_gives_owners_the_lists_for_payment_methods(client, tenant, merchant_of):
    make_record(tenant, "31", status=Status.NEEDS_ATTENTION, last_error=PAYMENT)
    for role, target in (("owner", f"/onboarding/{tenant.slug}/lists/#payments"),
                         ("operator", f"/onboarding/{tenant.slug}/#id_payment_method_map")):
        assert f'href="{target}"' in dashboard(client, tenant, merchant_of(tenant, username=role, role=role)), role


def test_object_numbers_do_not_split_a_cause():
    assert cause_of("Gave up after 8 attempts. Last error: Guest order #12 has no e-mail") == \
        cause_of("Gave up after 3 attempts. Last error: Guest order #99 has no e-mail") == "Guest order #… has no e-mail"
    assert cause_of("Sales order 000027 totals 3.18; BigCommerce's order less its refunds is 6.47.") == \
        cause_of("Sales order 000030 totals 435.18; BigCommerce's order less its refunds is 443.82.") == \
        "Sales order … totals …; BigCommerce's order less its refunds is …."
    assert cause_of("Acumatica answered 503 on 24.200.001") == "Acumatica answered 503 on 24.200.001"
    assert cause_of("SKU X-1 not found in BigCommerce (Acumatica InventoryID X-1). Add a SKU mapping.") == \
        cause_of("SKU FREIGHT not found in BigCommerce (Acumatica InventoryID FREIGHT). Add a SKU mapping.") == \
        "SKU … not found in BigCommerce (Acumatica InventoryID …). Add a SKU mapping."
    assert cause_of("SKU 'MUG-1' has no Acumatica InventoryID") == cause_of("SKU 'mug 2' has no Acumatica InventoryID")


def test_retry_all_replays_exactly_the_group(client, tenant, merchant_of, django_capture_on_commit_callbacks):
    same = [make_record(tenant, n, status=Status.NEEDS_ATTENTION, last_error=PAYMENT) for n in ("21", "22")]
    other = make_record(tenant, "23", status=Status.NEEDS_ATTENTION, last_error="Something else.")
    key = next(p.group_key for p in tenant_health(tenant).problems if p.count == 2)
    client.force_login(merchant_of(tenant))
    with pipeline("order", lambda record: {"acumatica_key": f"SO/{record.external_id}"}), \
            django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/dashboard/{tenant.slug}/retry/", {"group": key})
    assert response.status_code == 302
    assert [SyncRecord.objects.get(pk=r.pk).status for r in same] == [Status.SUCCEEDED] * 2
    assert SyncRecord.objects.get(pk=other.pk).status == Status.NEEDS_ATTENTION
    assert AuditEvent.objects.filter(record=same[0], action="record.replayed", message__contains="Retry all").exists()


def test_a_viewer_cannot_retry_or_replay(client, tenant, merchant_of):
    record = make_record(tenant, "31", status=Status.NEEDS_ATTENTION, last_error=PAYMENT)
    viewer = merchant_of(tenant, "viewer")
    Membership.objects.filter(user=viewer).update(role=Membership.Role.VIEWER)
    key = tenant_health(tenant).problems[0].group_key
    client.force_login(viewer)
    assert "Retry all" not in client.get(f"/dashboard/{tenant.slug}/").content.decode()
    assert client.post(f"/dashboard/{tenant.slug}/retry/", {"group": key}).status_code == 403
    assert client.post(f"/dashboard/{tenant.slug}/records/{record.pk}/replay/").status_code == 403
    assert SyncRecord.objects.get(pk=record.pk).status == Status.NEEDS_ATTENTION


def test_the_tenant_list_shows_each_tenants_state(client, tenant, make_tenant, merchant_of):
    healthy(tenant)
    broken = make_tenant("broken")
    healthy(broken)
    make_record(broken, "41", status=Status.NEEDS_ATTENTION, last_error=PAYMENT)
    user = merchant_of(tenant)
    Membership.objects.create(user=user, tenant=broken)
    client.force_login(user)
    html = client.get("/onboarding/").content.decode()
    assert html.count('data-state="green"') == 1 and html.count('data-state="red"') == 1


def test_health_as_dict_is_json_ready(tenant):
    make_record(tenant, "51", status=Status.NEEDS_ATTENTION, last_error=PAYMENT)
    body = json.loads(json.dumps(tenant_health(tenant).as_dict(), default=str))
    assert body["state"] == RED and body["problems"][0]["count"] == 1


def test_the_admin_tenant_list_shows_each_tenants_state(client, staff, tenant, make_tenant):
    healthy(tenant)
    broken = healthy(make_tenant("broken"))
    make_record(broken, "61", status=Status.NEEDS_ATTENTION, last_error=PAYMENT)
    client.force_login(staff)
    html = client.get("/admin/tenants/tenant/").content.decode()
    assert 'class="status-badge health-green" href="/dashboard/acme/"' in html
    assert 'class="status-badge health-red" href="/dashboard/broken/"' in html
