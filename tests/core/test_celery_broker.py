"""Celery talks to the real Redis broker: a task sent by the web side is executed by a worker."""

from contextlib import contextmanager

import pytest
from celery import Celery, signals
from celery import current_app as celery_current_app
from celery.contrib.testing.worker import start_worker
from django.conf import settings


@contextmanager
def isolated_celery():
    """Put back what starting an in-process worker changes for the rest of the test process.

    start_worker() makes its app the current and default app, and the worker's Django fix-up
    connects task_prerun/postrun receivers that close the database connection around every task.
    Left in place, later tests on the same xdist worker publish "eager" tasks to Redis and find
    their test connection closed under them ("connection already closed").
    """
    previous = celery_current_app._get_current_object()
    saved = {
        name: list(signal.receivers or [])
        for name, signal in vars(signals).items()
        if isinstance(signal, signals.Signal)
    }
    yield
    for name, receivers in saved.items():
        signal = getattr(signals, name)
        signal.receivers = receivers
        signal.sender_receivers_cache.clear()
    previous.set_current()
    previous.set_default()


def _fixup_receivers() -> list:
    return [r for r in (signals.task_prerun.receivers or []) if "fixup" in repr(r).lower()]


@pytest.mark.redis
def test_a_task_goes_through_redis_to_a_worker_and_back():
    before = celery_current_app._get_current_object()
    with isolated_celery():
        _run_a_task_through_redis()
    # and nothing of the worker stays behind for the next test in this process
    assert celery_current_app._get_current_object() is before
    assert _fixup_receivers() == []


def _run_a_task_through_redis():
    # given an app configured like production (from Django settings) but pointed at the test Redis
    app = Celery("baton-broker-test", set_as_current=False)
    app.config_from_object("django.conf:settings", namespace="CELERY")
    app.conf.update(
        broker_url=settings.TEST_REDIS_URL, result_backend=settings.TEST_REDIS_URL, task_always_eager=False
    )

    @app.task(name="tests.add")
    def add(a, b):
        return a + b

    with start_worker(app, perform_ping_check=False, pool="solo", concurrency=1):
        # when a task is queued
        result = add.delay(20, 22)
        # then the worker executes it and the result comes back through Redis
        assert result.get(timeout=20) == 42
