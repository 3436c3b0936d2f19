"""What the REST API shows. No serializer here exposes a connection or any secret field."""
from django.db.models.functions import Lower, Upper
from rest_framework import serializers

from audit.api_tokens import ApiToken
from audit.health import tenant_health
from audit.models import AuditEvent, SyncRecord
from tenants.models import SkuMapping, Tenant, normalize_inventory_id, normalize_sku


class TenantSerializer(serializers.ModelSerializer):
    health = serializers.SerializerMethodField(help_text="green, amber or red; details at /tenants/{id}/health/")

    class Meta:
        model = Tenant
        fields = ["id", "slug", "name", "public_id", "active", "created_at", "sync_orders", "sync_customers",
                  "sync_catalog", "order_poll_minutes", "catalog_push_minutes", "health"]
        read_only_fields = fields

    def get_health(self, tenant: Tenant) -> str:
        return tenant_health(tenant).state


class HealthProblemSerializer(serializers.Serializer):
    level = serializers.ChoiceField(choices=["amber", "red"])
    title = serializers.CharField()
    detail = serializers.CharField(required=False)
    kind = serializers.CharField(required=False)
    status = serializers.CharField(required=False)
    count = serializers.IntegerField(required=False)
    group_key = serializers.CharField(required=False)
    fix_url = serializers.CharField(required=False)
    fix_label = serializers.CharField(required=False)
    since = serializers.DateTimeField(required=False)


class HealthFlowSerializer(serializers.Serializer):
    kind = serializers.CharField()
    label = serializers.CharField()
    enabled = serializers.BooleanField()
    stale = serializers.BooleanField()
    last_success = serializers.DateTimeField(allow_null=True)


class HealthWorkersSerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    detail = serializers.CharField()
    last_beat = serializers.DateTimeField(allow_null=True)


class TenantHealthSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=["green", "amber", "red"])
    headline = serializers.CharField()
    problems = HealthProblemSerializer(many=True)
    flows = HealthFlowSerializer(many=True)
    workers = HealthWorkersSerializer()


class ApiTokenSerializer(serializers.ModelSerializer):
    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "created_at", "last_used_at"]
        read_only_fields = ["id", "prefix", "created_at", "last_used_at"]


class NewApiTokenSerializer(ApiTokenSerializer):
    key = serializers.CharField(read_only=True, help_text="Shown this once; only its digest is stored.")

    class Meta(ApiTokenSerializer.Meta):
        fields = [*ApiTokenSerializer.Meta.fields, "key"]
        read_only_fields = [*ApiTokenSerializer.Meta.read_only_fields, "key"]


class SyncRecordSerializer(serializers.ModelSerializer):
    tenant_slug = serializers.CharField(source="tenant.slug", read_only=True)

    class Meta:
        model = SyncRecord
        fields = ["id", "tenant", "tenant_slug", "direction", "kind", "external_id", "status", "attempts",
                  "last_error", "last_error_class", "status_reason", "source", "acumatica_key",
                  "bigcommerce_key", "next_attempt_at", "finished_at", "created_at", "updated_at"]
        read_only_fields = fields


class SyncRecordDetailSerializer(SyncRecordSerializer):
    class Meta(SyncRecordSerializer.Meta):
        fields = [*SyncRecordSerializer.Meta.fields, "stub", "snapshot", "result"]
        read_only_fields = fields


class AuditEventSerializer(serializers.ModelSerializer):
    user = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = AuditEvent
        fields = ["id", "record", "created_at", "action", "user", "message", "method", "url", "status_code",
                  "duration_ms", "attempt", "request_headers", "request_body", "response_headers",
                  "response_body", "bodies_pruned_at"]
        read_only_fields = fields


class ReplaySerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class SkuMappingSerializer(serializers.ModelSerializer):
    """Case-insensitive uniqueness is checked here so a clash is a 400, not a database error."""

    class Meta:
        model = SkuMapping
        fields = ["id", "bc_sku", "inventory_id", "bc_product_id", "bc_variant_id", "updated_at"]
        read_only_fields = ["id", "updated_at"]
        extra_kwargs = {"bc_sku": {"max_length": 255}, "inventory_id": {"max_length": 30}}

    def validate_bc_sku(self, value: str) -> str:
        value = normalize_sku(value)
        if not value:
            raise serializers.ValidationError("Give the BigCommerce SKU.")
        if self._others().annotate(key=Lower("bc_sku")).filter(key=value.lower()).exists():
            raise serializers.ValidationError(f"The SKU {value!r} is already mapped for this tenant.")
        return value

    def validate_inventory_id(self, value: str) -> str:
        value = normalize_inventory_id(value)
        if not value:
            raise serializers.ValidationError("Give the Acumatica InventoryID.")
        if self._others().annotate(key=Upper("inventory_id")).filter(key=value).exists():
            raise serializers.ValidationError(f"The InventoryID {value!r} is already mapped for this tenant.")
        return value

    def _others(self):
        tenant = self.context["tenant"]
        existing = SkuMapping.objects.filter(tenant=tenant)
        return existing.exclude(pk=self.instance.pk) if self.instance is not None else existing


class SkuMappingBulkItemSerializer(serializers.Serializer):
    bc_sku = serializers.CharField(max_length=255)
    inventory_id = serializers.CharField(max_length=30)
    bc_product_id = serializers.IntegerField(min_value=0, max_value=2**31 - 1, required=False, allow_null=True)
    bc_variant_id = serializers.IntegerField(min_value=0, max_value=2**31 - 1, required=False, allow_null=True)


class SkuMappingBulkSerializer(serializers.Serializer):
    mappings = SkuMappingBulkItemSerializer(many=True, allow_empty=False, max_length=5000)


class SkuMappingBulkResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    mappings = SkuMappingSerializer(many=True)
