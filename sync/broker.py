"""django-q2's ORM broker with fewer statements per task (#19).

The library's broker spends per task: a SELECT of the due tasks, one UPDATE per task to lock it (guarded by the
lock it read, so a second cluster that read the same row updates nothing), and on acknowledge a queryset
delete(), which Django wraps in a transaction (a BEGIN statement on SQLite). Here the claim is one
``UPDATE ... RETURNING`` and the acknowledge one bare DELETE; everything else is the library's. The semantics
are the library's: tasks whose lock has passed are due, a claimed task is locked for ``Conf.RETRY`` seconds
and handed out again after that if it was never acknowledged, at most ``Conf.BULK`` per dequeue, lowest id
first, and an empty queue sleeps ``Conf.POLL``.
"""
from time import sleep

from django.db import connections
from django.utils import timezone
from django_q.brokers.orm import ORM
from django_q.conf import Conf
from django_q.models import OrmQ

# The inner SELECT picks the due tasks; the outer "lock < now" is what keeps two clusters apart on
# PostgreSQL: an UPDATE that waited for a concurrent claimer's row lock re-checks its WHERE against the row
# that claimer committed, whose lock is now in the future, and skips it. SQLite runs one writer at a time,
# so the second claimer's subquery already sees the first one's locks.
CLAIM = (
    "UPDATE {table} SET {lock} = %s WHERE {id} IN ("
    "SELECT {id} FROM {table} WHERE {key} = %s AND {lock} < %s ORDER BY {id} LIMIT %s"
    ") AND {lock} < %s RETURNING {id}, {payload}"
)


def can_claim_in_one_statement(connection) -> bool:
    """UPDATE ... RETURNING: PostgreSQL, and SQLite from 3.35 (the release that added RETURNING, which is
    also what Django's can_return_columns_from_insert tests). MySQL has no RETURNING and MariaDB none on
    UPDATE, so they keep the library's claim."""
    if connection.vendor == "postgresql":
        return True
    return connection.vendor == "sqlite" and connection.features.can_return_columns_from_insert


class OrmBroker(ORM):
    def dequeue(self):
        queryset = self.get_connection()  # the library's way in: closes stale connections outside atomic blocks
        connection = connections[queryset.db]
        if not can_claim_in_one_statement(connection):
            return super().dequeue()
        now = timezone.now()
        with connection.cursor() as cursor:
            cursor.execute(claim_sql(connection), claim_params(connection, self.list_key, now, self.timeout(None)))
            claimed = cursor.fetchall()
        if claimed:
            # RETURNING gives no order; the library hands tasks out by id.
            return sorted(claimed)
        sleep(Conf.POLL)  # empty queue, spare the CPU (as the library does)

    def delete(self, task_id) -> None:
        # One DELETE without Django's collector: OrmQ has no relations, and the collector's transaction
        # around a single-row delete is a statement of its own on SQLite. No signals are sent for OrmQ rows
        # (nothing in the project listens to them).
        queryset = self.get_connection().filter(pk=task_id)
        queryset._raw_delete(queryset.db)


def claim_sql(connection) -> str:
    quote = connection.ops.quote_name
    columns = {field: quote(OrmQ._meta.get_field(field).column) for field in ("id", "key", "lock", "payload")}
    return CLAIM.format(table=quote(OrmQ._meta.db_table), **columns)


def claim_params(connection, key: str, now, lock_until) -> list:
    """Parameters in the order of CLAIM, the datetimes prepared the way the ORM stores them (SQLite keeps
    text in UTC, PostgreSQL a timestamptz)."""
    lock = OrmQ._meta.get_field("lock")
    now, lock_until = (lock.get_db_prep_value(value, connection) for value in (now, lock_until))
    return [lock_until, key, now, Conf.BULK, now]
