"""Gunicorn settings for production: ``gunicorn -c connector_site/gunicorn.conf.py connector_site.wsgi``.

Threaded workers (gthread): a client that sends slowly (a body trickled byte by byte, a stalled
upload) holds one thread, not a whole worker process, and gunicorn waits for a connection's first
bytes in its poller, not in a thread. So /healthz and the webhook receivers keep answering while up to
WEB_WORKERS x WEB_THREADS - 1 clients are slow (bench/slow_clients.py measures it). Gunicorn has no
overall time limit on reading a request, so on the internet put a buffering reverse proxy in front
(README, "Production web server"), which reads each request whole, with timeouts, before passing it on.
Every value can be overridden from the environment (WEB_*).
"""
import os

bind = os.environ.get("WEB_BIND", "0.0.0.0:8000")
worker_class = "gthread"
workers = int(os.environ.get("WEB_WORKERS", "4"))
threads = int(os.environ.get("WEB_THREADS", "16"))
timeout = int(os.environ.get("WEB_TIMEOUT", "60"))        # a worker whose main loop is silent this long is restarted
graceful_timeout = 30
# The application is loaded and warmed once in the master (connector_site/warmup.py), then forked: a new or
# recycled worker answers its first request without first importing every view (~0.3 s).
preload_app = True
keepalive = int(os.environ.get("WEB_KEEPALIVE", "5"))      # idle keep-alive connections wait in the poller
max_requests = 10_000                                      # recycle workers now and then (memory)
max_requests_jitter = 1_000
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190
accesslog = os.environ.get("WEB_ACCESS_LOG", "-") or None  # empty: no access log
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
