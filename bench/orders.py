"""Benchmark: webhooked orders from the sandbox store into the sandbox Acumatica, each figure next to its floor.

    .venv/bin/python bench/orders.py [--idle 10] [--burst 60] [--workers 4] [--broker orm|redis]
                                     [--quota 150] [--window 30] [--no-memory]

Starts a web server and a qcluster (ORM broker, or its own redis-server with --broker redis) on a throwaway
database (SQLite in a temp file; DATABASE_URL for a scratch PostgreSQL database), registers the webhooks, then
places paid two-line orders through the sandbox storefront: first --idle orders one at a time (each waits for the
previous to settle: the idle latency), then --burst orders as fast as it can. The store's BigCommerce quota is
--quota requests per --window seconds (a real Standard plan: 150 per 30 s).

Reported per order, from the audit trail and the processes' own statement counts (bench/statements.py, the
sandbox's statements excluded): BigCommerce and Acumatica API calls, database statements from the webhook to
the settled record, pipeline runs; latencies from the webhook's arrival to Acumatica's answer to the sales
order PUT. Peak memory (VmHWM of every qcluster process) is measured in a second, separate run with fresh
processes, so nothing measuring memory runs while time is measured.
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from common import configure, free_port, manage, percentile, processes, wait_for_http, web_server

BENCH = Path(__file__).resolve().parent
CLUSTER_NAME = "ml-connector"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--idle", type=int, default=10, help="orders placed one at a time (idle latency)")
    parser.add_argument("--burst", type=int, default=60, help="orders placed at once (burst latency)")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--broker", choices=["orm", "redis"], default="orm")
    parser.add_argument("--quota", type=int, default=150, help="BigCommerce requests per window")
    parser.add_argument("--window", type=float, default=30.0, help="BigCommerce quota window, seconds")
    parser.add_argument("--no-memory", action="store_true", help="skip the separate memory run")
    parser.add_argument("--explain", action="store_true", help="print the statements by process, verb and table")
    args = parser.parse_args()
    counts_dir = tempfile.mkdtemp(prefix="mlc-bench-sql-")
    env = configure()
    env.update({"Q_WORKERS": str(args.workers), "DJANGO_SETTINGS_MODULE": "bench_settings",
                "PYTHONPATH": os.pathsep.join([str(BENCH), str(BENCH.parent), env.get("PYTHONPATH", "")])})
    port = free_port()  # both runs: the tenant's connections keep pointing at the same sandbox
    with redis(args.broker) as redis_url:
        if redis_url:
            env["REDIS_URL"] = redis_url
        timed = run(args, {**env, "BENCH_STATEMENTS_DIR": counts_dir}, port, placed_from=0)
        report(args, timed, collect_statements(counts_dir))
        shutil.rmtree(counts_dir, ignore_errors=True)
        if not args.no_memory:
            memory = run(args, env, port, placed_from=timed["orders"], memory=True)
            peaks = memory["peak_rss_mb"] or {}
            print(f"peak RSS, separate run of the same orders (MB): qcluster processes "
                  f"{', '.join(f'{v:.0f}' for v in peaks.values())}; largest {max(peaks.values(), default=0):.0f}")


class redis:
    """A private redis-server on a free port for --broker redis (nothing shared with other users)."""

    def __init__(self, broker: str) -> None:
        self.broker, self.process = broker, None

    def __enter__(self) -> str:
        if self.broker != "redis":
            return ""
        port = free_port()
        self.process = subprocess.Popen(["redis-server", "--port", str(port), "--save", "", "--appendonly", "no"],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.5)
        return f"redis://127.0.0.1:{port}/0"

    def __exit__(self, *exc) -> None:
        if self.process:
            self.process.terminate()
            self.process.wait(timeout=10)


def run(args, env: dict, port: int, placed_from: int, memory: bool = False) -> dict:
    from django.test import override_settings

    from audit.models import SyncRecord
    from sandbox.bigcommerce import storefront
    from sandbox.bigcommerce.models import Store
    from sandbox.demo import connect_sandbox_tenant
    from sync.clients import bigcommerce_client
    from sync.webhook_registration import ensure_hooks

    base_url = f"http://127.0.0.1:{port}"
    env = {**env, "PUBLIC_BASE_URL": base_url}
    with processes(web_server(port), manage("qcluster"), env=env) as (web, cluster):
        wait_for_http(f"{base_url}/healthz")
        with override_settings(PUBLIC_BASE_URL=base_url):
            tenant = connect_sandbox_tenant(base_url)
            with bigcommerce_client(tenant.bigcommerce) as bc:
                ensure_hooks(tenant, bc)
        Store.objects.filter(store_hash="demo1234").update(rate_limit_quota=args.quota,
                                                           rate_limit_window_ms=int(args.window * 1000))
        store = Store.objects.get(store_hash="demo1234")
        simple = [f"SKU-{i:05d}" for i in range(1, 100) if i % 5]  # every fifth product has variants
        done = SyncRecord.objects.filter(tenant=tenant, kind="order", status__in=["succeeded", "needs_attention",
                                                                                  "filtered"])

        def place(n: int) -> int:
            return storefront.place_order(store, lines=[(simple[n % len(simple)], 1 + n % 3),
                                                        ("SKU-00005-RED", 1)]).pk

        def wait_until(count: int, limit: float) -> None:
            deadline = time.monotonic() + limit
            while done.count() < count:
                if time.monotonic() > deadline:
                    sys.exit(f"timed out waiting for {count} orders to settle")
                time.sleep(0.05)

        idle_ids, burst_ids = [], []
        for n in range(args.idle):
            idle_ids.append(place(placed_from + n))
            wait_until(placed_from + n + 1, 60)
            time.sleep(0.5)  # let the order's last webhooks and the worker go quiet
        started = time.monotonic()
        for n in range(args.burst):
            burst_ids.append(place(placed_from + args.idle + n))
        wait_until(placed_from + args.idle + args.burst, 120 + args.burst * 5)
        elapsed = time.monotonic() - started
        time.sleep(1.0)  # the processes flush their statement counts
        peak = peak_rss(cluster.pid) if memory else None
    return {"orders": placed_from + args.idle + args.burst, "tenant": tenant, "idle": idle_ids, "burst": burst_ids,
            "burst_seconds": elapsed, "peak_rss_mb": peak}


def peak_rss(root_pid: int) -> dict:
    """VmHWM (peak resident set) of the qcluster process and each of its children, in MB."""
    peaks = {}
    pids = [root_pid]
    while pids:
        pid = pids.pop()
        try:
            status = Path(f"/proc/{pid}/status").read_text()
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        except OSError:
            continue
        hwm = next((line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:")), "0")
        peaks[pid] = int(hwm) / 1024
        pids += [int(child) for child in children]
    return peaks


def collect_statements(directory: str) -> Counter:
    from statements import collect

    return collect(directory)


def latencies(tenant, ids: list[int]) -> list[float]:
    from audit.models import AuditEvent, SyncRecord
    from sync.models import WebhookReceipt

    found = []
    for record in SyncRecord.objects.filter(tenant=tenant, kind="order", external_id__in=[str(i) for i in ids]):
        received = WebhookReceipt.objects.filter(tenant=tenant, object_id=record.external_id).order_by(
            "received_at").values_list("received_at", flat=True).first()
        created = AuditEvent.objects.filter(record=record, action="api.call", method="PUT",
                                            url__contains="/SalesOrder", status_code=200).order_by(
            "created_at").values_list("created_at", flat=True).first()
        if received and created:
            found.append((created - received).total_seconds())
    return found


def report(args, timed: dict, statements: Counter) -> None:
    from audit.models import AuditEvent
    from sync.ratebudget import RESERVE

    tenant, count = timed["tenant"], timed["orders"]
    events = AuditEvent.objects.filter(tenant=tenant, record__kind="order")
    calls = events.filter(action="api.call").exclude(url__contains="/identity/")
    bigcommerce = calls.filter(url__contains="/sandbox/bigcommerce/").count() / count
    acumatica = calls.filter(url__contains="/sandbox/acumatica/").count() / count
    runs = events.filter(action="record.started").count() / count
    connector = sum(n for (where, _, _), n in statements.items() if where not in ("sandbox", "scheduled"))
    scheduled = sum(n for (where, _, _), n in statements.items() if where == "scheduled")
    broker = sum(n for (where, _, table), n in statements.items() if where not in ("sandbox", "scheduled")
                 and table.startswith("django_q"))
    webhook = sum(n for (where, _, _), n in statements.items() if where == "webhook")
    idle, burst = latencies(tenant, timed["idle"]), latencies(tenant, timed["burst"])
    rate_floor = (args.quota - RESERVE) / args.window / 2  # quota-bound at two BigCommerce calls per order
    broker_name = args.broker.upper() if args.broker == "orm" else "Redis"
    rows = [
        ("BigCommerce calls / order", bigcommerce, 2.0, "2: the order with consignments + transactions"),
        ("Acumatica calls / order", acumatica, 8.0, "about 5 + 3 action polls"),
        ("DB statements / order", connector / count, 20.0, "~20 (target <= 30)"),
        ("  of which webhook intake", webhook / count, None, ""),
        ("  of which broker (django_q)", broker / count, None, ""),
        ("scheduled jobs meanwhile (not per order)", scheduled / count, None,
         "catch-up poll, catalog schedule, checks: a fixed cost spread here over the run's orders"),
        ("runs / order", runs, 1.0, "1.0 (target <= 1.05)"),
        ("orders/s in the burst", len(timed["burst"]) / timed["burst_seconds"], rate_floor,
         f"quota-bound: ({args.quota} - {RESERVE}) / {args.window:g} s / 2 calls"),
        (f"idle p50 webhook -> SO ({broker_name})", percentile(idle, 0.5), 0.3, "~0.3 s"),
        (f"idle p95 webhook -> SO ({broker_name})", percentile(idle, 0.95), 0.3,
         "~0.3 s (target <= 0.6 Redis, <= 1 ORM)"),
        (f"burst of {len(timed['burst'])} p95", percentile(burst, 0.95), 15.0, "~15 s (target <= 20 s)"),
    ]
    print(f"{count} orders ({args.idle} idle, {args.burst} burst), {args.workers} workers, broker {args.broker}, "
          f"quota {args.quota}/{args.window:g} s, database {os.environ['DATABASE_URL'].split(':')[0]}")
    print(f"{'figure':40} {'measured':>10} {'floor':>8} {'ratio':>7}  floor from")
    for name, value, floor, why in rows:
        ratio = f"{value / floor:6.2f}x" if floor else ""
        print(f"{name:40} {value:10.2f} {floor if floor is not None else '':>8} {ratio:>7}  {why}")
    if args.explain:
        for (where, verb, table), n in sorted(statements.items(), key=lambda item: -item[1]):
            if where != "sandbox":
                print(f"{n / count:8.2f}  {where:9} {verb:9} {table}")


if __name__ == "__main__":
    main()
