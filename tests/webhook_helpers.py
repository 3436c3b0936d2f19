"""Building signed BigCommerce webhook deliveries for tests."""
import json

from sync.webhook_auth import SECRET_HEADER


def order_stub(order_id: int = 100, scope: str = "store/order/created", hash_: str = "h-1", store: str = "acme") -> dict:
    return {"scope": scope, "store_id": "1001", "data": {"type": "order", "id": order_id}, "hash": hash_,
            "created_at": 1780000000, "producer": f"stores/{store}"}


def deliver(client, tenant, payload, *, secret: str | None = None, content_type: str = "application/json",
            raw: bytes | None = None):
    """POSTs through Django's test client with the tenant's registered secret header."""
    body = raw if raw is not None else json.dumps(payload).encode()
    headers = {SECRET_HEADER: tenant.bigcommerce.webhook_secret if secret is None else secret}
    return client.post(f"/webhooks/bigcommerce/{tenant.public_id}/", body, content_type=content_type,
                       headers={k: v for k, v in headers.items() if v})


def queued_record_ids() -> list[int]:
    """Record ids waiting in the ORM broker's queue, a fan-out task counting for each record it names."""
    from django_q.models import OrmQ
    ids: list[int] = []
    for queued in OrmQ.objects.order_by("id"):
        task = queued.task
        if task["func"] == "sync.tasks.fan_out":
            ids += list(task["args"][0])
        elif task["func"] == "sync.tasks.process_record":
            ids.append(task["args"][0])
    return ids
