"""Due dates and SLAs (issue #20, item 3): every shipped process dates its tasks; complaints and
service requests from the SLA policy table (crm.SlaPolicy); the dates reach the inbox, the portal's
"Expected by", reminders, and the service report, where a reopened complaint is not resolved."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from crm.models import Complaint, CustomerLevel, Order, SlaPolicy, StockLevel
from crm.services.commerce import order_create, order_set_status
from crm.services.service import complaint_submit, service_request_submit
from engine.models import HumanTask
from integrations.reminders import send_task_reminders
from reports.filters import ReportFilters
from reports.selectors import service_report
from tests.crm.factories import CustomerFactory, ProductFactory, WarehouseFactory

from .conftest import complete, notified, open_task

HOUR = datetime.timedelta(hours=1)
TRIAGE = "Triage 分派"
INVESTIGATE = "Investigate and resolve 调查处理"
STAFF_RATING = "Record the customer's rating 代客户评价"
HEAD_REVIEW = "Reopened: department head review 部门负责人复核"


def triage(demo, severity):
    complete(
        demo.xu_li,
        TRIAGE,
        {"category": "product", "department": "SERVICE", "handler": "zhou.jie", "severity": severity},
    )


@pytest.fixture
def complaints(demo, deploy):
    deploy("complaint")

    def submit(severity="high", customer=None):
        customer = customer or CustomerFactory(owner=demo.zhang_wei)
        return complaint_submit(
            actor=demo.zhang_wei, customer=customer, subject="Leaks 漏水", severity=severity
        )

    return submit


def test_a_high_complaint_is_due_by_its_sla_with_high_priority(demo, complaints):
    # given the shipped policy (high: respond 4 h, resolve 24 h, priority 80)
    complaint = complaints("high")
    complaint.refresh_from_db()
    created = complaint.created_at

    # then the triage answers the response time, the complaint the resolution time
    task = open_task(demo.xu_li, TRIAGE)
    assert task.due_at == created + 4 * HOUR
    assert task.priority == 80
    assert complaint.due_at == created + 24 * HOUR

    # the inbox row shows the date and High, never "Due —" or Normal
    client = Client()
    client.force_login(demo.xu_li)
    html = client.get("/tasks/?view=queue").content.decode()
    row = html[html.index(f'data-task="{task.pk}"') :].split("</tr>")[0]
    assert "badge-high" in row and f'datetime="{timezone.localtime(task.due_at).isoformat()}' in row

    # the task page says High too
    html = client.get(f"/tasks/{task.pk}/").content.decode()
    assert 'id="task-priority">High<' in html


def test_triage_to_critical_tightens_the_resolution_and_the_handlers_task(demo, complaints):
    complaint = complaints("normal")
    triage(demo, "critical")
    complaint.refresh_from_db()
    investigate = open_task(demo.zhou_jie, INVESTIGATE)
    assert complaint.due_at == complaint.created_at + 4 * HOUR
    assert investigate.due_at == complaint.due_at and investigate.priority == 90


def test_an_administrators_policy_for_a_customer_level_wins(demo, complaints):
    # given a stricter row for key accounts (level A): high resolves within 8 h
    key_accounts = CustomerLevel.objects.create(code="KA", name="Key account 大客户")
    SlaPolicy.objects.create(
        severity="high",
        customer_level=key_accounts,
        response_time=HOUR,
        resolution_time=8 * HOUR,
        priority=95,
    )
    complaint = complaints("high", CustomerFactory(owner=demo.zhang_wei, level=key_accounts))
    other = complaints("high")
    complaint.refresh_from_db()
    other.refresh_from_db()
    assert complaint.due_at == complaint.created_at + 8 * HOUR
    assert other.due_at == other.created_at + 24 * HOUR


def test_the_handlers_overdue_task_reminds_him_and_escalates_to_his_manager(demo, complaints):
    complaint = complaints("critical")
    triage(demo, "critical")
    complaint.refresh_from_db()
    sent = send_task_reminders(now=complaint.due_at + 25 * HOUR)
    assert sent["task_overdue"] == 1 and sent["task_escalated"] == 1
    assert notified(demo.zhou_jie, "task_overdue") and notified(demo.huang_qiang, "task_escalated")


def test_a_reopened_complaint_is_not_resolved_until_its_final_resolution(demo, complaints):
    complaint = complaints("high")
    triage(demo, "high")
    complete(demo.zhou_jie, INVESTIGATE, {"resolution": "Seal replaced"})
    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.RESOLVED and complaint.resolved_at is not None
    everything = ReportFilters()

    # when the customer is unsatisfied (rating 2), the complaint is reopened
    complete(demo.xu_li, STAFF_RATING, {"rating": 2})
    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.IN_PROGRESS and complaint.resolved_at is None
    report = service_report(user=demo.huang_qiang, filters=everything)["complaints"]
    assert (report["total"], report["resolved"], report["sla_met"]) == (1, 0, 0)

    # the department head's final resolution resolves it, within the day: SLA met
    complete(demo.huang_qiang, HEAD_REVIEW, {"resolution": "Pump replaced"})
    report = service_report(user=demo.huang_qiang, filters=everything)["complaints"]
    assert (report["resolved"], report["sla_met"], report["sla_met_rate"]) == (1, 1, 1.0)


def test_the_portal_expects_the_resolution_date(demo, complaints):
    from portal.selectors import my_requests
    from tests.portal.conftest import make_account

    customer = CustomerFactory(owner=demo.zhang_wei)
    account = make_account(customer, "buyer@example.com")
    complaint = complaints("high", customer)
    complaint.refresh_from_db()
    (row,) = [r for r in my_requests(account) if r.obj.pk == complaint.pk]
    # the triage is due in 4 h, but the customer is promised the resolution
    assert row.progress.expected == complaint.due_at == complaint.created_at + 24 * HOUR


def test_service_requests_are_due_by_the_policy(demo, deploy):
    deploy("service_dispatch")
    request = service_request_submit(
        actor=demo.zhang_wei, customer=CustomerFactory(owner=demo.zhang_wei), subject="Install 安装"
    )
    request.refresh_from_db()
    assign = open_task(demo.xu_li, "Assign a technician 派工")
    assert assign.due_at == request.created_at + 4 * HOUR
    assert request.due_at == request.created_at + 48 * HOUR


def test_approvals_are_due_in_two_working_days(demo, deploy):
    deploy("order_approval")
    product = ProductFactory(code="PUMP-1", price=500)
    StockLevel.objects.create(product=product, warehouse=WarehouseFactory(), on_hand=10)
    order = order_create(
        actor=demo.zhang_wei,
        customer=CustomerFactory(owner=demo.zhang_wei),
        lines=[{"product": product, "quantity": 1, "price": 500, "discount_percent": 0}],
    )
    before = timezone.now()
    order_set_status(actor=demo.zhang_wei, order=order, status=Order.Status.SUBMITTED)
    task = HumanTask.objects.get(instance__business_object_id=str(order.pk), status="ready")
    due = timezone.localtime(task.due_at)
    assert due.weekday() < 5
    assert datetime.timedelta(days=2) <= task.due_at - before <= datetime.timedelta(days=4, minutes=1)
