"""How /healthz answers while slow clients hold connections, for a gunicorn command line.

    .venv/bin/python bench/slow_clients.py            # README's command vs the old bare sync workers

Each slow client sends a webhook POST's headers, then trickles its body one byte every half second,
the way a stalled upload or a slowloris attacker does. While they are connected, /healthz is asked
repeatedly; the figures are its answer times and how many requests got no answer within 5 s.
Loopback only; every process and socket is closed at the end.
"""
from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import PRODUCTION, configure, free_port, web_server  # noqa: E402  (needs ROOT on the path)

OLD_SYNC_WORKERS = ["--workers", "4"]


@contextmanager
def gunicorn(args: list[str], database_url: str, **env: str):
    """A gunicorn on loopback with production settings (DEBUG off); yields its port."""
    from django.conf import settings
    port = free_port()
    # The caller's Fernet keys, so the server can read the tenant secrets the caller stored.
    environment = {**os.environ, "DATABASE_URL": database_url, "DEBUG": "0", "SECRET_KEY": "bench-secret-key",
                   "FERNET_KEYS": ",".join(settings.FERNET_KEYS), "ALLOWED_HOSTS": "127.0.0.1", "SECURE_SSL_REDIRECT": "0",
                   "SANDBOX_ENABLED": "0", "WEB_BIND": f"127.0.0.1:{port}", "WEB_ACCESS_LOG": "", **env}
    process = subprocess.Popen([sys.executable, *web_server(port, args)], cwd=ROOT, env=environment, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 30
        while healthz(port, timeout=1.0) is None:
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError("gunicorn did not start")
            time.sleep(0.2)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def healthz(port: int, timeout: float = 5.0) -> float | None:
    """Seconds /healthz took to answer 200, or None when it did not answer in time."""
    started = time.monotonic()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            answer = sock.recv(64)
    except OSError:
        return None
    return time.monotonic() - started if answer.startswith(b"HTTP/1.1 200") else None


@contextmanager
def slow_clients(port: int, count: int, path: str, interval: float = 0.5):
    """``count`` connections trickling a POST body to ``path``, one byte per ``interval``, until the block ends.

    ``path`` should be a receiver of a real tenant: it reads the body (to check its signature) before
    answering, so a slow body holds whatever serves it.
    """
    stop = threading.Event()
    sockets = []
    for _ in range(count):
        sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        sock.sendall(f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                     "Content-Length: 60000\r\n\r\n".encode())
        sockets.append(sock)

    def trickle():
        while not stop.wait(interval):
            for sock in sockets:
                try:
                    sock.send(b" ")
                except OSError:
                    pass
    thread = threading.Thread(target=trickle, daemon=True)
    thread.start()
    try:
        time.sleep(max(2.0, interval * 4))  # every slow client is inside the server before measuring
        yield
    finally:
        stop.set()
        thread.join()
        for sock in sockets:
            sock.close()


def warm_up(port: int, requests: int = 10) -> None:
    """Each worker imports what /healthz needs on its first call; measure the server, not that."""
    for _ in range(requests):
        healthz(port)


def measure(port: int, clients: int, path: str, probes: int = 5) -> dict:
    warm_up(port)
    with slow_clients(port, clients, path):
        times = [healthz(port) for _ in range(probes)]
    answered = [t for t in times if t is not None]
    return {"slow clients": clients, "probes": probes, "unanswered": probes - len(answered),
            "median ms": round(statistics.median(answered) * 1000, 1) if answered else None,
            "max ms": round(max(answered) * 1000, 1) if answered else None}


def main() -> None:
    configure()  # a migrated throwaway database
    from tenants.models import BigCommerceConnection, Tenant
    tenant = Tenant.objects.create(slug="slow-bench", name="Slow clients bench")
    BigCommerceConnection.objects.create(tenant=tenant, store_hash="slowbench", access_token="t" * 20,
                                         client_id="client", client_secret="s" * 20)
    path = f"/webhooks/bigcommerce/{tenant.public_id}/"
    database_url = os.environ["DATABASE_URL"]
    for name, args in (("README (gthread, 4 x 16 threads)", PRODUCTION), ("old: --workers 4 (sync)", OLD_SYNC_WORKERS)):
        with gunicorn(args, database_url) as port:
            for clients in (6, 24):
                print(name, measure(port, clients, path))


if __name__ == "__main__":
    main()
