"""One live server for a whole test session, over committed rows (no per-test transaction or flush, which
costs seconds on PostgreSQL): the Acumatica sandbox tests and the scenario corpus use it."""
from contextlib import contextmanager

from django.conf import settings
from django.db import connection
from django.test.utils import setup_databases, teardown_databases

# The database the settings name, read as the test modules are collected, before any test database exists.
CONFIGURED_DATABASE = str(settings.DATABASES["default"]["NAME"])


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
    if str(connection.settings_dict["NAME"]) != CONFIGURED_DATABASE:
        return None  # a test database is in use: pytest-django's, or the one an earlier server made
    return setup_databases(verbosity=0, interactive=False, aliases={"default"})
