"""REST API (DRF). Every queryset starts from what the request's user may see, so another tenant's
object is simply not found (404), never forbidden (403)."""
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from audit.api.filters import SyncRecordFilter
from audit.api.permissions import require_role
from audit.api.serializers import (ApiTokenSerializer, AuditEventSerializer, NewApiTokenSerializer,
                                   ReplaySerializer, SkuMappingBulkResultSerializer, SkuMappingBulkSerializer,
                                   SkuMappingSerializer, SyncRecordDetailSerializer, SyncRecordSerializer,
                                   TenantHealthSerializer, TenantSerializer)
from audit.api_tokens import ApiToken, may_manage_tokens
from audit.health import tenant_health
from audit.models import AuditEvent, SyncRecord
from tenants.models import SkuMapping, Tenant, normalize_inventory_id, normalize_sku


class TenantViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = TenantSerializer
    filterset_fields = ["slug", "active"]

    def get_queryset(self):
        return Tenant.objects.visible_to(self.request.user).distinct().order_by("id")

    @extend_schema(responses=TenantHealthSerializer, filters=False,
                   description="The tenant's health: state, problems grouped by cause, flows and workers.")
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def health(self, request: Request, pk: str | None = None) -> Response:
        return Response(TenantHealthSerializer(tenant_health(self.get_object()).as_dict()).data)


class ApiTokenViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, mixins.DestroyModelMixin,
                      viewsets.GenericViewSet):
    """The signed-in user's own API tokens: list, create (the key is in the answer, once), revoke (DELETE).

    Owners and operators of a tenant (and staff) may have tokens; read-only viewers may not."""

    serializer_class = ApiTokenSerializer
    filter_backends: list = []

    def initial(self, request: Request, *args, **kwargs) -> None:
        super().initial(request, *args, **kwargs)
        if not may_manage_tokens(request.user):
            raise PermissionDenied("API tokens are for owners and operators of a tenant.")

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ApiToken.objects.none()
        return ApiToken.objects.active().filter(user=self.request.user)

    @extend_schema(request=ApiTokenSerializer, responses={201: NewApiTokenSerializer})
    def create(self, request: Request, *args, **kwargs) -> Response:
        params = ApiTokenSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        token, key = ApiToken.objects.issue(request.user, params.validated_data["name"])
        token.key = key
        return Response(NewApiTokenSerializer(token).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance: ApiToken) -> None:
        instance.revoke()


class SyncRecordViewSet(viewsets.ReadOnlyModelViewSet):
    filterset_class = SyncRecordFilter

    def get_queryset(self):
        return SyncRecord.objects.visible_to(self.request.user).select_related("tenant").distinct().order_by("-id")

    def get_serializer_class(self):
        return SyncRecordSerializer if self.action == "list" else SyncRecordDetailSerializer

    @extend_schema(responses=AuditEventSerializer(many=True), filters=False,
                   description="The record's audit trail, oldest first.")
    @action(detail=True, methods=["get"], filter_backends=[], serializer_class=AuditEventSerializer)
    def events(self, request: Request, pk: str | None = None) -> Response:
        record = self.get_object()
        events = AuditEvent.objects.filter(record=record).select_related("user").order_by("created_at", "id")
        page = self.paginate_queryset(events)
        return self.get_paginated_response(AuditEventSerializer(page, many=True).data)

    @extend_schema(request=ReplaySerializer, responses={202: SyncRecordDetailSerializer},
                   description="Queues a new run that re-reads the source; adds a record.replayed event.")
    @action(detail=True, methods=["post"], filter_backends=[], serializer_class=ReplaySerializer)
    def replay(self, request: Request, pk: str | None = None) -> Response:
        record = self.get_object()
        require_role(request.user, record.tenant)
        params = ReplaySerializer(data=request.data)
        params.is_valid(raise_exception=True)
        record.replay(request.user, params.validated_data["reason"] or "Replay through the API")
        record.refresh_from_db()
        return Response(SyncRecordDetailSerializer(record).data, status=status.HTTP_202_ACCEPTED)


TENANT_PARAMETER = OpenApiParameter("tenant_pk", OpenApiTypes.INT, OpenApiParameter.PATH,
                                    description="Id of the tenant the mappings belong to.")
MAPPING_ID_PARAMETER = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH)


@extend_schema_view(
    list=extend_schema(parameters=[TENANT_PARAMETER]), create=extend_schema(parameters=[TENANT_PARAMETER]),
    retrieve=extend_schema(parameters=[TENANT_PARAMETER, MAPPING_ID_PARAMETER]),
    update=extend_schema(parameters=[TENANT_PARAMETER, MAPPING_ID_PARAMETER]),
    partial_update=extend_schema(parameters=[TENANT_PARAMETER, MAPPING_ID_PARAMETER]),
    destroy=extend_schema(parameters=[TENANT_PARAMETER, MAPPING_ID_PARAMETER]))
class SkuMappingViewSet(viewsets.ModelViewSet):
    """A tenant's SKU <-> InventoryID mappings. Every write is recorded as an audit event."""

    serializer_class = SkuMappingSerializer
    filterset_fields = ["bc_sku", "inventory_id"]

    def tenant(self) -> Tenant:
        if not hasattr(self, "_tenant"):
            self._tenant = get_object_or_404(Tenant.objects.visible_to(self.request.user).distinct(),
                                              pk=self.kwargs["tenant_pk"])
        return self._tenant

    def initial(self, request: Request, *args, **kwargs) -> None:
        super().initial(request, *args, **kwargs)
        if request.method not in permissions.SAFE_METHODS:
            require_role(request.user, self.tenant())  # 404 first for a tenant the user cannot see

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no tenant in the URL
            return SkuMapping.objects.none()
        return SkuMapping.objects.filter(tenant=self.tenant()).order_by("id")

    def get_serializer_context(self) -> dict:
        context = super().get_serializer_context()
        if not getattr(self, "swagger_fake_view", False):
            context["tenant"] = self.tenant()
        return context

    def perform_create(self, serializer: SkuMappingSerializer) -> None:
        mapping = self._save(serializer, tenant=self.tenant())
        self._audit("sku_mapping.created", mapping)

    def perform_update(self, serializer: SkuMappingSerializer) -> None:
        self._audit("sku_mapping.updated", self._save(serializer))

    def perform_destroy(self, instance: SkuMapping) -> None:
        self._audit("sku_mapping.deleted", instance)
        instance.delete()

    def _save(self, serializer: SkuMappingSerializer, **extra) -> SkuMapping:
        try:
            with transaction.atomic():
                return serializer.save(**extra)
        except IntegrityError:  # lost a race with another write of the same code
            raise ValidationError({"detail": "This SKU or InventoryID is already mapped for this tenant."})

    def _audit(self, action_name: str, mapping: SkuMapping) -> None:
        AuditEvent.write(action=action_name, tenant_id=self.tenant().pk, user=self.request.user,
                         message=f"{mapping.bc_sku} <-> {mapping.inventory_id}")

    @extend_schema(parameters=[TENANT_PARAMETER], request=SkuMappingBulkSerializer,
                   responses={200: SkuMappingBulkResultSerializer},
                   description="Creates or updates mappings by BigCommerce SKU (case-insensitive); all or nothing.")
    @action(detail=False, methods=["post"], url_path="bulk-upsert", filter_backends=[],
            serializer_class=SkuMappingBulkSerializer)
    def bulk_upsert(self, request: Request, tenant_pk: str | None = None) -> Response:
        params = SkuMappingBulkSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        items = params.validated_data["mappings"]
        check_no_repeats(items)
        try:
            with transaction.atomic():
                created, updated, mappings = self._upsert_all(items)
        except IntegrityError:
            raise ValidationError({"mappings": "An InventoryID is mapped to two different SKUs; nothing was saved."})
        AuditEvent.write(action="sku_mapping.bulk_upserted", tenant_id=self.tenant().pk, user=request.user,
                         message=f"{created} created, {updated} updated.")
        return Response({"created": created, "updated": updated,
                         "mappings": SkuMappingSerializer(mappings, many=True).data})

    def _upsert_all(self, items: list[dict]) -> tuple[int, int, list[SkuMapping]]:
        existing = {m.key: m for m in SkuMapping.objects.filter(tenant=self.tenant())
                    .annotate(key=Lower("bc_sku")).select_for_update()}
        created = updated = 0
        mappings = []
        for item in items:
            mapping = existing.get(normalize_sku(item["bc_sku"]).lower())
            if mapping is None:
                mapping = SkuMapping(tenant=self.tenant())
                created += 1
            else:
                updated += 1
            for name, value in item.items():
                setattr(mapping, name, value)
            mapping.save()
            mappings.append(mapping)
        return created, updated, mappings


def check_no_repeats(items: list[dict]) -> None:
    for field, normalize in (("bc_sku", lambda v: normalize_sku(v).lower()), ("inventory_id", normalize_inventory_id)):
        seen: set[str] = set()
        for item in items:
            key = normalize(item[field])
            if not key:
                raise ValidationError({"mappings": f"Every mapping needs a {field}."})
            if key in seen:
                raise ValidationError({"mappings": f"{field} {key!r} appears twice in the request."})
            seen.add(key)
