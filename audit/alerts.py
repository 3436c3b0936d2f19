"""Alert digests: e-mail a tenant's owners when it turns red or new records need attention.

At most one digest per tenant per ``ALERT_DIGEST_MINUTES``; a problem that appears during the quiet
interval is not lost, it goes into the next digest. Each user can turn alerts off. Mail goes through
Django's e-mail framework (console backend by default, SMTP when EMAIL_BACKEND / EMAIL_HOST are set).
The schedule (migration audit/0005) runs ``send_alert_digests`` every few minutes.
"""
from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import models
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone


class AlertPreference(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="alert_preference")
    email_alerts = models.BooleanField(default=True, help_text="E-mail me when a tenant of mine needs attention.")

    class Meta:
        app_label = "audit"

    def __str__(self) -> str:
        return f"{self.user}: alerts {'on' if self.email_alerts else 'off'}"


class AlertState(models.Model):
    """What the tenant's owners were last told, so a digest says only what is new."""

    tenant = models.OneToOneField("tenants.Tenant", on_delete=models.CASCADE, related_name="alert_state")
    notified_state = models.CharField(max_length=10, default="green")
    notified_until = models.DateTimeField(null=True, blank=True, help_text="Attention records up to here were reported.")
    last_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        app_label = "audit"

    def __str__(self) -> str:
        return f"{self.tenant}: told {self.notified_state} at {self.last_sent_at}"


def interval() -> timedelta:
    return timedelta(minutes=settings.ALERT_DIGEST_MINUTES)


def recipients(tenant) -> list[str]:
    from tenants.models import Membership

    owners = (Membership.objects.filter(tenant=tenant, role=Membership.Role.OWNER, user__is_active=True)
              .exclude(user__email="").exclude(user__alert_preference__email_alerts=False))
    return sorted(set(owners.values_list("user__email", flat=True)))


def digest_for(tenant, now) -> str | None:
    """Sends the tenant's digest if something new is wrong and the interval allows; returns the reason sent."""
    from audit.health import RED, tenant_health
    from audit.models import Status, SyncRecord

    state, _ = AlertState.objects.get_or_create(tenant=tenant)
    health = tenant_health(tenant, now)
    new_attention = SyncRecord.objects.filter(tenant=tenant, status=Status.NEEDS_ATTENTION)
    if state.notified_until:
        new_attention = new_attention.filter(updated_at__gt=state.notified_until)
    turned_red = health.state == RED and state.notified_state != RED
    count = new_attention.count()
    if not (turned_red or count):
        if health.state != state.notified_state and health.state != RED:
            AlertState.objects.filter(pk=state.pk).update(notified_state=health.state)  # a later red alerts again
        return None
    if state.last_sent_at and now - state.last_sent_at < interval():
        return None  # the next digest will carry it
    to = recipients(tenant)
    if to:
        base = settings.PUBLIC_BASE_URL
        context = {"tenant": tenant, "health": health, "new_attention": count, "turned_red": turned_red,
                   "dashboard_url": base + reverse("dashboard", args=[tenant.slug]),
                   "records_url": base + reverse("records", args=[tenant.slug]) + "?status=needs_attention",
                   "settings_url": base + reverse("alert-settings"), "base_url": base}
        subject = (f"[ml-connector] {tenant.name}: action needed" if health.state == RED
                   else f"[ml-connector] {tenant.name}: {count} record(s) need attention")
        send_mail(subject, render_to_string("tenants/alert_digest.txt", context), None, to)
    AlertState.objects.filter(pk=state.pk).update(notified_state=health.state, notified_until=now, last_sent_at=now)
    return "turned red" if turned_red else f"{count} new record(s) need attention"


def send_alert_digests() -> str:
    from tenants.models import Tenant

    now = timezone.now()
    sent = [t.slug for t in Tenant.objects.filter(active=True) if digest_for(t, now)]
    return f"digests for: {', '.join(sent) or 'nobody'}"
