"""The README's production server keeps answering /healthz while slow clients hold connections.

Twelve clients trickle request bodies (three times what stalls the old four sync workers) at a
gunicorn started exactly as the README says, scaled down to 2 workers (of 16 threads, the default) to
stay light. Each worker accepts connections on its own, so the spread of slow clients over the two is
uneven: with 16 threads a worker still has one free even if all twelve land on it.
"""
import statistics

import pytest

from bench.slow_clients import PRODUCTION, gunicorn, healthz, slow_clients, warm_up
from tests import qcluster_helpers

pytestmark = pytest.mark.django_db(transaction=True)


def test_healthz_answers_while_slow_clients_are_connected(tenant):
    receiver = f"/webhooks/bigcommerce/{tenant.public_id}/"  # reads the body before it answers
    with gunicorn(PRODUCTION, qcluster_helpers.test_database_url(), WEB_WORKERS="2", WEB_THREADS="16") as port:
        warm_up(port)
        with slow_clients(port, count=12, path=receiver):
            times = [healthz(port, timeout=5.0) for _ in range(6)]
    assert None not in times, times  # the old command (4 sync workers) answered none of them
    assert statistics.median(times) < 0.5, times
