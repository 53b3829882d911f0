"""The beat's heartbeat: written by whoever runs the periodic schedule, read by /healthz and
/metrics. One row per name, updated in place (no growth)."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from .models import Heartbeat

BEAT = "beat"


def beat(owner: str = "", *, name: str = BEAT, now: datetime | None = None) -> None:
    """Record that the scheduler `owner` is alive now."""
    values = {"at": now or timezone.now(), "owner": owner[:200]}
    Heartbeat.objects.update_or_create(name=name, defaults=values)


def beat_safely(owner: str = "", *, name: str = BEAT) -> None:
    """For long-lived scheduler processes: a database hiccup must not stop the schedule."""
    import logging

    try:
        beat(owner, name=name)
    except Exception:
        logging.getLogger(__name__).warning("could not write the %s heartbeat", name, exc_info=True)


def lag_seconds(name: str = BEAT, now: datetime | None = None) -> float | None:
    """Seconds since the last heartbeat, or None when there never was one."""
    row = Heartbeat.objects.filter(name=name).first()
    if row is None:
        return None
    return max(0.0, ((now or timezone.now()) - row.at).total_seconds())
