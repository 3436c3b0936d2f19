"""The Content-Security-Policy (django-csp) is on every page, and the pages people use still work
under it in a real browser: no refused script or style (the `page` fixture fails on any console
error, which is where chromium reports CSP refusals), and the admin's scripts really run."""
import pytest
from django.urls import reverse
from playwright.sync_api import expect

from audit.models import Status, SyncRecord
from tests.audit_helpers import make_record
from tests.browser_helpers import browser, log_in, page  # noqa: F401 (fixtures)


def test_every_kind_of_page_carries_the_policy(client, staff, tenant):
    client.force_login(staff)
    for url in ("/accounts/login/", "/onboarding/", f"/onboarding/{tenant.slug}/", "/admin/", "/api/v1/tenants/"):
        policy = client.get(url)["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy and "object-src 'none'" in policy


@pytest.mark.browser
def test_merchant_pages_work_under_the_policy(page, tenant, merchant_of):
    log_in(page, merchant_of(tenant, "shopkeeper"))
    page.goto(f"/onboarding/{tenant.slug}/")
    expect(page.get_by_role("button", name="Test connection")).to_be_visible()
    page.goto(f"/dashboard/{tenant.slug}/")
    expect(page.locator("svg").first).to_be_visible()
    page.goto("/onboarding/new/")
    expect(page.get_by_label("Store hash")).to_be_visible()


@pytest.mark.browser
def test_admin_pages_and_their_scripts_work_under_the_policy(page, staff, tenant):
    record = make_record(tenant, "4711")
    SyncRecord.objects.filter(pk=record.pk).update(status=Status.NEEDS_ATTENTION)
    log_in(page, staff)
    page.goto("/admin/audit/syncrecord/")
    expect(page.get_by_text("Needs attention").first).to_be_visible()
    page.goto(reverse("admin:audit_syncrecord_change", args=[record.pk]))
    expect(page.get_by_role("button", name="Replay")).to_be_visible()
    page.goto(reverse("admin:tenants_tenant_change", args=[tenant.pk]))
    expect(page.get_by_text("Currently set").first).to_be_visible()
    page.goto(reverse("admin:tenants_skumapping_add"))
    page.locator(".select2-selection").first.click()  # the autocomplete widget is built by admin JavaScript
    expect(page.locator(".select2-results__option", has_text="Acme")).to_be_visible()
