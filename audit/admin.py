"""Staff views of sync records and the audit trail.

Records are read-only here: the only ways to change one are Replay (a per-row POST button and the
detail page), and the bulk actions Replay / Skip / Mark resolved, all audited and all needing the
"change sync record" permission. Audit events cannot be added, changed or deleted from the admin.
"""
import json

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.timesince import timesince
from django.views.decorators.http import require_POST

from audit.models import AuditEvent, Status, SyncRecord
from tenants import access
from tenants.admin_access import TenantScopedAdmin
from tenants.models import Capability

def pretty(text: str) -> str:
    """JSON pretty-printed for reading; anything else as it is."""
    try:
        return json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    except (TypeError, ValueError):
        return text or ""


RECENT_EVENTS = 8


def collapsed_json(label: str, value) -> str:
    """Raw JSON folded away: a snapshot can be thousands of lines."""
    text = json.dumps(value, indent=2, ensure_ascii=False)
    return format_html("<details><summary>{} ({} lines)</summary><pre>{}</pre></details>",
                       label, text.count("\n") + 1, text)


def _links(record: SyncRecord) -> list[tuple[str, str]]:
    from tenants.links import acumatica_url, bigcommerce_url

    return [(label, url) for label, url in (("BigCommerce", bigcommerce_url(record)),
                                            ("Acumatica", acumatica_url(record))) if url]


def can_replay(request: HttpRequest) -> bool:
    """The Django permission, and operator or owner on at least one tenant (checked per record too)."""
    user = request.user
    return user.has_perm("audit.change_syncrecord") and (
        user.is_superuser or access.can_anywhere(user, Capability.OPERATE))


class ReadOnlyAdminMixin:
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # detail pages are view-only; replay has its own permission check

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(SyncRecord)
class SyncRecordAdmin(ReadOnlyAdminMixin, TenantScopedAdmin):
    # Fits 1366 px with the filter sidebar: direction is a filter, errors wrap (admin.css), times are short.
    list_display = ["id", "tenant", "kind", "external_id", "status_badge", "attempts", "short_error",
                    "next_retry", "age"]
    list_filter = [("tenant", admin.RelatedOnlyFieldListFilter), "status", "kind", "direction", "source",
                   ("created_at", admin.DateFieldListFilter)]
    search_fields = ["external_id", "acumatica_key", "bigcommerce_key"]
    list_select_related = ["tenant"]
    actions = ["replay_selected", "skip_selected", "resolve_selected"]
    readonly_fields = ["tenant", "direction", "kind", "external_id", "status", "attempts", "last_error",
                       "last_error_class", "status_reason", "source", "acumatica_key", "bigcommerce_key",
                       "next_attempt_at", "claimed_at", "lease_expires_at", "finished_at", "created_at",
                       "updated_at", "stub_pretty", "snapshot_pretty", "result_pretty", "audit_trail"]
    # Status, error and Replay are at the top (change_form.html); the raw JSON and timings are collapsed,
    # so the page fits two screens at 1366x768 however large the snapshot.
    fieldsets = [
        (None, {"fields": [("tenant", "kind", "external_id", "direction"), "status_reason", "last_error",
                           ("attempts", "next_attempt_at", "source"), ("acumatica_key", "bigcommerce_key")]}),
        ("Data", {"classes": ["collapse"], "fields": ["stub_pretty", "snapshot_pretty", "result_pretty"]}),
        ("Timing", {"classes": ["collapse"], "fields": ["created_at", "updated_at", "claimed_at", "lease_expires_at",
                                                        "finished_at", "last_error_class", "status"]}),
    ]

    def get_urls(self):
        view = self.admin_site.admin_view(require_POST(self.replay_view))
        return [path("<int:pk>/replay/", view, name="audit_syncrecord_replay"), *super().get_urls()]

    def get_list_display(self, request):
        columns = list(super().get_list_display(request))
        return [*columns, "replay_button"] if can_replay(request) else columns

    def has_replay_permission(self, request) -> bool:
        return can_replay(request)

    def replay_view(self, request: HttpRequest, pk: int) -> HttpResponseRedirect:
        if not can_replay(request):
            raise PermissionDenied
        record = get_object_or_404(self.get_queryset(request), pk=pk)  # 404 for a tenant the user cannot see
        access.require(request.user, record.tenant, Capability.OPERATE)
        reason = request.POST.get("replay_reason", "").strip() or "Replay button in the admin"
        record.replay(request.user, reason)
        self.message_user(request, f"Record {record.pk} ({record.kind} {record.external_id}) is queued for replay.",
                          messages.SUCCESS)
        return HttpResponseRedirect(self._back_url(request))

    def _back_url(self, request: HttpRequest) -> str:
        referer = request.META.get("HTTP_REFERER", "")
        if url_has_allowed_host_and_scheme(referer, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
            return referer
        return reverse("admin:audit_syncrecord_changelist")

    # --- columns ---

    @admin.display(description="status", ordering="status")
    def status_badge(self, record: SyncRecord) -> str:
        # Classes, not inline styles: the Content-Security-Policy allows only our stylesheets.
        return format_html('<span class="status-badge status-{}">{}</span>', record.status, record.get_status_display())

    @admin.display(description="last error")
    def short_error(self, record: SyncRecord) -> str:
        text = record.last_error or record.status_reason
        return text if len(text) <= 120 else text[:117] + "…"

    @admin.display(description="next retry", ordering="next_attempt_at")
    def next_retry(self, record: SyncRecord) -> str:
        if record.next_attempt_at is None:
            return "—"
        now = timezone.now()
        return "due" if record.next_attempt_at <= now else f"in {timesince(now, record.next_attempt_at, depth=1)}"

    @admin.display(description="age", ordering="created_at")
    def age(self, record: SyncRecord) -> str:
        return timesince(record.created_at, timezone.now(), depth=1)

    @admin.display(description="")
    def replay_button(self, record: SyncRecord) -> str:
        # The row sits inside the changelist's <form>, which already carries the CSRF token; formaction
        # sends that form to the replay URL instead of nesting a second form.
        url = reverse("admin:audit_syncrecord_replay", args=[record.pk])
        return format_html('<button type="submit" class="button" formaction="{}" formmethod="post">Replay</button>', url)

    @admin.display(description="stub")
    def stub_pretty(self, record: SyncRecord) -> str:
        return collapsed_json("stub", record.stub)

    @admin.display(description="source snapshot")
    def snapshot_pretty(self, record: SyncRecord) -> str:
        return collapsed_json("source snapshot", record.snapshot)

    @admin.display(description="result")
    def result_pretty(self, record: SyncRecord) -> str:
        return collapsed_json("result", record.result)

    @admin.display(description="events")
    def audit_trail(self, record: SyncRecord) -> str:
        events = [{"event": e, "request": pretty(e.request_body), "response": pretty(e.response_body)}
                  for e in record.events.select_related("user").order_by("created_at", "id")]
        # What happened to the record reads first; the HTTP calls behind it are folded away.
        # The latest few steps stay open; older ones are folded, so a record retried many times still fits.
        steps = [e for e in events if e["event"].action != "api.call"]
        return render_to_string("admin/audit/syncrecord/events.html", {
            "older": steps[:-RECENT_EVENTS], "events": steps[-RECENT_EVENTS:],
            "calls": [e for e in events if e["event"].action == "api.call"]})

    def render_change_form(self, request, context, *args, **kwargs):
        record = context.get("original")
        if record is not None:
            context.update(status_badge=self.status_badge(record), next_retry=self.next_retry(record),
                           can_replay=can_replay(request) and access.can(request.user, record.tenant_id,
                                                                         Capability.OPERATE),
                           record_links=_links(record),
                           audit_trail=self.audit_trail(record))  # full width below the fields
        return super().render_change_form(request, context, *args, **kwargs)

    # --- bulk actions ---

    def _operable(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        """The selected records on tenants where the user may replay and skip; says how many were left out."""
        allowed = queryset.filter(tenant__in=access.tenants_for(request.user, Capability.OPERATE).values("pk"))
        refused = queryset.count() - allowed.count()
        if refused:
            self.message_user(request, f"{refused} record(s) left alone: your role on their tenant is viewer.",
                              messages.WARNING)
        return allowed

    @admin.action(description="Replay selected records", permissions=["replay"])
    def replay_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        queryset = self._operable(request, queryset)
        for record in queryset:
            record.replay(request.user, "Bulk replay in the admin")
        self.message_user(request, f"{len(queryset)} record(s) queued for replay.", messages.SUCCESS)

    @admin.action(description="Skip selected records (settled by hand)", permissions=["replay"])
    def skip_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        queryset = self._operable(request, queryset)
        done = sum(record.skip(request.user, "Bulk skip in the admin") for record in queryset)
        self.message_user(request, f"{done} record(s) skipped; running ones were left alone.", messages.SUCCESS)

    @admin.action(description="Mark selected records resolved", permissions=["replay"])
    def resolve_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        queryset = self._operable(request, queryset)
        done = sum(record.mark_resolved(request.user, "Bulk resolve in the admin") for record in queryset)
        self.message_user(request, f"{done} record(s) marked resolved; running ones were left alone.",
                          messages.SUCCESS)


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdminMixin, TenantScopedAdmin):
    list_display = ["created_at", "action", "tenant", "record", "method", "status_code", "duration_ms", "user"]
    list_filter = ["action", ("tenant", admin.RelatedOnlyFieldListFilter), ("created_at", admin.DateFieldListFilter)]
    search_fields = ["action", "url", "message", "record__external_id"]
    list_select_related = ["tenant", "record", "user"]
    readonly_fields = ["created_at", "action", "tenant", "record", "user", "message", "method", "url",
                       "status_code", "duration_ms", "attempt", "request_headers", "request_pretty",
                       "response_headers", "response_pretty", "bodies_pruned_at"]
    fields = readonly_fields

    def get_actions(self, request):
        return {}  # not even the default bulk delete

    @admin.display(description="request body")
    def request_pretty(self, event: AuditEvent) -> str:
        return format_html("<pre>{}</pre>", pretty(event.request_body))

    @admin.display(description="response body")
    def response_pretty(self, event: AuditEvent) -> str:
        return format_html("<pre>{}</pre>", pretty(event.response_body))
