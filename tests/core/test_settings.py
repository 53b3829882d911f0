"""Settings come from the environment; bad values fail loudly at start-up."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = (
    "import json, django; from django.conf import settings; django.setup();"
    "db = settings.DATABASES['default'];"
    "print(json.dumps({'engine': db['ENGINE'], 'name': db['NAME'], 'host': db.get('HOST'),"
    "'debug': settings.DEBUG, 'hosts': settings.ALLOWED_HOSTS, 'secret': settings.SECRET_KEY,"
    "'broker': settings.CELERY_BROKER_URL, 'eager': settings.CELERY_TASK_ALWAYS_EAGER,"
    "'secure_cookie': getattr(settings, 'SESSION_COOKIE_SECURE', False)}))"
)


def run_settings(env: dict) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DEBUG", "ALLOWED_HOSTS", "SECURE_COOKIES"}
    }
    clean.update({"DJANGO_SETTINGS_MODULE": "config.settings", "BATON_VAR_DIR": "/tmp/baton-settings-test"})
    clean.update(env)
    return subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=60
    )


def test_production_settings_are_read_from_the_environment():
    # given a deployment's environment
    result = run_settings(
        {
            "DATABASE_URL": "postgres://baton:pw@db.internal:5432/baton",
            "REDIS_URL": "redis://cache.internal:6379/1",
            "SECRET_KEY": "s3cret",
            "DEBUG": "false",
            "ALLOWED_HOSTS": "crm.example.com, www.example.com",
        }
    )
    # then every value is taken from it, Celery talks to Redis, cookies are secure
    assert result.returncode == 0, result.stderr
    config = json.loads(result.stdout)
    assert config["engine"] == "django.db.backends.postgresql"
    assert (config["host"], config["name"]) == ("db.internal", "baton")
    assert config["hosts"] == ["crm.example.com", "www.example.com"]
    assert config["secret"] == "s3cret"
    assert config["debug"] is False
    assert config["broker"] == "redis://cache.internal:6379/1"
    assert config["eager"] is False
    assert config["secure_cookie"] is True


def test_without_database_and_redis_urls_the_system_runs_embedded():
    result = run_settings({"DEBUG": "1"})
    assert result.returncode == 0, result.stderr
    config = json.loads(result.stdout)
    assert config["engine"] == "django.db.backends.sqlite3"
    assert config["name"].endswith("baton.sqlite3")
    assert config["eager"] is True


def test_missing_secret_key_in_production_is_refused():
    result = run_settings({"DEBUG": "0"})
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_a_malformed_boolean_names_the_variable():
    result = run_settings({"DEBUG": "maybe"})
    assert result.returncode != 0
    assert "DEBUG='maybe' is not a boolean" in result.stderr


def test_under_ci_an_unreachable_postgres_is_a_failure_not_a_fallback():
    clean = {k: v for k, v in os.environ.items() if k not in {"BATON_TEST_DB", "DATABASE_URL"}}
    clean.update(
        {
            "CI": "true",
            "DATABASE_URL": "postgres://postgres@127.0.0.1:1/test",
            "DJANGO_SETTINGS_MODULE": "config.settings_test",
        }
    )
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "CI=true but PostgreSQL at postgres://postgres@127.0.0.1:1/test cannot be reached" in result.stderr


def test_on_a_laptop_an_unreachable_postgres_falls_back_to_sqlite():
    clean = {k: v for k, v in os.environ.items() if k not in {"BATON_TEST_DB", "CI"}}
    clean.update(
        {
            "DATABASE_URL": "postgres://postgres@127.0.0.1:1/test",
            "DJANGO_SETTINGS_MODULE": "config.settings_test",
        }
    )
    probe = (
        "import django; django.setup(); from django.conf import settings;"
        "print(settings.DATABASES['default']['ENGINE'], settings.POSTGRES_SKIP_REASON)"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert "sqlite3 PostgreSQL at postgres://postgres@127.0.0.1:1/test cannot be reached" in result.stdout
