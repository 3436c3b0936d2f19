"""Fresh processes load the views and the ISO tables before their first request or task (connector_site/warmup.py).

A fresh gunicorn worker used to import every view module on its first request and a qcluster worker to read
pycountry's tables on its first order (~0.3 s each). What is checked here is what is loaded and where, in real
processes, not how long anything takes.
"""
import json
import os
import runpy
import subprocess
import sys

import pytest
from django_q.tasks import async_task

from tests import qcluster_helpers

# Imported by the URLconf only (a view module), and pycountry's largest lazily read table.
PROBE = """
import json, sys
import pycountry
from django.db import connections
print(json.dumps({"views": "tenants.views" in sys.modules, "subdivisions": pycountry.subdivisions._is_loaded,
                  "open_connections": sum(c.connection is not None for c in connections.all())}))
"""


def run_python(code: str) -> dict:
    done = subprocess.run([sys.executable, "-c", code], cwd=qcluster_helpers.ROOT, capture_output=True, text=True,
                          env={**os.environ, "DATABASE_URL": qcluster_helpers.test_database_url(),
                               "DEBUG": "1"}, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.django_db(transaction=True)
def test_a_process_that_only_set_django_up_has_loaded_neither():
    loaded = run_python("import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', "
                        "'connector_site.settings'); django.setup()\n" + PROBE)
    assert loaded == {"views": False, "subdivisions": False, "open_connections": 0}


@pytest.mark.django_db(transaction=True)
def test_loading_the_wsgi_application_warms_it_without_a_database_connection():
    # gunicorn's master does this once (preload_app) and forks its workers from it.
    loaded = run_python("import connector_site.wsgi\n" + PROBE)
    assert loaded == {"views": True, "subdivisions": True, "open_connections": 0}


def test_gunicorns_production_settings_preload_the_application():
    production = runpy.run_path(str(qcluster_helpers.ROOT / "connector_site/gunicorn.conf.py"))
    assert production["preload_app"] is True
    assert production["worker_class"] == "gthread"


def report_what_is_loaded(path: str) -> None:
    """Runs as a qcluster task: writes what the worker process had loaded when it took its first task."""
    import pycountry

    with open(path, "w") as out:
        json.dump({"views": "tenants.views" in sys.modules, "subdivisions": pycountry.subdivisions._is_loaded}, out)


@pytest.mark.django_db(transaction=True)
def test_a_qcluster_worker_is_warm_before_its_first_task(tmp_path):
    report = tmp_path / "loaded.json"
    with qcluster_helpers.running_qcluster(workers=1):
        async_task("tests.test_warmup.report_what_is_loaded", str(report), sync=False)
        qcluster_helpers.wait_until(report.exists, timeout=60)
    assert json.loads(report.read_text()) == {"views": True, "subdivisions": True}
