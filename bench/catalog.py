"""Benchmark: push a catalog with every value changed from the sandbox Acumatica to the sandbox store.

    .venv/bin/python bench/catalog.py [--skus 1000 10000] [--modes default warehouse]

For each size and stock mode: seeds both simulators with the same catalog (60 % simple products, 40 %
variants, four per product), changes every price, cost and quantity in Acumatica, then runs one
catalog push in this process against a web server in another (so the memory figure is the
connector's alone). Prints BigCommerce calls by kind, Acumatica calls, seconds and the push's peak
traced memory, then runs a second push and prints its write calls (0 expected).

Stock modes (the tenant's settings, see README "Catalog and stock"):
- ``default``: available over all warehouses, one InventoryQuantityAvailable read for all moved items;
- ``warehouse``: available in one chosen warehouse (MAIN), one InventorySummaryInquiry per moved item.
"""
from __future__ import annotations

import argparse
import math
import time
import tracemalloc
from decimal import Decimal

from common import configure, free_port, processes, wait_for_http


def catalog_of(skus: int):
    from sandbox.catalog_data import demo_catalog

    items = demo_catalog(count=math.ceil(skus / 1.6))  # every fifth product has 4 variants: 1.6 SKUs a product
    return [item for item in items if not item.sku.startswith(("TSHIRT", "MUG", "GIFT"))]


def change_everything(instance) -> None:
    """+1.00 on prices and costs, +5 on the main warehouse; both of Acumatica's clocks move."""
    from django.utils import timezone

    from sandbox.acumatica.models import Record

    now = timezone.now()
    batch = []
    for record in Record.objects.filter(instance=instance, entity="StockItem").iterator(chunk_size=1000):
        data = record.data
        for name in ("DefaultPrice", "CurrentStdCost", "AverageCost", "LastCost"):
            data[name] = str(Decimal(data[name]) + 1)
        data["WarehouseDetails"][0]["QtyOnHand"] = str(Decimal(data["WarehouseDetails"][0]["QtyOnHand"]) + 5)
        record.last_modified = record.qty_modified = now
        batch.append(record)
        if len(batch) == 1000:
            Record.objects.bulk_update(batch, ["data", "last_modified", "qty_modified"])
            batch = []
    Record.objects.bulk_update(batch, ["data", "last_modified", "qty_modified"])


MODES = {"default": {}, "warehouse": {"warehouses": ["MAIN"]}}


def wire(base_url: str, slug: str, skus: int, mode: str):
    from sandbox.acumatica.seed import seed_instance
    from sandbox.bigcommerce.seed import seed_store
    from tenants.models import AcumaticaConnection, BigCommerceConnection, Tenant

    catalog = catalog_of(skus)
    store = seed_store(f"bench{skus}{mode[:2]}", catalog=catalog, access_token="bench-token")
    store.rate_limit_quota = 1_000_000  # measure the connector, not the simulated quota
    store.save()
    instance = seed_instance(f"bench-{skus}-{mode}", catalog=catalog, versions=("24.200.001",), customers=False,
                             max_sessions=0)
    Tenant.objects.filter(slug=slug).delete()
    tenant = Tenant.objects.create(slug=slug, name=f"Bench {skus} {mode}", **MODES[mode])
    BigCommerceConnection.objects.create(tenant=tenant, store_hash=store.store_hash, access_token="bench-token",
                                         api_base_url=f"{base_url}/sandbox/bigcommerce/stores/{{store_hash}}/")
    AcumaticaConnection.objects.create(tenant=tenant, instance_url=f"{base_url}/sandbox/acumatica/{instance.slug}/",
                                       endpoint_version="24.200.001", company=instance.company,
                                       client_id=instance.client_id, client_secret=instance.client_secret,
                                       username=instance.username, password=instance.password)
    return Tenant.objects.get(pk=tenant.pk), instance, sum(len(i.variants) or 1 for i in catalog)


def calls(tenant, method: str | None = None, contains: str = "", since_id: int = 0) -> int:
    from audit.models import AuditEvent

    rows = AuditEvent.objects.filter(tenant=tenant, action="api.call", url__contains=contains, pk__gt=since_id)
    return rows.filter(method=method).count() if method else rows.count()


def run(base_url: str, skus: int, mode: str) -> None:
    from audit.models import AuditEvent
    from sync.catalog import push_catalog

    tenant, instance, count = wire(base_url, f"bench-{skus}-{mode}", skus, mode)
    change_everything(instance)
    tracemalloc.start()
    started = time.perf_counter()
    summary = push_catalog(tenant)
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    bc = "/sandbox/bigcommerce/"
    print(f"\n{count} SKUs, {mode} stock mode: {summary.changed} changed, {summary.succeeded} pushed, {summary.failed} failed, "
          f"{summary.not_found} not in BigCommerce")
    print(f"  BigCommerce calls: {calls(tenant, contains=bc)} "
          f"(product PUTs {calls(tenant, 'PUT', 'v3/catalog/products')}, "
          f"variant PUTs {calls(tenant, 'PUT', 'v3/catalog/variants')}, "
          f"inventory PUTs {calls(tenant, 'PUT', 'inventory/adjustments')}, "
          f"lookup GETs {calls(tenant, 'GET', bc)})")
    print(f"  Acumatica calls: {calls(tenant, contains='/sandbox/acumatica/')} "
          f"(InventoryQuantityAvailable {calls(tenant, 'PUT', 'InventoryQuantityAvailable')}, "
          f"InventorySummaryInquiry {calls(tenant, 'PUT', 'InventorySummaryInquiry')}, "
          f"item reads {calls(tenant, 'GET', 'Item')})")
    print(f"  seconds: {seconds:.1f}   peak traced memory: {peak / 1e6:.1f} MB")
    last = AuditEvent.objects.filter(tenant=tenant).order_by("-pk").values_list("pk", flat=True).first() or 0
    started = time.perf_counter()
    again = push_catalog(tenant)
    writes = calls(tenant, contains=bc, since_id=last) - calls(tenant, "GET", bc, since_id=last)
    print(f"  second push: {again.changed} changed, {writes} BigCommerce write calls, "
          f"{time.perf_counter() - started:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skus", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--modes", nargs="+", choices=sorted(MODES), default=["default", "warehouse"])
    args = parser.parse_args()
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = configure()
    from django.conf import settings

    settings.DEBUG = False  # DEBUG keeps every SQL statement in memory, which would swamp the figure
    with processes(["runserver", f"127.0.0.1:{port}", "--noreload"], env=env):
        wait_for_http(f"{base_url}/healthz")
        for skus in args.skus:
            for mode in args.modes:
                run(base_url, skus, mode)


if __name__ == "__main__":
    main()
