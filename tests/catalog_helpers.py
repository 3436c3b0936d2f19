"""Catalog push tests: a tenant wired to a freshly seeded sandbox store and Acumatica instance.

Import the fixtures you use into the test module:
`from tests.catalog_helpers import catalog_env  # noqa: F401`.
"""
from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.conf import settings

from audit.models import AuditEvent
from sandbox.acumatica.models import Instance
from sandbox.acumatica.seed import seed_instance
from sandbox.bigcommerce.models import Product, Store, Variant
from sandbox.bigcommerce.seed import seed_store
from sandbox.catalog_data import MISMATCHED_CODES, DemoItem, demo_catalog
from tenants.models import SkuMapping, Tenant

BC_TOKEN = "catalog-bc-token-SECRET"


@dataclass
class CatalogEnv:
    tenant: Tenant
    store: Store
    instance: Instance
    live_url: str

    def product(self, sku: str) -> Product:
        return Product.objects.get(store=self.store, sku=sku)

    def variant(self, sku: str) -> Variant:
        return Variant.objects.get(product__store=self.store, sku=sku)

    def bc_writes(self) -> int:
        """PUT/POST/DELETE calls to the sandbox store, from the audit trail."""
        return self.bc_calls().exclude(method="GET").count()

    def bc_calls(self):
        return AuditEvent.objects.filter(tenant=self.tenant, action="api.call", url__contains="/sandbox/bigcommerce/")


def wire_tenant(make_tenant, live_url: str, slug: str, catalog: list[DemoItem], version: str | None = None,
                map_codes: bool = True, **instance_settings: object) -> CatalogEnv:
    version = version or settings.SANDBOX_ENDPOINT_VERSION
    store = seed_store(f"{slug}store"[:20], catalog=catalog, access_token=BC_TOKEN, local_receivers=True)
    store.rate_limit_quota = 100_000  # the pacing is tested elsewhere; these tests count calls
    store.save()
    instance = seed_instance(f"{slug}-acu", catalog=catalog, versions=(version,), customers=False, max_sessions=0,
                             **instance_settings)
    tenant = make_tenant(slug, store_hash=store.store_hash, access_token=BC_TOKEN,
                         api_base_url=f"{live_url}/sandbox/bigcommerce/stores/{{store_hash}}/",
                         instance_url=f"{live_url}/sandbox/acumatica/{instance.slug}/", endpoint_version=version)
    connection = tenant.acumatica
    connection.client_id, connection.client_secret = instance.client_id, instance.client_secret
    connection.username, connection.password = instance.username, instance.password
    connection.save()
    if map_codes:
        for sku, inventory_id in MISMATCHED_CODES.items():
            SkuMapping.objects.create(tenant=tenant, bc_sku=sku, inventory_id=inventory_id)
    return CatalogEnv(tenant=Tenant.objects.get(pk=tenant.pk), store=store, instance=instance, live_url=live_url)


@pytest.fixture
def catalog_env(make_tenant, live_server) -> CatalogEnv:
    """10 demo products (2 with 4 colour variants each) plus the 3 items with mapped codes."""
    return wire_tenant(make_tenant, live_server.url, "cat", demo_catalog(count=10))
