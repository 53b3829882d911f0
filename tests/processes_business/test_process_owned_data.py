"""A process owns its data (issue 19, defects 1 and 6): what a person sends at a start or a task
is held to the form, the engine's own variables (who started it, what it is about, whose it is)
are never theirs to set, a step refused on something they can fix is undone whole, and the same
completion leaves the same audit row whichever way it came."""

from __future__ import annotations

import contextlib
import datetime
import threading

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from audit.models import AuditEvent
from core.errors import Conflict, ValidationFailed
from crm.models import Opportunity
from crm.sales.services import opportunity_create
from engine.models import HumanTask, Incident, ProcessInstance
from engine.services import complete_task, start_process
from office.models import Vehicle, VehicleBooking
from office.services import vehicle_request_submit
from tests.crm.factories import CustomerFactory

from .conftest import forged, instance_for, open_task

POTENTIAL = "Potential 潜在客户"
MANAGER = "Manager approval 经理审批"
ASSIGN = "Assign a vehicle 派车"


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


# -- defect 1: callers overwrite the process's own variables --------------------------------------


@pytest.mark.django_db
def test_a_completion_naming_a_colleagues_record_is_refused_and_changes_nothing(demo, two_deals):
    # given zhang.wei's stage task, and his colleague's opportunity he may not see
    mine, theirs = two_deals
    task = open_task(demo.zhang_wei, POTENTIAL)
    # when he completes his task as "lost", naming the colleague's opportunity as the business object
    response = api(demo.zhang_wei).post(
        f"/api/v1/tasks/{task.pk}/complete/",
        {"data": {"outcome": "lost", "lost_reason": "price", **forged(theirs)}},
        format="json",
    )
    # then the API names the field, the colleague's deal is still open, and his task still waits
    assert response.status_code == 400, response.content
    assert list(response.json()["fields"]) == ["business_object"]
    theirs.refresh_from_db()
    mine.refresh_from_db()
    assert theirs.status == Opportunity.Status.OPEN and mine.status == Opportunity.Status.OPEN
    task.refresh_from_db()
    assert task.status == HumanTask.Status.READY
    assert instance_for(mine).variables["business_object"]["id"] == str(mine.pk)


@pytest.mark.django_db
def test_fields_the_form_does_not_declare_are_named_and_refused(demo, two_deals):
    task = open_task(demo.zhang_wei, POTENTIAL)
    response = api(demo.zhang_wei).post(
        f"/api/v1/tasks/{task.pk}/complete/",
        {"data": {"outcome": "advance", "customer_user": "someone@else.example", "initiator": "wang.fang"}},
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"customer_user", "initiator"}
    task.refresh_from_db()
    assert task.status == HumanTask.Status.READY


@pytest.mark.django_db
def test_starting_through_the_api_takes_only_the_start_form(demo, deploy):
    # given the order approval, which starts by itself when an order is submitted
    deploy("order_approval")
    starter = api(demo.zhang_wei)
    # when a salesperson starts it by hand with a forged order in its variables
    forged = starter.post(
        "/api/v1/process-instances/",
        {"key": "order_approval", "variables": {"business_object": {"type": "crm.order", "id": "1"}}},
        format="json",
    )
    # then nothing starts: the process is started by its event only
    assert forged.status_code == 409, forged.content
    assert "SO" not in forged.content.decode()
    assert not ProcessInstance.objects.filter(key="order_approval").exists()


@pytest.mark.django_db
def test_trusted_variables_cannot_replace_who_started_the_process(demo, two_deals):
    mine, theirs = two_deals
    instance = start_process(
        "opportunity_stages",
        started_by=demo.zhang_wei,
        business_object=mine,
        variables={
            "initiator": "wang.fang",
            "business_object": {"type": "crm.opportunity", "id": str(theirs.pk)},
        },
    )
    assert instance.variables["initiator"] == "zhang.wei"
    assert instance.variables["business_object"]["id"] == str(mine.pk)


# -- one audit path: the engine audits its own actions ---------------------------------------------


@pytest.mark.django_db
def test_the_same_completion_audits_the_same_row_through_the_ui_and_the_api(demo, deploy):
    deploy("opportunity_stages")
    customer = CustomerFactory(owner=demo.zhang_wei)
    first = opportunity_create(actor=demo.zhang_wei, customer=customer, name="One", amount=10)
    second = opportunity_create(actor=demo.zhang_wei, customer=customer, name="Two", amount=10)
    via_ui, via_api = (
        HumanTask.objects.get(instance=instance_for(o), status="ready") for o in (first, second)
    )
    browser = Client()
    browser.force_login(demo.zhang_wei)

    page = browser.post(f"/tasks/{via_ui.pk}/complete/", {"outcome": "advance"})
    answer = api(demo.zhang_wei).post(
        f"/api/v1/tasks/{via_api.pk}/complete/", {"data": {"outcome": "advance"}}, format="json"
    )

    assert page.status_code == 302 and answer.status_code == 200, answer.content

    def rows(task):
        return [
            (a.action, a.actor_id, a.object_type, a.changes, a.extra)
            for a in AuditEvent.objects.filter(object_type="engine.humantask", object_id=str(task.pk))
        ]

    assert len(rows(via_ui)) == 1
    assert rows(via_ui) == rows(via_api)
    action, actor, _type, changes, extra = rows(via_ui)[0]
    assert (action, actor, extra["operation"]) == ("change", demo.zhang_wei.pk, "complete")
    assert changes["outcome"] == [None, "advance"]


# -- defect 6: a step refused on a conflict is undone whole ----------------------------------------

START = timezone.make_aware(datetime.datetime(datetime.date.today().year + 1, 4, 7, 9, 0))


def _approved_vehicle_requests(demo, count: int) -> list[HumanTask]:
    requesters = [demo.zhang_wei, demo.yang_lei, demo.liu_yang]
    for index in range(count):
        vehicle_request_submit(
            actor=requesters[index % len(requesters)],
            starts_at=START,
            ends_at=START + datetime.timedelta(hours=4),
            destination=f"Site {index}",
            passengers=1,
        )
    for task in HumanTask.objects.filter(status="ready", name=MANAGER):
        complete_task(task.pk, user=task.assignee, data={"decision": "approve"})
    return list(HumanTask.objects.filter(status="ready", name=ASSIGN).order_by("pk"))


@pytest.mark.django_db
def test_a_conflict_in_the_step_answers_409_and_keeps_the_task_open(demo, deploy):
    # given two approved requests for the same morning, and the vehicle taken by the first
    deploy("vehicle_request")
    car = Vehicle.objects.order_by("plate").first()
    first, second = _approved_vehicle_requests(demo, 2)
    complete_task(first.pk, user=demo.ma_chao, data={"vehicle": car.plate})
    # when the second is assigned the same car past the form's check (the booking came meanwhile),
    # through the process's connector: the service refuses with a conflict
    with _past_the_form_checks(), pytest.raises(Conflict) as refused:
        complete_task(second.pk, user=demo.ma_chao, data={"vehicle": car.plate})
    # then the admin is told why, the task is still open, and no incident was parked
    assert car.plate in refused.value.message
    second.refresh_from_db()
    assert second.status == HumanTask.Status.READY
    assert not Incident.objects.filter(instance=second.instance).exists()
    assert second.instance.status == ProcessInstance.Status.RUNNING
    assert VehicleBooking.objects.filter(vehicle=car).count() == 1


@pytest.mark.django_db
def test_the_task_page_says_why_a_step_was_refused_and_keeps_the_form(demo, deploy):
    deploy("vehicle_request")
    car = Vehicle.objects.order_by("plate").first()
    first, second = _approved_vehicle_requests(demo, 2)
    complete_task(first.pk, user=demo.ma_chao, data={"vehicle": car.plate})
    browser = Client()
    browser.force_login(demo.ma_chao)
    with _past_the_form_checks():
        page = browser.post(f"/tasks/{second.pk}/complete/", {"vehicle": car.plate, "driver": "老王"})
    assert page.status_code == 409
    text = page.content.decode()
    assert car.plate in text and "老王" in text  # the reason, and what he typed is still there
    second.refresh_from_db()
    assert second.status == HumanTask.Status.READY


def _vehicle_validator():
    from office.connectors import validate_vehicle_choice

    return validate_vehicle_choice


@contextlib.contextmanager
def _past_the_form_checks():
    """As if the booking came between the form's checks and the step: the vehicle form check and
    the vehicle picker (which offers only free vehicles) let any active vehicle through."""
    from core.pickers import FunctionSource, Option, picker_source, register_picker
    from engine import services as engine_services

    picker = picker_source("vehicle")

    def any_vehicle(ctx, value):
        return Option(value=value, label=value) if Vehicle.objects.filter(plate=value).exists() else None

    engine_services.unregister_form_validator(_vehicle_validator())
    register_picker("vehicle", FunctionSource(picker.options_fn, any_vehicle))
    try:
        yield
    finally:
        register_picker("vehicle", picker)
        engine_services.register_form_validator(_vehicle_validator())


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_ten_simultaneous_assignments_of_one_slot_one_wins_the_rest_stay_open(demo, deploy):
    deploy("vehicle_request")
    car = Vehicle.objects.order_by("plate").first()
    tasks = _approved_vehicle_requests(demo, 10)
    barrier = threading.Barrier(len(tasks))
    outcomes: dict[int, str] = {}

    def assign(task):
        try:
            barrier.wait()
            complete_task(task.pk, user=demo.ma_chao, data={"vehicle": car.plate})
            outcomes[task.pk] = "ok"
        except (Conflict, ValidationFailed) as error:
            outcomes[task.pk] = error.code
        finally:
            connection.close()

    threads = [threading.Thread(target=assign, args=(t,)) for t in tasks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    winners = [pk for pk, outcome in outcomes.items() if outcome == "ok"]
    assert len(outcomes) == 10 and len(winners) == 1, outcomes
    assert VehicleBooking.objects.filter(vehicle=car, cancelled=False).count() == 1
    # every loser was told so, and their task still waits for another vehicle
    losers = HumanTask.objects.filter(pk__in=[pk for pk in outcomes if pk not in winners])
    assert set(losers.values_list("status", flat=True)) == {HumanTask.Status.READY}
    assert not Incident.objects.filter(instance__key="vehicle_request").exists()
