"""The fit check page: the report, the unmatched SKUs as CSV, and a mapping CSV upload.

Any member of the tenant may look (404 for anyone else, as on the record pages); uploading mappings
needs the role that edits SKU mappings elsewhere (operator or owner: admin import and API alike).
The page reads both systems each time it is shown (tenants/fit_check.py); nothing is cached, so
after an upload the check shown is the re-run one.
"""
import csv

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from sync.clients import open_clients
from sync.http import ApiError
from tenants import access
from tenants.fit_check import run_fit_check, sku_report
from tenants.models import Capability, SkuMapping, Tenant
from tenants.records import in_tenant_zone, tenant_zone
from tenants.sku_import import import_sku_mappings

UNMATCHED_SHOWN = 200      # rows on the page; the CSV has them all
ERRORS_SHOWN = 20          # bad upload rows listed one by one; the rest are counted
MAX_UPLOAD_BYTES = 5 * 1024 * 1024


def _connected(tenant: Tenant) -> bool:
    return hasattr(tenant, "bigcommerce") and hasattr(tenant, "acumatica")


@in_tenant_zone
def fit_check(request, tenant: Tenant):
    context = {"tenant": tenant, "may_upload": access.can(request.user, tenant, Capability.OPERATE),
               "mappings": SkuMapping.objects.filter(tenant=tenant).order_by("bc_sku"),
               "connected": _connected(tenant), "shown": UNMATCHED_SHOWN, "zone": tenant_zone(tenant)}
    if context["connected"]:
        context["report"] = run_fit_check(tenant)
    return render(request, "tenants/fit_check.html", context)


@in_tenant_zone
def unmatched_csv(request, tenant: Tenant):
    """The unmatched SKUs in the upload's own format: fill in inventory_id and upload the file as it is.

    SKUs are written as the store has them (no formula escaping), so the file imports back unchanged."""
    if not _connected(tenant):
        return redirect("fit-check", slug=tenant.slug)
    try:
        with open_clients(tenant) as (bc, ac):
            report = sku_report(tenant, bc, ac)
    except ApiError as exc:
        messages.error(request, f"The SKUs could not be read: {exc.message}")
        return redirect(reverse("fit-check", args=[tenant.slug]) + "#skus")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{tenant.slug}-unmatched-skus.csv"'
    writer = csv.writer(response)
    writer.writerow(["bc_sku", "inventory_id"])
    for match in report.unmatched:
        writer.writerow([match.sku, ""])
    return response


@require_POST
@in_tenant_zone
def upload_mappings(request, tenant: Tenant):
    if not access.can(request.user, tenant, Capability.OPERATE):
        raise PermissionDenied(access.denial_message(tenant, Capability.OPERATE))
    upload = request.FILES.get("csv_file")
    back = reverse("fit-check", args=[tenant.slug]) + "#skus"
    if upload is None:
        messages.error(request, "Choose a CSV file with the columns bc_sku and inventory_id.")
        return redirect(back)
    if upload.size > MAX_UPLOAD_BYTES:
        messages.error(request, f"The file is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB; split it.")
        return redirect(back)
    result = import_sku_mappings(tenant, upload.read())
    if result.created or result.updated or not result.errors:
        messages.success(request, f"SKU mappings imported: {result.created} new, {result.updated} changed.")
    for error in result.errors[:ERRORS_SHOWN]:
        messages.error(request, error)
    if len(result.errors) > ERRORS_SHOWN:
        messages.error(request, f"… and {len(result.errors) - ERRORS_SHOWN} more rows with problems.")
    return redirect(back)
