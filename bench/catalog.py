"""Benchmark: the scheduled catalog push of a catalog with every value changed, sandbox Acumatica -> sandbox store.

    .venv/bin/python bench/catalog.py [--skus 1000 10000] [--modes default warehouse] [--quota 150 --window 30]

For each size and stock mode: seeds both simulators with the same catalog (60 % simple products, 40 %
variants, four per product), then runs, each in a fresh worker process of its own (``--child``) against
a web server in another (so the figures are the connector's alone):

1. ``unthrottled``: every price, cost and quantity changed in Acumatica; the scheduled push
   (``sync.catalog_chunks.queue_catalog_push``, then each chunk record the way a qcluster worker runs it,
   ``sync.tasks.process_record``) with the store's quota out of the way. First push for the tenant: it
   also looks up the BigCommerce ids.
2. ``unchanged``: the same push again with nothing changed (0 BigCommerce writes expected).
3. ``at quota``: everything changed again, the store at ``--quota`` requests per ``--window`` seconds
   (BigCommerce's Standard plan, 150 / 30 s, by default); ids known now, so the calls are the writes.
4. ``memory``: everything changed again, unthrottled, in its own run that no time is taken from; the
   worker's peak RSS is ``ru_maxrss``. With ``--trace``, a fifth run does the same with ``tracemalloc`` on
   and reports the peak of traced Python allocations (tracing slows Python ~2.5x and its own tables add
   ~30 MB of RSS, so neither time nor the RSS bound is read from that run).

Each figure is printed next to its floor or bound and the ratio: BigCommerce write calls against the
API's batch limits, database statements per changed SKU (the worker's own connection, every statement
from reading Acumatica to the last settle, lease heartbeats aside) against 0.5, seconds at the quota
against the quota floor (BigCommerce calls x window / quota), unthrottled seconds against 75 s, peak
RSS against 150 MB. Calls are counted from the audit trail.

Stock modes (the tenant's settings, see README "Catalog and stock"):
- ``default``: available over all warehouses, one InventoryQuantityAvailable read for all moved items;
- ``warehouse``: available in one chosen warehouse (MAIN), one InventorySummaryInquiry per moved item.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import time
from decimal import Decimal

from common import ROOT, configure, free_port, group_cpu_seconds, processes, wait_for_http, web_server

STATEMENTS_PER_SKU = 0.5
UNTHROTTLED_SECONDS = 75.0
RSS_MB = 150.0
QUOTA_RATIO = 1.15


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
    products = sum(1 for item in catalog if not item.variants)
    variants = sum(len(item.variants) for item in catalog)
    return Tenant.objects.get(pk=tenant.pk), store, instance, products, variants


def set_quota(store, quota: int, window_s: float) -> None:
    from sync.models import RateBudget

    store.rate_limit_quota, store.rate_limit_window_ms = quota, int(window_s * 1000)
    store.save(update_fields=["rate_limit_quota", "rate_limit_window_ms"])
    RateBudget.objects.filter(store_hash=store.store_hash).delete()  # learnt afresh from the next answer


def calls(tenant, since_id: int, method: str | None = None, contains: str = "") -> int:
    from audit.models import AuditEvent

    rows = AuditEvent.objects.filter(tenant=tenant, action="api.call", url__contains=contains, pk__gt=since_id)
    return rows.filter(method=method).count() if method else rows.count()


def audit_bytes(tenant, since_id: int) -> tuple[int, int]:
    """Rows and bytes (bodies, headers, message, url) of the audit trail written since ``since_id``."""
    from django.db.models import Count, Sum
    from django.db.models.functions import Cast, Length
    from django.db.models import TextField

    from audit.models import AuditEvent

    sizes = [Length(name) for name in ("request_body", "response_body", "message", "url")]
    sizes += [Length(Cast(name, TextField())) for name in ("request_headers", "response_headers")]
    total = AuditEvent.objects.filter(tenant=tenant, pk__gt=since_id).aggregate(
        rows=Count("pk"), **{f"s{i}": Sum(size) for i, size in enumerate(sizes)})
    return total.pop("rows"), sum(value or 0 for value in total.values())


def last_event_id() -> int:
    from audit.models import AuditEvent

    return AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


# -- the worker process -----------------------------------------------------------------------------

def child(tenant_id: int, trace: bool) -> None:
    """One worker's share: the scheduled run that reads and queues, then every chunk task in turn."""
    import resource
    import tracemalloc

    from django.db import connection

    from sync import catalog_chunks
    from sync.tasks import process_record
    from tenants.models import Tenant

    statements = [0]

    def count(execute, sql, params, many, context):
        statements[0] += 1
        return execute(sql, params, many, context)

    queued: list[int] = []
    catalog_chunks.enqueue_record = lambda record: queued.append(record.pk)  # this process is the worker
    if trace:
        tracemalloc.start()
    started, cpu = time.perf_counter(), time.process_time()
    with connection.execute_wrapper(count):
        tenant = Tenant.objects.select_related("bigcommerce", "acumatica").get(pk=tenant_id)
        summary = catalog_chunks.queue_catalog_push(tenant)
        for pk in queued:
            process_record(pk)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    peak = tracemalloc.get_traced_memory()[1] if trace else 0
    from audit.models import SyncRecord

    totals: dict = {"changed": 0, "succeeded": 0, "failed": 0, "not_found": 0}
    statuses = []
    for result, status in SyncRecord.objects.filter(pk__in=queued).values_list("result", "status"):
        for key in ("changed", "succeeded", "failed", "not_found"):
            totals[key] += (result or {}).get("summary", {}).get(key, 0)
        statuses.append(status)
    totals["chunk_status"] = statuses
    print(json.dumps({"seconds": seconds, "cpu": cpu, "statements": statements[0], "chunks": len(queued), "read": summary.read,
                      "traced_peak_mb": peak / 1e6, "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                      **totals}))


def run_child(tenant_id: int, env: dict, trace: bool = False) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", str(tenant_id), *(["--trace"] if trace else [])],
                         cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    lines = [line for line in out.stdout.splitlines() if line.startswith("{")]
    if out.returncode or not lines:
        raise SystemExit(f"worker failed ({out.returncode}):\n{out.stderr[-3000:]}")
    return json.loads(lines[-1])


# -- the report -------------------------------------------------------------------------------------

def row(name: str, value: float, bound: float, unit: str = "", kind: str = "floor") -> None:
    ratio = value / bound if bound else float("nan")
    print(f"  {name:<44} {value:>10.2f}{unit:<4} {kind} {bound:>9.2f}{unit:<4} ratio {ratio:5.2f}")


SERVER = {"pid": 0}  # the web server (gunicorn) serving both simulators, whose CPU each push reports


def push(label: str, tenant, env: dict, trace: bool = False) -> tuple[dict, int]:
    since = last_event_id()
    sandbox_cpu = group_cpu_seconds(SERVER["pid"])
    result = run_child(tenant.pk, env, trace)
    result["sandbox_cpu"] = group_cpu_seconds(SERVER["pid"]) - sandbox_cpu
    status = ",".join(sorted(set(result.pop("chunk_status", [])))) or "-"
    print(f"\n {label}: {result['read']} items read, {result['changed']} changed, {result['succeeded']} pushed, "
          f"{result['failed']} failed, {result['not_found']} not in BigCommerce; {result['chunks']} chunk records "
          f"({status})")
    return result, since


def report_calls(tenant, since: int, products: int, variants: int, changed: int) -> int:
    bc = "/sandbox/bigcommerce/"
    product_puts = calls(tenant, since, "PUT", "v3/catalog/products")
    variant_puts = calls(tenant, since, "PUT", "v3/catalog/variants")
    inventory_puts = calls(tenant, since, "PUT", "inventory/adjustments")
    lookups = calls(tenant, since, "GET", bc)
    print(f"  BigCommerce calls {calls(tenant, since, contains=bc)}: product PUTs {product_puts}, variant PUTs "
          f"{variant_puts}, inventory PUTs {inventory_puts}, lookup GETs {lookups}; Acumatica calls "
          f"{calls(tenant, since, contains='/sandbox/acumatica/')} (InventorySummaryInquiry "
          f"{calls(tenant, since, 'PUT', 'InventorySummaryInquiry')})")
    if changed:
        writes = math.ceil(products / 10) + math.ceil(variants / 50) + math.ceil(changed / 2000)
        row("BigCommerce write calls (batch limits)", product_puts + variant_puts + inventory_puts, writes)
    return calls(tenant, since, contains=bc)


def run(base_url: str, skus: int, mode: str, quota: int, window: float, env: dict, trace: bool) -> None:
    from audit.models import AuditEvent

    tenant, store, instance, products, variants = wire(base_url, f"bench-{skus}-{mode}", skus, mode)
    print(f"\n{products + variants} SKUs ({products} products, {variants} variants), {mode} stock mode, "
          f"{os.environ['DATABASE_URL'].split(':')[0]}")

    set_quota(store, 1_000_000, window)
    change_everything(instance)
    result, since = push("1. unthrottled, every value changed", tenant, env)
    report_calls(tenant, since, products, variants, result["changed"])
    row("database statements per changed SKU", result["statements"] / max(result["changed"], 1), STATEMENTS_PER_SKU,
        kind="bound")
    row("seconds (shared machine: see docs)", result["seconds"], UNTHROTTLED_SECONDS, " s", "bound")
    print(f"  of which the worker's own CPU {result['cpu']:.1f} s (the rest: waiting for the sandbox and the database; "
          f"the sandbox's web server used {result['sandbox_cpu']:.1f} s of CPU meanwhile)")
    row("worker peak RSS (no tracing)", result["rss_mb"], RSS_MB, " MB", "bound")
    rows, size = audit_bytes(tenant, since)
    print(f"  audit trail: {rows} rows, {size / 1e6:.1f} MB of text ({size / max(result['changed'], 1):.0f} bytes per "
          f"changed SKU; api.call bodies included)")

    result, since = push("2. unchanged", tenant, env)
    total = calls(tenant, since, contains="/sandbox/bigcommerce/")
    writes = total - calls(tenant, since, "GET", "/sandbox/bigcommerce/")
    print(f"  BigCommerce write calls {writes} (0 expected), database statements {result['statements']}, "
          f"{result['seconds']:.1f} s")

    set_quota(store, quota, window)
    change_everything(instance)
    result, since = push(f"3. at a quota of {quota} / {window:g} s, every value changed", tenant, env)
    bc_calls = report_calls(tenant, since, products, variants, result["changed"])
    floor = bc_calls * window / quota
    row("seconds at the quota (floor: calls x window / quota)", result["seconds"], floor, " s")
    print(f"  of which the worker's own CPU {result['cpu']:.1f} s (the sandbox's web server: {result['sandbox_cpu']:.1f} s)")
    refused = AuditEvent.objects.filter(tenant=tenant, action="api.call", pk__gt=since, status_code=429).count()
    print(f"  (bound: {QUOTA_RATIO} x the floor; 429 answers: {refused})")
    row("database statements per changed SKU", result["statements"] / max(result["changed"], 1), STATEMENTS_PER_SKU,
        kind="bound")

    set_quota(store, 1_000_000, window)
    change_everything(instance)
    result, since = push("4. memory run (not timed), every value changed", tenant, env)
    row("worker peak RSS", result["rss_mb"], RSS_MB, " MB", "bound")
    if trace:
        change_everything(instance)
        result, since = push("5. traced run (tracemalloc on, neither timed nor RSS-bound)", tenant, env, trace=True)
        print(f"  peak traced Python allocation {result['traced_peak_mb']:.1f} MB (RSS with tracemalloc's own "
              f"tables: {result['rss_mb']:.0f} MB)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skus", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--modes", nargs="+", choices=sorted(MODES), default=["default"])
    parser.add_argument("--quota", type=int, default=150, help="store requests per window (BigCommerce Standard: 150)")
    parser.add_argument("--window", type=float, default=30.0, help="quota window in seconds (BigCommerce: 30)")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--trace", action="store_true", help="a fifth run with tracemalloc (Python allocations)")
    args = parser.parse_args()
    env = configure()
    from django.conf import settings

    settings.DEBUG = False  # DEBUG keeps every SQL statement in memory, which would swamp the figures
    if args.child:
        child(args.child, args.trace)
        return
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    with processes(web_server(port), env=env) as running:
        SERVER["pid"] = running[0].pid
        wait_for_http(f"{base_url}/healthz")
        for skus in args.skus:
            for mode in args.modes:
                run(base_url, skus, mode, args.quota, args.window, env, args.trace)


if __name__ == "__main__":
    main()
