"""Running a real `manage.py qcluster` against the test database."""
import os
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


def test_database_url() -> str:
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    user, host, port = settings["USER"] or "postgres", settings["HOST"] or "127.0.0.1", settings["PORT"] or 5432
    password = f":{settings['PASSWORD']}" if settings.get("PASSWORD") else ""
    return f"postgres://{user}{password}@{host}:{port}/{settings['NAME']}"


@contextmanager
def running_qcluster(workers: int = 2, **env: str):
    """A qcluster process on the test database; stopped (SIGTERM, then kill) when the block ends."""
    environment = {**os.environ, "DATABASE_URL": test_database_url(), "Q_SYNC": "0", "Q_WORKERS": str(workers),
                   "DEBUG": "1", **env}
    process = subprocess.Popen([sys.executable, "manage.py", "qcluster"], cwd=ROOT, env=environment,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        yield process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                kill_hard(process)


def kill_hard(process: subprocess.Popen) -> None:
    """SIGKILL to the qcluster and all its worker processes: nothing gets to clean up."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait()


def wait_until(check, timeout: float = 60.0, interval: float = 0.25):
    """Polls `check()` until it returns something truthy; returns that, or raises with the last value."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            assert value, f"condition not met within {timeout} s"
            return value
        time.sleep(interval)
