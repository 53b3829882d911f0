"""My applications: starting leave, vehicle, level change, sales support and order requests from the
start bindings, with errors located on the form's fields and nothing written when they occur."""

import datetime

import pytest
from django.urls import reverse

from crm.models import LevelChangeRequest, Order, ServiceRequest, StockLevel
from engine.models import HumanTask, ProcessInstance
from office.models import LeaveRequest, LeaveType, VehicleRequest
from tests.crm.factories import CustomerFactory, CustomerLevelFactory, ProductFactory, WarehouseFactory
from tests.factories import UserFactory

from .test_task_page import field_errors

pytestmark = pytest.mark.django_db

YEAR = datetime.date.today().year + 1


def start(client, user, kind, data):
    client.force_login(user)
    return client.post(reverse("tasklist:request_new", args=[kind]), data)


def test_the_kinds_offered_follow_the_bindings_and_permissions(client, office):
    client.force_login(office)
    page = client.get(reverse("tasklist:requests")).content.decode()
    for kind in ("leave", "vehicle", "level_change", "sales_support", "order"):
        assert f'data-kind="{kind}"' in page
    outsider = UserFactory()  # no CRM permission: office requests only
    client.force_login(outsider)
    page = client.get(reverse("tasklist:requests")).content.decode()
    assert 'data-kind="leave"' in page and 'data-kind="order"' not in page
    assert client.get(reverse("tasklist:request_new", args=["order"])).status_code == 404


def test_a_leave_request_starts_its_process_and_shows_who_holds_the_current_step(client, office):
    response = start(
        client,
        office,
        "leave",
        {
            "leave_type": LeaveType.objects.get(code="annual").pk,
            "starts_on": f"{YEAR}-03-02",
            "ends_on": f"{YEAR}-03-03",
            "reason": "Family trip",
        },
    )
    instance = ProcessInstance.objects.get(started_by=office, key="leave_request")
    assert response.status_code == 302 and response.url == reverse("tasklist:instance", args=[instance.pk])
    step = HumanTask.objects.get(instance=instance, status=HumanTask.Status.READY)
    page = client.get(reverse("tasklist:requests")).content.decode()
    assert step.name in page and str(step.assignee) in page


def test_leave_beyond_the_balance_is_refused_on_the_last_day_and_nothing_is_written(client, office):
    response = start(
        client,
        office,
        "leave",
        {
            "leave_type": LeaveType.objects.get(code="annual").pk,
            "starts_on": f"{YEAR}-03-02",
            "ends_on": f"{YEAR}-06-30",
        },
    )
    assert response.status_code == 400
    assert "balance" in " ".join(field_errors(response)["ends_on"])
    assert not LeaveRequest.objects.exists() and not ProcessInstance.objects.exists()


def test_a_vehicle_request_needs_its_end_after_its_start(client, office):
    response = start(
        client,
        office,
        "vehicle",
        {
            "starts_at": f"{YEAR}-03-02T10:00",
            "ends_at": f"{YEAR}-03-02T09:00",
            "destination": "Pudong airport",
            "passengers": "2",
        },
    )
    assert response.status_code == 400 and field_errors(response).get("ends_at")
    assert 'aria-invalid="true"' in response.content.decode()
    response = start(
        client,
        office,
        "vehicle",
        {
            "starts_at": f"{YEAR}-03-02T10:00",
            "ends_at": f"{YEAR}-03-02T15:00",
            "destination": "Pudong airport",
        },
    )
    assert response.status_code == 400 and field_errors(response).get("passengers")
    assert not VehicleRequest.objects.exists()


def test_a_level_change_for_my_customer_starts_the_approval(client, office):
    low, high = CustomerLevelFactory(code="C"), CustomerLevelFactory(code="A")
    mine = CustomerFactory(owner=office, level=low)
    someone_elses = CustomerFactory(level=low)
    refused = start(
        client, office, "level_change", {"customer": someone_elses.code, "to_level": high.pk, "reason": "x"}
    )
    assert refused.status_code == 400 and field_errors(refused).get("customer")
    same = start(client, office, "level_change", {"customer": mine.code, "to_level": low.pk, "reason": "x"})
    assert same.status_code == 400 and field_errors(same).get("to_level")
    assert not LevelChangeRequest.objects.exists()
    done = start(
        client, office, "level_change", {"customer": mine.code, "to_level": high.pk, "reason": "Big orders"}
    )
    assert done.status_code == 302
    assert LevelChangeRequest.objects.get(customer=mine).to_level == high
    assert ProcessInstance.objects.filter(started_by=office, key="customer_level_change").exists()


def test_sales_support_and_an_order_start_their_processes(client, office):
    customer = CustomerFactory(owner=office)
    product = ProductFactory(code="PUMP-9", price=500)
    StockLevel.objects.create(product=product, warehouse=WarehouseFactory(), on_hand=300)
    support = start(
        client,
        office,
        "sales_support",
        {"customer": customer.code, "kind": "install", "subject": "Install the pump"},
    )
    assert support.status_code == 302 and ServiceRequest.objects.get(customer=customer).kind == "install"
    zero = start(
        client, office, "order", {"customer": customer.code, "product": product.code, "quantity": "0"}
    )
    assert zero.status_code == 400 and field_errors(zero).get("quantity")
    assert not Order.objects.exists()
    order = start(
        client, office, "order", {"customer": customer.code, "product": product.code, "quantity": "2"}
    )
    assert order.status_code == 302
    assert Order.objects.get(customer=customer).status == Order.Status.SUBMITTED
    assert ProcessInstance.objects.filter(started_by=office, key="order_approval").exists()


def test_leave_in_the_past_or_over_my_own_leave_is_a_field_error_and_nothing_is_written(client, office):
    annual = LeaveType.objects.get(code="annual").pk
    last_week = datetime.date.today() - datetime.timedelta(days=7)
    past = start(
        client, office, "leave", {"leave_type": annual, "starts_on": last_week, "ends_on": last_week}
    )
    assert past.status_code == 400 and "past" in " ".join(field_errors(past)["starts_on"])
    days = {"leave_type": annual, "starts_on": f"{YEAR}-03-02", "ends_on": f"{YEAR}-03-03"}
    assert start(client, office, "leave", days).status_code == 302
    again = start(client, office, "leave", days)
    assert again.status_code == 400 and f"{YEAR}-03-02" in " ".join(field_errors(again)["starts_on"])
    assert LeaveRequest.objects.count() == 1 and ProcessInstance.objects.count() == 1


def test_a_vehicle_request_in_2020_is_a_field_error_and_nothing_is_written(client, office):
    response = start(
        client,
        office,
        "vehicle",
        {
            "starts_at": "2020-03-02T10:00",
            "ends_at": "2020-03-02T15:00",
            "destination": "Pudong airport",
            "passengers": "2",
        },
    )
    assert response.status_code == 400 and field_errors(response).get("starts_at")
    assert not VehicleRequest.objects.exists() and not ProcessInstance.objects.exists()


def test_an_order_whose_amount_exceeds_what_an_order_holds_is_a_field_error(client, office):
    # given a product priced at a billion
    customer = CustomerFactory(owner=office)
    product = ProductFactory(code="DAM-1", price="999999999.99")
    # when an order of 999,999,999 of them is requested (within the form's own digits)
    response = start(
        client, office, "order", {"customer": customer.code, "product": product.code, "quantity": "999999999"}
    )
    # then the quantity is marked, not a server error, and nothing is written
    assert response.status_code == 400 and field_errors(response).get("quantity")
    assert not Order.objects.exists() and not ProcessInstance.objects.filter(key="order_approval").exists()
