"""The embedded mode's stand-in for Celery beat.

A daemon thread that runs the tasks of CELERY_BEAT_SCHEDULE in-process when they fall due, using
each entry's own schedule object, so the embedded demo and production share one schedule.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from celery.schedules import schedule as celery_schedule
from django.conf import settings
from django.db import close_old_connections
from django.utils import timezone

logger = logging.getLogger(__name__)


def _as_schedule(value):
    if isinstance(value, int | float):
        return celery_schedule(timedelta(seconds=value))
    if isinstance(value, timedelta):
        return celery_schedule(value)
    return value


class Ticker:
    def __init__(self, beat_schedule: dict, interval: float):
        from config.celery import app

        self.app = app
        self.interval = interval
        self.entries = {
            name: dict(entry, schedule=_as_schedule(entry["schedule"]))
            for name, entry in beat_schedule.items()
        }
        self.last_run: dict[str, object] = {}
        self._stop = threading.Event()

    def tick(self) -> list[str]:
        """Run every entry that is due; return their names."""
        ran = []
        now = timezone.now()
        from .heartbeat import beat_safely

        beat_safely("embedded ticker")
        for name, entry in self.entries.items():
            last = self.last_run.get(name)
            if last is not None and not entry["schedule"].is_due(last).is_due:
                continue
            self.last_run[name] = now
            try:
                self.app.tasks[entry["task"]].apply(
                    args=entry.get("args", ()), kwargs=entry.get("kwargs", {})
                )
                ran.append(name)
            except Exception:
                logger.exception("ticker: %s failed", name)
            finally:
                close_old_connections()
        return ran

    def run_forever(self) -> None:
        while True:
            self.tick()
            if self._stop.wait(self.interval):
                return

    def start(self) -> threading.Thread:
        self.app.loader.import_default_modules()
        thread = threading.Thread(target=self.run_forever, name="baton-ticker", daemon=True)
        thread.start()
        return thread

    def stop(self) -> None:
        self._stop.set()


def start_embedded_ticker() -> Ticker | None:
    if settings.BATON_TICKER_SECONDS <= 0:
        return None
    ticker = Ticker(settings.CELERY_BEAT_SCHEDULE, settings.BATON_TICKER_SECONDS)
    ticker.start()
    logger.info("ticker: %d periodic task(s) every %ss", len(ticker.entries), ticker.interval)
    return ticker
