"""The ORM broker with one-statement claims (sync/broker.py, #19): exact statements of a task's cycle, the
library's semantics kept (lock for Conf.RETRY then handed out again, bulk, id order), and no task handed to
two claimers. Real database, no test transaction around the statements (``transaction=True``)."""
import threading
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection, connections, transaction
from django.utils import timezone
from django_q.brokers import get_broker
from django_q.conf import Conf
from django_q.models import OrmQ

from sync import broker as broker_module
from sync.broker import OrmBroker
from tests.qcluster_helpers import wait_until

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def orm_conf(monkeypatch):
    monkeypatch.setattr(Conf, "ORM", "default")
    monkeypatch.setattr(Conf, "POLL", 0.01)  # an empty dequeue sleeps this long
    monkeypatch.setattr(Conf, "BULK", 1)


def statements_of(action) -> tuple[object, list[str]]:
    """(result, statements as "VERB table") of calling action()."""
    seen: list[str] = []

    def record(execute, sql, params, many, context):
        words = sql.replace('"', "").split()
        table = next((words[i + 1] for i, w in enumerate(words[:-1]) if w.upper() in ("FROM", "INTO", "UPDATE")), "")
        seen.append(f"{words[0].upper()} {table}".strip())
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        result = action()
    return result, seen


def test_it_takes_three_statements_from_enqueue_to_acknowledge():
    broker = OrmBroker(list_key="q")
    task_id, enqueued = statements_of(lambda: broker.enqueue("payload-1"))
    claimed, dequeued = statements_of(broker.dequeue)
    _, acknowledged = statements_of(lambda: broker.acknowledge(task_id))
    assert claimed == [(task_id, "payload-1")]
    # No SELECT before the claim, no BEGIN (SQLite) around the delete.
    assert enqueued + dequeued + acknowledged == ["INSERT django_q_ormq", "UPDATE django_q_ormq",
                                                  "DELETE django_q_ormq"]
    assert not OrmQ.objects.exists()


def test_an_empty_poll_is_one_statement():
    claimed, statements = statements_of(OrmBroker(list_key="q").dequeue)
    assert claimed is None
    assert statements == ["UPDATE django_q_ormq"]


def test_it_hands_out_due_tasks_lowest_id_first_bulk_at_a_time(monkeypatch):
    monkeypatch.setattr(Conf, "BULK", 3)
    broker, other_queue = OrmBroker(list_key="q"), OrmBroker(list_key="other")
    ids = [broker.enqueue(f"payload-{n}") for n in range(5)]
    other_queue.enqueue("not ours")
    assert broker.dequeue() == [(task_id, f"payload-{n}") for n, task_id in enumerate(ids[:3])]
    assert (broker.queue_size(), broker.lock_size()) == (2, 3)
    assert broker.dequeue() == [(ids[3], "payload-3"), (ids[4], "payload-4")]
    assert broker.dequeue() is None
    assert other_queue.queue_size() == 1


def test_a_claimed_task_is_locked_for_retry_seconds_then_handed_out_again():
    broker = OrmBroker(list_key="q")
    task_id = broker.enqueue("payload")
    before = timezone.now()
    assert broker.dequeue() == [(task_id, "payload")]
    lock = OrmQ.objects.get(pk=task_id).lock
    assert before + timedelta(seconds=Conf.RETRY) <= lock <= timezone.now() + timedelta(seconds=Conf.RETRY)
    assert broker.dequeue() is None  # locked: never acknowledged, but not due yet
    # The worker died without acknowledging: once the lock has passed the task is due again.
    OrmQ.objects.filter(pk=task_id).update(lock=timezone.now() - timedelta(seconds=1))
    assert broker.dequeue() == [(task_id, "payload")]


def test_two_brokers_never_get_the_same_task_one_after_the_other(monkeypatch):
    monkeypatch.setattr(Conf, "BULK", 2)
    first, second = OrmBroker(list_key="q"), OrmBroker(list_key="q")
    ids = [first.enqueue(f"payload-{n}") for n in range(3)]
    assert [task_id for task_id, _ in first.dequeue()] == ids[:2]
    assert [task_id for task_id, _ in second.dequeue()] == ids[2:]
    assert first.dequeue() is None and second.dequeue() is None


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite runs one writer at a time")
def test_a_claimer_that_waited_on_a_concurrent_claim_skips_its_tasks():
    """Deterministic race on PostgreSQL: the second claim starts while the first is uncommitted, so its
    subquery still sees the tasks as due; it must skip them once the first commits (the outer lock check)."""
    broker = OrmBroker(list_key="q")
    task_id = broker.enqueue("payload")
    claimed, first_claimed, commit_first = {}, threading.Event(), threading.Event()

    def first() -> None:
        try:
            with transaction.atomic():
                claimed["first"] = OrmBroker(list_key="q").dequeue()
                first_claimed.set()
                commit_first.wait(60)
        finally:
            connections.close_all()

    def second() -> None:
        try:
            claimed["second"] = OrmBroker(list_key="q").dequeue()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    threads[0].start()
    assert first_claimed.wait(60)
    threads[1].start()
    wait_until(claim_waits_on_a_row_lock)
    commit_first.set()
    for thread in threads:
        thread.join(60)
    assert claimed == {"first": [(task_id, "payload")], "second": None}


def claim_waits_on_a_row_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                       "AND wait_event_type = 'Lock' AND query LIKE 'UPDATE \"django_q_ormq\"%%'")
        return cursor.fetchone()[0] == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite runs one writer at a time")
def test_concurrent_claimers_share_out_the_queue_without_overlap(monkeypatch):
    monkeypatch.setattr(Conf, "BULK", 2)
    ids = {OrmBroker(list_key="q").enqueue(f"payload-{n}") for n in range(40)}
    start, got = threading.Barrier(2), {0: [], 1: []}

    def claim_all(n: int) -> None:
        try:
            broker = OrmBroker(list_key="q")
            start.wait(60)
            while (tasks := broker.dequeue()) is not None:
                got[n].extend(task_id for task_id, _ in tasks)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=claim_all, args=(n,)) for n in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not set(got[0]) & set(got[1])
    assert sorted(got[0] + got[1]) == sorted(ids)


def test_without_returning_it_claims_the_librarys_way(monkeypatch):
    monkeypatch.setattr(broker_module, "can_claim_in_one_statement", lambda connection: False)
    broker = OrmBroker(list_key="q")
    task_id = broker.enqueue("payload")
    claimed, statements = statements_of(broker.dequeue)
    assert claimed == [(task_id, "payload")]
    assert statements == ["SELECT django_q_ormq", "UPDATE django_q_ormq"]
    assert broker.dequeue() is None


def test_sqlite_before_3_35_has_no_returning(monkeypatch):
    if connection.vendor == "sqlite":
        monkeypatch.setattr(connection.features, "can_return_columns_from_insert", False)
    assert broker_module.can_claim_in_one_statement(connection) == (connection.vendor == "postgresql")


@pytest.mark.skipif(bool(settings.REDIS_URL), reason="Redis is its own broker")
def test_the_cluster_uses_it_with_the_orm_broker():
    assert type(get_broker()) is OrmBroker
