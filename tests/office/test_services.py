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
