"""Pickers in the shipped forms (core.pickers + org/crm/office sources): people by name and
department, departments by name, technicians with their workload, vehicles free for the trip,
catalogue products in the work record's line table; a value the worker could not pick is refused
on its field, through the UI and the engine alike."""

import datetime
import json

import pytest
from django.test import Client
from django.utils import timezone, translation

from core.errors import ValidationFailed
from crm.services.service import complaint_submit, service_request_submit
from engine.services import complete_task
from office.models import Vehicle
from office.services import vehicle_request_submit
from org.models import User
from tests.crm.factories import CustomerFactory, ProductFactory

from .conftest import complete, open_task

TRIAGE = "Triage 分派"
ASSIGN = "Assign a technician 派工"
ACCEPT = "Accept the job 接单"
WORK = "Perform and record the work 上门服务并填写工单"
MANAGER = "Manager approval 经理审批"
ASSIGN_VEHICLE = "Assign a vehicle 派车"


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def page(user, path: str):
    browser = Client()
    browser.force_login(user)
    return browser.get(path)


def field(form_page, name: str):
    return next(f for f in form_page.context["form"].fields if f.name == name)


@pytest.fixture
def complaint_triage(demo, deploy):
    deploy("complaint")
    complaint_submit(
        actor=demo.zhang_wei, customer=CustomerFactory(owner=demo.zhang_wei), subject="Leak 漏水"
    )
    return open_task(demo.xu_li, TRIAGE)


def test_the_triager_picks_a_department_and_a_handler_by_name_never_by_code(demo, complaint_triage):
    shown = page(demo.xu_li, f"/tasks/{complaint_triage.pk}/")
    department, handler = field(shown, "department"), field(shown, "handler")
    assert (department.widget, handler.widget) == ("picker", "picker")
    assert ("SERVICE", "Customer Service 客服部 · Headquarters 总部") in department.choices
    assert ("zhou.jie", "周杰 Zhou Jie · Customer Service 客服部") in handler.choices
    assert all(label.split(" · ")[0] != value for value, label in handler.choices)  # no login names
    form_html = shown.content.decode().split('id="task-form"')[1].split("</form>")[0]
    assert "客服部" in form_html and "周杰 Zhou Jie" in form_html
    assert ">SERVICE<" not in form_html and ">zhou.jie<" not in form_html and "(user name)" not in form_html


def test_a_handler_outside_the_staff_is_refused_on_its_field(demo, complaint_triage):
    customer_user = User.objects.create_user("buyer.one", display_name="Buyer")  # a portal customer
    with pytest.raises(ValidationFailed) as refused:
        complete_task(
            complaint_triage.pk,
            user=demo.xu_li,
            data={
                "category": "product",
                "department": "SERVICE",
                "handler": customer_user.username,
                "severity": "high",
            },
        )
    assert list(refused.value.fields) == ["handler"]
    assert refused.value.fields["handler"] == ["This person cannot be chosen here."]


def test_a_customer_is_offered_nobody_to_pick(demo, complaint_triage):
    from core.pickers import PickerContext, picker_source

    customer_user = User.objects.create_user("buyer.two")
    offered = picker_source("user").options(PickerContext(viewer=customer_user))
    assert offered == [] and picker_source("user").options(PickerContext(viewer=demo.xu_li))


@pytest.fixture
def dispatch(demo, deploy):
    deploy("service_dispatch")
    customer = CustomerFactory(owner=demo.zhang_wei)
    service_request_submit(actor=demo.zhang_wei, customer=customer, subject="Pump 水泵")
    complete(demo.xu_li, ASSIGN, {"technician": "zhou.jie", "scheduled_at": "2030-01-05T09:00:00+08:00"})
    service_request_submit(actor=demo.zhang_wei, customer=customer, subject="Valve 阀门")
    return open_task(demo.xu_li, ASSIGN)


def test_the_dispatcher_sees_each_technician_with_open_jobs_and_schedule(demo, dispatch):
    shown = page(demo.xu_li, f"/tasks/{dispatch.pk}/")
    technician = field(shown, "technician")
    assert technician.widget == "cards"
    cards = {o.value: o for o in technician.options}
    assert set(cards) == {"zhou.jie", "wu.tao"}
    assert cards["zhou.jie"].label == "周杰 Zhou Jie" and "1 open job" in cards["zhou.jie"].detail
    assert "0 open jobs" in cards["wu.tao"].detail
    assert [o.value for o in technician.options] == ["wu.tao", "zhou.jie"]  # fewest jobs first
    assert any("Pump 水泵" in line for line in cards["zhou.jie"].extra["lines"])  # his schedule
    html = shown.content.decode()
    assert "1 open job" in html and 'type="datetime-local"' in html


def test_a_non_technician_is_refused_as_technician(demo, dispatch):
    with pytest.raises(ValidationFailed) as refused:
        complete_task(dispatch.pk, user=demo.xu_li, data={"technician": "zhang.wei"})
    assert list(refused.value.fields) == ["technician"]


def test_the_search_endpoint_answers_names_for_what_is_typed(demo, dispatch):
    found = page(demo.xu_li, f"/tasks/{dispatch.pk}/pickers/?field=technician&q=周")
    assert found.status_code == 200
    results = json.loads(found.content)["results"]
    assert [(r["value"], r["label"]) for r in results] == [("zhou.jie", "周杰 Zhou Jie")]
    assert page(demo.xu_li, f"/tasks/{dispatch.pk}/pickers/?field=instructions").status_code == 404
    assert page(demo.zhang_wei, f"/tasks/{dispatch.pk}/pickers/?field=technician").status_code == 404


def test_the_work_record_lists_parts_from_the_catalogue_and_locates_a_bad_row(demo, dispatch):
    ProductFactory(code="SEAL-01", name="Seal 密封圈")
    work_task = None
    complete(demo.xu_li, ASSIGN, {"technician": "wu.tao"})
    complete(demo.wu_tao, ACCEPT, {"accepted": True})
    work_task = open_task(demo.wu_tao, WORK)
    shown = page(demo.wu_tao, f"/tasks/{work_task.pk}/")
    parts = field(shown, "parts")
    assert parts.widget == "table"
    product = parts.rows[0].cells[0]
    assert product.widget == "picker" and ("SEAL-01", "Seal 密封圈 · SEAL-01 · pcs") in product.choices
    found = page(demo.wu_tao, f"/tasks/{work_task.pk}/pickers/?field=parts.product&q=seal")
    assert [r["value"] for r in json.loads(found.content)["results"]] == ["SEAL-01"]

    browser = Client()
    browser.force_login(demo.wu_tao)
    answer = browser.post(
        f"/tasks/{work_task.pk}/complete/",
        {
            "hours": "2",
            "result": "Fixed",
            "parts.0.product": "SEAL-01",
            "parts.0.quantity": "2",
            "parts.1.product": "NO-SUCH",
            "parts.1.quantity": "1",
        },
    )
    assert answer.status_code == 400
    table = field(answer, "parts")
    assert table.rows[1].cells[0].errors == ["There is no product “NO-SUCH” in the catalogue."]
    assert not table.rows[0].cells[0].errors and table.rows[0].cells[1].value_text == "2"


@pytest.fixture
def vehicle_assignment(demo, deploy):
    deploy("vehicle_request")
    start = timezone.make_aware(datetime.datetime(timezone.now().year + 1, 4, 7, 9, 0))
    tasks = []
    for requester in (demo.zhang_wei, demo.yang_lei):
        vehicle_request_submit(
            actor=requester, starts_at=start, ends_at=start + datetime.timedelta(hours=4), destination="Site"
        )
    from engine.models import HumanTask

    for task in HumanTask.objects.filter(status="ready", name=MANAGER):
        complete_task(task.pk, user=task.assignee, data={"decision": "approve"})
    tasks = list(HumanTask.objects.filter(status="ready", name=ASSIGN_VEHICLE).order_by("pk"))
    return tasks


def test_the_vehicle_picker_offers_only_vehicles_free_for_the_trip(demo, vehicle_assignment):
    first, second = vehicle_assignment
    car = Vehicle.objects.order_by("plate").first()
    before = field(page(demo.ma_chao, f"/tasks/{second.pk}/"), "vehicle")
    assert car.plate in [v for v, _label in before.choices]
    assert "free" in before.options[0].detail

    complete_task(
        first.pk, user=demo.ma_chao, data={"vehicle": car.plate.replace("·", "")}
    )  # typed without the dot

    after = field(page(demo.ma_chao, f"/tasks/{second.pk}/"), "vehicle")
    assert car.plate not in [v for v, _label in after.choices] and after.choices
    with pytest.raises(ValidationFailed) as refused:
        complete_task(second.pk, user=demo.ma_chao, data={"vehicle": car.plate})
    assert list(refused.value.fields) == ["vehicle"]
