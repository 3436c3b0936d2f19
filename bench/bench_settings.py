"""Settings for the benchmark's web server and qcluster: the project's, plus statement counting
(bench/statements.py) when BENCH_STATEMENTS_DIR is set."""
import os

from connector_site.settings import *  # noqa: F401,F403

if os.environ.get("BENCH_STATEMENTS_DIR"):
    import statements

    statements.install(os.environ["BENCH_STATEMENTS_DIR"])
