"""Celery talks to the real Redis broker: a task sent by the web side is executed by a worker."""

import pytest
from celery import Celery
from celery.contrib.testing.worker import start_worker
from django.conf import settings


@pytest.mark.redis
def test_a_task_goes_through_redis_to_a_worker_and_back():
    # given an app configured like production (from Django settings) but pointed at the test Redis
    app = Celery("baton-broker-test")
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
