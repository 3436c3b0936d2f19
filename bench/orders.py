"""Benchmark: sync N webhooked orders from the sandbox store into the sandbox Acumatica.

    .venv/bin/python bench/orders.py [--orders 100] [--workers 2]

Starts a web server and a qcluster on a throwaway database, registers the webhooks, places N paid
orders through the sandbox storefront and waits until every order record has succeeded. Prints
orders/s, p50/p95 webhook-to-sales-order latency (webhook received -> Acumatica answered the sales
order PUT) and API calls per order on each side, read from the audit trail.
"""
import argparse
import sys
import time

from common import configure, free_port, percentile, processes, wait_for_http


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=100)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = configure()
    env.update({"PUBLIC_BASE_URL": base_url, "Q_WORKERS": str(args.workers)})
    from django.test import override_settings

    from audit.models import AuditEvent, SyncRecord
    from sandbox.bigcommerce import storefront
    from sandbox.bigcommerce.models import Store
    from sandbox.demo import connect_sandbox_tenant
    from sync.clients import bigcommerce_client
    from sync.models import WebhookReceipt
    from sync.webhook_registration import ensure_hooks

    with processes(["runserver", f"127.0.0.1:{port}", "--noreload"], ["qcluster"], env=env):
        wait_for_http(f"{base_url}/healthz")
        with override_settings(PUBLIC_BASE_URL=base_url):
            tenant = connect_sandbox_tenant(base_url)
            with bigcommerce_client(tenant.bigcommerce) as bc:
                ensure_hooks(tenant, bc)
        store = Store.objects.get(store_hash="demo1234")
        started = time.monotonic()
        simple = [f"SKU-{i:05d}" for i in range(1, 100) if i % 5]  # every fifth product has variants
        for n in range(args.orders):
            storefront.place_order(store, lines=[(simple[n % len(simple)], 1 + n % 3), ("SKU-00005-RED", 1)])
        placed = time.monotonic() - started
        while SyncRecord.objects.filter(kind="order", status="succeeded").count() < args.orders:
            if time.monotonic() - started > 60 + args.orders * 5:
                sys.exit("timed out waiting for the orders to sync")
            time.sleep(0.5)
        elapsed = time.monotonic() - started
    report(args.orders, placed, elapsed, tenant, AuditEvent, SyncRecord, WebhookReceipt)


def report(count, placed, elapsed, tenant, AuditEvent, SyncRecord, WebhookReceipt) -> None:
    latencies = []
    for record in SyncRecord.objects.filter(tenant=tenant, kind="order"):
        received = WebhookReceipt.objects.filter(tenant=tenant, object_id=record.external_id).order_by(
            "received_at").values_list("received_at", flat=True).first()
        created = AuditEvent.objects.filter(record=record, action="api.call", method="PUT",
                                            url__contains="/SalesOrder", status_code=200).order_by(
            "created_at").values_list("created_at", flat=True).first()
        if received and created:
            latencies.append((created - received).total_seconds())
    calls = AuditEvent.objects.filter(tenant=tenant, action="api.call", record__kind="order")
    bigcommerce = calls.filter(url__contains="/sandbox/bigcommerce/").count()
    acumatica = calls.filter(url__contains="/sandbox/acumatica/").count()
    print(f"orders synced:                 {count}")
    print(f"placing orders took:           {placed:.1f} s")
    print(f"all synced after:              {elapsed:.1f} s  ({count / elapsed:.2f} orders/s)")
    print(f"webhook -> sales order p50:    {percentile(latencies, 0.5):.2f} s")
    print(f"webhook -> sales order p95:    {percentile(latencies, 0.95):.2f} s")
    print(f"BigCommerce API calls / order: {bigcommerce / count:.1f}")
    print(f"Acumatica API calls / order:   {acumatica / count:.1f}")


if __name__ == "__main__":
    main()
