"""The merchant's dashboard: what synced in the last 24 hours, what needs a human, webhook health."""
import json
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Count
from django.shortcuts import render
from django.utils import timezone

from audit.health import tenant_health
from audit.models import AuditEvent, Status, SyncRecord
from tenants import access
from tenants.models import Capability, Tenant
from tenants.records import in_tenant_zone, may_operate, tenant_zone

OUTCOMES = {"record.succeeded": "ok", "record.failed": "problem", "record.needs_attention": "problem"}
CHART_WIDTH, CHART_HEIGHT, HOURS = 720, 140, 24


@dataclass
class Bar:
    x: float
    ok_y: float
    ok_height: float
    problem_y: float
    problem_height: float
    label: str
    ok: int
    problem: int


def hourly_bars(tenant: Tenant, now) -> list[Bar]:
    """Outcomes per hour over the last 24 hours, as SVG rectangles (no chart library needed)."""
    # Hours of the tenant's own clock (a zone with a half-hour offset still gets whole local hours).
    start = timezone.localtime(now - timedelta(hours=HOURS - 1)).replace(minute=0, second=0, microsecond=0)
    events = AuditEvent.objects.filter(tenant=tenant, action__in=OUTCOMES, created_at__gte=start)
    counts = Counter((int((at - start).total_seconds() // 3600), OUTCOMES[action])
                     for at, action in events.values_list("created_at", "action"))
    peak = max([counts[(h, "ok")] + counts[(h, "problem")] for h in range(HOURS)] + [1])
    slot = CHART_WIDTH / HOURS
    bars = []
    for hour in range(HOURS):
        ok, problem = counts[(hour, "ok")], counts[(hour, "problem")]
        ok_height, problem_height = CHART_HEIGHT * ok / peak, CHART_HEIGHT * problem / peak
        bars.append(Bar(x=hour * slot + 2, ok_y=CHART_HEIGHT - ok_height, ok_height=ok_height,
                        problem_y=CHART_HEIGHT - ok_height - problem_height, problem_height=problem_height,
                        label=(start + timedelta(hours=hour)).strftime("%H:00"), ok=ok, problem=problem))
    return bars


def webhook_health(tenant: Tenant) -> dict:
    last = AuditEvent.objects.filter(tenant=tenant, action="webhook.checked").order_by("-created_at").first()
    try:
        hooks = json.loads(last.response_body) if last and last.response_body else []
    except ValueError:
        hooks = []
    refusals = getattr(tenant, "webhook_refusals", None)
    return {"checked_at": last.created_at if last else None, "hooks": hooks,
            "refused": refusals.count if refusals else 0, "last_refusal": refusals.last_reason if refusals else ""}


@in_tenant_zone
def dashboard(request, tenant: Tenant):
    now = timezone.now()
    recent = SyncRecord.objects.filter(tenant=tenant, updated_at__gte=now - timedelta(hours=24))
    counts = {(row["kind"], row["status"]): row["n"] for row in recent.values("kind", "status").annotate(n=Count("id"))}
    kinds = sorted({kind for kind, _ in counts})
    table = [(kind, [counts.get((kind, status), 0) for status in Status.values]) for kind in kinds]
    context = {
        "tenant": tenant, "statuses": Status.labels, "table": table, "health": tenant_health(tenant, now, can_manage=access.can(request.user, tenant, Capability.MANAGE)),
        "may_operate": may_operate(request.user, tenant), "zone": tenant_zone(tenant),
        "webhooks": webhook_health(tenant), "bars": hourly_bars(tenant, now),
        "chart": {"width": CHART_WIDTH, "height": CHART_HEIGHT, "bar": CHART_WIDTH / HOURS - 4},
    }
    return render(request, "tenants/dashboard.html", context)
