"""Leave and vehicle requests in words, for the task page, the inbox, notifications and the API
(registered with `engine.summaries` in OfficeConfig.ready). Reads go through
`office.selectors.*_visible_to`: a request the user may not see gives nothing."""

from __future__ import annotations

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from engine import summaries

from . import selectors
from .models import LeaveBalance, LeaveRequest

DASH = "\u2013"  # between the ends of a period


def _ints(ids) -> list[int]:
    return [int(i) for i in ids if str(i).isdigit()]


def _join(*parts) -> str:
    return " · ".join(str(p) for p in parts if p not in (None, ""))


def _date(value) -> str:
    return formats.date_format(value, "SHORT_DATE_FORMAT") if value else ""


def _datetime(value) -> str:
    return formats.date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT") if value else ""


def _days(days) -> str:
    number = formats.number_format(days, 1 if days % 1 else 0)
    return ngettext("%(n)s day", "%(n)s days", int(days) if days % 1 == 0 else 2) % {"n": number}


def _period(starts, ends) -> str:
    return _date(starts) if starts == ends else f"{_date(starts)} {DASH} {_date(ends)}"


def _trip_period(starts_at, ends_at) -> str:
    return f"{_datetime(starts_at)} {DASH} {_datetime(ends_at)}"


class LeaveSummary:
    def label(self, obj) -> str:
        return f"{obj.user} · {obj.leave_type} {obj.starts_on:%m-%d}{DASH}{obj.ends_on:%m-%d} ({obj.days:g})"

    def _visible(self, user):
        return selectors.leave_requests_visible_to(user).select_related("user", "leave_type", "decided_by")

    def lines(self, user, ids):
        return {
            str(r.pk): _join(r.user, r.leave_type, _period(r.starts_on, r.ends_on), _days(r.days))
            for r in self._visible(user).filter(pk__in=_ints(ids))
        }

    def _get(self, user, object_id):
        leave = self._visible(user).filter(pk=int(object_id)).first()
        if leave is None:
            return None
        balance = LeaveBalance.objects.filter(
            user_id=leave.user_id, leave_type_id=leave.leave_type_id, year=leave.starts_on.year
        ).first()
        before = after = None
        if balance is not None and leave.leave_type.needs_balance:
            remaining = balance.remaining_days
            # an approved request is already deducted; a waiting one is not yet
            before = remaining + leave.days if leave.status == LeaveRequest.Status.APPROVED else remaining
            after = before - leave.days
        return {
            "leave": leave,
            "period": _period(leave.starts_on, leave.ends_on),
            "days": _days(leave.days),
            "balance_before": _days(before) if before is not None else "",
            "balance_after": _days(after) if after is not None else "",
            "short": after is not None and after < 0,
            "absent": list(selectors.leave_absences(leave=leave)),
        }

    def panel(self, user, object_id):
        found = self._get(user, object_id)
        if found is None:
            return None
        return {"template": "tasklist/summaries/leave.html", "placement": "main", **found}

    def data(self, user, object_id):
        found = self._get(user, object_id)
        if found is None:
            return None
        leave = found["leave"]
        return {
            "employee": str(leave.user),
            "leave_type": str(leave.leave_type),
            "starts_on": leave.starts_on,
            "ends_on": leave.ends_on,
            "days": str(leave.days),
            "reason": leave.reason,
            "status": leave.status,
            "status_display": str(leave.get_status_display()),
            "balance_before": found["balance_before"],
            "balance_after": found["balance_after"],
            "absent": [
                {
                    "employee": str(a.user),
                    "leave_type": str(a.leave_type),
                    "starts_on": a.starts_on,
                    "ends_on": a.ends_on,
                }
                for a in found["absent"]
            ],
        }


class VehicleRequestSummary:
    def label(self, obj) -> str:
        return f"{obj.user} → {obj.destination} ({timezone.localtime(obj.starts_at):%m-%d %H:%M})"

    def _visible(self, user):
        return selectors.vehicle_requests_visible_to(user).select_related("user", "booking__vehicle")

    def lines(self, user, ids):
        return {
            str(r.pk): _join(
                r.user, _("to %(place)s") % {"place": r.destination}, _trip_period(r.starts_at, r.ends_at)
            )
            for r in self._visible(user).filter(pk__in=_ints(ids))
        }

    def _get(self, user, object_id):
        request = self._visible(user).filter(pk=int(object_id)).first()
        if request is None:
            return None
        booking = getattr(request, "booking", None)
        free = list(
            selectors.vehicles_free(starts_at=request.starts_at, ends_at=request.ends_at).filter(
                seats__gte=request.passengers
            )
        )
        return {
            "vehicle_request": request,
            "period": _trip_period(request.starts_at, request.ends_at),
            "booking": booking if booking is not None and not booking.cancelled else None,
            "free_vehicles": free,
        }

    def panel(self, user, object_id):
        found = self._get(user, object_id)
        if found is None:
            return None
        return {"template": "tasklist/summaries/vehicle.html", "placement": "main", **found}

    def data(self, user, object_id):
        found = self._get(user, object_id)
        if found is None:
            return None
        r = found["vehicle_request"]
        booking = found["booking"]
        return {
            "employee": str(r.user),
            "destination": r.destination,
            "starts_at": r.starts_at,
            "ends_at": r.ends_at,
            "passengers": r.passengers,
            "purpose": r.purpose,
            "status": r.status,
            "status_display": str(r.get_status_display()),
            "vehicle": str(booking.vehicle) if booking else "",
            "free_vehicles": [
                {"plate": v.plate, "name": v.name, "seats": v.seats} for v in found["free_vehicles"]
            ],
        }


class SupplyRequestSummary:
    def label(self, obj) -> str:
        return _("%(who)s · office supplies #%(n)s") % {"who": obj.user, "n": obj.pk}

    def _visible(self, user):
        return selectors.supply_requests_visible_to(user).select_related("user", "issued_by")

    def lines(self, user, ids):
        requests = list(self._visible(user).filter(pk__in=_ints(ids)).prefetch_related("lines__item"))
        return {
            str(r.pk): _join(
                r.user, "、".join(f"{line.item.name} \u00d7 {line.quantity}" for line in r.lines.all())
            )
            for r in requests
        }

    def _get(self, user, object_id):
        request = self._visible(user).filter(pk=int(object_id)).first()
        if request is None:
            return None
        rows = []
        for line in request.lines.select_related("item").order_by("pk"):
            line.short = request.status != request.Status.ISSUED and line.item.stock < line.quantity
            rows.append(line)
        return {"supply_request": request, "rows": rows, "short": any(r.short for r in rows)}

    def panel(self, user, object_id):
        found = self._get(user, object_id)
        if found is None:
            return None
        return {"template": "tasklist/summaries/supplies.html", "placement": "main", **found}

    def data(self, user, object_id):
        found = self._get(user, object_id)
        if found is None:
            return None
        r = found["supply_request"]
        return {
            "employee": str(r.user),
            "purpose": r.purpose,
            "status": r.status,
            "status_display": str(r.get_status_display()),
            "lines": [
                {
                    "item": line.item.name,
                    "unit": line.item.unit,
                    "quantity": line.quantity,
                    "in_stock": line.item.stock,
                }
                for line in found["rows"]
            ],
        }


def register() -> None:
    summaries.register("office.leaverequest", LeaveSummary())
    summaries.register("office.vehiclerequest", VehicleRequestSummary())
    summaries.register("office.supplyrequest", SupplyRequestSummary())
