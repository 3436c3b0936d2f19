"""Shared set-up for the benchmarks: a throwaway database, a web server and a qcluster on it.

Run from the project root with the virtualenv's Python, e.g. `.venv/bin/python bench/orders.py`.
Uses SQLite in a temporary file unless DATABASE_URL is set (use a scratch PostgreSQL database).
"""
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def configure() -> dict:
    """Environment for this process and its children; call before django.setup()."""
    if not os.environ.get("DATABASE_URL"):
        path = Path(tempfile.mkdtemp(prefix="mlc-bench-")) / "bench.sqlite3"
        os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    os.environ.update({"DEBUG": "1", "SANDBOX_ENABLED": "1", "Q_SYNC": "0", "LOG_LEVEL": "WARNING"})
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "connector_site.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return dict(os.environ)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


PRODUCTION = ["-c", "connector_site/gunicorn.conf.py"]  # gunicorn's options as the README runs it


def web_server(port: int, options: list[str] = PRODUCTION) -> list[str]:
    """Arguments to Python for gunicorn on loopback, by default with the production settings: it serves the
    connector's webhook receivers and both simulators.

    Not runserver: it writes a response's headers and body in two packets without TCP_NODELAY, so on a kept-alive
    connection Nagle's algorithm waits for the client's delayed ACK and every request after the first is answered
    ~40 ms late (measured here: 68-75 ms a request on one session, 27-33 ms on fresh connections). Neither the
    real APIs nor gunicorn (which sets TCP_NODELAY) do that, and a client with a session pays it on every call."""
    return ["-m", "gunicorn", *options, "connector_site.wsgi", "--bind", f"127.0.0.1:{port}"]


def manage(*args: str) -> list[str]:
    return ["manage.py", *args]


@contextmanager
def processes(*commands: list[str], env: dict):
    """Starts each command (arguments to this Python) in a process group of its own; stops them all at the end."""
    running = [subprocess.Popen([sys.executable, *cmd], cwd=ROOT, env=env, start_new_session=True,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for cmd in commands]
    try:
        yield running
    finally:
        for process in running:
            os.killpg(process.pid, signal.SIGTERM)
        for process in running:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)


def wait_for_http(url: str, timeout: float = 30.0) -> None:
    import requests

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            # Any answer means the server is up: /healthz says 503 while no worker heartbeat is fresh,
            # which benchmarks without a qcluster never have.
            requests.get(url, timeout=2)
            return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise SystemExit(f"{url} did not come up within {timeout} s")


def group_cpu_seconds(pid: int) -> float:
    """User + system CPU so far of a process and its live descendants (Linux /proc): gunicorn's master and its
    workers. 0 for what cannot be read."""
    total, pids = 0.0, [pid]
    while pids:
        current = pids.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            pids += [int(child) for child in Path(f"/proc/{current}/task/{current}/children").read_text().split()]
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]
