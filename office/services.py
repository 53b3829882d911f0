"""Office writes: leave and vehicle requests (each starts its bound process), their decisions as
applied by the processes, vehicle bookings without overlaps, notices with read receipts."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_record, diff, snapshot
from core.errors import Conflict, NotPermitted, ValidationFailed
from core.events import emit_business_event
from engine.connectors import user_of
from engine.ownership import require_process_authority

from .models import (
    LeaveBalance,
    LeaveRequest,
    LeaveType,
    Notice,
    NoticeReceipt,
    Vehicle,
    VehicleBooking,
    VehicleRequest,
)


def leave_days(starts_on: datetime.date, ends_on: datetime.date) -> Decimal:
    """Calendar days, both ends included."""
    return Decimal((ends_on - starts_on).days + 1)


def _pending_days(user, leave_type, year: int, exclude=None) -> Decimal:
    pending = LeaveRequest.objects.filter(
        user=user, leave_type=leave_type, status=LeaveRequest.Status.PENDING, starts_on__year=year
    )
    if exclude is not None:
        pending = pending.exclude(pk=exclude.pk)
    return sum((r.days for r in pending), Decimal(0))


# How far ahead a request may be made, and the longest leave or trip one request covers.
BOOK_AHEAD = datetime.timedelta(days=366)
LONGEST_LEAVE = datetime.timedelta(days=366)
LONGEST_TRIP = datetime.timedelta(days=31)
# A vehicle request may start a little before it is sent: the form was filled in on the way out.
TRIP_GRACE = datetime.timedelta(hours=1)


def _leave_date_errors(actor, leave_type: LeaveType, starts_on, ends_on) -> dict[str, list[str]]:
    """The business's calendar rules: from today on (or the type's `backdate_days` back), within a
    year ahead, at most a year long, and not over the requester's own leave asked for or granted."""
    today = timezone.localdate()
    earliest = today - datetime.timedelta(days=leave_type.backdate_days)
    if starts_on < earliest:
        if leave_type.backdate_days:
            message = _("%(type)s may start at most %(days)s days back, on %(date)s at the earliest.") % {
                "type": leave_type.name,
                "days": leave_type.backdate_days,
                "date": earliest.isoformat(),
            }
        else:
            message = _("%(type)s cannot start in the past.") % {"type": leave_type.name}
        return {"starts_on": [message]}
    if starts_on > today + BOOK_AHEAD:
        return {"starts_on": [_("Leave can be asked for at most a year ahead.")]}
    if ends_on - starts_on >= LONGEST_LEAVE:
        return {"ends_on": [_("One request covers at most a year.")]}
    # Concurrent submissions by one person queue here, so two overlapping requests cannot both pass.
    get_user_model().objects.select_for_update().filter(pk=actor.pk).first()
    clash = (
        LeaveRequest.objects.filter(
            user=actor,
            status__in=(LeaveRequest.Status.PENDING, LeaveRequest.Status.APPROVED),
            starts_on__lte=ends_on,
            ends_on__gte=starts_on,
        )
        .order_by("starts_on")
        .first()
    )
    if clash is not None:
        return {
            "starts_on": [
                _("You already asked for leave from %(first)s to %(last)s (%(status)s).")
                % {
                    "first": clash.starts_on.isoformat(),
                    "last": clash.ends_on.isoformat(),
                    "status": clash.get_status_display(),
                }
            ]
        }
    return {}


def _trip_time_errors(starts_at: datetime.datetime, ends_at: datetime.datetime) -> dict[str, list[str]]:
    now = timezone.now()
    if starts_at < now - TRIP_GRACE:
        return {"starts_at": [_("A vehicle cannot be requested for a time that has passed.")]}
    if starts_at > now + BOOK_AHEAD:
        return {"starts_at": [_("A vehicle can be requested at most a year ahead.")]}
    if ends_at - starts_at > LONGEST_TRIP:
        return {"ends_at": [_("One request covers at most 31 days.")]}
    return {}


@transaction.atomic
def leave_request_submit(
    *, actor, leave_type: LeaveType, starts_on: datetime.date, ends_on: datetime.date, reason: str = ""
) -> LeaveRequest:
    """Ask for leave; the balance (minus leave already waiting for approval) is checked now."""
    errors: dict[str, list[str]] = {}
    if leave_type is None or not leave_type.active:
        errors["leave_type"] = [_("Choose an active leave type.")]
    if not isinstance(starts_on, datetime.date) or not isinstance(ends_on, datetime.date):
        errors["starts_on"] = [_("Enter the first and the last day.")]
    elif ends_on < starts_on:
        errors["ends_on"] = [_("The last day cannot come before the first day.")]
    elif leave_type is not None:
        errors.update(_leave_date_errors(actor, leave_type, starts_on, ends_on))
    if errors:
        raise ValidationFailed(_("The leave request could not be saved."), fields=errors)
    days = leave_days(starts_on, ends_on)
    if leave_type.needs_balance:
        balance = (
            LeaveBalance.objects.select_for_update()
            .filter(user=actor, leave_type=leave_type, year=starts_on.year)
            .first()
        )
        remaining = (balance.remaining_days if balance else Decimal(0)) - _pending_days(
            actor, leave_type, starts_on.year
        )
        if days > remaining:
            raise ValidationFailed(
                _("You asked for %(days)s days of %(type)s but have %(left)s left.")
                % {"days": days, "type": leave_type.name, "left": remaining},
                fields={"ends_on": [_("Beyond your balance of %(left)s days.") % {"left": remaining}]},
            )
    request = LeaveRequest.objects.create(
        user=actor, leave_type=leave_type, starts_on=starts_on, ends_on=ends_on, days=days, reason=reason
    )
    audit_record(action="create", actor=actor, obj=request)
    emit_business_event(
        "leave.requested",
        business_object=request,
        actor=actor,
        variables={
            "leave_type": leave_type.code,
            "starts_on": starts_on.isoformat(),
            "ends_on": ends_on.isoformat(),
            "days": float(days),
            "reason": reason,
        },
    )
    return request


@transaction.atomic
def leave_request_decide(*, actor, request: LeaveRequest, approved: bool, note: str = "") -> LeaveRequest:
    """The process's outcome: approved leave is deducted from the balance."""
    request = LeaveRequest.objects.select_for_update().select_related("leave_type").get(pk=request.pk)
    if request.status != LeaveRequest.Status.PENDING:
        raise Conflict(_("This leave request has already been decided."))
    require_process_authority(actor=actor, obj=request, fields=["status"])
    if approved and request.leave_type.needs_balance:
        balance = (
            LeaveBalance.objects.select_for_update()
            .filter(user_id=request.user_id, leave_type=request.leave_type, year=request.starts_on.year)
            .first()
        )
        if balance is None or balance.remaining_days < request.days:
            raise Conflict(_("The leave balance no longer covers this request."))
        balance.used_days += request.days
        balance.save(update_fields=["used_days"])
    request.status = LeaveRequest.Status.APPROVED if approved else LeaveRequest.Status.REJECTED
    request.decided_at = timezone.now()
    request.decided_by = user_of(actor)
    request.decision_note = note
    request.save(update_fields=["status", "decided_at", "decided_by", "decision_note"])
    audit_record(action="change", actor=actor, obj=request, changes={"status": ["pending", request.status]})
    return request


@transaction.atomic
def vehicle_request_submit(
    *,
    actor,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    destination: str,
    passengers: int = 1,
    purpose: str = "",
) -> VehicleRequest:
    errors: dict[str, list[str]] = {}
    if not destination or not destination.strip():
        errors["destination"] = [_("This field is required.")]
    if not isinstance(passengers, int) or passengers < 1:
        errors["passengers"] = [_("At least one passenger.")]
    if not (isinstance(starts_at, datetime.datetime) and isinstance(ends_at, datetime.datetime)):
        errors["starts_at"] = [_("Enter when you need the vehicle.")]
    elif ends_at <= starts_at:
        errors["ends_at"] = [_("The end must come after the start.")]
    else:
        errors.update(_trip_time_errors(starts_at, ends_at))
    if errors:
        raise ValidationFailed(_("The vehicle request could not be saved."), fields=errors)
    request = VehicleRequest.objects.create(
        user=actor,
        starts_at=starts_at,
        ends_at=ends_at,
        destination=destination.strip(),
        passengers=passengers,
        purpose=purpose,
    )
    audit_record(action="create", actor=actor, obj=request)
    emit_business_event(
        "vehicle.requested",
        business_object=request,
        actor=actor,
        variables={
            "starts_at": starts_at.isoformat(),
            "ends_at": ends_at.isoformat(),
            "destination": request.destination,
            "passengers": passengers,
        },
    )
    return request


def _set_status(request: VehicleRequest, actor, status: str) -> None:
    require_process_authority(actor=actor, obj=request, fields=["status"])
    old = request.status
    request.status = status
    request.save(update_fields=["status"])
    audit_record(action="change", actor=actor, obj=request, changes={"status": [old, status]})


@transaction.atomic
def vehicle_request_reject(*, actor, request: VehicleRequest, note: str = "") -> VehicleRequest:
    request = VehicleRequest.objects.select_for_update().get(pk=request.pk)
    if request.status != VehicleRequest.Status.PENDING:
        raise Conflict(_("This vehicle request has already been decided."))
    _set_status(request, actor, VehicleRequest.Status.REJECTED)
    return request


def _require_requester(actor, request) -> None:
    if user_of(actor) is None or user_of(actor).pk != request.user_id:
        raise NotPermitted(_("Only the person who asked may withdraw this request."))


@transaction.atomic
def leave_request_withdraw(*, actor, request: LeaveRequest, reason: str = "") -> LeaveRequest:
    """The requester takes back leave still waiting for approval (after its process was
    cancelled): it no longer counts against the balance's pending days."""
    request = LeaveRequest.objects.select_for_update().get(pk=request.pk)
    _require_requester(actor, request)
    if request.status != LeaveRequest.Status.PENDING:
        raise Conflict(_("This leave request has already been decided."))
    require_process_authority(actor=actor, obj=request, fields=["status"])
    request.status = LeaveRequest.Status.CANCELLED
    request.decision_note = reason
    request.save(update_fields=["status", "decision_note"])
    audit_record(action="change", actor=actor, obj=request, changes={"status": ["pending", request.status]})
    return request


@transaction.atomic
def vehicle_request_withdraw(*, actor, request: VehicleRequest, reason: str = "") -> VehicleRequest:
    """The requester takes back a trip (after its process was cancelled): a vehicle already booked
    for it is free again for that period."""
    request = VehicleRequest.objects.select_for_update().get(pk=request.pk)
    _require_requester(actor, request)
    open_statuses = {
        VehicleRequest.Status.PENDING,
        VehicleRequest.Status.APPROVED,
        VehicleRequest.Status.ASSIGNED,
    }
    if request.status not in open_statuses:
        raise Conflict(_("This vehicle request is already closed."))
    booking = VehicleBooking.objects.select_for_update().filter(request=request, cancelled=False).first()
    if booking is not None:
        if booking.returned_at is not None:
            raise Conflict(_("The vehicle has already been returned."))
        booking.cancelled = True
        booking.save(update_fields=["cancelled"])
        audit_record(action="change", actor=actor, obj=booking, changes={"cancelled": [False, True]})
    _set_status(request, actor, VehicleRequest.Status.CANCELLED)
    return request


def overlapping_booking(
    *, vehicle: Vehicle, starts_at, ends_at, exclude_request=None
) -> VehicleBooking | None:
    clash = VehicleBooking.objects.filter(
        vehicle=vehicle, cancelled=False, starts_at__lt=ends_at, ends_at__gt=starts_at
    ).select_related("request")
    if exclude_request is not None:
        clash = clash.exclude(request=exclude_request)
    return clash.first()


def double_booking_error(vehicle, clash) -> Conflict:
    return Conflict(
        _("%(vehicle)s is already booked from %(start)s to %(end)s.")
        % {
            "vehicle": vehicle,
            "start": timezone.localtime(clash.starts_at).strftime("%Y-%m-%d %H:%M"),
            "end": timezone.localtime(clash.ends_at).strftime("%Y-%m-%d %H:%M"),
        },
        fields={"vehicle": [_("Booked at that time; choose another vehicle.")]},
    )


@transaction.atomic
def vehicle_assign(*, actor, request: VehicleRequest, vehicle: Vehicle, driver: str = "") -> VehicleBooking:
    """Book the vehicle for the request. Overlaps are refused: checked here under a lock on the
    vehicle (the only guard on SQLite) and by the PostgreSQL exclusion constraint."""
    request = VehicleRequest.objects.select_for_update().get(pk=request.pk)
    if request.status not in {VehicleRequest.Status.PENDING, VehicleRequest.Status.APPROVED}:
        raise Conflict(_("This vehicle request is not waiting for a vehicle."))
    if connection.vendor == "sqlite":
        # SQLite ignores FOR UPDATE: writing to the vehicle row first takes the database write lock,
        # so a concurrent assignment waits here and then sees this booking.
        Vehicle.objects.filter(pk=vehicle.pk).update(mileage_km=F("mileage_km"))
    vehicle = Vehicle.objects.select_for_update().get(pk=vehicle.pk)
    if not vehicle.active:
        raise ValidationFailed(
            _("%(vehicle)s is out of service.") % {"vehicle": vehicle},
            fields={"vehicle": [_("Out of service.")]},
        )
    clash = overlapping_booking(vehicle=vehicle, starts_at=request.starts_at, ends_at=request.ends_at)
    if clash is not None:
        raise double_booking_error(vehicle, clash)
    try:
        with transaction.atomic():
            booking = VehicleBooking.objects.create(
                vehicle=vehicle,
                request=request,
                starts_at=request.starts_at,
                ends_at=request.ends_at,
                driver=driver,
                booked_by=user_of(actor),
            )
    except IntegrityError as error:
        if "office_booking_no_overlap" in str(error):
            clash = overlapping_booking(vehicle=vehicle, starts_at=request.starts_at, ends_at=request.ends_at)
            raise (
                double_booking_error(vehicle, clash)
                if clash
                else Conflict(_("The vehicle is already booked."))
            ) from None
        raise
    _set_status(request, actor, VehicleRequest.Status.ASSIGNED)
    audit_record(action="create", actor=actor, obj=booking)
    return booking


@transaction.atomic
def vehicle_return(
    *, actor, request: VehicleRequest, mileage_km: int, fuel_litres=None, note: str = ""
) -> VehicleBooking:
    request = VehicleRequest.objects.select_for_update().get(pk=request.pk)
    booking = VehicleBooking.objects.select_for_update().filter(request=request).first()
    if booking is None or request.status != VehicleRequest.Status.ASSIGNED:
        raise Conflict(_("No vehicle is out on this request."))
    if not isinstance(mileage_km, int) or mileage_km < 0:
        raise ValidationFailed(
            _("Enter the kilometres driven."), fields={"mileage_km": [_("A whole number ≥ 0.")]}
        )
    booking.returned_at = timezone.now()
    booking.mileage_km = mileage_km
    booking.fuel_litres = Decimal(str(fuel_litres)) if fuel_litres not in (None, "") else None
    booking.return_note = note
    booking.save(update_fields=["returned_at", "mileage_km", "fuel_litres", "return_note"])
    Vehicle.objects.filter(pk=booking.vehicle_id).update(mileage_km=booking.vehicle.mileage_km + mileage_km)
    _set_status(request, actor, VehicleRequest.Status.RETURNED)
    return booking


@transaction.atomic
def notice_publish(
    *,
    actor,
    title: str,
    body: str,
    kind: str = Notice.Kind.NOTICE,
    requires_receipt: bool = False,
    meeting_on=None,
) -> Notice:
    if not (actor.is_superuser or actor.has_perm("office.add_notice")):
        raise NotPermitted(_("You may not publish notices."))
    errors = {}
    if not title or not title.strip():
        errors["title"] = [_("This field is required.")]
    if kind not in Notice.Kind.values:
        errors["kind"] = [_("Unknown kind.")]
    if errors:
        raise ValidationFailed(_("The notice could not be published."), fields=errors)
    notice = Notice.objects.create(
        kind=kind,
        title=title.strip(),
        body=body,
        author=actor,
        requires_receipt=requires_receipt,
        meeting_on=meeting_on,
        status=Notice.Status.PUBLISHED,
        published_at=timezone.now(),
    )
    audit_record(action="create", actor=actor, obj=notice)
    return notice


def notice_mark_read(*, actor, notice: Notice) -> NoticeReceipt:
    """Record that `actor` read the notice (once; reading again keeps the first time)."""
    receipt, _created = NoticeReceipt.objects.get_or_create(notice=notice, user=actor)
    return receipt


# -- notices as the administration area writes them: a draft, its audience, then published ----------


def _require_notice_manager(actor) -> None:
    if not (actor.is_superuser or actor.has_perm("office.manage_notices")):
        raise NotPermitted(_("You may not publish notices."))


def _notice_snapshot(notice: Notice) -> dict:
    values = snapshot(notice)
    if notice.pk is not None:
        values["departments"] = sorted(notice.departments.values_list("pk", flat=True))
        values["groups"] = sorted(notice.groups.values_list("pk", flat=True))
    return values


@transaction.atomic
def notice_draft_save(
    *,
    actor,
    notice: Notice | None = None,
    title: str,
    body: str,
    kind: str = Notice.Kind.NOTICE,
    requires_receipt: bool = False,
    meeting_on=None,
    departments=(),
    groups=(),
) -> Notice:
    """Write a new draft or change one (a published notice is not rewritten: publish a new one).
    The audience is departments (their sub-departments included) and groups; none = everybody."""
    _require_notice_manager(actor)
    errors = {}
    if not title or not title.strip():
        errors["title"] = [_("This field is required.")]
    if not body or not body.strip():
        errors["body"] = [_("This field is required.")]
    if kind not in Notice.Kind.values:
        errors["kind"] = [_("Unknown kind.")]
    if notice is not None and notice.status != Notice.Status.DRAFT:
        errors["title"] = [_("A published notice cannot be changed.")]
    if errors:
        raise ValidationFailed(_("The notice could not be saved."), fields=errors)
    creating = notice is None
    if creating:
        notice = Notice(author=actor, status=Notice.Status.DRAFT, published_at=None)
        before = None
    else:
        notice = Notice.objects.select_for_update().get(pk=notice.pk)
        before = _notice_snapshot(notice)
    notice.kind, notice.title, notice.body = kind, title.strip()[:200], body
    notice.requires_receipt, notice.meeting_on = requires_receipt, meeting_on
    notice.save()
    notice.departments.set(departments)
    notice.groups.set(groups)
    changes = diff(before or {}, _notice_snapshot(notice))
    if creating or changes:
        audit_record(action="create" if creating else "change", actor=actor, obj=notice, changes=changes)
    return notice


@transaction.atomic
def notice_release(*, actor, notice: Notice) -> Notice:
    """Publish a draft: from now on its audience finds it on their "Notices" page."""
    _require_notice_manager(actor)
    notice = Notice.objects.select_for_update().get(pk=notice.pk)
    if notice.status != Notice.Status.DRAFT:
        raise Conflict(_("This notice is already published."))
    before = snapshot(notice)
    notice.status, notice.published_at = Notice.Status.PUBLISHED, timezone.now()
    notice.save(update_fields=["status", "published_at"])
    audit_record(action="change", actor=actor, obj=notice, changes=diff(before, snapshot(notice)))
    return notice


def database_guards_bookings() -> bool:
    return connection.vendor == "postgresql"
