"""Merchant pages for sync records (outside the admin): search, CSV export, one record, Replay, Retry all.

Reading needs membership of the tenant (404 otherwise, so other tenants' ids are not confirmed);
Replay and Retry all need a role that may act on records (``may_operate``).
Times are shown in the tenant's time zone (``tenant_zone``).
"""
import csv
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q, TextField
from django.db.models.functions import Cast
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from audit.health import records_in_group
from audit.models import Status, SyncRecord
from tenants.links import acumatica_url, bigcommerce_label, bigcommerce_url
from tenants import access
from tenants.models import Capability, Tenant

PAGE_SIZE = 50
CSV_COLUMNS = ["id", "kind", "external_id", "status", "attempts", "error_or_reason", "acumatica_key",
               "bigcommerce_key", "next_retry", "updated"]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def visible_tenant(request, slug: str) -> Tenant:
    return get_object_or_404(Tenant.objects.visible_to(request.user).select_related("bigcommerce", "acumatica"),
                             slug=slug)


def may_operate(user, tenant: Tenant) -> bool:
    """Replay / retry: operators and owners of the tenant, and superusers (tenants/access.py)."""
    return access.can(user, tenant, Capability.OPERATE)


def tenant_zone(tenant: Tenant) -> ZoneInfo:
    """The tenant's time zone when it has one set, else the server's."""
    try:
        return ZoneInfo(getattr(tenant, "time_zone", "") or settings.TIME_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(settings.TIME_ZONE)


def in_tenant_zone(view):
    """Renders the view's times (the template `date` filter, timesince) in the tenant's zone."""
    def wrapped(request, slug: str, *args, **kwargs):
        tenant = visible_tenant(request, slug)
        with timezone.override(tenant_zone(tenant)):
            return view(request, tenant, *args, **kwargs)
    wrapped.__name__, wrapped.__doc__ = view.__name__, view.__doc__
    return login_required(wrapped)


def search(tenant: Tenant, params) -> tuple:
    """Records of the tenant matching the list's filters: q (order number, SKU, customer, document), status, kind."""
    records = SyncRecord.objects.filter(tenant=tenant)
    status, kind, text = params.get("status", ""), params.get("kind", ""), params.get("q", "").strip()
    if status in Status.values:
        records = records.filter(status=status)
    if kind:
        records = records.filter(kind=kind)
    if text:
        # The snapshot holds what was read from the source: line SKUs, customer names and e-mails.
        records = records.annotate(snapshot_text=Cast("snapshot", TextField()), stub_text=Cast("stub", TextField()))
        records = records.filter(Q(external_id__iexact=text.lstrip("#")) | Q(acumatica_key__icontains=text)
                                 | Q(bigcommerce_key__iexact=text.lstrip("#")) | Q(snapshot_text__icontains=text)
                                 | Q(stub_text__icontains=text) | Q(last_error__icontains=text))
    return records.order_by("-updated_at", "-id"), {"q": text, "status": status, "kind": kind}


@in_tenant_zone
def record_list(request, tenant: Tenant):
    records, filters = search(tenant, request.GET)
    if request.GET.get("format") == "csv":
        return csv_export(tenant, records)
    page = Paginator(records, PAGE_SIZE).get_page(request.GET.get("page"))
    kinds = SyncRecord.objects.filter(tenant=tenant).values_list("kind", flat=True).distinct().order_by("kind")
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "tenants/records.html", {
        "tenant": tenant, "page": page, "filters": filters, "statuses": Status.choices, "kinds": kinds,
        "query": query.urlencode(), "zone": tenant_zone(tenant)})


def csv_cell(value) -> str:
    """Spreadsheets run cells that start like a formula; a leading quote keeps them text."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_export(tenant: Tenant, records) -> HttpResponse:
    zone = tenant_zone(tenant)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{tenant.slug}-records.csv"'
    writer = csv.writer(response)
    writer.writerow(CSV_COLUMNS)
    for r in records.iterator():
        writer.writerow([csv_cell(v) for v in (
            r.pk, r.kind, r.external_id, r.get_status_display(), r.attempts, r.last_error or r.status_reason,
            r.acumatica_key, r.bigcommerce_key,
            r.next_attempt_at.astimezone(zone).isoformat(timespec="seconds") if r.next_attempt_at else "",
            r.updated_at.astimezone(zone).isoformat(timespec="seconds"))])
    return response


@in_tenant_zone
def record_detail(request, tenant: Tenant, pk: int):
    record = get_object_or_404(SyncRecord.objects.select_related("tenant__bigcommerce", "tenant__acumatica"),
                               tenant=tenant, pk=pk)
    events = record.events.select_related("user").order_by("created_at", "id")
    return render(request, "tenants/record.html", {
        "tenant": tenant, "record": record, "zone": tenant_zone(tenant),
        "events": events.exclude(action="api.call"), "calls": events.filter(action="api.call").count(),
        "bigcommerce_url": bigcommerce_url(record), "bigcommerce_label": bigcommerce_label(record),
        "acumatica_url": acumatica_url(record),
        "may_operate": may_operate(request.user, tenant)})


@require_POST
@in_tenant_zone
def record_replay(request, tenant: Tenant, pk: int):
    record = get_object_or_404(SyncRecord, tenant=tenant, pk=pk)
    if not may_operate(request.user, tenant):
        raise PermissionDenied("Your role on this tenant is read-only.")
    record.replay(request.user, "Replay on the record page")
    messages.success(request, f"{record.kind.title()} {record.external_id} is queued to run again.")
    return redirect("record", slug=tenant.slug, pk=record.pk)


@require_POST
@in_tenant_zone
def retry_group(request, tenant: Tenant):
    """Retry all: replays every record of one problem group (``audit.health.group_key``)."""
    if not may_operate(request.user, tenant):
        raise PermissionDenied("Your role on this tenant is read-only.")
    records = records_in_group(tenant, request.POST.get("group", ""))
    for record in records:
        record.replay(request.user, "Retry all on the dashboard")
    if records:
        messages.success(request, f"{len(records)} record(s) queued to run again.")
    else:
        messages.info(request, "Nothing to retry: these records were already settled.")
    return redirect("dashboard", slug=tenant.slug)
