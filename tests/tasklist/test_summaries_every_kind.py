"""Every task shows its business object: the panel on the task page, one line in the inbox, the
API's `summary`, and the earlier decisions and people in words (issue #20, items 1, 3 and 6)."""

from __future__ import annotations

import re

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils.html import strip_tags

from engine import summaries
from engine.models import HumanTask
from engine.services import complete_task
from org.models import User
from tests.processes_business.conftest import demo  # noqa: F401  (the seeded org + office)
from tests.processes_business.world import (
    ADDRESS,
    CONTACT,
    CUSTOMER,
    MOBILE,
    deploy_shipped,
    every_kind,
    open_task_on,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(demo, django_capture_on_commit_callbacks):  # noqa: F811
    deploy_shipped()
    with django_capture_on_commit_callbacks(execute=True):  # (notifications go out after commit)
        return every_kind()


def text_of(response) -> str:
    assert response.status_code == 200, response.status_code
    return re.sub(r"\s+", " ", strip_tags(response.content.decode()))


def user(username: str) -> User:
    return User.objects.get(username=username)


def task_page(client, who: str, obj) -> str:
    client.force_login(user(who))
    return text_of(client.get(reverse("tasklist:task", args=[open_task_on(obj).pk])))


def test_the_approver_sees_the_order_total_and_customer_above_the_decision(client, world):
    # given zhang.wei's order of two pumps waiting for his manager
    # when wang.fang opens her approval
    page = task_page(client, "wang.fang", world.order)
    # then she sees the customer, the product and the total before the buttons
    assert CUSTOMER in page and "Booster pump 增压泵" in page and "¥13,000.00" in page
    assert page.index("¥13,000.00") < page.index("Approve 同意")
    # and the inbox row says what the order is, in one line under the task's name
    client.force_login(user("wang.fang"))
    inbox = text_of(client.get(reverse("tasklist:inbox")))
    assert f"{world.order.code} · {CUSTOMER} · ¥13,000.00" in inbox


def test_the_level_change_reads_in_words_everywhere(client, world):
    page = task_page(client, "wang.fang", world.level)
    assert "Level C → Level B" not in page  # (the world's levels are named in words)
    assert "普通 Regular → 重要 Important" in page
    assert not re.search(r"\b\d+: \d+ → \d+\b", page)
    # the inbox line and the requester's list say it in words too, without "pending"
    client.force_login(user("wang.fang"))
    assert "Level: 普通 Regular → 重要 Important" in text_of(client.get(reverse("tasklist:inbox")))
    complete_task(open_task_on(world.level).pk, user=user("wang.fang"), data={"decision": "approve"})
    client.force_login(user("zhang.wei"))
    finished = text_of(client.get(reverse("tasklist:requests") + "?show=finished"))
    assert f"{CUSTOMER} · Level: 普通 Regular → 重要 Important · Approved" in finished
    assert "pending" not in finished.lower()


def test_the_opportunity_owner_sees_amount_stage_and_probability(client, world):
    page = task_page(client, "zhang.wei", world.opportunity)
    assert "Harbour water plant 港区净水项目" in page and "¥480,000.00" in page
    assert "Potential" in page and f"{world.opportunity.probability}%" in page


def test_the_manager_sees_the_leave_days_balance_and_who_else_is_away(client, world):
    page = task_page(client, "wang.fang", world.leave)
    assert "Annual leave" in page or "年假" in page
    assert "2 days" in page
    assert re.search(r"\d+ days before, \d+ days after", page), page
    assert "Nobody else in the department is away then." in page


def test_the_manager_sees_the_trip_and_the_vehicles_free_then(client, world):
    from office.models import Vehicle

    page = task_page(client, "wang.fang", world.vehicle)
    assert "Suzhou 苏州" in page
    for vehicle in Vehicle.objects.filter(active=True, seats__gte=2):
        assert vehicle.plate in page


def test_complaint_and_service_request_panels_show_what_the_service_people_need(client, world):
    # (the administrator sees every record; who else may is slice 2's "access through involvement")
    complaint = task_page(client, "admin", world.complaint)
    for fact in (CUSTOMER, CONTACT, MOBILE, "High", "The pump delivered last week leaks at the seal."):
        assert fact in complaint
    service = task_page(client, "admin", world.service)
    for fact in (ADDRESS, CONTACT, MOBILE, "Booster pump 增压泵", "SN-2026-0042", "please bring a spare"):
        assert fact in service
    client.force_login(user("admin"))
    html = client.get(reverse("tasklist:task", args=[open_task_on(world.service).pk])).content.decode()
    assert 'href="tel:13805741234"' in html and "uri.amap.com" in html


def test_someone_who_may_not_see_the_record_gets_the_label_only(world):
    # chen.jing manages the other sales team: zhang.wei's order is not hers to see
    task = open_task_on(world.order)
    stranger = user("chen.jing")
    assert (
        summaries.panel(stranger, type_id=task.business_object_type_id, object_id=task.business_object_id)
        is None
    )
    assert summaries.task_lines(stranger, [task]) == {task.pk: task.business_object_label}
    assert "13,000" not in task.business_object_label  # the label carries no amount
    assert (
        summaries.data(stranger, type_id=task.business_object_type_id, object_id=task.business_object_id)
        is None
    )


def test_the_inbox_reads_each_kind_once_not_once_per_row(client, world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    admin = user("admin")
    client.force_login(admin)
    HumanTask.objects.open().update(assignee=admin)
    client.get(reverse("tasklist:inbox"))  # (fills the per-process caches)
    with CaptureQueriesContext(connection) as seven:
        client.get(reverse("tasklist:inbox"))
    # three more orders on the page add no query
    from crm.models import Order
    from crm.services.commerce import order_create, order_set_status

    zhang = user("zhang.wei")
    codes = []
    for _ in range(3):
        order = order_create(
            actor=zhang,
            customer=world.customer,
            lines=[{"product": world.product, "quantity": 1, "price": 10, "discount_percent": 0}],
        )
        order_set_status(actor=zhang, order=order, status=Order.Status.SUBMITTED)
        codes.append(order.code)
    HumanTask.objects.open().update(assignee=admin)
    with CaptureQueriesContext(connection) as ten:
        response = client.get(reverse("tasklist:inbox"))
    page = text_of(response)
    assert response.content.decode().count('data-field="about"') == HumanTask.objects.open().count() == 10
    assert all(f"{code} · {CUSTOMER} · ¥10.00" in page for code in codes)
    assert len(ten.captured_queries) == len(seven.captured_queries)


def test_the_api_gives_each_task_its_summary(world):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(user("wang.fang"))
    listed = api.get("/api/v1/tasks/").json()["results"]
    order_type = f"crm.{ContentType.objects.get_for_model(world.order).model}"
    row = next(r for r in listed if r["summary"] and r["summary"]["type"] == order_type)
    assert row["summary"]["line"] == f"{world.order.code} · {CUSTOMER} · ¥13,000.00 · Submitted for approval"
    assert row["summary"]["data"] is None  # lists carry the line; one task carries the data
    one = api.get(f"/api/v1/tasks/{row['id']}/").json()["summary"]
    assert one["data"]["total"] == "13000.00" and one["data"]["customer"]["name"] == CUSTOMER
    assert one["data"]["lines"][0]["product"] == "Booster pump 增压泵"


def test_earlier_decisions_and_people_read_in_words(client, world):
    # given wang.fang rejected the order with a reason
    complete_task(
        open_task_on(world.order).pk,
        user=user("wang.fang"),
        data={"decision": "reject", "comment": "折扣过高，请重新报价"},
    )
    instance = HumanTask.objects.filter(business_object_id=str(world.order.pk)).first().instance
    # when the salesperson opens the instance
    client.force_login(user("zhang.wei"))
    page = text_of(client.get(reverse("tasklist:instance", args=[instance.pk])))
    # then the decision is a sentence with who and why, and the people are names
    assert "王芳 Wang Fang rejected: “折扣过高，请重新报价”" in page
    assert "Assigned to 王芳 Wang Fang" in page
    assert "decision: reject" not in page and "wang.fang" not in page
    # and a task offered to a group names the group as people read it
    client.force_login(user("xu.li"))
    triage = text_of(client.get(reverse("tasklist:task", args=[open_task_on(world.complaint).pk])))
    assert "Service dispatchers 客服调度" in triage and "service_dispatchers" not in triage


def test_the_assigned_notification_names_the_process_and_links_the_task(world, settings, mailoutbox):
    from integrations.models import Notification

    task = open_task_on(world.order)
    note = Notification.objects.filter(recipient__username="wang.fang", url=f"/tasks/{task.pk}/").first()
    assert note is not None
    assert "order_approval" not in note.body and "Order approval" in note.body
    assert f"{world.order.code} · {CUSTOMER} · ¥13,000.00" in note.body
    assert note.template == "task_assigned"
    # the e-mail (sent after commit) carries the link to the task
    link = settings.PUBLIC_BASE_URL.rstrip("/") + note.url
    assert [m for m in mailoutbox if link in m.body and m.subject == note.title]


def test_the_customers_photo_from_the_portal_opens_for_the_service_people_only(client, world):
    from django.core.files.base import ContentFile

    from portal.models import RequestAttachment

    # given the customer attached a photo of the leak to the complaint in the portal
    photo = RequestAttachment(
        customer=world.complaint.customer,
        complaint=world.complaint,
        name="leak.png",
        size=8,
        content_type="image/png",
    )
    photo.file.save("leak.png", ContentFile(b"\x89PNG\r\n\x1a\n"), save=True)
    url = reverse("crm:portal_attachment", args=["complaints", world.complaint.pk, photo.pk])
    # then the complaint's panel links it, and the service manager opens it in the browser
    client.force_login(user("huang.qiang"))
    page = client.get(reverse("tasklist:task", args=[open_task_on(world.complaint).pk])).content.decode()
    assert f'href="{url}"' in page
    opened = client.get(url)
    assert opened.status_code == 200 and b"".join(opened.streaming_content).startswith(b"\x89PNG")
    assert opened["Content-Type"] == "image/png"
    # while a salesperson of another team, with no part in the complaint, gets nothing
    client.force_login(user("chen.jing"))
    assert client.get(url).status_code == 404
    # and the file cannot be reached through another record's address
    other = reverse("crm:portal_attachment", args=["service-requests", world.service.pk, photo.pk])
    client.force_login(user("admin"))
    assert client.get(other).status_code == 404
