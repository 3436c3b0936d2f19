"""Per-tenant scheduled jobs (django-q2 entry points). Each takes a tenant id and never overlaps itself.

A second run of the same job for the same tenant while one is still going is skipped and logged,
so a slow Acumatica cannot pile up pushes; other tenants' jobs are separate tasks and go on.
"""
import json
from collections.abc import Callable
from dataclasses import asdict
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django_q.tasks import async_task

from audit.models import AuditEvent
from sync.clients import bigcommerce_client
from sync.http import ApiError
from sync.locks import job_lock
from sync.models import Cursor, JobHealth
from sync.polling import poll_customers, poll_orders
from sync.webhook_registration import ensure_hooks
from tenants.models import Tenant


def noted(tenant_id: int, job: str, run: Callable[[], object]) -> object:
    """Runs a job body and notes its outcome in JobHealth (tenant health: time since a flow's last success).

    A body that returns {"error": ...} failed as surely as one that raised."""
    try:
        result = run()
    except Exception as error:
        JobHealth.note(tenant_id, job, error=str(error) or error.__class__.__name__)
        raise
    error = result.get("error") if isinstance(result, dict) else None
    JobHealth.note(tenant_id, job, error=str(error) if error else "")
    return result


def poll_orders_job(tenant_id: int, grace_seconds: float | None = None) -> str:
    """The catch-up poll of orders and customers. The schedule's runs leave the newest changes to their webhooks
    (``POLL_WEBHOOK_GRACE_SECONDS``); a started tenant's first poll passes 0: its hooks are only being made."""
    with job_lock(f"tenant-{tenant_id}-poll-orders") as held:
        if not held:
            return "skipped: already running"
        grace = timedelta(seconds=settings.POLL_WEBHOOK_GRACE_SECONDS if grace_seconds is None else grace_seconds)
        orders, customers = noted(tenant_id, "poll-orders", lambda: (poll_orders(tenant_id, grace=grace),
                                                                     poll_customers(tenant_id, grace=grace)))
        return f"queued {orders} order(s), {customers} customer(s)"


def push_catalog_job(tenant_id: int) -> str:
    from sync.catalog import scheduled_push  # the catalog pipeline module

    with job_lock(f"tenant-{tenant_id}-push-catalog") as held:
        if not held:
            return "skipped: already running"
        return str(noted(tenant_id, "push-catalog", lambda: scheduled_push(tenant_id)))


def poll_shipments_job(tenant_id: int) -> str:
    from sync.shipments_poll import poll_shipments

    with job_lock(f"tenant-{tenant_id}-poll-shipments") as held:
        if not held:
            return "skipped: already running"
        return f"queued {noted(tenant_id, 'poll-shipments', lambda: poll_shipments(tenant_id))} shipment(s)"


def check_webhooks_job(tenant_id: int) -> str:
    """Re-creates, reactivates or fixes hooks; after a repair, polls from the last known good time."""
    tenant = Tenant.objects.select_related("bigcommerce").get(pk=tenant_id)
    with job_lock(f"tenant-{tenant_id}-check-webhooks") as held:
        if not held:
            return "skipped: already running"
        try:
            with bigcommerce_client(tenant.bigcommerce) as bc:
                actions = ensure_hooks(tenant, bc)
        except ApiError as error:
            AuditEvent.write(action="webhook.check_failed", tenant_id=tenant.pk, message=str(error))
            JobHealth.note(tenant.pk, "check-webhooks", error=str(error))
            return f"failed: {error}"
        repaired = [a for a in actions if a.action in ("created", "reactivated", "fixed")]
        if repaired and Cursor.objects.filter(tenant=tenant, stream="orders", position__isnull=False).exists():
            # Events missed while a hook was dead are never replayed by BigCommerce: read them back.
            poll_orders(tenant.pk)
        AuditEvent.write(action="webhook.checked", tenant_id=tenant.pk,
                         message=", ".join(f"{a.scope}: {a.action}" for a in actions) or "no scopes wanted",
                         response_body=json.dumps([asdict(a) for a in actions]))
        JobHealth.note(tenant.pk, "check-webhooks")
        return f"{len(repaired)} hook(s) repaired"


def queue_webhook_check(tenant: Tenant) -> None:
    """Registers (or repairs) the tenant's hooks soon after its connection was saved."""
    tenant_id = tenant.pk
    transaction.on_commit(lambda: async_task("sync.jobs.check_webhooks_job", tenant_id,
                                             task_name=f"check-webhooks-{tenant_id}"))


def queue_first_sync(tenant: Tenant) -> None:
    """The first order poll and catalog push of a tenant that just started, without waiting for its schedules."""
    tenant_id = tenant.pk
    transaction.on_commit(lambda: async_task("sync.jobs.poll_orders_job", tenant_id, 0,
                                             task_name=f"first-poll-orders-{tenant_id}"))
    if tenant.sync_catalog:
        transaction.on_commit(lambda: async_task("sync.jobs.push_catalog_job", tenant_id,
                                                 task_name=f"first-push-catalog-{tenant_id}"))
