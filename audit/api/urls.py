from rest_framework.routers import DefaultRouter

from audit.api.views import ApiTokenViewSet, SkuMappingViewSet, SyncRecordViewSet, TenantViewSet

router = DefaultRouter()
router.register("tenants", TenantViewSet, basename="tenant")
router.register("tokens", ApiTokenViewSet, basename="apitoken")
router.register("records", SyncRecordViewSet, basename="syncrecord")
router.register(r"tenants/(?P<tenant_pk>[0-9]+)/sku-mappings", SkuMappingViewSet, basename="skumapping")

urlpatterns = router.urls
