"""The calendar window business dates must fall in, shared by every service that takes a date.

A date outside it is a typo or a probe (0001-01-01, 9999-12-31), never business: refusing it at
the service keeps it out of reports, reminders and date arithmetic that would overflow on it."""

from __future__ import annotations

import datetime

from django.utils.formats import date_format
from django.utils.translation import gettext as _

# The oldest contact's birthday at one end; long contracts and budgets at the other.
EARLIEST = datetime.date(1900, 1, 1)
LATEST = datetime.date(2100, 12, 31)


def range_error(
    day: datetime.date, *, earliest: datetime.date = EARLIEST, latest: datetime.date = LATEST
) -> str | None:
    """The message for a date outside [earliest, latest], or None when it is inside."""
    if isinstance(day, datetime.datetime):
        day = day.date()
    if earliest <= day <= latest:
        return None
    return _("Enter a date from %(earliest)s to %(latest)s.") % {
        "earliest": date_format(earliest, "Y-m-d"),
        "latest": date_format(latest, "Y-m-d"),
    }
