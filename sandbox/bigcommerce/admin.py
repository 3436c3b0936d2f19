from django.contrib import admin

from .models import Customer, Delivery, Hook, Order, OrderProduct, Product, Refund, Store, Transaction, Variant


@admin.register(Store)
class StoreAdmin(admin.ModelAdmin):
    list_display = ["store_hash", "rate_limit_quota", "rate_window_used", "fault_500_share", "fault_429_share",
                    "fault_timeout_share", "fault_drop_webhook_share", "fault_duplicate_webhook_share"]
    fieldsets = [
        (None, {"fields": ["store_hash", "store_id", "access_token", "client_id", "client_secret", "currency_code",
                           "tax_rate", "default_location_id"]}),
        ("Rate limit", {"fields": ["rate_limit_quota", "rate_limit_window_ms", "rate_window_started_at",
                                   "rate_window_used"]}),
        ("Faults", {"fields": ["fault_latency_ms", "fault_500_share", "fault_timeout_share", "fault_timeout_seconds",
                               "fault_429_share", "fault_drop_webhook_share", "fault_duplicate_webhook_share",
                               "fault_seed", "fault_draws"]}),
        ("Webhooks and refunds", {"fields": ["webhook_retry_schedule", "webhook_timeout_seconds",
                                             "require_https_destinations", "refund_processing_ms",
                                             "refund_settlement"]}),
    ]


class VariantInline(admin.TabularInline):
    model = Variant
    extra = 0


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["id", "sku", "name", "price", "inventory_level", "inventory_tracking", "store"]
    list_filter = ["store", "inventory_tracking"]
    search_fields = ["sku", "name", "variants__sku"]
    inlines = [VariantInline]


@admin.register(Variant)
class VariantAdmin(admin.ModelAdmin):
    list_display = ["id", "sku", "product", "price", "inventory_level", "is_base"]
    search_fields = ["sku"]


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["id", "email", "first_name", "last_name", "store", "date_modified"]
    search_fields = ["email"]


class OrderProductInline(admin.TabularInline):
    model = OrderProduct
    extra = 0


class TransactionInline(admin.TabularInline):
    model = Transaction
    extra = 0


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ["id", "store", "customer", "status_id", "payment_status", "subtotal_ex_tax", "refunded_amount",
                    "date_modified"]
    list_filter = ["store", "status_id"]
    inlines = [OrderProductInline, TransactionInline]


@admin.register(Refund)
class RefundAdmin(admin.ModelAdmin):
    list_display = ["id", "order", "total_amount", "created"]


@admin.register(Hook)
class HookAdmin(admin.ModelAdmin):
    list_display = ["id", "store", "scope", "destination", "is_active", "updated_at"]
    list_filter = ["store", "is_active"]


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["id", "hook", "scope", "status", "attempts", "last_status_code", "next_attempt_at", "created_at"]
    list_filter = ["status"]
