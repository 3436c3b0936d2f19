"""State of the simulated BigCommerce stores, kept in the database so web threads, processes and
workers share it.

The sandbox holds fake data only: tokens and secrets here are demo values, stored in plain text on
purpose so the demo can read them off the store row and wire a tenant.
"""
from __future__ import annotations

import secrets
from decimal import Decimal
from zoneinfo import available_timezones

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

# Reference: reference/bigcommerce-api.md §4 (GET /v2/order_statuses).
ORDER_STATUSES = {
    0: "Incomplete", 1: "Pending", 2: "Shipped", 3: "Partially Shipped", 4: "Refunded", 5: "Cancelled",
    6: "Declined", 7: "Awaiting Payment", 8: "Awaiting Pickup", 9: "Awaiting Shipment", 10: "Completed",
    11: "Awaiting Fulfillment", 12: "Manual Verification Required", 13: "Disputed", 14: "Partially Refunded",
}
# Reference: reference/bigcommerce-api.md §1.4 (retry schedule, seconds after the previous attempt).
DEFAULT_RETRY_SCHEDULE = "60,180,300,600,900,1800,3600,7200,21600,50400,86400"
ZERO = Decimal("0")


def validate_time_zone(value: str) -> None:
    if value not in available_timezones():
        raise ValidationError(f"{value!r} is not an IANA time zone name.")


def _token() -> str:
    return secrets.token_hex(16)


class Store(models.Model):
    store_hash = models.CharField(max_length=40, unique=True)
    store_id = models.CharField(max_length=20, default="1001", help_text="Numeric id sent in webhook payloads.")
    access_token = models.CharField(max_length=100, default=_token)
    client_id = models.CharField(max_length=100, default=_token)
    client_secret = models.CharField(max_length=100, default=_token)
    currency_code = models.CharField(max_length=3, default="USD")
    tax_rate = models.DecimalField(max_digits=6, decimal_places=4, default=Decimal("0.0800"))
    default_location_id = models.PositiveIntegerField(default=1)
    # GET /v2/store answers timezone.name (IANA) and its offsets from this (sandbox/bigcommerce/api_store.py).
    # Not UTC on purpose: a connector that ignores the store's zone shows up as dates a day off.
    time_zone = models.CharField(max_length=64, default="America/Chicago", validators=[validate_time_zone],
                                 help_text="IANA name, e.g. America/Chicago (Settings > General > Date & Timezone).")

    # Rate limiting: a quota per fixed window, counted on this row so every process sees it.
    rate_limit_quota = models.PositiveIntegerField(default=150)
    rate_limit_window_ms = models.PositiveIntegerField(default=30000)
    rate_window_started_at = models.DateTimeField(null=True, blank=True)
    rate_window_used = models.PositiveIntegerField(default=0)

    # Fault injection. Shares are probabilities in [0, 1].
    fault_latency_ms = models.PositiveIntegerField(default=0)
    fault_500_share = models.FloatField(default=0.0)
    fault_timeout_share = models.FloatField(default=0.0)
    fault_timeout_seconds = models.FloatField(default=35.0, help_text="Sleep this long, then answer 504.")
    fault_429_share = models.FloatField(default=0.0)
    fault_drop_webhook_share = models.FloatField(default=0.0)
    fault_duplicate_webhook_share = models.FloatField(default=0.0)
    fault_seed = models.IntegerField(null=True, blank=True, help_text="Set for a repeatable sequence of faults.")
    fault_draws = models.PositiveIntegerField(default=0)

    # Webhook delivery.
    webhook_retry_schedule = models.CharField(max_length=200, default=DEFAULT_RETRY_SCHEDULE,
                                              help_text="Seconds between attempts; the hook is deactivated "
                                                        "when a delivery fails after the last one.")
    webhook_timeout_seconds = models.FloatField(default=10.0)
    require_https_destinations = models.BooleanField(
        default=True, help_text="The real API accepts only https on port 443 (webhooks.v3.yml POST /hooks); "
                                "turn off so local http receivers (the demo, tests) can subscribe.")
    hook_admin_emails = models.JSONField(default=list, blank=True,
                                         help_text="PUT /v3/hooks/admin: who hears about deactivated hooks.")
    refund_processing_ms = models.PositiveIntegerField(
        default=0, help_text="Simulated time a refund holds the order's refund lock.")
    # Reference: specs/bigcommerce/orders.v3.yml POST .../payment_actions/refunds ("the refund payment
    # request is scheduled; the payment request itself occurs asynchronously").
    REFUND_SETTLEMENTS = [("immediate", "Gateways settle refunds at once"),
                          ("pending", "Gateway refunds stay pending until settled (storefront.settle_refunds)"),
                          ("declined", "Gateways decline refunds")]
    refund_settlement = models.CharField(max_length=10, choices=REFUND_SETTLEMENTS, default="immediate")

    def __str__(self) -> str:
        return self.store_hash

    def retry_delays(self) -> list[float]:
        return [float(x) for x in self.webhook_retry_schedule.split(",") if x.strip()]


class Location(models.Model):
    """An inventory location; `location_id` is what the API shows (the default one is store.default_location_id)."""
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="locations")
    location_id = models.PositiveIntegerField()
    code = models.CharField(max_length=50)
    label = models.CharField(max_length=100)
    enabled = models.BooleanField(default=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["store", "location_id"], name="sbx_bc_location_id")]

    def __str__(self) -> str:
        return f"{self.code} ({self.location_id})"


class Customer(models.Model):
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="customers")
    email = models.EmailField()
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    company = models.CharField(max_length=100, blank=True)
    phone = models.CharField(max_length=50, blank=True)
    notes = models.TextField(blank=True)
    customer_group_id = models.PositiveIntegerField(default=0)
    addresses = models.JSONField(default=list, blank=True)
    date_created = models.DateTimeField(default=timezone.now)
    date_modified = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["store", "email"], name="sbc_customer_email")]

    def __str__(self) -> str:
        return self.email


class Product(models.Model):
    TRACKING = [("none", "none"), ("product", "product"), ("variant", "variant")]
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="products")
    name = models.CharField(max_length=250)
    sku = models.CharField(max_length=255, blank=True)
    type = models.CharField(max_length=20, default="physical")
    price = models.DecimalField(max_digits=12, decimal_places=4)
    cost_price = models.DecimalField(max_digits=12, decimal_places=4, default=ZERO)
    sale_price = models.DecimalField(max_digits=12, decimal_places=4, default=ZERO)
    retail_price = models.DecimalField(max_digits=12, decimal_places=4, default=ZERO)
    weight = models.DecimalField(max_digits=10, decimal_places=4, default=ZERO)
    inventory_level = models.IntegerField(default=0)
    inventory_warning_level = models.IntegerField(default=0)
    inventory_tracking = models.CharField(max_length=10, choices=TRACKING, default="product")
    is_visible = models.BooleanField(default=True)
    date_created = models.DateTimeField(default=timezone.now)
    date_modified = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.sku} {self.name}"


class Variant(models.Model):
    """Every product has at least one: a simple product's base variant carries the product's SKU and
    no option values, as BigCommerce models it."""
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="variants")
    sku = models.CharField(max_length=255)
    option_values = models.JSONField(default=list, blank=True)
    price = models.DecimalField(max_digits=12, decimal_places=4, null=True, blank=True)
    cost_price = models.DecimalField(max_digits=12, decimal_places=4, null=True, blank=True)
    sale_price = models.DecimalField(max_digits=12, decimal_places=4, null=True, blank=True)
    retail_price = models.DecimalField(max_digits=12, decimal_places=4, null=True, blank=True)
    weight = models.DecimalField(max_digits=10, decimal_places=4, null=True, blank=True)
    inventory_level = models.IntegerField(default=0)
    inventory_warning_level = models.IntegerField(default=0)
    is_base = models.BooleanField(default=False)

    def __str__(self) -> str:
        return self.sku

    @property
    def calculated_price(self) -> Decimal:
        return self.price if self.price is not None else self.product.price


class LocationLevel(models.Model):
    """Stock of a variant at a location other than the default one (the catalog's levels are the default's)."""
    variant = models.ForeignKey(Variant, on_delete=models.CASCADE, related_name="location_levels")
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="levels")
    available = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["variant", "location"], name="sbx_bc_location_level")]


class Order(models.Model):
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="orders")
    customer = models.ForeignKey(Customer, null=True, blank=True, on_delete=models.SET_NULL, related_name="orders")
    status_id = models.PositiveSmallIntegerField(default=1)
    payment_status = models.CharField(max_length=30, blank=True)
    payment_method = models.CharField(max_length=50, default="Credit Card")
    payment_provider = models.CharField(max_length=30, default="testgateway")
    currency_code = models.CharField(max_length=3, default="USD")
    date_created = models.DateTimeField(default=timezone.now)
    date_modified = models.DateTimeField(default=timezone.now)
    date_shipped = models.DateTimeField(null=True, blank=True)
    billing_address = models.JSONField(default=dict)
    customer_message = models.TextField(blank=True)
    subtotal_ex_tax = models.DecimalField(max_digits=12, decimal_places=4, default=ZERO)
    subtotal_tax = models.DecimalField(max_digits=12, decimal_places=4, default=ZERO)
    shipping_cost_ex_tax = models.DecimalField(max_digits=12, decimal_places=4, default=ZERO)
    shipping_cost_tax = models.DecimalField(max_digits=12, decimal_places=4, default=ZERO)
    discount_amount = models.DecimalField(max_digits=12, decimal_places=4, default=ZERO)
    coupon_discount = models.DecimalField(max_digits=12, decimal_places=4, default=ZERO)
    coupon_code = models.CharField(max_length=50, blank=True)
    refunded_amount = models.DecimalField(max_digits=12, decimal_places=4, default=ZERO)
    refund_locked_until = models.DateTimeField(null=True, blank=True)
    channel_id = models.PositiveIntegerField(default=1)
    external_id = models.CharField(max_length=100, null=True, blank=True)
    # currency_code is the display currency; this one the shopper pays in (blank: the same).
    transactional_currency_code = models.CharField(max_length=3, blank=True)
    transactional_rate = models.DecimalField(max_digits=20, decimal_places=10, default=Decimal("1"),
                                             help_text="Store default currency -> transactional currency.")
    tax_inclusive = models.BooleanField(default=False, help_text="Prices and shipping include tax.")
    fees = models.JSONField(default=list, blank=True, help_text="Order fees, as GET ...?include=fees shows them.")

    def __str__(self) -> str:
        return f"Order {self.pk}"

    @property
    def status(self) -> str:
        return ORDER_STATUSES.get(self.status_id, "")

    def _fees(self, field: str) -> Decimal:
        return sum((Decimal(str(fee.get(field) or 0)) for fee in self.fees or []), ZERO)

    @property
    def total_tax(self) -> Decimal:
        return self.subtotal_tax + self.shipping_cost_tax + self._fees("cost_tax")

    @property
    def total_ex_tax(self) -> Decimal:
        return self.subtotal_ex_tax + self.shipping_cost_ex_tax + self._fees("cost_ex_tax") \
            - self.discount_amount - self.coupon_discount

    @property
    def total_inc_tax(self) -> Decimal:
        return self.total_ex_tax + self.total_tax


class OrderProduct(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(Product, null=True, on_delete=models.SET_NULL)
    variant = models.ForeignKey(Variant, null=True, on_delete=models.SET_NULL)
    name = models.CharField(max_length=250)
    sku = models.CharField(max_length=255)
    quantity = models.PositiveIntegerField()
    base_price = models.DecimalField(max_digits=12, decimal_places=4)
    price_tax = models.DecimalField(max_digits=12, decimal_places=4)
    total_tax = models.DecimalField(max_digits=12, decimal_places=4)
    weight = models.DecimalField(max_digits=10, decimal_places=4, default=ZERO)
    product_options = models.JSONField(default=list, blank=True)
    quantity_refunded = models.PositiveIntegerField(default=0)
    quantity_shipped = models.PositiveIntegerField(default=0)
    refund_amount = models.DecimalField(max_digits=12, decimal_places=4, default=ZERO)
    type = models.CharField(max_length=20, default="physical")
    applied_discounts = models.JSONField(default=list, blank=True)

    @property
    def total_ex_tax(self) -> Decimal:
        return self.base_price * self.quantity


class ShippingAddress(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="shipping_addresses")
    address = models.JSONField(default=dict)
    shipping_method = models.CharField(max_length=100, default="Flat Rate")
    cost_ex_tax = models.DecimalField(max_digits=12, decimal_places=4, default=ZERO)
    cost_tax = models.DecimalField(max_digits=12, decimal_places=4, default=ZERO)
    refunded_amount = models.DecimalField(max_digits=12, decimal_places=4, default=ZERO)

    class Meta:
        verbose_name_plural = "shipping addresses"


class Transaction(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="transactions")
    event = models.CharField(max_length=20, default="purchase")
    method = models.CharField(max_length=20, default="credit_card")
    amount = models.DecimalField(max_digits=12, decimal_places=4)
    currency = models.CharField(max_length=3, default="USD")
    gateway = models.CharField(max_length=30, default="testgateway")
    gateway_transaction_id = models.CharField(max_length=100, default=_token)
    status = models.CharField(max_length=10, default="ok")
    test = models.BooleanField(default=False, help_text="Processed by a gateway in test mode: no real money.")
    date_created = models.DateTimeField(default=timezone.now)


class Refund(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="refunds")
    reason = models.CharField(max_length=1000, blank=True)
    total_amount = models.DecimalField(max_digits=12, decimal_places=4)
    total_tax = models.DecimalField(max_digits=12, decimal_places=4, default=ZERO)
    items = models.JSONField(default=list)
    payments = models.JSONField(default=list)
    created = models.DateTimeField(default=timezone.now)


class Hook(models.Model):
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="hooks")
    client_id = models.CharField(max_length=100, blank=True)
    scope = models.CharField(max_length=200)
    destination = models.CharField(max_length=500)
    is_active = models.BooleanField(default=True)
    headers = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.scope} -> {self.destination}"

    def matches(self, scope: str) -> bool:
        """Exact scope, or a wildcard such as `store/order/*` covering every event below it."""
        if self.scope.endswith("/*"):
            return scope.startswith(self.scope[:-1])
        return self.scope == scope


class Delivery(models.Model):
    PENDING, DELIVERED, FAILED, DROPPED = "pending", "delivered", "failed", "dropped"
    STATUSES = [(s, s) for s in (PENDING, DELIVERED, FAILED, DROPPED)]
    hook = models.ForeignKey(Hook, on_delete=models.CASCADE, related_name="deliveries")
    message_id = models.CharField(max_length=60)
    scope = models.CharField(max_length=200)
    body = models.TextField(help_text="The exact bytes sent, so retries carry the same hash and signature input.")
    status = models.CharField(max_length=10, choices=STATUSES, default=PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "deliveries"
        indexes = [models.Index(fields=["status", "next_attempt_at"])]


class Shipment(models.Model):
    """An order shipment (v2 /orders/{id}/shipments): order products and quantities sent to one address."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="shipments")
    order_address = models.ForeignKey(ShippingAddress, on_delete=models.CASCADE, related_name="shipments")
    date_created = models.DateTimeField(default=timezone.now)
    tracking_number = models.CharField(max_length=50, blank=True)
    tracking_link = models.CharField(max_length=500, blank=True)
    tracking_carrier = models.CharField(max_length=100, blank=True)
    shipping_method = models.CharField(max_length=250, blank=True)
    shipping_provider = models.CharField(max_length=100, blank=True)
    merchant_shipping_cost = models.DecimalField(max_digits=12, decimal_places=4, default=ZERO)
    comments = models.TextField(blank=True)
    items = models.JSONField(default=list, help_text='[{"order_product_id", "product_id", "quantity"}]')

    def __str__(self) -> str:
        return f"Shipment {self.pk} of order {self.order_id}"
