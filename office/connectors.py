"""What the leave, vehicle and supplies processes (bpmn/leave_request.bpmn,
bpmn/vehicle_request.bpmn, bpmn/office_supplies.bpmn) call, plus the vehicle and supplies form
checks. They act on the process's business object (the instance's stored
link) through the office services with the process's authority, and react to process data, not to
element ids."""

from __future__ import annotations

from django.utils.translation import gettext as _

from core.plates import normalise_plate
from engine.connectors import business_object as _business_object
from engine.connectors import process_actor
from engine.services import register_connector, register_form_validator

from . import services, supplies
from .models import LeaveRequest, SupplyRequest, Vehicle, VehicleRequest


class ConnectorRefused(Exception):
    """The connector cannot apply the step's outcome; the engine parks it as an incident."""


def leave_decided(params: dict, data: dict) -> dict:
    request = _business_object(data, LeaveRequest)
    request = services.leave_request_decide(
        actor=process_actor(),
        request=request,
        approved=params.get("outcome") == "approved",
        note=str(data.get("comment") or ""),
    )
    return {"status": request.status}


def assign_vehicle(params: dict, data: dict) -> dict:
    request = _business_object(data, VehicleRequest)
    vehicle = Vehicle.objects.filter(plate=normalise_plate(data.get("vehicle") or "")).first()
    if vehicle is None:
        raise ConnectorRefused(f"no vehicle with the plate {data.get('vehicle')!r}")
    booking = services.vehicle_assign(
        actor=process_actor(), request=request, vehicle=vehicle, driver=str(data.get("driver") or "")
    )
    return {"id": booking.pk, "vehicle": vehicle.plate}


def vehicle_returned(params: dict, data: dict) -> dict:
    request = _business_object(data, VehicleRequest)
    booking = services.vehicle_return(
        actor=process_actor(),
        request=request,
        mileage_km=int(data.get("mileage_km") or 0),
        fuel_litres=data.get("fuel_litres"),
        note=str(data.get("note") or ""),
    )
    return {"mileage_km": booking.mileage_km}


def vehicle_request_rejected(params: dict, data: dict) -> dict:
    request = _business_object(data, VehicleRequest)
    request = services.vehicle_request_reject(actor=process_actor(), request=request)
    return {"status": request.status}


def validate_vehicle_choice(task, data: dict) -> dict[str, list[str]]:
    """A form that picks a `vehicle` for a vehicle request: the plate must exist and be free for the
    requested time, so a double booking is refused before the step completes."""
    plate = data.get("vehicle")
    if not isinstance(plate, str) or not plate:
        return {}
    instance = task.instance
    if (
        instance.business_object_type is None
        or instance.business_object_type.model_class() is not VehicleRequest
    ):
        return {}
    request = VehicleRequest.objects.filter(pk=instance.business_object_id).first()
    vehicle = Vehicle.objects.filter(plate=normalise_plate(plate), active=True).first()
    if request is None:
        return {}
    if vehicle is None:
        return {
            "vehicle": [_("There is no vehicle in service with the plate “%(plate)s”.") % {"plate": plate}]
        }
    clash = services.overlapping_booking(
        vehicle=vehicle, starts_at=request.starts_at, ends_at=request.ends_at, exclude_request=request
    )
    if clash is not None:
        return {"vehicle": [str(services.double_booking_error(vehicle, clash).message)]}
    return {}


def supplies_issued(params: dict, data: dict) -> dict:
    request = _business_object(data, SupplyRequest)
    request = supplies.supply_request_issue(actor=process_actor(), request=request)
    return {"status": request.status}


def supplies_rejected(params: dict, data: dict) -> dict:
    request = _business_object(data, SupplyRequest)
    request = supplies.supply_request_reject(actor=process_actor(), request=request)
    return {"status": request.status}


def validate_supplies_issue(task, data: dict) -> dict[str, list[str]]:
    """Handing supplies out takes them off the shelf: each line the stock cannot cover is named
    on the form before the step completes (the issue itself checks again, under lock)."""
    if not data.get("handed_out"):
        return {}
    instance = task.instance
    if (
        instance.business_object_type is None
        or instance.business_object_type.model_class() is not SupplyRequest
    ):
        return {}
    request = SupplyRequest.objects.filter(pk=instance.business_object_id).first()
    if request is None:
        return {}
    problems = supplies.shortages(request)
    return {"handed_out": [m for ms in problems.values() for m in ms]} if problems else {}


def register() -> None:
    register_connector("office.leave_decided", leave_decided)
    register_connector("office.assign_vehicle", assign_vehicle)
    register_connector("office.vehicle_returned", vehicle_returned)
    register_connector("office.vehicle_request_rejected", vehicle_request_rejected)
    register_form_validator(validate_vehicle_choice)
    register_connector("office.supplies_issued", supplies_issued)
    register_connector("office.supplies_rejected", supplies_rejected)
    register_form_validator(validate_supplies_issue)
