"""One live server for a whole test session, over committed rows (no per-test transaction or flush, which
costs seconds on PostgreSQL): the Acumatica sandbox tests and the scenario corpus use it."""
from contextlib import contextmanager

from django.db import connection
from django.test.utils import setup_databases, teardown_databases


@contextmanager
def session_live_server(django_db_blocker):
    from pytest_django.live_server_helper import LiveServer

    with django_db_blocker.unblock():
        made = _test_database()
        server = LiveServer("localhost")
    try:
        yield server
    finally:
        server.stop()
        if made:
            with django_db_blocker.unblock():
                teardown_databases(made, verbosity=0)


def _test_database():
    """pytest-django creates the test database only when a collected test asks for `db`, `live_server` or a
    django_db mark; these tests ask for none (they commit their rows), so a run of them alone creates it here,
    instead of using the configured database."""
    if connection.settings_dict["NAME"] == connection.creation._get_test_db_name():
        return None
    return setup_databases(verbosity=0, interactive=False, aliases={"default"})
