"""A Celery beat scheduler that fires only while it holds a Redis lock.

Run one beat; if a second one is started by mistake (or as a hot standby), it finds the lock
taken and fires nothing until the first one stops or dies and its lock expires (LOCK_SECONDS).
The holder renews the lock on every tick and writes the heartbeat /healthz reports.

    celery -A config beat --scheduler core.beat:LockedScheduler   (config/celery.py sets it as
    the default whenever Redis is the broker)
"""

from __future__ import annotations

import logging
import os
import socket

from celery.beat import PersistentScheduler, Scheduler

logger = logging.getLogger(__name__)

LOCK_KEY = "baton:beat:lock"
LOCK_SECONDS = 30
STANDBY_SECONDS = 5.0


class RedisLockMixin:
    """Wraps Scheduler.tick: nothing is sent unless this scheduler holds the Redis lock."""

    lock_key = LOCK_KEY
    lock_seconds = LOCK_SECONDS
    standby_seconds = STANDBY_SECONDS

    def __init__(self, *args, redis_url: str | None = None, lock_key: str | None = None, **kwargs):
        import django

        django.setup()  # the beat writes its heartbeat through the ORM
        from django.conf import settings

        self.redis_url = redis_url or settings.REDIS_URL
        self.lock_key = lock_key or getattr(settings, "BATON_BEAT_LOCK_KEY", LOCK_KEY)
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self._lock = None
        self.holding = False
        super().__init__(*args, **kwargs)

    def _redis_lock(self):
        if self._lock is None:
            import redis

            client = redis.Redis.from_url(self.redis_url, socket_timeout=5, socket_connect_timeout=5)
            self._lock = client.lock(self.lock_key, timeout=self.lock_seconds, thread_local=False)
        return self._lock

    def hold_lock(self) -> bool:
        """Take the lock, or renew it if we have it; False when another scheduler holds it."""
        import redis

        if not self.redis_url:  # embedded broker: one process, nothing to share a lock with
            self.holding = True
            return True
        lock = self._redis_lock()
        try:
            if self.holding and lock.owned():
                lock.reacquire()
            else:
                self.holding = lock.acquire(blocking=False, token=self.owner)
        except redis.RedisError as error:
            if self.holding:
                logger.warning("beat: lost the Redis lock (%s); standing by", error)
            self.holding = False
        return self.holding

    def tick(self, *args, **kwargs):
        was_holding = self.holding
        if not self.hold_lock():
            if was_holding:
                logger.warning("beat: another scheduler holds %s; standing by", self.lock_key)
            return self.standby_seconds
        if not was_holding:
            logger.info("beat: %s holds %s and fires the schedule", self.owner, self.lock_key)
        from django.db import close_old_connections, connection

        from .heartbeat import beat_safely

        if not connection.in_atomic_block:  # a long-lived process: drop a connection gone stale
            close_old_connections()
        beat_safely(self.owner)
        interval = super().tick(*args, **kwargs)
        # Wake up in time to renew the lock before it expires.
        return min(interval, self.lock_seconds / 3)

    def release_lock(self) -> None:
        if self.holding and self._lock is not None:
            try:
                self._lock.release()
            except Exception:  # expired or Redis gone: nothing left to release
                logger.debug("beat: lock already gone", exc_info=True)
        self.holding = False

    def close(self):
        self.release_lock()
        super().close()


class LockedScheduler(RedisLockMixin, PersistentScheduler):
    """Celery's default file-backed scheduler, firing only while holding the lock."""


class LockedMemoryScheduler(RedisLockMixin, Scheduler):
    """The same without the schedule file (tests, read-only containers)."""
