"""Keeping a running record's lease alive while its run is alive.

A claim holds the record for a short lease (SYNC_LEASE_SECONDS, 20 s by default). While the run goes on,
a heartbeat thread in the worker renews the lease every quarter of it; when the worker dies (killed,
out of memory, the machine gone), the beats stop, the lease ends within seconds and the next recovery
sweep (``sync.tasks.run_due_records``, every minute) re-queues the record. A run that is merely slow
keeps its record however long it takes, so a short lease never makes two workers run one record.
"""
from __future__ import annotations

import logging
import threading
from types import TracebackType

from django.db import DatabaseError, connection

log = logging.getLogger(__name__)


class LeaseHeartbeat:
    """``with LeaseHeartbeat(record): run(record)`` renews the record's lease in a thread until the block ends."""

    def __init__(self, record, interval: float | None = None) -> None:
        from audit import backoff
        self.record = record
        self.interval = interval if interval is not None else backoff.lease().total_seconds() / 4
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"lease-heartbeat-{record.pk}", daemon=True)

    def __enter__(self) -> "LeaseHeartbeat":
        self._thread.start()
        return self

    def __exit__(self, exc_type: type | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self._stop.set()
        self._thread.join(timeout=self.interval * 2)

    def _beat(self) -> None:
        try:
            while not self._stop.wait(self.interval):
                try:
                    if not self.record.renew_lease():
                        return  # the run lost its claim (recovered as dead); nothing left to keep alive
                except DatabaseError as error:  # a hiccup: the lease has room for a few missed beats
                    log.warning("Could not renew the lease of sync record %s: %s", self.record.pk, error)
        finally:
            connection.close()  # this thread's own connection
