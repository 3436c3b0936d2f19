"""`make run`'s command, headless and bounded: orders must flow into the sandbox Acumatica."""
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys

import pytest
import requests

from tests.qcluster_helpers import ROOT, wait_until

pytestmark = pytest.mark.e2e


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def count_rows(db_path, sql: str) -> int:
    try:
        with sqlite3.connect(db_path, timeout=10) as db:
            return db.execute(sql).fetchone()[0]
    except sqlite3.OperationalError:
        return 0  # tables not migrated yet


def admin_session(base_url: str) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{base_url}/admin/login/", timeout=10).text
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    session.post(f"{base_url}/admin/login/", timeout=10, headers={"Referer": f"{base_url}/admin/login/"},
                 data={"username": "admin", "password": "demo-pass-1", "csrfmiddlewaretoken": token, "next": "/admin/"})
    return session


def take_ctrl_c() -> None:
    """The demo stops on Ctrl-C (SIGINT) even when the tests run as a background job of a script (as `.ci/run`
    runs them), where the shell starts them with SIGINT ignored and children inherit that."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_it_runs_the_demo_and_orders_reach_acumatica_and_shipments_come_back(tmp_path):
    db_path, port = tmp_path / "demo.sqlite3", free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db_path}", "DEBUG": "1", "Q_SYNC": "0",
           "DEMO_ADMIN_PASSWORD": "demo-pass-1", "LOG_LEVEL": "WARNING"}
    demo = subprocess.Popen([sys.executable, "manage.py", "demo", "--port", str(port), "--orders-per-minute", "30"],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True, preexec_fn=take_ctrl_c)
    try:
        sales_orders = "SELECT count(*) FROM sandbox_acumatica_record WHERE entity = 'SalesOrder'"
        synced = "SELECT count(*) FROM audit_syncrecord WHERE kind = 'order' AND status = 'succeeded'"
        wait_until(lambda: count_rows(db_path, sales_orders) >= 2 and count_rows(db_path, synced) >= 2, timeout=150)
        # The sandbox warehouse ships an open sales order every 15 s; its push brings the shipment back.
        shipped = "SELECT count(*) FROM audit_syncrecord WHERE kind = 'shipment' AND status = 'succeeded'"
        wait_until(lambda: count_rows(db_path, shipped) >= 1, timeout=90)
        session = admin_session(base_url)
        listing = session.get(f"{base_url}/admin/audit/syncrecord/?kind=order", timeout=10)
        assert listing.status_code == 200 and "Succeeded" in listing.text
        health = session.get(f"{base_url}/healthz", timeout=30).json()
        assert health["status"] == "ok" and health["workers"]["ok"], health
        assert [(t["slug"], t["state"]) for t in health["tenants"]] == [("demo", "green")], health["tenants"]
    finally:
        demo.send_signal(signal.SIGINT)
        try:
            output, _ = demo.communicate(timeout=60)  # a loaded CI box needs time to stop the workers
        except subprocess.TimeoutExpired:
            os.killpg(demo.pid, signal.SIGKILL)
            output, _ = demo.communicate()
    assert demo.returncode == 0, output[-3000:]
    assert "Stopped." in output and "Admin login: admin / demo-pass-1" in output
    # The address is printed once the workers beat: the dashboard is not red for want of them at first look.
    assert output.index("Task workers: task workers are alive") < output.index(f"running at {base_url}/admin/")
    assert f"Onboard a store: {base_url}/onboarding/start/" in output
    assert count_rows(db_path, "SELECT count(*) FROM audit_syncrecord WHERE status = 'running'") == 0
