"""My requests in words: approved / rejected by whom and why / withdrawn / running at which step with
whom; a rejected request corrected and resubmitted from its previous values; withdrawing a running
request gives back what it held (pending leave days, a booked vehicle's period, reserved stock)."""

import re

import pytest
from django.urls import reverse

from crm.models import LevelChangeRequest
from engine import services
from engine.models import HumanTask, InstanceEvent, ProcessInstance
from office.models import LeaveRequest, LeaveType, Vehicle, VehicleBooking, VehicleRequest
from org.models import User
from tasklist.services import request_withdraw
from tests.crm.factories import CustomerFactory, CustomerLevelFactory

from .test_requests_start import YEAR, start

pytestmark = pytest.mark.django_db


def open_task(instance) -> HumanTask:
    return HumanTask.objects.get(instance=instance, status=HumanTask.Status.READY)


def decide(instance, decision: str, comment: str = "") -> User:
    """The holder of the request's open approval decides; returns who decided."""
    task = open_task(instance)
    who = task.assignee or User.objects.get(groups__name__in=task.candidate_groups, is_active=True)
    services.complete_task(task.pk, user=who, data={"decision": decision, "comment": comment})
    return who


def ask_leave(client, user, first: str, last: str, reason: str = "Family trip") -> ProcessInstance:
    annual = LeaveType.objects.get(code="annual").pk
    response = start(
        client, user, "leave", {"leave_type": annual, "starts_on": first, "ends_on": last, "reason": reason}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return ProcessInstance.objects.filter(started_by=user).order_by("-pk").first()


def row_of(page: str, instance) -> str:
    found = re.search(rf'<tr data-instance="{instance.pk}">(.*?)</tr>', page, re.S)
    assert found, f"no row for instance {instance.pk}"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(1)))


def test_finished_requests_say_approved_or_rejected_by_whom_and_why(client, office):
    # given an approved and a rejected leave of zhang.wei
    approved = ask_leave(client, office, f"{YEAR}-03-02", f"{YEAR}-03-03")
    rejected = ask_leave(client, office, f"{YEAR}-04-06", f"{YEAR}-04-07")
    manager = decide(approved, "approve")
    while approved.refresh_from_db() or approved.is_running:  # HR records it after the manager
        task = open_task(approved)
        hr = task.assignee or User.objects.filter(groups__name__in=task.candidate_groups).first()
        services.complete_task(task.pk, user=hr, data={})
    decide(rejected, "reject", "时间冲突")
    # when he looks at his finished requests
    client.force_login(office)
    page = client.get(reverse("tasklist:requests") + "?show=finished").content.decode()
    # then each says its outcome, the rejection with the manager's name and reason
    assert row_of(page, approved).count("Approved") == 1 and "Completed" not in row_of(page, approved)
    rejected_row = row_of(page, rejected)
    assert "Rejected" in rejected_row and f"by {manager}" in rejected_row and "时间冲突" in rejected_row
    assert str(manager) == "王芳 Wang Fang"


def test_a_running_request_says_at_which_step_and_with_whom(client, office):
    running = ask_leave(client, office, f"{YEAR}-03-02", f"{YEAR}-03-03")
    client.force_login(office)
    row = row_of(client.get(reverse("tasklist:requests")).content.decode(), running)
    task = open_task(running)
    assert f"At “{task.name}” with 王芳 Wang Fang" in row
    assert "Withdraw" in row


def test_a_rejected_request_is_resubmitted_with_its_previous_values(client, office):
    rejected = ask_leave(client, office, f"{YEAR}-04-06", f"{YEAR}-04-07", reason="Wedding in Hangzhou")
    decide(rejected, "reject", "时间冲突")
    client.force_login(office)
    page = client.get(reverse("tasklist:requests") + "?show=finished").content.decode()
    link = reverse("tasklist:request_new", args=["leave"]) + f"?from={rejected.pk}"
    assert f'href="{link}"' in page
    form = client.get(link).content.decode()
    assert "Wedding in Hangzhou" in form
    assert f'value="{YEAR}-04-06"' in form and f'value="{YEAR}-04-07"' in form
    annual = LeaveType.objects.get(code="annual").pk
    assert re.search(rf'<option value="{annual}" selected>', form)
    # someone else's request prefills nothing
    client.force_login(User.objects.get(username="liu.yang"))
    assert "Wedding in Hangzhou" not in client.get(link).content.decode()
    # the corrected dates go through as a new request
    fixed = ask_leave(client, office, f"{YEAR}-05-11", f"{YEAR}-05-12", reason="Wedding in Hangzhou")
    assert fixed.pk != rejected.pk and fixed.is_running


def test_withdrawing_leave_frees_its_pending_days_and_says_withdrawn(client, office):
    # given a leave that uses most of the balance, waiting for approval
    running = ask_leave(client, office, f"{YEAR}-03-02", f"{YEAR}-03-10")
    client.force_login(office)
    # when the requester withdraws it with a reason
    response = client.post(
        reverse("tasklist:request_withdraw", args=[running.pk]), {"reason": "Plans changed"}, follow=True
    )
    # then the process is cancelled, the leave too, and the row says so
    assert "Your request has been withdrawn." in response.content.decode()
    running.refresh_from_db()
    assert running.status == ProcessInstance.Status.CANCELLED
    event = InstanceEvent.objects.get(instance=running, kind=InstanceEvent.Kind.CANCELLED)
    assert event.actor == office and event.data["reason"] == "Plans changed"
    assert LeaveRequest.objects.get(pk=running.business_object_id).status == LeaveRequest.Status.CANCELLED
    assert not HumanTask.objects.filter(instance=running, status=HumanTask.Status.READY).exists()
    page = client.get(reverse("tasklist:requests") + "?show=finished").content.decode()
    assert "Withdrawn" in row_of(page, running) and "Plans changed" in row_of(page, running)
    # the same days can be asked for again (they no longer count as pending)
    again = ask_leave(client, office, f"{YEAR}-03-02", f"{YEAR}-03-10")
    assert again.is_running


def test_only_the_requester_withdraws_and_only_while_running(client, office):
    running = ask_leave(client, office, f"{YEAR}-03-02", f"{YEAR}-03-03")
    manager = User.objects.get(username="wang.fang")
    client.force_login(manager)  # involved (holds the approval), not the requester
    client.post(reverse("tasklist:request_withdraw", args=[running.pk]), {"reason": "no"})
    running.refresh_from_db()
    assert running.status == ProcessInstance.Status.RUNNING
    from core.errors import Conflict, NotPermitted

    with pytest.raises(NotPermitted):
        request_withdraw(actor=manager, instance=running)
    decide(running, "reject", "不行")
    running.refresh_from_db()
    with pytest.raises(Conflict):
        request_withdraw(actor=office, instance=running)
    client.force_login(office)
    page = client.get(reverse("tasklist:requests") + "?show=finished").content.decode()
    assert "Withdraw the request" not in row_of(page, running)


def test_withdrawing_a_vehicle_request_frees_the_booked_vehicle_for_that_period(client, office):
    trip = {
        "starts_at": f"{YEAR}-03-02T09:00",
        "ends_at": f"{YEAR}-03-02T17:00",
        "destination": "Pudong airport",
        "passengers": "2",
    }
    assert start(client, office, "vehicle", trip).status_code == 302
    instance = ProcessInstance.objects.get(started_by=office, key="vehicle_request")
    decide(instance, "approve")
    task = open_task(instance)
    admin = User.objects.get(username="ma.chao")
    vehicle = Vehicle.objects.order_by("plate").first()
    services.complete_task(task.pk, user=admin, data={"vehicle": vehicle.plate})
    booking = VehicleBooking.objects.get(request_id=instance.business_object_id)
    assert not booking.cancelled
    request_withdraw(actor=office, instance=instance, reason="Meeting moved online")
    booking.refresh_from_db()
    assert booking.cancelled
    assert (
        VehicleRequest.objects.get(pk=instance.business_object_id).status == VehicleRequest.Status.CANCELLED
    )
    # someone else gets the same vehicle for the same period
    colleague = User.objects.get(username="liu.yang")
    assert start(client, colleague, "vehicle", trip).status_code == 302
    other = ProcessInstance.objects.get(started_by=colleague, key="vehicle_request")
    decide(other, "approve")
    services.complete_task(open_task(other).pk, user=admin, data={"vehicle": vehicle.plate})
    assert VehicleBooking.objects.filter(vehicle=vehicle, cancelled=False).count() == 1


def test_a_withdrawn_level_change_can_be_asked_again(client, office):
    low, high = CustomerLevelFactory(code="C"), CustomerLevelFactory(code="A")
    mine = CustomerFactory(owner=office, level=low)
    data = {"customer": mine.code, "to_level": high.pk, "reason": "Big orders"}
    assert start(client, office, "level_change", data).status_code == 302
    instance = ProcessInstance.objects.get(started_by=office, key="customer_level_change")
    request_withdraw(actor=office, instance=instance, reason="")
    assert LevelChangeRequest.objects.get(customer=mine).status == LevelChangeRequest.Status.WITHDRAWN
    assert start(client, office, "level_change", data).status_code == 302
    assert LevelChangeRequest.objects.filter(customer=mine, status="pending").count() == 1


def test_the_outcomes_cost_the_same_queries_for_more_rows(client, office, django_assert_num_queries):
    from tasklist.selectors import my_requests

    for day in range(2, 7):
        decide(ask_leave(client, office, f"{YEAR}-03-{day:02d}", f"{YEAR}-03-{day:02d}"), "reject", "y")
    # instances, their open tasks, their decisions (content types are cached)
    my_requests(office, running=False)
    with django_assert_num_queries(3):
        rows, _more = my_requests(office, running=False)
    assert [row.outcome.state for row in rows] == ["rejected"] * 5
    assert {row.outcome.by for row in rows} == {"王芳 Wang Fang"}
