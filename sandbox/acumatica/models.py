"""State of the simulated Acumatica instances, kept in the database so web server and workers share it.

Entity records are stored generically (`Record.data` holds plain, unwrapped values keyed by contract
field names) because the contract is data-driven: `schema.py` knows the fields of each endpoint version.
"""
import secrets
import uuid

from django.db import models
from django.utils import timezone


def new_client_id() -> str:
    # Reference: acumatica-api.md section 2 -- client_id is "<GUID>@<Tenant>"; the tenant is appended on save.
    return str(uuid.uuid4()).upper()


def new_secret() -> str:
    return secrets.token_urlsafe(24)


class Instance(models.Model):
    """One simulated Acumatica site (one tenant/company in it), addressed by its slug in the URL."""

    slug = models.SlugField(unique=True)
    company = models.CharField(max_length=50, default="Company", help_text="Tenant login name.")
    branch = models.CharField(max_length=30, default="MAIN")
    versions = models.JSONField(default=list, help_text='Default endpoint versions served, e.g. ["24.200.001"].')
    build_version = models.CharField(max_length=20, default="24.211.0011")
    auto_number_customers = models.BooleanField(default=True)
    refuse_unknown_fields = models.BooleanField(
        default=True, help_text="Answer 400 to a field the endpoint version does not define (a real site "
                                "ignores it silently; see sandbox/acumatica/schema.py).")

    # Credentials (sandbox only: stored readable so the demo can wire a tenant to it).
    client_id = models.CharField(max_length=100, blank=True)
    client_secret = models.CharField(max_length=100, default=new_secret)
    username = models.CharField(max_length=50, default="admin")
    password = models.CharField(max_length=100, default=new_secret)

    # Sessions and tokens.
    access_token_seconds = models.PositiveIntegerField(default=3600)
    refresh_token_seconds = models.PositiveIntegerField(default=30 * 24 * 3600)
    cookie_idle_seconds = models.PositiveIntegerField(default=600)
    max_sessions = models.PositiveIntegerField(default=2, help_text="API Login Limit (0 = unlimited).")

    # Long-running actions: done after this many status polls or this many milliseconds (then any request to the
    # instance completes it, polled or not). 200 ms: within the connector's first wait (a quarter of
    # ACUMATICA_ACTION_POLL_SECONDS, 0.25 s by default), as most actions on a real site.
    action_polls = models.PositiveIntegerField(default=1)
    action_ms = models.PositiveIntegerField(default=200)

    # Load behaviour.
    requests_per_minute = models.PositiveIntegerField(default=0, help_text="0 = unlimited.")
    queue_limit = models.PositiveIntegerField(default=20)
    max_queue_delay_ms = models.PositiveIntegerField(default=500)
    max_concurrent = models.PositiveIntegerField(default=0, help_text="API processing cores, 0 = unlimited.")
    in_flight = models.IntegerField(default=0)

    # Fault injection.
    latency_ms = models.PositiveIntegerField(default=0)
    error_rate = models.FloatField(default=0.0, help_text="Share of requests answered 500.")
    timeout_rate = models.FloatField(default=0.0, help_text="Share of requests that hang, then 504.")
    throttle_rate = models.FloatField(default=0.0, help_text="Share of requests answered 429.")
    timeout_seconds = models.FloatField(default=30.0)
    fault_seed = models.IntegerField(null=True, blank=True, help_text="Set for a deterministic fault sequence.")
    fault_counter = models.PositiveIntegerField(default=0)
    commit_then_fail = models.JSONField(default=dict, blank=True, help_text=(
        'Entity -> how many of its next PUTs are applied, then answered 500 (an ambiguous answer), '
        'e.g. {"SalesOrder": 1}.'))

    # Push notifications (SM302000 webhook destination).
    push_url = models.URLField(blank=True)
    push_header_name = models.CharField(max_length=50, blank=True)
    push_header_value = models.CharField(max_length=200, blank=True)
    push_query = models.CharField(max_length=100, default="BC-StockItems")
    push_retry_delay_ms = models.PositiveIntegerField(default=1000)
    push_drop_rate = models.FloatField(default=0.0, help_text="Share of push notifications never sent.")
    push_duplicate_rate = models.FloatField(default=0.0, help_text="Share of push notifications sent twice.")

    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.slug

    def save(self, *args, **kwargs) -> None:
        if not self.client_id:
            self.client_id = f"{new_client_id()}@{self.company}"
        if not self.versions:
            self.versions = ["23.200.001", "24.200.001"]
        super().save(*args, **kwargs)


class ApiSession(models.Model):
    """A signed-in API user: a cookie session or an OAuth grant. Counts against the login limit."""

    class Kind(models.TextChoices):
        COOKIE = "cookie"
        OAUTH = "oauth"

    instance = models.ForeignKey(Instance, on_delete=models.CASCADE, related_name="sessions")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    token = models.CharField(max_length=100, unique=True, help_text="Cookie value or current access token.")
    expires_at = models.DateTimeField()
    closed = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.kind} session {self.pk}"


class RefreshToken(models.Model):
    session = models.ForeignKey(ApiSession, on_delete=models.CASCADE, related_name="refresh_tokens")
    token = models.CharField(max_length=100, unique=True)
    used = models.BooleanField(default=False)
    expires_at = models.DateTimeField()


class Record(models.Model):
    """One entity record (Customer, SalesOrder, StockItem, ...) with plain values in `data`."""

    instance = models.ForeignKey(Instance, on_delete=models.CASCADE, related_name="records")
    entity = models.CharField(max_length=50)
    key = models.CharField(max_length=100, help_text="Key field values joined by '|'.")
    note_id = models.UUIDField(default=uuid.uuid4, unique=True)
    data = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)
    last_modified = models.DateTimeField(default=timezone.now)
    # Inventory movements do not touch the item's last-modified time; availability has its own clock.
    qty_modified = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["instance", "entity", "key"], name="sbx_acu_record_key")]
        indexes = [models.Index(fields=["instance", "entity", "last_modified"])]

    def __str__(self) -> str:
        return f"{self.entity} {self.key}"


class Sequence(models.Model):
    """Auto-numbering sequences (SO order numbers, AR document numbers, customer IDs)."""

    instance = models.ForeignKey(Instance, on_delete=models.CASCADE)
    name = models.CharField(max_length=30)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["instance", "name"], name="sbx_acu_sequence")]


class ActionRun(models.Model):
    """A long-running action (202 + Location), applied when it completes."""

    instance = models.ForeignKey(Instance, on_delete=models.CASCADE)
    run_id = models.UUIDField(default=uuid.uuid4, unique=True)
    entity = models.CharField(max_length=50)
    action = models.CharField(max_length=60)
    record = models.ForeignKey(Record, on_delete=models.CASCADE)
    parameters = models.JSONField(default=dict)
    polls = models.PositiveIntegerField(default=0)
    done = models.BooleanField(default=False)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)


class RateWindow(models.Model):
    """Requests counted per instance per clock minute (the licence's per-minute limit)."""

    instance = models.ForeignKey(Instance, on_delete=models.CASCADE)
    minute = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["instance", "minute"], name="sbx_acu_rate_window")]


class PushDelivery(models.Model):
    """A push notification sent (or being sent) to the instance's webhook destination."""

    instance = models.ForeignKey(Instance, on_delete=models.CASCADE, related_name="push_deliveries")
    url = models.URLField()
    payload = models.JSONField()
    attempts = models.PositiveIntegerField(default=0)
    status_code = models.IntegerField(null=True, blank=True)
    delivered = models.BooleanField(default=False)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "push deliveries"