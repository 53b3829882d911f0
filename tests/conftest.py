"""Suite-wide fixtures and the `postgres` / `redis` markers.

Tests that depend on PostgreSQL or Redis behaviour carry a marker; on a laptop without the service
they are skipped with the reason, under CI=true the settings already refused to start.
"""

import pytest
from django.conf import settings


def pytest_report_header(config):
    db = "PostgreSQL" if settings.TEST_POSTGRES else f"SQLite ({settings.POSTGRES_SKIP_REASON})"
    redis = settings.TEST_REDIS_URL or f"none ({settings.REDIS_SKIP_REASON})"
    return [f"baton: database {db}; redis {redis}"]


def pytest_collection_modifyitems(config, items):
    skip_pg = pytest.mark.skip(reason=f"needs PostgreSQL: {settings.POSTGRES_SKIP_REASON}")
    skip_redis = pytest.mark.skip(reason=f"needs Redis: {settings.REDIS_SKIP_REASON}")
    for item in items:
        if "postgres" in item.keywords and not settings.TEST_POSTGRES:
            item.add_marker(skip_pg)
        if "redis" in item.keywords and not settings.TEST_REDIS_URL:
            item.add_marker(skip_redis)


@pytest.fixture(autouse=True)
def _reset_language():
    """Start every test in the default language.

    Django's LocaleMiddleware activates the browser's language on the request thread and leaves it
    there, so a test that sent `Accept-Language: zh-Hans` would otherwise make the next test on the
    same worker read Chinese messages.
    """
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _forget_remembered_reads():
    """Each test starts with nothing remembered across requests (core.memo): the previous test's
    database was rolled back under it."""
    from core import memo

    memo._store.clear()
    memo._recent.clear()
    yield
    memo._store.clear()
    memo._recent.clear()
