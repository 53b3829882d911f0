"""The demo organisation's roles as API callers: admin, sales manager, salesperson, dispatcher,
technician, a portal-like user (no employee record) and anonymous."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from org.models import User
from org.seed import seed_demo

ROLES = {
    "admin": "admin",
    "sales_manager": "wang.fang",
    "salesperson": "zhang.wei",
    "dispatcher": "xu.li",
    "technician": "zhou.jie",
    "portal": "portal.customer",
    "anonymous": None,
}


def pytest_runtest_setup(item):
    """Modules that set FRESH_DB_CONNECTION start on a new database connection.

    Runs before any fixture, so before the test's transaction opens: a connection that an earlier
    test on this worker left closed or broken (its server session gone, a raw close) is dropped
    here and reopened cleanly, instead of failing the long schemathesis run with "connection
    already closed" on its first query.
    """
    if getattr(item.module, "FRESH_DB_CONNECTION", False):
        from django.db import connections

        for connection in connections.all(initialized_only=True):
            if not connection.in_atomic_block:
                connection.close()


@pytest.fixture(autouse=True)
def _fresh_throttle_counters():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Uploads (import sheets, documents) go to the test's own folder, not var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def demo(db):
    """The seeded demo org plus a portal-like user; returns {role: user or None}."""
    seed_demo(io.StringIO())
    User.objects.get_or_create(username="portal.customer", defaults={"display_name": "Portal customer"})
    return {role: (User.objects.get(username=name) if name else None) for role, name in ROLES.items()}


@pytest.fixture
def client_for():
    """client_for(user) → an APIClient signed in as `user` (None: anonymous)."""

    def make(user) -> APIClient:
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return make


BPMN_DIR = Path(__file__).parent / "bpmn"


def bpmn_files(*names: str) -> dict[str, bytes]:
    return {name: (BPMN_DIR / name).read_bytes() for name in names}


@pytest.fixture
def review_process(demo):
    """The api_review process deployed: one "Review the request" task offered to group `sales`."""
    from engine import services

    return services.definition_deploy(files=bpmn_files("api_review.bpmn"), deployed_by=demo["admin"])
