"""The onboarding wizard: connect -> Test connection -> settings -> fit check -> start.

    /onboarding/start/                 step 1: credentials (or "Use the sandbox"), Test connection
    /onboarding/start/settings/        step 2: settings chosen from lists read live from both systems
    /onboarding/<slug>/start/          step 3: the fit check, then Start: first sync, on to the dashboard
    /onboarding/<slug>/lists/          later: the step 2 settings again, for owners, with the tenant's values

Until step 2 is saved nothing is stored but the draft in the merchant's session (secrets encrypted,
tenants/onboarding_draft.py); a passing Test connection is what unlocks step 2. Step 2 creates the tenant,
owned by the merchant and inactive (no schedules, no syncing) until Start. Steps 2 and 3 use the tested
connection; no step asks for a secret again.
"""
from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_POST

from sync.jobs import queue_first_sync, queue_webhook_check
from tenants import access, connection_test
from tenants.forms import unique_slug
from tenants.live_choices import read_choices
from tenants.models import AcumaticaConnection, BigCommerceConnection, Capability, Membership, Tenant
from tenants.onboarding_draft import clear_draft, load_draft, save_draft
from tenants.onboarding_forms import ConnectForm, SetupForm


@login_required
def connect(request: HttpRequest) -> HttpResponse:
    draft = load_draft(request.session)
    action = request.POST.get("action")
    if request.method == "POST" and action == "sandbox":
        return _use_sandbox(request)
    form = ConnectForm(request.POST or None, draft=draft)
    results = None
    if request.method == "POST" and form.is_valid():
        bc, ac = form.unsaved_connections()
        results = _test(bc, ac)
        save_draft(request.session, bc, ac, name=form.cleaned_data["name"], tested=results["passed"],
                   origin=draft.origin if draft and _same_destination(draft, bc, ac) else "merchant",
                   sandbox=draft.sandbox if draft and _same_destination(draft, bc, ac) else None)
        if results["passed"]:
            messages.success(request, "Both systems answered. Now choose how orders, payments and items map.")
            return redirect("onboarding-settings")
        form = ConnectForm(draft=load_draft(request.session))  # the entered values, secrets as "set"
    return render(request, "tenants/onboarding_connect.html", {
        "form": form, "results": results, "draft": load_draft(request.session),
        "sandbox_enabled": settings.SANDBOX_ENABLED})


def _test(bc: BigCommerceConnection, ac: AcumaticaConnection) -> dict:
    bigcommerce = connection_test.test_bigcommerce(bc)
    acumatica = connection_test.test_acumatica(ac)
    return {"systems": [("BigCommerce", bigcommerce), ("Acumatica", acumatica)],
            "versions": connection_test.offered_versions(acumatica),
            "passed": all(step.ok for step in (*bigcommerce, *acumatica))}


def _same_destination(draft, bc: BigCommerceConnection, ac: AcumaticaConnection) -> bool:
    return draft.bigcommerce.store_hash == bc.store_hash and draft.acumatica.instance_url == ac.instance_url


def _use_sandbox(request: HttpRequest) -> HttpResponse:
    if not settings.SANDBOX_ENABLED:
        return redirect("onboarding-start")
    from sandbox.demo import provision_sandbox  # the sandbox apps exist only with SANDBOX_ENABLED

    bc, ac, ids = provision_sandbox(request.build_absolute_uri("/").rstrip("/"))
    save_draft(request.session, bc, ac, name="My sandbox store", tested=False, origin="sandbox", sandbox=ids)
    messages.success(request, f"A fresh sandbox store ({ids['store_hash']}) and Acumatica instance are ready, and "
                              "their credentials are filled in. Press Test connection.")
    return redirect("onboarding-start")


@login_required
def setup(request: HttpRequest) -> HttpResponse:
    draft = load_draft(request.session)
    if draft is None or not draft.tested:
        messages.error(request, "Test the connection first: the settings are read from your systems.")
        return redirect("onboarding-start")
    choices = read_choices(draft.bigcommerce, draft.acumatica)
    form = SetupForm(request.POST or None, choices=choices, sandbox_defaults=_sandbox_defaults(draft))
    if request.method == "POST" and form.is_valid():
        tenant = _create_tenant(request, draft, form)
        clear_draft(request.session)
        return redirect("onboarding-finish", slug=tenant.slug)
    return render(request, "tenants/onboarding_setup.html", {"form": form, "choices": choices, "draft": draft})


def _sandbox_defaults(draft) -> dict:
    """The sandbox's own payment methods: its instance lists none (it simulates no PaymentMethod entity)."""
    if draft.origin != "sandbox" or not settings.SANDBOX_ENABLED:
        return {}
    from sandbox.demo import DEMO_CASH_ACCOUNT, DEMO_PAYMENT_METHODS

    return {"methods": dict(DEMO_PAYMENT_METHODS), "cash_account": DEMO_CASH_ACCOUNT}


@transaction.atomic
def _create_tenant(request: HttpRequest, draft, form: SetupForm) -> Tenant:
    tenant = Tenant(slug=unique_slug(draft.name), name=draft.name, active=False)
    form.apply(tenant)
    tenant.save()
    Membership.objects.create(user=request.user, tenant=tenant, role=Membership.Role.OWNER)
    for connection in (draft.bigcommerce, draft.acumatica):
        connection.tenant = tenant
        connection.save()
    if draft.origin == "sandbox" and settings.SANDBOX_ENABLED:
        from sandbox.demo import wire_push_notifications

        wire_push_notifications(tenant, draft.sandbox["instance_slug"], request.build_absolute_uri("/").rstrip("/"))
    return tenant


def fit_check_url(tenant: Tenant) -> str:
    """The fit check page, once that module is installed; empty until then."""
    try:
        return reverse("fit-check", args=[tenant.slug])
    except NoReverseMatch:
        return ""


@login_required
def finish(request: HttpRequest, slug: str) -> HttpResponse:
    tenant = get_object_or_404(Tenant.objects.visible_to(request.user).select_related("bigcommerce", "acumatica"),
                               slug=slug)
    may_start = access.can(request.user, tenant, Capability.MANAGE)
    return render(request, "tenants/onboarding_finish.html", {
        "tenant": tenant, "fit_check_url": fit_check_url(tenant), "may_start": may_start})


@login_required
@require_POST
def start(request: HttpRequest, slug: str) -> HttpResponse:
    tenant = get_object_or_404(Tenant.objects.visible_to(request.user), slug=slug)
    access.require(request.user, tenant, Capability.MANAGE)
    if not tenant.active:
        tenant.active = True
        tenant.save()  # creates its schedules (sync/schedules.py)
    queue_webhook_check(tenant)
    queue_first_sync(tenant)
    messages.success(request, f"{tenant.name} is syncing: its first order poll and catalog push are under way.")
    return redirect("dashboard", slug=tenant.slug)


@login_required
def settings_from_lists(request: HttpRequest, slug: str) -> HttpResponse:
    """Step 2 again for a tenant that exists: its settings against lists read live now (owners only)."""
    tenant = get_object_or_404(Tenant.objects.visible_to(request.user).select_related("bigcommerce", "acumatica"),
                               slug=slug)
    access.require(request.user, tenant, Capability.MANAGE)
    choices = read_choices(tenant.bigcommerce, tenant.acumatica)
    form = SetupForm(request.POST or None, choices=choices, tenant=tenant)
    if request.method == "POST" and form.is_valid():
        form.apply(tenant)
        tenant.save()
        messages.success(request, f"Saved the settings of {tenant.name}.")
        return redirect("onboarding-edit", slug=tenant.slug)
    return render(request, "tenants/onboarding_setup.html", {"form": form, "choices": choices, "tenant": tenant})
