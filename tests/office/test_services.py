"""Office services: bookings never overlap (database constraint on PostgreSQL, locked check
everywhere), leave balances, notices with read receipts."""

import datetime
import io

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.errors import Conflict, NotPermitted, ValidationFailed
from office.models import (
    LeaveBalance,
    LeaveRequest,
    LeaveType,
    Notice,
    Vehicle,
    VehicleBooking,
    VehicleRequest,
)
from office.seed import seed_demo as seed_office
from office.selectors import notices_for, vehicles_free
from office.services import (
    leave_request_decide,
    leave_request_submit,
    notice_mark_read,
    notice_publish,
    vehicle_assign,
    vehicle_request_submit,
)
from org.models import User
from org.seed import seed_demo as seed_org

T0 = timezone.make_aware(datetime.datetime(datetime.date.today().year + 1, 5, 4, 9, 0))
YEAR = T0.year


@pytest.fixture
def people(db):
    seed_org(io.StringIO())
    seed_office(io.StringIO())
    return {u.username: u for u in User.objects.all()}


def request_for(user, start_hours, end_hours):
    # no process is bound in these tests: the request is just recorded
    return vehicle_request_submit(
        actor=user,
        starts_at=T0 + datetime.timedelta(hours=start_hours),
        ends_at=T0 + datetime.timedelta(hours=end_hours),
        destination="Airport",
    )


def test_seed_is_idempotent(people):
    seed_office(io.StringIO())
    assert Vehicle.objects.count() == 3
    assert LeaveType.objects.count() == 3
    assert LeaveBalance.objects.filter(user=people["zhang.wei"], year=YEAR).count() == 2
    assert people["sun.hong"].groups.filter(name="finance").exists()


def test_overlapping_bookings_are_refused_with_a_clear_error(people):
    car = Vehicle.objects.first()
    vehicle_assign(actor=people["ma.chao"], request=request_for(people["zhang.wei"], 0, 4), vehicle=car)

    with pytest.raises(Conflict) as error:
        vehicle_assign(actor=people["ma.chao"], request=request_for(people["yang.lei"], 3, 5), vehicle=car)

    assert car.plate in error.value.message and "already booked" in error.value.message
    assert VehicleBooking.objects.count() == 1
    # back to back is fine: ranges are half-open
    vehicle_assign(actor=people["ma.chao"], request=request_for(people["yang.lei"], 4, 6), vehicle=car)
    assert list(vehicles_free(starts_at=T0, ends_at=T0 + datetime.timedelta(hours=1))) == list(
        Vehicle.objects.exclude(pk=car.pk)
    )


@pytest.mark.postgres
def test_the_database_refuses_overlaps_even_past_the_service(people):
    car = Vehicle.objects.first()
    first = request_for(people["zhang.wei"], 0, 4)
    second = request_for(people["yang.lei"], 1, 2)
    VehicleBooking.objects.create(
        vehicle=car, request=first, starts_at=first.starts_at, ends_at=first.ends_at
    )

    with pytest.raises(IntegrityError, match="office_booking_no_overlap"), transaction.atomic():
        VehicleBooking.objects.create(
            vehicle=car, request=second, starts_at=second.starts_at, ends_at=second.ends_at
        )

    # a cancelled booking no longer holds the vehicle
    VehicleBooking.objects.filter(request=first).update(cancelled=True)
    VehicleBooking.objects.create(
        vehicle=car, request=second, starts_at=second.starts_at, ends_at=second.ends_at
    )


def test_vehicle_request_needs_a_sensible_time(people):
    with pytest.raises(ValidationFailed) as error:
        request_for(people["zhang.wei"], 3, 1)
    assert "ends_at" in error.value.fields
    assert not VehicleRequest.objects.exists()


def test_leave_balance_checked_at_submission_and_deducted_on_approval(people):
    annual = LeaveType.objects.get(code="annual")
    day = datetime.date(YEAR, 2, 2)
    request = leave_request_submit(
        actor=people["liu.yang"], leave_type=annual, starts_on=day, ends_on=day + datetime.timedelta(days=9)
    )
    with pytest.raises(ValidationFailed):
        leave_request_submit(actor=people["liu.yang"], leave_type=annual, starts_on=day, ends_on=day)

    leave_request_decide(actor=people["wang.fang"], request=request, approved=True)
    balance = LeaveBalance.objects.get(user=people["liu.yang"], leave_type=annual, year=YEAR)
    assert balance.used_days == 10 and balance.remaining_days == 0
    with pytest.raises(Conflict):
        leave_request_decide(actor=people["wang.fang"], request=request, approved=False)
    with pytest.raises(ValidationFailed):
        leave_request_submit(
            actor=people["liu.yang"],
            leave_type=annual,
            starts_on=day,
            ends_on=day - datetime.timedelta(days=1),
        )
    assert LeaveRequest.objects.count() == 1


def test_notices_with_read_receipts(people):
    with pytest.raises(NotPermitted):
        notice_publish(actor=people["zhang.wei"], title="Hi", body="")
    notice = notice_publish(
        actor=people["sun.hong"], title="Office move 搬迁通知", body="Floor 9", requires_receipt=True
    )
    notice_mark_read(actor=people["zhang.wei"], notice=notice)
    notice_mark_read(actor=people["zhang.wei"], notice=notice)

    assert notice.receipts.count() == 1
    read = {n.pk: n.is_read for n in notices_for(user=people["zhang.wei"])}
    unread = {n.pk: n.is_read for n in notices_for(user=people["liu.yang"])}
    assert read[notice.pk] is True and unread[notice.pk] is False
    assert Notice.objects.filter(kind=Notice.Kind.POLICY).exists()


def _leave(user, code, first, last):
    return leave_request_submit(
        actor=user, leave_type=LeaveType.objects.get(code=code), starts_on=first, ends_on=last
    )


def test_leave_starts_today_or_later_except_sick_leave_within_its_window(people):
    today = timezone.localdate()
    yesterday = today - datetime.timedelta(days=1)
    # annual leave in the past is a field error on the first day, and nothing is written
    with pytest.raises(ValidationFailed) as error:
        _leave(people["liu.yang"], "annual", yesterday, yesterday)
    assert "past" in " ".join(error.value.fields["starts_on"])
    # sick leave is reported afterwards: up to 30 days back (the demo's sick leave), not more
    back = today - datetime.timedelta(days=30)
    assert _leave(people["liu.yang"], "sick", back, back).status == LeaveRequest.Status.PENDING
    too_far = back - datetime.timedelta(days=1)
    with pytest.raises(ValidationFailed) as error:
        _leave(people["liu.yang"], "sick", too_far, too_far)
    assert back.isoformat() in " ".join(error.value.fields["starts_on"])
    # and no leave for year 9999, nor a request over more than a year
    with pytest.raises(ValidationFailed) as error:
        _leave(people["liu.yang"], "personal", datetime.date(9999, 12, 30), datetime.date(9999, 12, 31))
    assert "starts_on" in error.value.fields
    with pytest.raises(ValidationFailed) as error:
        _leave(people["liu.yang"], "personal", today, today + datetime.timedelta(days=400))
    assert "ends_on" in error.value.fields
    assert LeaveRequest.objects.count() == 1


def test_leave_cannot_overlap_the_requesters_own_leave(people):
    first = datetime.date(YEAR, 3, 2)
    asked = _leave(people["liu.yang"], "personal", first, first + datetime.timedelta(days=2))
    # the same days again, or one of them, asked by the same person: refused, naming the earlier one
    third = first + datetime.timedelta(days=2)
    for start, end in [(first, third), (third, third)]:
        with pytest.raises(ValidationFailed) as error:
            _leave(people["liu.yang"], "annual", start, end)
        assert first.isoformat() in " ".join(error.value.fields["starts_on"])
    # approved leave blocks as well; a rejected request does not
    leave_request_decide(actor=people["wang.fang"], request=asked, approved=True)
    with pytest.raises(ValidationFailed):
        _leave(people["liu.yang"], "personal", first, first)
    LeaveRequest.objects.filter(pk=asked.pk).update(status=LeaveRequest.Status.REJECTED)
    _leave(people["liu.yang"], "personal", first, first)
    # a colleague may take the same days
    _leave(people["zhang.wei"], "personal", first, first)
    assert LeaveRequest.objects.count() == 3


def test_a_vehicle_cannot_be_requested_for_a_past_or_far_away_time(people):
    def ask(starts_at, hours=2):
        return vehicle_request_submit(
            actor=people["zhang.wei"],
            starts_at=starts_at,
            ends_at=starts_at + datetime.timedelta(hours=hours),
            destination="Airport",
        )

    for starts_at, field in [
        (timezone.make_aware(datetime.datetime(2020, 5, 4, 9, 0)), "starts_at"),
        (timezone.now() + datetime.timedelta(days=800), "starts_at"),
        (T0, "ends_at"),  # a 40-day trip
    ]:
        with pytest.raises(ValidationFailed) as error:
            ask(starts_at, hours=40 * 24 if field == "ends_at" else 2)
        assert field in error.value.fields
    assert not VehicleRequest.objects.exists()
    # leaving right now, with the form filled in a few minutes late, is fine
    ask(timezone.now() - datetime.timedelta(minutes=10))
