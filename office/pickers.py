"""The `vehicle` picker (core.pickers): vehicles in service that are free for the requested trip.

The trip is the vehicle request the task is about, or the form's process data named by
`"x-period": ["starts_at", "ends_at"]`. A plate is matched however it is typed (core.plates)."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q
from django.utils import formats, timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.pickers import PICKER_LIMIT, FunctionSource, Option, PickerContext, register_picker
from core.plates import normalise_plate
from org.pickers import is_staff_viewer

from .models import Vehicle, VehicleBooking, VehicleRequest


def _period(ctx: PickerContext):
    """(starts_at, ends_at, the request itself) of the trip the vehicle is picked for."""
    if ctx.object_type == "office.vehiclerequest" and ctx.object_id.isdigit():
        request = VehicleRequest.objects.filter(pk=int(ctx.object_id)).first()
        if request is not None:
            return request.starts_at, request.ends_at, request
    names = ctx.prop.get("x-period") or ["starts_at", "ends_at"]
    if isinstance(names, list) and len(names) == 2:
        start, end = (ctx.variables.get(n) for n in names)
        start = parse_datetime(start) if isinstance(start, str) else None
        end = parse_datetime(end) if isinstance(end, str) else None
        if start and end:
            return start, end, None
    return None, None, None


def _vehicles(ctx: PickerContext):
    if not is_staff_viewer(ctx.viewer):
        return Vehicle.objects.none(), None
    starts_at, ends_at, request = _period(ctx)
    qs = Vehicle.objects.filter(active=True)
    if starts_at and ends_at:
        clashes = VehicleBooking.objects.filter(
            vehicle=OuterRef("pk"), cancelled=False, starts_at__lt=ends_at, ends_at__gt=starts_at
        )
        if request is not None:
            clashes = clashes.exclude(request=request)
        qs = qs.filter(~Exists(clashes))
        when = "{} \u2013 {}".format(
            formats.date_format(timezone.localtime(starts_at), "SHORT_DATETIME_FORMAT"),
            formats.date_format(timezone.localtime(ends_at), "SHORT_DATETIME_FORMAT"),
        )
        return qs, when
    return qs, None


def _option(vehicle: Vehicle, when: str | None) -> Option:
    seats = ngettext("%(n)d seat", "%(n)d seats", vehicle.seats) % {"n": vehicle.seats}
    free = _("free %(when)s") % {"when": when} if when else ""
    return Option(
        value=vehicle.plate,
        label=f"{vehicle.plate} {vehicle.name}",
        detail=" · ".join(filter(None, [seats, free])),
    )


def vehicle_options(ctx: PickerContext, *, query: str = "", limit: int = PICKER_LIMIT) -> list[Option]:
    qs, when = _vehicles(ctx)
    if query:
        qs = qs.filter(
            Q(name__icontains=query) | Q(plate__icontains=normalise_plate(query)) | Q(plate__icontains=query)
        )
    return [_option(v, when) for v in qs.order_by("plate")[:limit]]


def vehicle_option(ctx: PickerContext, value: str) -> Option | None:
    qs, when = _vehicles(ctx)
    vehicle = qs.filter(plate=normalise_plate(value)).first()
    return _option(vehicle, when) if vehicle else None


def register() -> None:
    register_picker(
        "vehicle",
        FunctionSource(
            vehicle_options,
            vehicle_option,
            refused=lambda value: (
                _("%(plate)s is not free for this trip; choose one of the vehicles listed.")
                % {"plate": normalise_plate(value)}
            ),
        ),
    )
