"""Settings fail loudly on bad values, and a production-like configuration passes Django's deploy checks."""
import os
import subprocess
import sys
from pathlib import Path

from django.core.management import call_command

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = {
    "DEBUG": "0", "SECRET_KEY": "x" * 60 + "-production-like-secret-key", "FERNET_KEYS": "k1,k2",
    "ALLOWED_HOSTS": "connector.example.com", "PUBLIC_BASE_URL": "https://connector.example.com",
}


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "SECRET_KEY", "FERNET_KEYS")}
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env={**clean, **env},
                          capture_output=True, text=True, timeout=60)


def test_it_has_no_missing_migrations(db):
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_it_passes_the_deploy_checks_with_production_settings():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr


def test_it_refuses_to_start_without_secret_key_outside_debug():
    result = _manage("check", **{**PRODUCTION, "SECRET_KEY": ""})
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_it_refuses_to_start_without_fernet_keys_outside_debug():
    env = {k: v for k, v in PRODUCTION.items() if k != "FERNET_KEYS"}
    result = _manage("check", **env)
    assert result.returncode != 0
    assert "FERNET_KEYS must be set" in result.stderr


def test_it_says_so_when_deriving_development_keys():
    result = _manage("check", DEBUG="1")
    assert result.returncode == 0, result.stderr
    assert "using a development key" in result.stderr


def test_it_rejects_a_bad_boolean():
    result = _manage("check", **{**PRODUCTION, "DEBUG": "maybe"})
    assert "DEBUG must be one of" in result.stderr


def test_it_rejects_a_bad_public_base_url():
    result = _manage("check", **{**PRODUCTION, "PUBLIC_BASE_URL": "connector.example.com"})
    assert "PUBLIC_BASE_URL must be an http(s) URL" in result.stderr


def test_it_uses_redis_as_broker_when_redis_url_is_set():
    code = "from django.conf import settings; print(settings.Q_CLUSTER.get('redis'), settings.Q_CLUSTER.get('orm'))"
    result = subprocess.run([sys.executable, "-c", f"import django; django.setup(); {code}"], cwd=ROOT,
                            env={**os.environ, "DJANGO_SETTINGS_MODULE": "connector_site.settings", "DEBUG": "1",
                                 "REDIS_URL": "redis://127.0.0.1:6379/3"}, capture_output=True, text=True)
    assert result.stdout.split() == ["redis://127.0.0.1:6379/3", "None"], result.stderr
