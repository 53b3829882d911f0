"""Reminder sources: a domain app says which reminders are due ("customer 12's follow-up, due
today, tell its owner") without knowing how they are sent; the integrations sweep collects them,
sends each once per due event and decides the time of day and the repeat frequency.
"""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.dispatch import Signal

reminder_sources = Signal()  # kwargs: today; each receiver returns a list of DueReminder


@dataclass(frozen=True)
class DueReminder:
    kind: str  # the notification template, e.g. "customer_follow_up"
    subject: str  # what it is about, e.g. "customer:12"
    recipient: Any  # the staff user to tell
    context: dict = field(default_factory=dict)
    url: str = ""
    due_on: datetime.date | None = None  # date-based: sent at the set time, repeated while due
    occurrence: str = ""  # event-based (no due_on): the key of this event, sent once
    channels: tuple[str, ...] | None = None  # None: the recipient's preferences
    # A greeting to the outside person it is about, as (channel, address): ("email", "li@...").
    greeting: tuple[str, str] | None = None


def collect_due_reminders(*, today: datetime.date) -> Iterator[DueReminder]:
    """Every source's due reminders, as a stream (sources may return generators)."""
    responses = reminder_sources.send(sender=None, today=today)
    return itertools.chain.from_iterable(reminders or () for _receiver, reminders in responses)
