"""The company calendar: business time skips nights, weekends and holidays, and counts make-up
working days (调休); an SLA policy in business hours dates a complaint by it."""

from __future__ import annotations

import datetime
import zoneinfo

import pytest

from core.errors import NotPermitted, ValidationFailed
from crm.models import CalendarDay, SlaPolicy, WorkingHours
from crm.selectors.service import sla_deadlines
from crm.service.calendar import add_business_time, business_calendar
from crm.service.sla import SlaPolicyInput, calendar_day_set, sla_policy_save, working_hours_set

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
HOUR = datetime.timedelta(hours=1)
NINE_TO_SIX = {d: ("09:00", "18:00") for d in range(5)}


def at(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=SHANGHAI)


@pytest.fixture
def calendar(org):
    working_hours_set(actor=org.admin, hours=NINE_TO_SIX)
    return org


def test_without_a_calendar_business_time_is_clock_time(db):
    # given no working hours set up
    # then four business hours are four hours, at night too
    assert add_business_time(at(2026, 12, 4, 17), 4 * HOUR) == at(2026, 12, 4, 21)


def test_friday_five_pm_plus_four_business_hours_is_monday_noon(calendar, settings):
    settings.TIME_ZONE = "Asia/Shanghai"
    # given hours 9-18 on weekdays; Friday 4 December 2026 17:00
    # when four business hours are added
    due = add_business_time(at(2026, 12, 4, 17), 4 * HOUR)
    # then one hour is Friday's, three are Monday morning's
    assert due == at(2026, 12, 7, 12)


def test_holidays_are_skipped_and_make_up_days_are_worked(calendar, settings):
    settings.TIME_ZONE = "Asia/Shanghai"
    # given Monday 7 December a holiday and Saturday 5 December a make-up day with Monday's hours
    calendar_day_set(actor=calendar.admin, day="2026-12-07", working=False, name="假日")
    calendar_day_set(actor=calendar.admin, day="2026-12-05", working=True, works_like="0", name="调休")
    # when 4 business hours start Friday 17:00
    due = add_business_time(at(2026, 12, 4, 17), 4 * HOUR)
    # then Saturday is worked from 9:00, Monday is not
    assert due == at(2026, 12, 5, 12)
    # and a start before opening counts from opening
    assert add_business_time(at(2026, 12, 8, 6), 2 * HOUR) == at(2026, 12, 8, 11)


def test_a_complaint_arriving_friday_five_pm_is_due_monday_noon(calendar, settings):
    settings.TIME_ZONE = "Asia/Shanghai"
    # given a business-hours policy for normal complaints: respond in 4 h, resolve in 16 h
    sla_policy_save(
        actor=calendar.admin,
        data=SlaPolicyInput(
            record="complaint",
            severity="normal",
            response_hours="4",
            resolution_hours="16",
            priority="60",
            business_hours=True,
        ),
        policy=SlaPolicy.objects.filter(record="complaint", severity="normal").first(),
    )
    # when a complaint arrives Friday 17:00
    deadlines = sla_deadlines(record="complaint", start=at(2026, 12, 4, 17), severity="normal")
    # then the response is due Monday 12:00 and the resolution Tuesday 15:00 (1 + 9 + 6 hours)
    assert deadlines.respond_by == at(2026, 12, 7, 12)
    assert deadlines.resolve_by == at(2026, 12, 8, 15)
    assert deadlines.priority == 60


def test_calendar_and_policy_errors_are_located_and_change_nothing(calendar):
    with pytest.raises(ValidationFailed) as error:
        working_hours_set(actor=calendar.admin, hours={0: ("18:00", "09:00"), 1: ("9", "")})
    assert set(error.value.fields) == {"day0", "day1"}
    assert WorkingHours.objects.count() == 5
    with pytest.raises(ValidationFailed) as error:
        sla_policy_save(
            actor=calendar.admin,
            data=SlaPolicyInput(record="complaint", response_hours="8", resolution_hours="2", priority="500"),
        )
    assert {"resolution_hours", "priority"} <= set(error.value.fields)
    with pytest.raises(ValidationFailed) as error:
        calendar_day_set(actor=calendar.admin, day="2026-13-01", working=True, works_like="9")
    assert set(error.value.fields) == {"day", "works_like"}
    assert not CalendarDay.objects.exists()


def test_only_service_administrators_change_the_calendar(calendar):
    with pytest.raises(NotPermitted):
        working_hours_set(actor=calendar.zhang, hours={})
    assert business_calendar().configured
