"""Service dispatch / 派工 (bpmn/service_dispatch.bpmn) end to end: the dispatcher assigns a
technician (seeing the workload), 4 hours without acceptance send it back, the work record books
parts out of stock, the customer's confirmation closes the request."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from core.errors import NotPermitted, ValidationFailed
from crm.connectors import technician_workload
from crm.models import ServiceRequest, StockLevel, StockMove
from crm.services.service import service_request_submit
from engine.models import HumanTask, InstanceEvent, ProcessInstance
from engine.services import complete_task, fire_due_timers
from tests.crm.factories import CustomerFactory, ProductFactory, WarehouseFactory

from .conftest import complete, completed_steps, inbox, instance_for, notified, open_task, queue, todo

ASSIGN = "Assign a technician 派工"
ACCEPT = "Accept the job 接单"
WORK = "Perform and record the work 上门服务并填写工单"
STAFF_CONFIRM = "Record the customer's confirmation 代客户确认"


@pytest.fixture
def setup(demo, deploy):
    deploy("service_dispatch")
    part = ProductFactory(code="SEAL-01")
    StockLevel.objects.create(product=part, warehouse=WarehouseFactory(), on_hand=10)
    return CustomerFactory(owner=demo.zhang_wei), part


def submit(demo, customer):
    return service_request_submit(actor=demo.zhang_wei, customer=customer, subject="Pump repair 水泵维修")


def test_dispatch_accept_work_confirm(demo, setup, django_capture_on_commit_callbacks):
    customer, part = setup
    request = submit(demo, customer)
    instance = instance_for(request)
    assert queue(demo.xu_li) == [ASSIGN] and queue(demo.huang_qiang) == [ASSIGN]

    with django_capture_on_commit_callbacks(execute=True):
        complete(demo.xu_li, ASSIGN, {"technician": "zhou.jie", "scheduled_at": "2030-01-05T09:00:00+08:00"})
    request.refresh_from_db()
    assert request.status == ServiceRequest.Status.DISPATCHED and request.technician == demo.zhou_jie
    assert inbox(demo.zhou_jie) == [ACCEPT] and todo(demo.wu_tao) == []
    assert notified(demo.zhou_jie, "task_assigned")  # the technician is told about the job

    complete(demo.zhou_jie, ACCEPT, {"accepted": True})
    with translation.override("zh-hans"):  # (the technician works in Chinese)
        complete(
            demo.zhou_jie,
            WORK,
            {"hours": 2.5, "parts": [{"product": "SEAL-01", "quantity": 2}], "result": "Seal replaced"},
        )

    request.refresh_from_db()
    assert request.status == ServiceRequest.Status.DONE
    # the record reads in the technician's language, the part by name and unit, a count as a count
    assert request.work_record.splitlines() == [
        "2.5 小时：Seal replaced",
        f"SEAL-01 {part.name} \u00d7 2 {part.unit}".strip(),
    ]
    assert StockLevel.objects.get(product=part).on_hand == Decimal(8)
    assert StockMove.objects.get(product=part, kind=StockMove.Kind.OUT).actor == demo.zhou_jie
    assert queue(demo.xu_li) == [STAFF_CONFIRM]

    complete(demo.xu_li, STAFF_CONFIRM, {"rating": 5})
    request.refresh_from_db()
    instance.refresh_from_db()
    assert request.status == ServiceRequest.Status.CLOSED and request.satisfaction == 5
    assert instance.status == ProcessInstance.Status.COMPLETED
    assert completed_steps(instance) == ["assign", "accept", "work", "staff_confirm"]


def test_not_accepted_in_four_hours_goes_back_to_the_dispatcher(demo, setup):
    customer, _part = setup
    request = submit(demo, customer)
    complete(demo.xu_li, ASSIGN, {"technician": "zhou.jie"})

    fire_due_timers(timezone.now() + datetime.timedelta(hours=4, minutes=5))

    assert todo(demo.zhou_jie) == []
    assert queue(demo.xu_li) == [ASSIGN]
    complete(demo.xu_li, ASSIGN, {"technician": "wu.tao"})
    assert inbox(demo.wu_tao) == [ACCEPT]
    request.refresh_from_db()
    assert request.technician == demo.wu_tao


def test_declined_job_goes_back_to_the_dispatcher(demo, setup):
    customer, _part = setup
    submit(demo, customer)
    complete(demo.xu_li, ASSIGN, {"technician": "zhou.jie"})
    complete(demo.zhou_jie, ACCEPT, {"accepted": False, "note": "On leave"})
    assert queue(demo.huang_qiang) == [ASSIGN]


def test_workload_is_offered_to_the_dispatcher(demo, setup):
    customer, _part = setup
    submit(demo, customer)
    complete(demo.xu_li, ASSIGN, {"technician": "zhou.jie"})

    # what the workload step stores in the process variable `technicians` for the dispatch form
    technicians = technician_workload({}, {})

    assert technicians == [{"username": "wu.tao", "open": 0}, {"username": "zhou.jie", "open": 1}]


def test_bad_input_leaves_the_instance_unchanged(demo, setup):
    customer, part = setup
    request = submit(demo, customer)
    task = open_task(demo.xu_li, ASSIGN)
    with pytest.raises(ValidationFailed) as error:
        complete(demo.xu_li, ASSIGN, {"technician": "xu.li"})  # not a technician
    assert "technician" in error.value.fields
    with pytest.raises(NotPermitted):
        complete_task(task.pk, user=demo.zhou_jie, data={"technician": "zhou.jie"})
    complete(demo.xu_li, ASSIGN, {"technician": "zhou.jie"})
    complete(demo.zhou_jie, ACCEPT, {"accepted": True})
    work = open_task(demo.zhou_jie, WORK)
    events = InstanceEvent.objects.filter(instance=work.instance).count()

    with pytest.raises(ValidationFailed):
        complete(demo.zhou_jie, WORK, {"hours": "two", "result": "x"})
    with pytest.raises(ValidationFailed):
        complete(
            demo.zhou_jie,
            WORK,
            {"hours": 1, "parts": [{"product": "SEAL-01", "quantity": -1}], "result": "x"},
        )

    work.refresh_from_db()
    assert work.status == HumanTask.Status.READY
    assert InstanceEvent.objects.filter(instance=work.instance).count() == events
    assert StockLevel.objects.get(product=part).on_hand == 10
    request.refresh_from_db()
    assert request.status == ServiceRequest.Status.DISPATCHED
