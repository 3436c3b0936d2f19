"""Staff admin for tenants, their connections and SKU mappings. Secrets are write-only here."""
from django import forms
from django.contrib import admin, messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.html import format_html

from sync.jobs import queue_webhook_check
from tenants import access
from tenants.admin_access import TenantScopedAdmin
from tenants.admin_forms import WriteOnlySecretsForm
from tenants.validators import validate_bigcommerce_api_root, validate_instance_url
from tenants.models import AcumaticaConnection, BigCommerceConnection, Capability, Membership, SkuMapping, Tenant
from tenants.sku_import import import_sku_mappings


class BigCommerceConnectionForm(WriteOnlySecretsForm):
    secret_fields = ("access_token", "client_secret", "webhook_secret")
    required_secrets = ("access_token",)

    class Meta:
        model = BigCommerceConnection
        fields = ["store_hash", "access_token", "client_id", "client_secret", "webhook_secret",
                  "api_base_url", "location_id"]

    def clean_api_base_url(self) -> str:
        url = self.cleaned_data.get("api_base_url", "")
        validate_bigcommerce_api_root(url)  # the onboarding form's guard, here too
        return url


class AcumaticaConnectionForm(WriteOnlySecretsForm):
    secret_fields = ("client_secret", "password", "push_secret")
    required_secrets = ("password",)

    class Meta:
        model = AcumaticaConnection
        fields = ["instance_url", "endpoint_name", "endpoint_version", "company", "branch", "auth_method",
                  "client_id", "client_secret", "username", "password", "push_header_name", "push_secret"]

    def clean_instance_url(self) -> str:
        url = self.cleaned_data.get("instance_url", "")
        validate_instance_url(url)  # the onboarding form's guard, here too
        return url


class SecretsNeverReadOnlyMixin:
    """A read-only admin form would print a field's value: secrets are left out of read-only views."""

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        if self.has_change_permission(request, obj):
            return fields
        return [name for name in fields if name not in self.model.SECRET_FIELDS]


class BigCommerceInline(SecretsNeverReadOnlyMixin, admin.StackedInline):
    model = BigCommerceConnection
    form = BigCommerceConnectionForm
    can_delete = False


class AcumaticaInline(SecretsNeverReadOnlyMixin, admin.StackedInline):
    model = AcumaticaConnection
    form = AcumaticaConnectionForm
    can_delete = False
    readonly_fields = ["oauth_session"]

    @admin.display(description="OAuth session")
    def oauth_session(self, obj: AcumaticaConnection) -> str:
        # Tokens are the connector's own business: show only whether there is one and when it ends.
        if not obj.pk or not obj.refresh_token:
            return "not signed in"
        return f"signed in; access token valid until {obj.token_expires_at:%Y-%m-%d %H:%M} UTC" \
            if obj.token_expires_at else "signed in"


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Tenant)
class TenantAdmin(TenantScopedAdmin):
    tenant_field = ""
    change_capability = Capability.MANAGE
    list_display = ["name", "health", "slug", "active", "store", "acumatica_version", "order_poll_minutes",
                    "catalog_push_minutes"]
    list_filter = ["active"]
    search_fields = ["name", "slug", "bigcommerce__store_hash"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["public_id", "created_at", "updated_at"]
    inlines = [BigCommerceInline, AcumaticaInline, MembershipInline]
    fieldsets = [
        (None, {"fields": ["name", "slug", "active", "public_id", "created_at", "updated_at"]}),
        ("Schedules (minutes)", {"fields": ["order_poll_minutes", "catalog_push_minutes", "webhook_check_minutes"]}),
        ("Orders", {"fields": ["sync_orders", "sync_customers", "paid_status_ids", "orders_backfill_from",
                               "guest_policy", "guest_customer_id", "invoice_mode", "same_code_fallback",
                               "sync_authorized_orders", "time_zone", "channel_ids", "accept_test_payments",
                               "multi_address_policy", "unmapped_gateways_use_default", "no_sku_item", "fee_item",
                               "freight_taxable"]}),
        ("Customers matched by e-mail (who owns their fields)", {"fields": [
            "customer_name_owner", "customer_contact_owner", "customer_address_owner"]}),
        ("Acumatica defaults", {"fields": ["order_type", "customer_class", "branch", "tax_mode", "tax_id", "tax_zone",
                                           "default_payment_method", "default_cash_account", "refund_adjustment_item",
                                           "payment_method_map", "cash_account_map"]}),
        ("Refunds", {"fields": ["offline_refund_method", "refund_goods"]}),
        ("Catalog", {"fields": ["sync_catalog", "push_price", "push_cost", "push_inventory", "cost_field",
                                "stock_quantity", "warehouses", "safety_stock",
                                "catalog_excluded_items"]}),
        ("Shipments", {"fields": ["sync_shipments", "shipping_provider_map", "default_shipping_provider"]}),
    ]

    def get_inlines(self, request, obj):
        # Connections and members are the owner's business; others do not even see them.
        if obj is None or self._allowed(request, obj, Capability.MANAGE):
            return super().get_inlines(request, obj)
        return []

    def has_add_permission(self, request) -> bool:
        # A new tenant would have no member; only superusers create tenants here (merchants onboard).
        return request.user.is_superuser and super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser and super().has_delete_permission(request, obj)

    @admin.display(description="health")
    def health(self, tenant: Tenant) -> str:
        """The tenant's state (audit/health.py), linking to its dashboard where the problems are listed."""
        from audit.health import tenant_health

        health = tenant_health(tenant)
        return format_html('<a class="status-badge health-{}" href="{}" title="{}">{}</a>', health.state,
                           reverse("dashboard", args=[tenant.slug]), health.headline, health.state)

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        if hasattr(form.instance, "bigcommerce"):
            queue_webhook_check(form.instance)

    @admin.display(description="BigCommerce store")
    def store(self, obj: Tenant) -> str:
        return getattr(getattr(obj, "bigcommerce", None), "store_hash", "—")

    @admin.display(description="Acumatica endpoint")
    def acumatica_version(self, obj: Tenant) -> str:
        conn = getattr(obj, "acumatica", None)
        return f"{conn.endpoint_name}/{conn.endpoint_version}" if conn else "—"


class SkuImportForm(forms.Form):
    tenant = forms.ModelChoiceField(queryset=Tenant.objects.none())
    csv_file = forms.FileField(label="CSV file", help_text="Columns: bc_sku, inventory_id (header row required).")

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["tenant"].queryset = access.tenants_for(user, Capability.OPERATE)


@admin.register(SkuMapping)
class SkuMappingAdmin(TenantScopedAdmin):
    change_capability = Capability.OPERATE
    list_display = ["bc_sku", "inventory_id", "tenant", "bc_product_id", "bc_variant_id", "updated_at"]
    list_filter = [("tenant", admin.RelatedOnlyFieldListFilter)]
    autocomplete_fields = ["tenant"]
    search_fields = ["bc_sku", "inventory_id"]
    readonly_fields = ["bc_product_id", "bc_variant_id"]
    change_list_template = "admin/tenants/skumapping/change_list.html"

    def get_urls(self):
        view = self.admin_site.admin_view(self.import_csv_view)
        return [path("import/", view, name="tenants_skumapping_import"), *super().get_urls()]

    def import_csv_view(self, request):
        if not self.has_add_permission(request) or not self.has_change_permission(request):
            return redirect("admin:tenants_skumapping_changelist")
        form = SkuImportForm(request.POST or None, request.FILES or None, user=request.user)
        if request.method == "POST" and form.is_valid():
            tenant = get_object_or_404(access.tenants_for(request.user, Capability.OPERATE),
                                       pk=form.cleaned_data["tenant"].pk)
            result = import_sku_mappings(tenant, form.cleaned_data["csv_file"].read())
            messages.success(request, f"{tenant}: {result.created} created, {result.updated} updated.")
            for error in result.errors[:50]:
                messages.error(request, error)
            return redirect(reverse("admin:tenants_skumapping_changelist"))
        context = {**self.admin_site.each_context(request), "form": form, "opts": self.model._meta,
                   "title": "Import SKU mappings"}
        return render(request, "admin/tenants/skumapping/import.html", context)
