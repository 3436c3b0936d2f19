"""Sync engine models.

- ``RateBudget``: the BigCommerce request budget of one store, shared by every worker on every
  machine (it lives in the database, not in process memory). Logic is in ``sync/ratebudget.py``.

Other sync models (Binding, Cursor, WebhookSubscription, CatalogState) are added here by later
issues; keep one class per concern with its docstring.
"""
from django.db import models
from django.db.models import F
from django.utils import timezone


class RateBudget(models.Model):
    """What BigCommerce last told us about one store's quota window (X-Rate-Limit-* headers).

    The quota is per store and shared by all apps (reference/bigcommerce-api.md §2), so all our
    workers read and spend the same row.
    """

    store_hash = models.CharField(max_length=20, unique=True)
    requests_left = models.IntegerField(null=True, blank=True)
    requests_quota = models.IntegerField(null=True, blank=True)
    reset_at = models.DateTimeField(null=True, blank=True, help_text="When the current window refreshes.")
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.store_hash}: {self.requests_left}/{self.requests_quota} until {self.reset_at}"


class Binding(models.Model):
    """Our record <-> the Acumatica document made from it (OCA connector's "binding").

    The idempotency core: before creating anything in Acumatica a pipeline looks here, then in
    Acumatica by our external reference, and only then creates. `kind` names what is bound:
    customer (BigCommerce customer id), guest (lower-cased e-mail), order, payment (transaction id),
    invoice (order id), credit_memo and refund (refund id).
    """

    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="bindings")
    kind = models.CharField(max_length=20)
    bc_id = models.CharField("BigCommerce id", max_length=255)
    acumatica_key = models.CharField(max_length=100, help_text='e.g. "SO/SO000123" or a CustomerID')
    fingerprint = models.CharField(max_length=64, blank=True, help_text="Hash of what was last synced.")
    created_by_connector = models.BooleanField(
        default=False, help_text="Customers: the connector created this Acumatica customer (it follows BigCommerce); "
                                 "otherwise it was matched by e-mail and the tenant's field ownership applies.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "kind", "bc_id"], name="unique_binding")]

    def __str__(self) -> str:
        return f"{self.kind} {self.bc_id} -> {self.acumatica_key}"


class Cursor(models.Model):
    """How far a tenant's poll of one stream has read (e.g. orders modified since)."""

    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="cursors")
    stream = models.CharField(max_length=40, help_text="orders, customers, stock_items, availability")
    position = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "stream"], name="unique_cursor")]

    def __str__(self) -> str:
        return f"{self.tenant} {self.stream} @ {self.position}"


class WebhookReceipt(models.Model):
    """Every accepted webhook stub, unique per event so a repeated delivery is recognised."""

    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="webhook_receipts")
    source = models.CharField(max_length=20, help_text="bigcommerce or acumatica")
    scope = models.CharField(max_length=100)
    object_id = models.CharField(max_length=100, blank=True)
    dedupe_key = models.CharField(max_length=100, help_text="BigCommerce `hash`, or Acumatica's `Id`.")
    payload = models.JSONField()
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "source", "scope", "object_id", "dedupe_key"],
                                               name="unique_webhook_receipt")]

    def __str__(self) -> str:
        return f"{self.source} {self.scope} {self.object_id}"


class WebhookRefusals(models.Model):
    """Per-tenant count of refused deliveries, so a misconfigured or attacked endpoint shows up."""

    tenant = models.OneToOneField("tenants.Tenant", on_delete=models.CASCADE, related_name="webhook_refusals")
    count = models.PositiveIntegerField(default=0)
    last_reason = models.CharField(max_length=200, blank=True)
    last_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "webhook refusals"

    def __str__(self) -> str:
        return f"{self.tenant}: {self.count} refused"

    @classmethod
    def count_refusal(cls, tenant, reason: str) -> None:
        row, _ = cls.objects.get_or_create(tenant=tenant)
        cls.objects.filter(pk=row.pk).update(count=F("count") + 1, last_reason=reason[:200], last_at=timezone.now())


class JobLock(models.Model):
    """A lease that keeps one tenant's job from overlapping itself across all workers and machines.

    Held until released or until `expires_at` (so a worker that died does not block forever).
    """

    name = models.CharField(max_length=100, unique=True)
    holder = models.CharField(max_length=64, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} held by {self.holder or 'nobody'} until {self.expires_at}"


class CatalogState(models.Model):
    """What BigCommerce holds for one Acumatica item, as far as we know: the catalog push's memory.

    One row per tenant and InventoryID. ``price``/``cost``/``inventory`` are the values last pushed
    (or, before the first push, read from BigCommerce when the item was looked up), so a push sends
    only what differs. The BigCommerce ids are cached here and cleared when BigCommerce says they
    are gone. ``refused_values`` remembers the values of an item whose push ended in a permanent
    error (its SKU is not in BigCommerce, or BigCommerce refused a value), so the same problem is
    reported once, not on every run; new values or a replay ask again, and a ``--full`` run looks
    a missing SKU up again.
    """

    class Target(models.TextChoices):
        PRODUCT = "product", "Product (no variants)"
        VARIANT = "variant", "Variant"

    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="catalog_states")
    inventory_id = models.CharField("Acumatica InventoryID", max_length=30)
    sku = models.CharField("BigCommerce SKU", max_length=255, blank=True)
    is_stock = models.BooleanField(default=True, help_text="False for non-stock items (price and cost only).")
    target = models.CharField(max_length=10, choices=Target.choices, blank=True)
    bc_product_id = models.PositiveIntegerField(null=True, blank=True)
    bc_variant_id = models.PositiveIntegerField(null=True, blank=True)
    price = models.DecimalField(max_digits=19, decimal_places=4, null=True, blank=True)
    cost = models.DecimalField(max_digits=19, decimal_places=4, null=True, blank=True)
    inventory = models.IntegerField(null=True, blank=True)
    refused_values = models.JSONField(null=True, blank=True)
    not_in_bigcommerce = models.BooleanField(
        default=False, help_text="No product or variant has the SKU: reported once, looked up again by a full push.")
    tracks_inventory = models.BooleanField(
        default=True, help_text="False when the BigCommerce product does not track inventory at this level: "
                                "price and cost only.")
    sales_unit = models.CharField(max_length=40, blank=True,
                                  help_text="Base units in one sales unit when last read (e.g. 12, or 1/3).")
    stock_stamp = models.CharField(max_length=40, blank=True,
                                   help_text="Acumatica's availability time of the stock last read and settled: "
                                             "the same move seen again in the cursor's overlap is not re-read.")
    pushed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "inventory_id"], name="unique_catalog_state")]

    def __str__(self) -> str:
        return f"{self.inventory_id} -> {self.sku or '?'} ({self.target or 'not looked up'})"


class JobHealth(models.Model):
    """When each of a tenant's scheduled jobs last succeeded and last failed (tenant health reads it).

    A quiet store has no new records for hours; a poll that ran fine still proves the flow works, so
    "time since the last success" of a flow counts job runs as well as records.
    """

    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="job_health")
    job = models.CharField(max_length=40, help_text="poll-orders, push-catalog, check-webhooks")
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_failure_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "job"], name="unique_job_health")]
        verbose_name_plural = "job health"

    def __str__(self) -> str:
        return f"{self.tenant} {self.job}: ok {self.last_success_at}, failed {self.last_failure_at}"

    @classmethod
    def note(cls, tenant_id: int, job: str, error: str = "") -> None:
        """Records one run's outcome: success when `error` is empty."""
        fields = {"last_failure_at": timezone.now(), "last_error": error[:2000]} if error else \
            {"last_success_at": timezone.now()}
        cls.objects.update_or_create(tenant_id=tenant_id, job=job, defaults=fields)


class WorkerHeartbeat(models.Model):
    """The last sign of life of a task worker cluster (qcluster), written by a one-minute schedule and
    when a cluster starts. /healthz and tenant health call the workers dead when it is too old."""

    name = models.CharField(max_length=100, unique=True, help_text="Host and process of the cluster.")
    beat_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} at {self.beat_at}"
