"""Vehicle request (bpmn/vehicle_request.bpmn) end to end: manager approves, the vehicle admin
assigns a free vehicle (never two overlapping bookings), the employee records the return."""

import datetime

import pytest
from django.utils import timezone

from core.errors import NotPermitted, ValidationFailed
from engine.models import HumanTask, InstanceEvent, ProcessInstance
from office.models import Vehicle, VehicleBooking, VehicleRequest
from office.services import vehicle_request_submit

from .conftest import complete, completed_steps, inbox, instance_for, notified, open_task, queue, todo

MANAGER = "Manager approval 经理审批"
ASSIGN = "Assign a vehicle 派车"
RETURN = "Return the vehicle 还车登记"
START = timezone.make_aware(datetime.datetime(datetime.date.today().year + 1, 4, 7, 9, 0))


@pytest.fixture
def vehicles(demo, deploy):
    deploy("vehicle_request")
    return list(Vehicle.objects.order_by("plate"))


def ask(user, hours=(0, 4)):
    return vehicle_request_submit(
        actor=user,
        starts_at=START + datetime.timedelta(hours=hours[0]),
        ends_at=START + datetime.timedelta(hours=hours[1]),
        destination="Customer site 苏州",
        passengers=3,
    )


def approve_and_assign(demo, requester, manager, plate):
    request = ask(requester)
    complete(manager, MANAGER, {"decision": "approve"})
    complete(demo.ma_chao, ASSIGN, {"vehicle": plate})
    return request


def test_request_assign_return(demo, vehicles):
    request = ask(demo.zhang_wei)
    instance = instance_for(request)
    assert inbox(demo.wang_fang) == [MANAGER]
    assert todo(demo.ma_chao) == []

    complete(demo.wang_fang, MANAGER, {"decision": "approve"})
    assert queue(demo.ma_chao) == [ASSIGN]

    complete(demo.ma_chao, ASSIGN, {"vehicle": vehicles[0].plate, "driver": "老王"})

    request.refresh_from_db()
    booking = VehicleBooking.objects.get(request=request)
    assert request.status == VehicleRequest.Status.ASSIGNED
    assert (booking.vehicle, booking.starts_at, booking.driver) == (vehicles[0], START, "老王")
    assert booking.booked_by == demo.ma_chao
    assert inbox(demo.zhang_wei) == [RETURN]
    assert open_task(demo.zhang_wei, RETURN).due_at == START + datetime.timedelta(hours=4)  # trip's end
    assert notified(demo.zhang_wei, "process_outcome")

    complete(demo.zhang_wei, RETURN, {"mileage_km": 86, "fuel_litres": 12.5})

    request.refresh_from_db()
    booking.refresh_from_db()
    instance.refresh_from_db()
    assert request.status == VehicleRequest.Status.RETURNED
    assert booking.mileage_km == 86 and booking.returned_at is not None
    assert Vehicle.objects.get(pk=vehicles[0].pk).mileage_km == vehicles[0].mileage_km + 86
    assert instance.status == ProcessInstance.Status.COMPLETED
    assert completed_steps(instance) == ["manager_approval", "assign_vehicle", "return_vehicle"]


def test_double_booking_is_refused_and_another_vehicle_works(demo, vehicles):
    approve_and_assign(demo, demo.zhang_wei, demo.wang_fang, vehicles[0].plate)
    second = ask(demo.yang_lei, hours=(2, 6))  # overlaps 11:00-13:00
    complete(demo.chen_jing, MANAGER, {"decision": "approve"})
    task = open_task(demo.ma_chao, ASSIGN)
    events = InstanceEvent.objects.filter(instance=task.instance).count()

    with pytest.raises(ValidationFailed) as error:
        complete(demo.ma_chao, ASSIGN, {"vehicle": vehicles[0].plate})

    assert "already booked" in " ".join(error.value.fields["vehicle"])
    task.refresh_from_db()
    assert task.status == HumanTask.Status.READY
    assert InstanceEvent.objects.filter(instance=task.instance).count() == events
    assert not VehicleBooking.objects.filter(request=second).exists()

    complete(demo.ma_chao, ASSIGN, {"vehicle": vehicles[1].plate})
    assert VehicleBooking.objects.get(request=second).vehicle == vehicles[1]


def test_manager_rejects(demo, vehicles):
    request = ask(demo.zhang_wei)
    complete(demo.wang_fang, MANAGER, {"decision": "reject", "comment": "Take the train"})
    request.refresh_from_db()
    assert request.status == VehicleRequest.Status.REJECTED
    assert todo(demo.ma_chao) == []
    assert instance_for(request).status == ProcessInstance.Status.COMPLETED


def test_bad_input(demo, vehicles):
    request = approve_and_assign(demo, demo.zhang_wei, demo.wang_fang, vehicles[0].plate)
    task = open_task(demo.zhang_wei, RETURN)

    with pytest.raises(ValidationFailed) as error:
        complete(demo.zhang_wei, RETURN, {"mileage_km": "far"})
    assert "mileage_km" in error.value.fields
    with pytest.raises(NotPermitted):
        from engine.services import complete_task

        complete_task(task.pk, user=demo.liu_yang, data={"mileage_km": 5})
    with pytest.raises(ValidationFailed):
        ask(demo.zhang_wei, hours=(4, 2))  # ends before it starts

    request.refresh_from_db()
    assert request.status == VehicleRequest.Status.ASSIGNED
