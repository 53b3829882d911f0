"""The embedded ticker runs the beat schedule in-process, each entry when it falls due."""

import time
from datetime import timedelta

import pytest
from celery import shared_task

from core.ticker import Ticker

pytestmark = pytest.mark.django_db

CALLS: list[str] = []


@shared_task(name="tests.record_tick")
def record_tick(label):
    CALLS.append(label)


@pytest.fixture(autouse=True)
def _reset():
    CALLS.clear()


def test_due_entries_run_and_are_not_rerun_before_their_interval():
    ticker = Ticker(
        {
            "fast": {"task": "tests.record_tick", "schedule": 0.001, "args": ("fast",)},
            "hourly": {"task": "tests.record_tick", "schedule": timedelta(hours=1), "args": ("hourly",)},
        },
        interval=1,
    )
    # the first tick runs everything (nothing has run yet)
    assert sorted(ticker.tick()) == ["fast", "hourly"]
    # a little later, the next tick runs only what is due again
    time.sleep(0.05)
    assert ticker.tick() == ["fast"]
    assert CALLS == ["fast", "hourly", "fast"]


def test_a_failing_task_is_logged_and_does_not_stop_the_others(caplog):
    ticker = Ticker(
        {
            "broken": {"task": "tests.record_tick", "schedule": 60, "args": ()},  # missing argument
            "ok": {"task": "tests.record_tick", "schedule": 60, "args": ("ok",)},
        },
        interval=1,
    )
    assert ticker.tick() == ["ok"]
    assert "broken failed" in caplog.text
