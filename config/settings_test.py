"""Settings for the test suite.

PostgreSQL (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test) and Redis (REDIS_URL,
default redis://127.0.0.1:6379/0) are used when reachable. Under CI=true an unreachable service is
an error; on a laptop the suite falls back to SQLite and tests marked `postgres` / `redis` are
skipped with a printed reason. BATON_TEST_DB=sqlite forces the SQLite fast loop.
"""

import os
import socket
from urllib.parse import urlparse

from django.core.exceptions import ImproperlyConfigured

os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production")
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("SECURE_COOKIES", "0")

DEFAULT_TEST_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/test"
DEFAULT_TEST_REDIS_URL = "redis://127.0.0.1:6379/0"
ON_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def _reachable(url: str, default_port: int) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or default_port), 2):
            return True
    except OSError:
        return False


def _probe_postgres() -> tuple[str | None, str]:
    if os.environ.get("BATON_TEST_DB", "").lower() == "sqlite":
        return None, "BATON_TEST_DB=sqlite"
    url = os.environ.get("DATABASE_URL") or DEFAULT_TEST_DATABASE_URL
    if not url.startswith(("postgres://", "postgresql://")):
        return None, f"DATABASE_URL is not PostgreSQL ({url.split(':')[0]})"
    if _reachable(url, 5432):
        return url, ""
    if ON_CI:
        raise ImproperlyConfigured(f"CI=true but PostgreSQL at {url} cannot be reached")
    return None, f"PostgreSQL at {url} cannot be reached"


def _probe_redis() -> tuple[str | None, str]:
    url = os.environ.get("REDIS_URL") or DEFAULT_TEST_REDIS_URL
    if _reachable(url, 6379):
        return url, ""
    if ON_CI:
        raise ImproperlyConfigured(f"CI=true but Redis at {url} cannot be reached")
    return None, f"Redis at {url} cannot be reached"


_pg_url, POSTGRES_SKIP_REASON = _probe_postgres()
_redis_url, REDIS_SKIP_REASON = _probe_redis()
if _pg_url:
    os.environ["DATABASE_URL"] = _pg_url
else:
    os.environ.pop("DATABASE_URL", None)
# Keep REDIS_URL out of the environment while settings load, so Celery stays eager by default;
# tests marked `redis` point a real worker at TEST_REDIS_URL themselves.
os.environ.pop("REDIS_URL", None)

from .settings import *  # noqa: E402, F403
from .settings import DATABASES, VAR_DIR  # noqa: E402

TEST_POSTGRES = _pg_url is not None
TEST_REDIS_URL = _redis_url

if TEST_POSTGRES:
    # One test database per run (and per xdist worker, which pytest-django suffixes), so
    # parallel runs on one server never collide.
    DATABASES["default"]["TEST"] = {"NAME": f"test_baton_{os.getpid()}"}
    DATABASES["default"]["CONN_MAX_AGE"] = 0
else:
    DATABASES["default"] = {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(VAR_DIR / "test.sqlite3"),
        "OPTIONS": {"timeout": 20},
        "TEST": {"NAME": ""},  # in memory
    }

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CELERY_TASK_ALWAYS_EAGER = True
BATON_TICKER_SECONDS = 0
# The cross-request memo (core.memo) is on in tests, as in production with a shared cache, so the
# whole suite checks that every change to groups, grants and the org chart is seen at once.
# (One test process: the local-memory cache is shared by everything that runs in it.)
ORG_CACHE_SECONDS = 300
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
INSTALLED_APPS = [*INSTALLED_APPS, "tests.testapp"]  # noqa: F405
