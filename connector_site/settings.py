"""ml-connector settings. Everything that differs between machines comes from the environment.

See the configuration table in README.md. Outside DEBUG, SECRET_KEY and FERNET_KEYS are required;
in DEBUG a development key is derived from the checkout's path (stable across restarts, so the
local database stays readable) and a warning says so.
"""
import hashlib
import ipaddress
import os
import sys
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from connector_site.env import env_bool, env_float, env_int, env_list, env_url

BASE_DIR = Path(__file__).resolve().parent.parent
VERSION = "0.1.0"

DEBUG = env_bool("DEBUG", False)


def _development_key(purpose: str) -> str:
    if not DEBUG:
        raise ImproperlyConfigured(f"{purpose} must be set in the environment when DEBUG is off.")
    print(f"ml-connector: {purpose} not set; using a development key derived from {BASE_DIR} (DEBUG only).",
          file=sys.stderr)
    return hashlib.sha256(f"ml-connector-dev:{purpose}:{BASE_DIR}".encode()).hexdigest()


SECRET_KEY = os.environ.get("SECRET_KEY") or _development_key("SECRET_KEY")
# First key encrypts, every key decrypts; rotate with `manage.py rotate_fernet_keys`.
FERNET_KEYS = env_list("FERNET_KEYS", []) or [_development_key("FERNET_KEYS")]

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"] if DEBUG else [])
PUBLIC_BASE_URL = env_url("PUBLIC_BASE_URL", "http://localhost:8000")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [PUBLIC_BASE_URL])
# The simulated BigCommerce and Acumatica APIs; never mounted in production unless asked for.
SANDBOX_ENABLED = env_bool("SANDBOX_ENABLED", DEBUG)
# The Default endpoint version the demo tenant and the end-to-end tests pin (every seeded sandbox instance
# serves 22.200.001, 23.200.001 and 24.200.001); run a suite on another one with this variable.
SANDBOX_ENDPOINT_VERSION = os.environ.get("SANDBOX_ENDPOINT_VERSION") or "24.200.001"
if SANDBOX_ENDPOINT_VERSION not in ("22.200.001", "23.200.001", "24.200.001"):
    raise ImproperlyConfigured("SANDBOX_ENDPOINT_VERSION must be 22.200.001, 23.200.001 or 24.200.001.")
# Outbound calls to merchant-chosen hosts go to public addresses only (sync/outbound.py); these
# networks (CIDR, comma-separated) are allowed too, e.g. an ERP on the company's private network.
OUTBOUND_ALLOWED_NETWORKS = env_list("OUTBOUND_ALLOWED_NETWORKS", [])
for _network in OUTBOUND_ALLOWED_NETWORKS:
    try:
        ipaddress.ip_network(_network, strict=False)
    except ValueError:
        raise ImproperlyConfigured(f"OUTBOUND_ALLOWED_NETWORKS: {_network!r} is not a network like 10.1.2.0/24.")

INSTALLED_APPS = [
    "connector_site.admin_site.ConnectorAdminConfig",  # django.contrib.admin with our site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI served from our static files (no CDN)
    "django_q",
    "axes",
    "tenants",
    "audit",
    "sync",
]
if SANDBOX_ENABLED:
    INSTALLED_APPS += ["sandbox", "sandbox.bigcommerce", "sandbox.acumatica"]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: turns a locked-out login into its lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "connector_site.urls"
WSGI_APPLICATION = "connector_site.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DB_CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web server and qcluster workers write to one SQLite file: wait for locks instead of failing,
    # and take the write lock up front so a read-then-write transaction cannot deadlock.
    DATABASES["default"]["OPTIONS"] = {"timeout": 30, "transaction_mode": "IMMEDIATE",
                                       "init_command": "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;"}
    # Tests use a file, not memory, so a real qcluster process can share the test database.
    DATABASES["default"]["TEST"] = {"NAME": os.environ.get("SQLITE_TEST_NAME") or str(BASE_DIR / ".test-db.sqlite3")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
# Login throttling (django-axes) for the admin and the merchant login: after LOGIN_FAILURE_LIMIT wrong
# passwords for one user name from one address, that pair is locked out for LOGIN_LOCKOUT_MINUTES
# (a right password does not get in meanwhile); a successful login resets the count.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/onboarding/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]

# Production hardening; `manage.py check --deploy` must be clean with DEBUG off.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp): scripts, styles, images and fonts from this site only, no
# plugins, no framing, forms post only here. Style *attributes* stay allowed (a few badges and the
# Django admin's widgets set them); <style> and <script> elements must come from files.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF], "script-src": [SELF], "style-src": [SELF], "style-src-elem": [SELF],
        "style-src-attr": ["'unsafe-inline'"], "img-src": [SELF, "data:"], "font-src": [SELF],
        "connect-src": [SELF], "object-src": [NONE], "base-uri": [SELF], "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
SILENCED_SYSTEM_CHECKS = ["security.W021"]  # HSTS preload is the operator's call, off by default.

# django-q2: the ORM broker by default (nothing to install); Redis when REDIS_URL is set.
REDIS_URL = os.environ.get("REDIS_URL", "")
Q_CLUSTER = {
    "name": "ml-connector",
    "workers": env_int("Q_WORKERS", 2, minimum=1),
    "timeout": env_int("Q_TIMEOUT", 300, minimum=10),
    "retry": env_int("Q_TIMEOUT", 300, minimum=10) + 60,
    "max_attempts": 1,  # retries are ours: SyncRecord keeps attempts and backoff.
    "ack_failures": True,
    "catch_up": False,
    # Successful tasks are not kept (-1): every outcome is on its SyncRecord and in the audit trail, and a
    # positive limit makes every task completion lock and load up to that many task rows. Failures are kept.
    "save_limit": env_int("Q_SAVE_LIMIT", -1, minimum=-1),
    "poll": 0.5,
    "sync": env_bool("Q_SYNC", False),
    "label": "Task queue",
}
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"
    # The library's ORM broker with a one-statement claim (UPDATE ... RETURNING) and a bare DELETE on
    # acknowledge: two statements fewer per task, same semantics (#19, sync/broker.py). Redis needs none.
    Q_CLUSTER["broker_class"] = "sync.broker.OrmBroker"

# E-mail (alert digests, audit/alerts.py): printed to the console unless an SMTP server is configured.
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND") or (
    "django.core.mail.backends.smtp.EmailBackend" if os.environ.get("EMAIL_HOST")
    else "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 587, minimum=1)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "ml-connector <alerts@localhost>")
# At most one alert digest per tenant per this many minutes.
ALERT_DIGEST_MINUTES = env_int("ALERT_DIGEST_MINUTES", 60, minimum=1)

# Workers write a heartbeat every minute (sync/heartbeat.py); older than this, they count as dead.
WORKER_HEARTBEAT_MAX_AGE_SECONDS = env_int("WORKER_HEARTBEAT_MAX_AGE_SECONDS", 180, minimum=60)

# Outbound HTTP to BigCommerce and Acumatica (sync/clients.py).
HTTP_CONNECT_TIMEOUT = env_float("HTTP_CONNECT_TIMEOUT", 5.0)
HTTP_READ_TIMEOUT = env_float("HTTP_READ_TIMEOUT", 60.0)
HTTP_MAX_ATTEMPTS = env_int("HTTP_MAX_ATTEMPTS", 5, minimum=1)
HTTP_RETRY_BASE_DELAY = env_float("HTTP_RETRY_BASE_DELAY", 0.5)
HTTP_RETRY_MAX_DELAY = env_float("HTTP_RETRY_MAX_DELAY", 30.0)
HTTP_MAX_TOTAL_WAIT = env_float("HTTP_MAX_TOTAL_WAIT", 120.0)
ACUMATICA_ACTION_POLL_SECONDS = env_float("ACUMATICA_ACTION_POLL_SECONDS", 1.0)
# A webhooked record's run waits this long after the first event, so the burst BigCommerce sends for one
# change (an order's created, transaction and status events) makes one run, not two (sync/tasks.py). It is
# most of an idle order's latency: an order's webhooks arrive within about 0.1 s of each other, and the wait
# stretches (up to twice this) while they still arrive; a longer window trades latency for fewer second runs.
WEBHOOK_SETTLE_SECONDS = env_float("WEBHOOK_SETTLE_SECONDS", 0.2)
# The scheduled catch-up poll leaves what changed this recently to its webhooks, in flight (sync/polling.py);
# the next poll reads it if they never come. Webhooks normally arrive within seconds.
POLL_WEBHOOK_GRACE_SECONDS = env_int("POLL_WEBHOOK_GRACE_SECONDS", 60, minimum=0)

# Sync records (audit/backoff.py): retry backoff, attempts before needs_attention, run lease.
SYNC_RETRY_BASE_SECONDS = env_int("SYNC_RETRY_BASE_SECONDS", 30, minimum=1)
SYNC_RETRY_CAP_SECONDS = env_int("SYNC_RETRY_CAP_SECONDS", 3600, minimum=1)
SYNC_MAX_ATTEMPTS = env_int("SYNC_MAX_ATTEMPTS", 8, minimum=1)
# A run's lease is renewed by a heartbeat every quarter of it, so it can be short: a dead worker's record is
# recovered by the next minute's sweep after the lease ends (audit/lease.py).
SYNC_LEASE_SECONDS = env_int("SYNC_LEASE_SECONDS", 20, minimum=8)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "audit.api.auth.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "audit.api.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "ml-connector API",
    "DESCRIPTION": "Sync records, audit trail, replay and SKU mappings of the BigCommerce-Acumatica connector.",
    "VERSION": VERSION,
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema and the docs page need a signed-in user (session or token): they describe internals.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# Error pages and mails hide every tenant secret they could show, with DEBUG on too.
DEFAULT_EXCEPTION_REPORTER_FILTER = "connector_site.error_reports.SecretHidingFilter"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}
