"""A tenant's health: green, amber or red, with the problems that make it so.

Red means syncing is stopped or a human must act (records that need attention, workers dead, the
webhook check failing); amber means something is wrong but still being retried or worth a look
(records failing and retrying, paid orders filtered, refused webhook deliveries, webhooks not checked
for too long, a flow without a success for too long or whose last run failed). Green only when none of these holds: the dashboard must never say "all clear"
while anything is wrong, so every input below can only add problems, and the state is the worst of them.

Problems with records are grouped by cause: the error message with object numbers taken out, so
"6 orders: no payment method for gateway 'testgateway'" is one group with one Fix link and one
Retry-all button (``group_key`` identifies it in the form that retries it).
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta

from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent, Status, SyncRecord
from sync.heartbeat import worker_status
from sync.models import JobHealth, WebhookRefusals
from tenants.models import Tenant

GREEN, AMBER, RED = "green", "amber", "red"
LEVELS = {GREEN: 0, AMBER: 1, RED: 2}
PROBLEM_STATUSES = (Status.FAILED, Status.NEEDS_ATTENTION)
RECENT = timedelta(hours=24)
MAX_GROUPED_RECORDS = 5000  # beyond this the counts are still exact; grouping reads this many rows

KIND_NAMES = {"order": ("order", "orders"), "customer": ("customer", "customers"),
              "product": ("catalog item", "catalog items"), "shipment": ("shipment", "shipments"),
              "catalog_chunk": ("catalog push chunk", "catalog push chunks")}

# SKU problems (an order line whose SKU has no InventoryID or one Acumatica lacks, a catalog item whose
# SKU the store lacks, an item without a mapping) are fixed on the fit check page's SKU section: it lists what does not match
# and takes a mapping CSV. Checked before the rules below, whose words ("credentials", ...) they never use.
SKU_FIX = re.compile(r"has no Acumatica InventoryID|'Inventory ID' cannot be found|not found in BigCommerce|"
                     r"SKU mapping", re.I)

PAYMENT_FIX = re.compile(r"payment method|cash account", re.I)

# (pattern in the error, where the fix is, what the link says). First match wins.
# Anchors are ids on the onboarding page (templates/tenants/onboarding.html).
FIXES = [
    (re.compile(r"shipping provider", re.I), "shipments", "Set the shipping providers"),
    (PAYMENT_FIX, "id_payment_method_map", "Set the payment method"),
    (re.compile(r"guest CustomerID|guest policy", re.I), "orders", "Set the guest customer"),
    (re.compile(r"acumatica.*(401|403|unauthori[sz]ed|invalid_grant|credentials|password)|"
                r"(401|403|unauthori[sz]ed|invalid_grant|credentials|password).*acumatica", re.I),
     "acumatica", "Check the Acumatica sign-in"),
    (re.compile(r"401|403|unauthori[sz]ed|X-Auth-Token|credentials", re.I), "bigcommerce",
     "Check the connection settings"),
]
NUMBERS = re.compile(r"#\d+|\b(order|customer|product|variant|refund|transaction|shipment) \d+\b", re.I)
# An item named in the error ("SKU 'X-1' has no ...", "InventoryID Y has no SKU mapping", "ships ITEM-Z"): fifty
# Acumatica items the store does not sell are one cause. Values are quoted or upper case, so words stay.
ITEMS = re.compile(r"\b(SKU|InventoryID|ships)\s+('[^']*'|[A-Z0-9][A-Z0-9_./-]*)(?![\w'])")
AMOUNTS = re.compile(r"(?<![\w.])-?\d+\.\d{2}(?!\d|\.\d)")  # money: "totals 570.60 ... is 578.30"
GAVE_UP = re.compile(r"^Gave up after \d+ attempts\. Last error: ")


@dataclass
class Problem:
    level: str
    title: str                    # plain language, with the count
    detail: str = ""
    kind: str = ""                # record kind for record groups
    status: str = ""              # record status for record groups
    count: int = 0
    group_key: str = ""           # set for record groups: Retry all / list filter
    fix_url: str = ""
    fix_label: str = ""
    since: datetime | None = None

    def as_dict(self) -> dict:
        return {k: v for k, v in asdict(self).items() if v not in ("", None)}


@dataclass
class Flow:
    kind: str
    label: str
    enabled: bool
    last_success: datetime | None
    stale: bool


@dataclass
class Health:
    tenant: Tenant
    problems: list[Problem] = field(default_factory=list)
    flows: list[Flow] = field(default_factory=list)
    worker: dict = field(default_factory=dict)

    @property
    def state(self) -> str:
        return max((p.level for p in self.problems), key=LEVELS.__getitem__, default=GREEN)

    @property
    def headline(self) -> str:
        if not self.problems:
            return "All clear: every flow is working and nothing needs you."
        reds = sum(p.level == RED for p in self.problems)
        return (f"{reds} problem(s) need you now." if reds else
                f"{len(self.problems)} thing(s) to watch; syncing goes on.")

    def as_dict(self) -> dict:
        return {"state": self.state, "headline": self.headline,
                "problems": [p.as_dict() for p in self.problems],
                "flows": [{"kind": f.kind, "label": f.label, "enabled": f.enabled, "stale": f.stale,
                           "last_success": f.last_success} for f in self.flows],
                "workers": {"ok": self.worker.get("ok"), "detail": self.worker.get("detail"),
                            "last_beat": self.worker.get("last_beat")}}


def cause_of(message: str) -> str:
    """The error with object numbers taken out, so one cause is one group."""
    text = NUMBERS.sub(lambda m: m.group(0).split(" ")[0] + " …" if " " in m.group(0) else "#…",
                       GAVE_UP.sub("", message or ""))
    text = ITEMS.sub(lambda m: f"{m.group(1)} …", text)
    return AMOUNTS.sub("…", text).strip() or "No error message was recorded."


def group_key(kind: str, status: str, cause: str) -> str:
    return hashlib.sha256(f"{kind}\n{status}\n{cause}".encode()).hexdigest()[:16]


def fix_for(tenant: Tenant, message: str, can_manage: bool = False) -> tuple[str, str]:
    """Where to fix what `message` says. An owner (`can_manage`) picks payment methods and cash accounts from
    the lists read live from both systems; others see the settings (read only) where they are."""
    if can_manage and PAYMENT_FIX.search(message) and not SKU_FIX.search(message):
        return f"{reverse('onboarding-lists', args=[tenant.slug])}#payments", "Pick the payment method"
    if SKU_FIX.search(message):
        return f"{reverse('fit-check', args=[tenant.slug])}#skus", "Match the SKUs"
    for pattern, anchor, label in FIXES:
        if pattern.search(message):
            return f"{reverse('onboarding-edit', args=[tenant.slug])}#{anchor}", label
    return "", ""


def plural(kind: str, count: int) -> str:
    one, many = KIND_NAMES.get(kind, (f"{kind} record", f"{kind} records"))
    return f"{count} {one if count == 1 else many}"


def problem_records(tenant: Tenant):
    return SyncRecord.objects.filter(tenant=tenant, status__in=PROBLEM_STATUSES)


def record_groups(tenant: Tenant, can_manage: bool = False) -> list[Problem]:
    groups: dict[str, Problem] = {}
    rows = problem_records(tenant).order_by("updated_at").values_list("kind", "status", "last_error", "updated_at")
    for kind, status, error, updated_at in rows[:MAX_GROUPED_RECORDS]:
        cause = cause_of(error)
        key = group_key(kind, status, cause)
        if key not in groups:
            fix_url, fix_label = fix_for(tenant, error, can_manage)
            groups[key] = Problem(level=RED if status == Status.NEEDS_ATTENTION else AMBER, title="", detail=cause,
                                  kind=kind, status=status, group_key=key, fix_url=fix_url, fix_label=fix_label,
                                  since=updated_at)
        groups[key].count += 1
    for group in groups.values():
        verb = ("needs" if group.count == 1 else "need") + " attention"
        group.title = f"{plural(group.kind, group.count)}: " + (verb if group.status == Status.NEEDS_ATTENTION
                                                                else "failing, retried automatically")
    return sorted(groups.values(), key=lambda g: (-LEVELS[g.level], -g.count))


def records_in_group(tenant: Tenant, key: str) -> list[SyncRecord]:
    return [r for r in problem_records(tenant).order_by("id")[:MAX_GROUPED_RECORDS]
            if group_key(r.kind, r.status, cause_of(r.last_error)) == key]


def paid_orders_filtered(tenant: Tenant, now: datetime) -> Problem | None:
    """Paid orders a rule kept out of Acumatica in the last day (a person's Skip is a decision, not a problem)."""
    paid = tenant.paid_status_ids or []
    filtered = (SyncRecord.objects.filter(tenant=tenant, kind="order", status=Status.FILTERED,
                                          updated_at__gte=now - RECENT, snapshot__order__status_id__in=paid)
                .exclude(status_reason__startswith="Skipped by"))
    count = filtered.count()
    if not count:
        return None
    reason = filtered.order_by("-updated_at").values_list("status_reason", flat=True).first()
    return Problem(level=AMBER, title=f"{plural('order', count)} paid but filtered in the last 24 hours",
                   detail=f"Latest reason: {reason}", kind="order", status=Status.FILTERED, count=count,
                   fix_url=reverse("records", args=[tenant.slug]) + "?status=filtered&kind=order",
                   fix_label="Review them")


def webhook_problems(tenant: Tenant, now: datetime) -> list[Problem]:
    problems = []
    settings_url = reverse("onboarding-edit", args=[tenant.slug])
    last = dict(AuditEvent.objects.filter(tenant=tenant, action__in=["webhook.checked", "webhook.check_failed"])
                .values("action").annotate(at=Max("created_at")).values_list("action", "at"))
    failed_at, checked_at = last.get("webhook.check_failed"), last.get("webhook.checked")
    if failed_at and (checked_at is None or failed_at > checked_at):
        message = (AuditEvent.objects.filter(tenant=tenant, action="webhook.check_failed")
                   .order_by("-created_at").values_list("message", flat=True).first())
        problems.append(Problem(level=RED, title="BigCommerce webhooks could not be checked or repaired",
                                detail=message or "", since=failed_at, fix_url=f"{settings_url}#bigcommerce",
                                fix_label="Check the BigCommerce connection"))
    elif tenant.active and tenant.webhook_check_minutes > 0:
        # BigCommerce deactivates a hook that keeps failing and never says so: only the check finds dead hooks.
        last_check = max([at for at in (failed_at, checked_at) if at], default=None)
        if now - (last_check or tenant.created_at) > stale_after(tenant.webhook_check_minutes):
            when = f"last {timezone.localtime(last_check):%Y-%m-%d %H:%M}" if last_check else "never checked"
            problems.append(Problem(level=AMBER, title=f"BigCommerce webhooks not checked for too long ({when})",
                                    detail="A dead or deactivated hook goes unnoticed until the check runs "
                                           "(the check-webhooks schedule, or `manage.py check_webhooks`).",
                                    since=last_check))
    refusals = WebhookRefusals.objects.filter(tenant=tenant, last_at__gte=now - RECENT).first()
    if refusals:
        problems.append(Problem(level=AMBER, title="Webhook deliveries were refused in the last 24 hours",
                                detail=f"{refusals.count} refused in all; last: {refusals.last_reason}",
                                count=refusals.count, since=refusals.last_at))
    return problems


FLOWS = [  # kind, label, tenant switch(es), job that proves the flow works, cadence field
    ("order", "Orders -> Acumatica", ("sync_orders",), "poll-orders", "order_poll_minutes"),
    ("customer", "Customers -> Acumatica", ("sync_customers",), "poll-orders", "order_poll_minutes"),
    ("product", "Catalog -> BigCommerce", ("sync_catalog",), "push-catalog", "catalog_push_minutes"),
    ("shipment", "Shipments -> BigCommerce", ("sync_shipments",), "poll-shipments", "order_poll_minutes"),
]


def stale_after(minutes: int) -> timedelta:
    """Three missed runs, and never less than half an hour (a slow run is not a dead flow)."""
    return max(timedelta(minutes=3 * max(minutes, 1)), timedelta(minutes=30))


def flows(tenant: Tenant, now: datetime) -> list[Flow]:
    records = dict(SyncRecord.objects.filter(tenant=tenant, status=Status.SUCCEEDED).values("kind")
                   .annotate(at=Max("finished_at")).values_list("kind", "at"))
    jobs = dict(JobHealth.objects.filter(tenant=tenant).values_list("job", "last_success_at"))
    result = []
    for kind, label, switches, job, cadence in FLOWS:
        enabled = tenant.active and all(getattr(tenant, s) for s in switches)
        last = max([at for at in (records.get(kind), jobs.get(job)) if at], default=None)
        window = stale_after(getattr(tenant, cadence))
        stale = enabled and (now - (last or tenant.created_at)) > window
        result.append(Flow(kind=kind, label=label, enabled=enabled, last_success=last, stale=stale))
    return result


def flow_problems(tenant: Tenant, flow_list: list[Flow], can_manage: bool = False) -> list[Problem]:
    """A flow without a success for too long, or whose job's last run failed (a catalog push that BigCommerce
    refused, a poll that could not sign in): at once, not only when the flow has gone stale."""
    jobs = {row[0]: row[1:] for row in JobHealth.objects.filter(tenant=tenant)
            .values_list("job", "last_success_at", "last_failure_at", "last_error")}
    problems, told = [], set()
    for flow in flow_list:
        job = next(j for k, _, _, j, _ in FLOWS if k == flow.kind)
        succeeded_at, failed_at, error = jobs.get(job, (None, None, ""))
        failing = bool(failed_at) and (succeeded_at is None or failed_at > succeeded_at)
        if not flow.enabled or not (flow.stale or failing) or (job in told and not flow.stale):
            continue
        told.add(job)  # orders and customers share the order poll: one "last run failed" for it
        fix_url, fix_label = fix_for(tenant, error, can_manage) if error else ("", "")
        if flow.stale:
            when = (f"last success {timezone.localtime(flow.last_success):%Y-%m-%d %H:%M}" if flow.last_success
                    else "never succeeded")
            title, since = f"{flow.label}: no success for too long ({when})", flow.last_success
        else:
            title, since = f"{flow.label}: the last run failed; it runs again on schedule", failed_at
        problems.append(Problem(level=AMBER, title=title, detail=f"Last error: {error}" if error else "",
                                since=since, fix_url=fix_url, fix_label=fix_label))
    return problems


def tenant_health(tenant: Tenant, now: datetime | None = None, worker: dict | None = None,
                  can_manage: bool = False) -> Health:
    """Everything that is wrong with one tenant right now. `worker` lets a list share one heartbeat read;
    `can_manage` gives Fix links to pages only owners may use (fix_for)."""
    now = now or timezone.now()
    health = Health(tenant=tenant, worker=worker or worker_status(now))
    if not health.worker["ok"]:
        health.problems.append(Problem(level=RED, title="Task workers are not running",
                                       detail=health.worker["detail"], since=health.worker.get("last_beat")))
    health.problems += record_groups(tenant, can_manage)
    filtered = paid_orders_filtered(tenant, now)
    if filtered:
        health.problems.append(filtered)
    health.problems += webhook_problems(tenant, now)
    health.flows = flows(tenant, now)
    health.problems += flow_problems(tenant, health.flows, can_manage)
    health.problems.sort(key=lambda p: -LEVELS[p.level])
    return health


def health_of_tenants(tenants) -> dict[int, Health]:
    now = timezone.now()
    worker = worker_status(now)
    return {t.pk: tenant_health(t, now, worker) for t in tenants}
