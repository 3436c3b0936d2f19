"""Merchant-facing pages: the list of one's tenants and the one-page form, which is also a tenant's
settings page (sections per flow; health Fix links point at their anchors, audit/health.py).

The onboarding form has two submit buttons: ``action=save`` stores the tenant, ``action=test`` runs
the connection checks (tenants/connection_test.py) on the entered values and shows the results
without saving anything.
"""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render

from audit.health import health_of_tenants
from sync.jobs import queue_webhook_check
from tenants import access, connection_test
from tenants.forms import OnboardingForm
from tenants.onboarding import fit_check_url
from tenants.onboarding_draft import clear_draft, form_draft_key, load_draft, save_draft
from tenants.models import Capability, Tenant


@login_required
def onboarding_index(request):
    tenants = list(Tenant.objects.visible_to(request.user).select_related("bigcommerce", "acumatica"))
    if not tenants:
        return redirect("onboarding-start")
    healths = health_of_tenants(tenants)
    for tenant in tenants:
        tenant.health = healths[tenant.pk]
    return render(request, "tenants/index.html", {"tenants": tenants})


@login_required
def onboarding_new(request):
    return _onboarding_page(request, tenant=None)


@login_required
def onboarding_edit(request, slug: str):
    # 404, not 403, for someone else's tenant: do not confirm that it exists.
    tenant = get_object_or_404(Tenant.objects.visible_to(request.user).select_related("bigcommerce", "acumatica"),
                               slug=slug)
    return _onboarding_page(request, tenant=tenant)


def _onboarding_page(request, tenant: Tenant | None):
    # Anyone signed in may onboard a new tenant (and becomes its owner). An existing tenant's page is
    # read-only for operators and viewers: Save and Test connection use its credentials.
    can_manage = tenant is None or access.can(request.user, tenant, Capability.MANAGE)
    if request.method == "POST" and not can_manage:
        raise PermissionDenied(access.denial_message(tenant, Capability.MANAGE))
    draft_key = form_draft_key(tenant.slug if tenant else None)
    form = OnboardingForm(request.POST or None, tenant=tenant, tested=load_draft(request.session, draft_key))
    if not can_manage:
        form.make_read_only()
    if request.method == "POST" and request.POST.get("action") == "test":
        return _test_connection(request, form, tenant, draft_key)
    if request.method == "POST" and form.is_valid():
        saved = form.save(request.user)
        clear_draft(request.session, draft_key)
        queue_webhook_check(saved)
        messages.success(request, f"Saved {saved.name}. Its BigCommerce webhooks are being registered.")
        return redirect("onboarding-edit", slug=saved.slug)
    return render(request, "tenants/onboarding.html",
                  {"form": form, "tenant": tenant, "can_manage": can_manage, **_mapping_context(tenant)})


SKU_MAPPINGS_SHOWN = 20


def _mapping_context(tenant: Tenant | None) -> dict:
    """The SKU mappings section (the anchor health Fix links lead to for unmapped SKUs)."""
    if tenant is None:
        return {}
    mappings = tenant.sku_mappings.order_by("bc_sku")
    return {"sku_mappings": list(mappings[:SKU_MAPPINGS_SHOWN]), "sku_mapping_count": mappings.count(),
            "fit_check_url": fit_check_url(tenant)}


def _test_connection(request, form: OnboardingForm, tenant: Tenant | None, draft_key: str):
    results = None
    if form.is_valid():
        bc, ac = form.unsaved_connections()
        bigcommerce = connection_test.test_bigcommerce(bc)
        acumatica = connection_test.test_acumatica(ac)
        # Save takes the secrets just tested from here (encrypted, server-side): nothing is typed twice.
        save_draft(request.session, bc, ac, name=form.cleaned_data["name"], key=draft_key,
                   tested=all(step.ok for step in (*bigcommerce, *acumatica)))
        results = {"systems": [("BigCommerce", bigcommerce), ("Acumatica", acumatica)],
                   "versions": connection_test.offered_versions(acumatica)}
        if results["versions"]:
            form.fields["endpoint_version"].widget.attrs["list"] = "endpoint-versions"
    return render(request, "tenants/onboarding.html",
                  {"form": form, "tenant": tenant, "results": results, "can_manage": True, **_mapping_context(tenant)})
