"""Exact database statements of the webhook intake (#19): regression guards for what each BigCommerce delivery
costs, from the request to its answer, the broker's enqueue included (ORM broker: one INSERT per queued record).

Run without a test transaction around them (``transaction=True``), so the statements are the ones a real
request makes in autocommit, savepoints and all. Counts, never timings."""
import pytest
from django.db import connection
from django_q.conf import Conf
from django_q.models import OrmQ

from audit.models import AuditEvent, SyncRecord
from sync import webhooks
from sync.models import WebhookReceipt
from tests.webhook_helpers import deliver, order_stub

pytestmark = pytest.mark.django_db(transaction=True)

# An order's webhooks as BigCommerce sends them: created, the payment's transaction, the status change.
ORDER_SCOPES = ["store/order/created", "store/order/transaction/created", "store/order/statusUpdated",
                "store/order/updated"]
# The first delivery (the order's created event): the tenant with its connections (one joined SELECT, then
# kept a few seconds), the record's INSERT and its record.received event, the receipt's INSERT, the broker's
# INSERT. Each later one: the UPDATE that finds the record pending, the receipt.
FIRST_DELIVERY = ["SELECT tenants_tenant", "INSERT audit_syncrecord", "INSERT audit_auditevent",
                  "INSERT sync_webhookreceipt", "INSERT django_q_ormq"]
LATER_DELIVERY = ["UPDATE audit_syncrecord", "INSERT sync_webhookreceipt"]


@pytest.fixture(autouse=True)
def queue_instead_of_running(monkeypatch):
    monkeypatch.setattr(Conf, "SYNC", False)
    monkeypatch.setattr(Conf, "ORM", "default")
    webhooks._tenants.clear()  # each test starts with the tenant not yet read


class Statements:
    """Every statement on the connection, as "VERB table", through an execute wrapper (a request's start
    clears ``connection.queries``, so CaptureQueriesContext cannot see across one)."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def __call__(self, execute, sql, params, many, context):
        words = sql.replace('"', "").split()
        verb = words[0].upper()
        table = next((words[i + 1] for i, w in enumerate(words[:-1]) if w.upper() in ("FROM", "INTO", "UPDATE")), "")
        self.seen.append(f"{verb} {table}".strip())
        return execute(sql, params, many, context)


def stub(scope: str, n: int) -> dict:
    payload = order_stub(scope=scope, hash_=f"h-{n}")
    if "transaction" in scope:
        payload["data"] = {"type": "transaction", "id": 5, "order_id": 100}
    return payload


def delivered(client, tenant, scopes: list[str]) -> tuple[list[str], list[str]]:
    """(answers, statements) of delivering one order's webhooks one after the other."""
    statements = Statements()
    with connection.execute_wrapper(statements):
        answers = [deliver(client, tenant, stub(scope, n)).json()["status"] for n, scope in enumerate(scopes)]
    return answers, statements.seen


def test_it_takes_five_statements_to_queue_a_new_order(client, tenant):
    answers, statements = delivered(client, tenant, ORDER_SCOPES[:1])
    assert answers == ["queued"]
    assert statements == FIRST_DELIVERY
    assert OrmQ.objects.count() == 1 and WebhookReceipt.objects.count() == 1


def test_an_orders_four_webhooks_take_eleven_statements(client, tenant):
    answers, statements = delivered(client, tenant, ORDER_SCOPES)
    assert answers == ["queued", "coalesced", "coalesced", "coalesced"]
    assert statements == FIRST_DELIVERY + LATER_DELIVERY * 3
    assert len(statements) == 11
    # Nothing is lost by the savings: one record, one task, every delivery kept as its receipt.
    assert SyncRecord.objects.count() == 1 and OrmQ.objects.count() == 1
    assert sorted(WebhookReceipt.objects.values_list("scope", flat=True)) == sorted(ORDER_SCOPES)
    assert list(AuditEvent.objects.values_list("action", flat=True)) == ["record.received"]


def test_a_duplicate_of_a_queued_delivery_takes_three_statements_and_changes_nothing(client, tenant):
    delivered(client, tenant, ORDER_SCOPES[:1])
    record = SyncRecord.objects.get()
    answers, statements = delivered(client, tenant, ORDER_SCOPES[:1])
    assert answers == ["duplicate"]
    # the insert tried first for a created event (exists), the UPDATE that finds it pending, then the
    # receipt's unique key refuses it
    assert statements == ["INSERT audit_syncrecord"] + LATER_DELIVERY
    assert SyncRecord.objects.get().status == record.status == "pending" and OrmQ.objects.count() == 1
    assert WebhookReceipt.objects.count() == 1


def test_a_duplicate_of_a_settled_orders_delivery_does_not_reopen_it(client, tenant):
    delivered(client, tenant, ORDER_SCOPES[:1])
    SyncRecord.objects.update(status="succeeded")
    answers, statements = delivered(client, tenant, ORDER_SCOPES[:1])
    assert answers == ["duplicate"]
    # insert (exists), touch (not pending), the receipt found: no lock taken
    assert statements == ["INSERT audit_syncrecord", "UPDATE audit_syncrecord", "SELECT sync_webhookreceipt"]
    assert SyncRecord.objects.get().status == "succeeded" and OrmQ.objects.count() == 1


def test_a_new_event_for_a_settled_order_reopens_and_queues_it(client, tenant):
    delivered(client, tenant, ORDER_SCOPES[:1])
    SyncRecord.objects.update(status="succeeded")
    answers, _ = delivered(client, tenant, ORDER_SCOPES[3:])
    assert answers == ["queued"]
    assert SyncRecord.objects.get().status == "pending" and OrmQ.objects.count() == 2
    assert WebhookReceipt.objects.count() == 2
