"""Counts the database statements of the connector's processes during a benchmark (not the sandbox's).

Loaded by `bench_settings` (the settings module the benchmark gives its web server and qcluster). Every
statement of a connection goes through an execute wrapper that counts it under where it ran: "sandbox"
(a request to /sandbox/: the simulated BigCommerce and Acumatica, not the connector), "webhook" (the
receivers), "web" (other requests), "worker" (qcluster: the records' tasks and the broker), "scheduled" (the
qcluster's scheduled jobs: catch-up poll, catalog schedule, webhook checks, the due-record sweep). Each process writes its counts to
`$BENCH_STATEMENTS_DIR/<pid>.json` a few times a second; `collect()` adds them up.
"""
from __future__ import annotations

import json
import os
import re
import sys
import threading
import time
from collections import Counter
from pathlib import Path

TABLE = re.compile(r'\b(?:FROM|INTO|UPDATE|JOIN)\s+"?(\w+)"?', re.IGNORECASE)
_local = threading.local()
_lock = threading.Lock()
_counts: Counter = Counter()
_state = {"pid": None}


def install(directory: str) -> None:
    from django.core.signals import request_finished, request_started
    from django.db.backends.signals import connection_created

    def started(sender, environ=None, **kwargs):
        path = (environ or {}).get("PATH_INFO", "")
        _local.where = "sandbox" if path.startswith("/sandbox/") else "webhook" if path.startswith("/webhooks/") \
            else "web"

    def finished(sender, **kwargs):
        _local.where = None

    def task_started(sender, func=None, task=None, **kwargs):
        # An order's work is a record's task; the cluster's scheduled jobs (catch-up poll, catalog schedule,
        # webhook checks, the due-record sweep) run beside the orders but are not any order's cost.
        _local.where = "worker" if getattr(func, "__name__", "") == "process_record" else "scheduled"

    def created(sender, connection, **kwargs):
        if _count not in connection.execute_wrappers:
            connection.execute_wrappers.append(_count)
        if "qcluster" in sys.argv and not _state.get("tasks_watched"):  # settings are ready by now
            from django_q.signals import post_execute_in_worker, pre_execute

            pre_execute.connect(task_started, weak=False)
            post_execute_in_worker.connect(finished, weak=False)
            _state["tasks_watched"] = True

    request_started.connect(started, weak=False)
    request_finished.connect(finished, weak=False)
    connection_created.connect(created, weak=False)
    _state["directory"] = directory


def _count(execute, sql, params, many, context):
    where = getattr(_local, "where", None) or ("worker" if "qcluster" in sys.argv else "web")
    verb = (sql or "").lstrip().split(None, 1)[0].upper() if sql else "?"
    table = TABLE.search(sql or "")
    with _lock:
        if _state["pid"] != os.getpid():  # a forked worker: the parent's counts are the parent's
            _state["pid"] = os.getpid()
            _counts.clear()
            threading.Thread(target=_flush_forever, daemon=True).start()
        _counts[(where, verb, table.group(1) if table else "")] += 1
    return execute(sql, params, many, context)


def _flush_forever() -> None:
    path = Path(_state["directory"]) / f"{os.getpid()}.json"
    while True:
        time.sleep(0.2)
        with _lock:
            rows = [[*key, n] for key, n in _counts.items()]
        path.with_suffix(".tmp").write_text(json.dumps(rows))
        path.with_suffix(".tmp").replace(path)


def collect(directory: str) -> Counter:
    """(where, verb, table) -> statements, over every process that wrote counts."""
    total: Counter = Counter()
    for path in Path(directory).glob("*.json"):
        for where, verb, table, n in json.loads(path.read_text()):
            total[(where, verb, table)] += n
    return total
