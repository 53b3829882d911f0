"""The company calendar (工作日历) and business time: working hours per weekday, public holidays
and make-up working days (调休). An SLA counted in business hours advances only inside working
hours; a company that has not set up its calendar counts around the clock."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone

from ..models import CalendarDay, WorkingHours

# how far a deadline may be searched for: beyond it the calendar is broken (no working day at all)
HORIZON_DAYS = 3 * 366


@dataclass(frozen=True)
class BusinessCalendar:
    hours: dict[int, tuple[datetime.time, datetime.time]]  # weekday (0 = Monday) -> (from, until)
    days: dict[datetime.date, tuple[bool, int]]  # date -> (working, works like weekday)

    @property
    def configured(self) -> bool:
        return bool(self.hours)

    def window(self, day: datetime.date) -> tuple[datetime.time, datetime.time] | None:
        """The working hours of one date, None on a day off."""
        if day in self.days:
            working, works_like = self.days[day]
            if not working:
                return None
            return self.hours.get(works_like) or next(iter(self.hours.values()), None)
        return self.hours.get(day.weekday())


def business_calendar(*, year: int | None = None) -> BusinessCalendar:
    """The calendar as stored (two queries); `year` limits the exception days read."""
    days = CalendarDay.objects.all()
    if year is not None:
        days = days.filter(day__year__in=(year, year + 1))
    return BusinessCalendar(
        hours={h.weekday: (h.start, h.end) for h in WorkingHours.objects.all()},
        days={d.day: (d.working, d.works_like) for d in days},
    )


def add_business_time(
    start: datetime.datetime, duration: datetime.timedelta, calendar: BusinessCalendar | None = None
) -> datetime.datetime:
    """`start` plus `duration` counted in working hours of the company's time zone."""
    calendar = calendar if calendar is not None else business_calendar(year=start.year)
    if not calendar.configured or duration <= datetime.timedelta(0):
        return start + duration
    zone = timezone.get_current_timezone()
    current = timezone.localtime(start, zone)
    remaining = duration
    day = current.date()
    for _ in range(HORIZON_DAYS):
        window = calendar.window(day)
        if window is not None:
            opens = datetime.datetime.combine(day, window[0], tzinfo=zone)
            closes = datetime.datetime.combine(day, window[1], tzinfo=zone)
            current = max(current, opens)
            if current < closes:
                available = closes - current
                if remaining <= available:
                    return current + remaining
                remaining -= available
        day += datetime.timedelta(days=1)
        current = datetime.datetime.combine(day, datetime.time.min, tzinfo=zone)
    return start + duration
