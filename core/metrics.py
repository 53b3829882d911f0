"""Prometheus metrics, computed when scraped from the shared state (database, Redis), so every web
process answers the same and nothing is lost when one restarts.

Apps add their own figures with `register(collector)` (a prometheus_client collector: an object
with `collect()` yielding metric families), typically in their AppConfig.ready().
"""

from __future__ import annotations

import logging

from django.conf import settings
from prometheus_client import CollectorRegistry
from prometheus_client.core import GaugeMetricFamily

logger = logging.getLogger(__name__)

registry = CollectorRegistry(auto_describe=False)
_registered: set[str] = set()


def register(collector, name: str | None = None) -> None:
    """Add a collector once (ready() may run more than once in tests)."""
    key = name or f"{collector.__class__.__module__}.{collector.__class__.__qualname__}"
    if key in _registered:
        return
    _registered.add(key)
    registry.register(collector)


def queue_depths() -> dict[str, int]:
    """Messages waiting in each Celery queue on the Redis broker ({} in the embedded mode)."""
    if not settings.REDIS_URL:
        return {}
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2)
    try:
        names = getattr(settings, "CELERY_TASK_DEFAULT_QUEUE", None) or "celery"
        return {name: int(client.llen(name)) for name in [names]}
    finally:
        client.close()


class PlatformCollector:
    """Queue depth and the beat's heartbeat lag."""

    def collect(self):
        from .heartbeat import lag_seconds

        depth = GaugeMetricFamily(
            "baton_queue_depth", "Celery messages waiting on the broker, per queue.", labels=["queue"]
        )
        try:
            for queue, count in queue_depths().items():
                depth.add_metric([queue], count)
        except Exception as error:
            logger.warning("metrics: broker unreachable: %s", error)
        yield depth
        lag = lag_seconds()
        if lag is not None:
            yield GaugeMetricFamily(
                "baton_beat_lag_seconds", "Seconds since the periodic scheduler's last heartbeat.", value=lag
            )


register(PlatformCollector())
