"""Settings of the peer benchmark's own Django process: viewflow and nothing of Baton's, on the
same PostgreSQL server as Baton's benchmark, in a database of its own."""

import os

SECRET_KEY = "bench-peer-only"  # (a scratch process, never served)
DEBUG = False
USE_TZ = True
TIME_ZONE = "UTC"
INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "viewflow",
    "viewflow.workflow",
    "bench.peer",
]
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": os.environ.get("BENCH_PEER_DB", "bench_peer"),
        "USER": os.environ.get("BENCH_PEER_USER", "postgres"),
        "HOST": os.environ.get("BENCH_PEER_HOST", "127.0.0.1"),
        "PORT": os.environ.get("BENCH_PEER_PORT", "5432"),
        "CONN_MAX_AGE": 0,
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
