"""django-q2 schedules that follow each tenant's cadences.

Saved with the tenant: created or updated when cadences change, removed when the tenant is
deactivated or deleted. The global schedule for due retries and stuck-record recovery is created by
the migration audit/0002_schedule_run_due_records.
"""
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django_q.models import Schedule

from tenants.models import Tenant

def tenant_schedules(tenant: Tenant) -> dict[str, tuple[str, int, bool]]:
    """name -> (function, minutes, wanted)"""
    return {
        f"tenant-{tenant.pk}-poll-orders": ("sync.jobs.poll_orders_job", tenant.order_poll_minutes,
                                            tenant.sync_orders or tenant.sync_customers),
        f"tenant-{tenant.pk}-push-catalog": ("sync.jobs.push_catalog_job", tenant.catalog_push_minutes,
                                             tenant.sync_catalog),
        f"tenant-{tenant.pk}-poll-shipments": ("sync.jobs.poll_shipments_job", tenant.order_poll_minutes,
                                               tenant.sync_shipments),
        f"tenant-{tenant.pk}-check-webhooks": ("sync.jobs.check_webhooks_job", tenant.webhook_check_minutes, True),
    }


def sync_tenant_schedules(tenant: Tenant) -> None:
    for name, (func, minutes, wanted) in tenant_schedules(tenant).items():
        if tenant.active and wanted and minutes > 0:
            Schedule.objects.update_or_create(name=name, defaults={
                "func": func, "args": repr(tenant.pk), "schedule_type": Schedule.MINUTES, "minutes": minutes,
                "repeats": -1})
        else:
            Schedule.objects.filter(name=name).delete()


@receiver(post_save, sender=Tenant, dispatch_uid="tenant-schedules")
def _tenant_saved(sender, instance: Tenant, **kwargs) -> None:
    sync_tenant_schedules(instance)


@receiver(post_delete, sender=Tenant, dispatch_uid="tenant-schedules-delete")
def _tenant_deleted(sender, instance: Tenant, **kwargs) -> None:
    Schedule.objects.filter(name__startswith=f"tenant-{instance.pk}-").delete()

