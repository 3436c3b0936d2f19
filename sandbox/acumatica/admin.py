"""Admin pages so a person can inspect and tune simulated instances (faults, limits, push target)."""
from django.contrib import admin

from .models import ActionRun, ApiSession, Instance, PushDelivery, RateWindow, Record


@admin.register(Instance)
class InstanceAdmin(admin.ModelAdmin):
    list_display = ("slug", "company", "versions", "requests_per_minute", "max_sessions", "error_rate", "push_url")
    fieldsets = [
        (None, {"fields": ("slug", "company", "branch", "versions", "build_version", "auto_number_customers")}),
        ("Credentials", {"fields": ("client_id", "client_secret", "username", "password")}),
        ("Sessions", {"fields": ("access_token_seconds", "refresh_token_seconds", "cookie_idle_seconds",
                                 "max_sessions")}),
        ("Actions", {"fields": ("action_polls", "action_ms")}),
        ("Load", {"fields": ("requests_per_minute", "queue_limit", "max_queue_delay_ms", "max_concurrent",
                             "in_flight")}),
        ("Faults", {"fields": ("latency_ms", "error_rate", "timeout_rate", "throttle_rate", "timeout_seconds",
                               "fault_seed", "fault_counter", "commit_then_fail")}),
        ("Push notifications", {"fields": ("push_url", "push_header_name", "push_header_value", "push_query",
                                           "push_retry_delay_ms", "push_drop_rate", "push_duplicate_rate")}),
    ]


@admin.register(Record)
class RecordAdmin(admin.ModelAdmin):
    list_display = ("entity", "key", "instance", "last_modified", "qty_modified")
    list_filter = ("instance", "entity")
    search_fields = ("key",)


@admin.register(ApiSession)
class ApiSessionAdmin(admin.ModelAdmin):
    list_display = ("instance", "kind", "created_at", "expires_at", "closed")
    list_filter = ("instance", "kind", "closed")
    exclude = ("token",)


@admin.register(ActionRun)
class ActionRunAdmin(admin.ModelAdmin):
    list_display = ("instance", "entity", "action", "record", "polls", "done", "error")


@admin.register(PushDelivery)
class PushDeliveryAdmin(admin.ModelAdmin):
    list_display = ("instance", "url", "attempts", "status_code", "delivered", "created_at")


@admin.register(RateWindow)
class RateWindowAdmin(admin.ModelAdmin):
    list_display = ("instance", "minute", "count")
