"""Complaint (bpmn/complaint.bpmn) end to end: triage → handler → rating (customer in the portal, or
staff on the customer's behalf) → unsatisfied reopens once to the department head; the SLA timer
marks the complaint overdue and tells the department head."""

import datetime

import pytest
from django.utils import timezone

from audit.models import AuditEvent
from core.errors import NotPermitted, ValidationFailed
from core.events import emit_business_event
from crm.models import Complaint
from crm.services.service import complaint_submit
from engine.models import HumanTask, InstanceEvent, ProcessInstance
from engine.services import complete_task, fire_due_timers
from org.models import User
from portal.selectors import task_label
from tests.crm.factories import CustomerFactory

from .conftest import complete, completed_steps, inbox, instance_for, notified, open_task, queue, todo

TRIAGE = "Triage 分派"
INVESTIGATE = "Investigate and resolve 调查处理"
STAFF_RATING = "Record the customer's rating 代客户评价"
CUSTOMER_RATING = "Rate the resolution 评价处理结果"
HEAD_REVIEW = "Reopened: department head review 部门负责人复核"
TRIAGED = {"category": "product", "department": "SERVICE", "handler": "zhou.jie", "severity": "high"}


@pytest.fixture
def customer(demo, deploy):
    deploy("complaint")
    return CustomerFactory(owner=demo.zhang_wei)


def submit(demo, customer, severity="normal"):
    return complaint_submit(
        actor=demo.zhang_wei, customer=customer, subject="Pump leaks 水泵漏水", severity=severity
    )


def test_staff_complaint_triaged_resolved_and_rated(demo, customer, django_capture_on_commit_callbacks):
    complaint = submit(demo, customer)
    instance = instance_for(complaint)
    assert queue(demo.xu_li) == [TRIAGE] and queue(demo.huang_qiang) == [TRIAGE]
    assert todo(demo.zhou_jie) == []

    with django_capture_on_commit_callbacks(execute=True):
        complete(demo.xu_li, TRIAGE, TRIAGED)

    complaint.refresh_from_db()
    assert notified(demo.zhou_jie, "task_assigned")  # the handler is told
    assert complaint.status == Complaint.Status.IN_PROGRESS
    assert (complaint.handler, complaint.department.code, complaint.severity) == (
        demo.zhou_jie,
        "SERVICE",
        "high",
    )
    assert inbox(demo.zhou_jie) == [INVESTIGATE]
    assert queue(demo.xu_li) == []

    complete(demo.zhou_jie, INVESTIGATE, {"resolution": "Seal replaced"})

    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.RESOLVED and complaint.resolution == "Seal replaced"
    # phoned in: staff record the rating for the customer
    assert queue(demo.xu_li) == [STAFF_RATING]
    complete(demo.xu_li, STAFF_RATING, {"rating": 4, "feedback": "Quick"})

    complaint.refresh_from_db()
    instance.refresh_from_db()
    assert complaint.status == Complaint.Status.CLOSED and complaint.satisfaction == 4
    assert instance.status == ProcessInstance.Status.COMPLETED
    assert completed_steps(instance) == ["triage", "investigate", "staff_rating"]


def test_sla_breach_marks_overdue_and_escalates_to_the_department_head(demo, customer):
    complaint = submit(demo, customer)
    complete(demo.xu_li, TRIAGE, TRIAGED)  # high: one day

    assert fire_due_timers(timezone.now() + datetime.timedelta(hours=2)) == 0
    fire_due_timers(timezone.now() + datetime.timedelta(days=1, hours=1))

    overdue = AuditEvent.objects.filter(object_type="crm.complaint", object_id=str(complaint.pk))
    assert any("overdue_since" in (e.changes or {}) for e in overdue)
    complaint.refresh_from_db()
    assert complaint.is_overdue
    assert notified(demo.huang_qiang, "task_escalated")
    # non-interrupting: the handler still has the complaint and can resolve it
    assert inbox(demo.zhou_jie) == [INVESTIGATE]
    events = InstanceEvent.objects.filter(instance=instance_for(complaint), element_id="sla_breached")
    assert events.exists()
    complete(demo.zhou_jie, INVESTIGATE, {"resolution": "Late, but fixed"})
    assert queue(demo.xu_li) == [STAFF_RATING]


def test_unsatisfied_customer_reopens_once_to_the_department_head(demo, customer):
    complaint = submit(demo, customer)
    complete(demo.xu_li, TRIAGE, TRIAGED)
    complete(demo.zhou_jie, INVESTIGATE, {"resolution": "Advice given"})

    complete(demo.xu_li, STAFF_RATING, {"rating": 1, "feedback": "Still leaking"})

    complaint.refresh_from_db()
    # reopened: in progress again, no longer resolved, until the head's final resolution
    assert complaint.status == Complaint.Status.IN_PROGRESS and complaint.satisfaction == 1
    assert complaint.resolved_at is None
    assert inbox(demo.huang_qiang) == [HEAD_REVIEW]
    complete(demo.huang_qiang, HEAD_REVIEW, {"resolution": "Pump exchanged"})

    complaint.refresh_from_db()
    instance = instance_for(complaint)
    assert complaint.status == Complaint.Status.CLOSED and complaint.resolution == "Pump exchanged"
    assert instance.status == ProcessInstance.Status.COMPLETED
    assert completed_steps(instance) == ["triage", "investigate", "staff_rating", "head_review"]


def test_portal_complaint_is_rated_by_the_customer(demo, customer):
    portal = User.objects.create(username="portal.customer", display_name="Portal customer")
    complaint = Complaint.objects.create(
        code="TS-P1",
        customer=customer,
        subject="Invoice wrong",
        channel=Complaint.Channel.PORTAL,
        created_by=portal,
    )
    # what the portal's submit service will do (portal issue): announce the complaint
    emit_business_event(
        "complaint.submitted",
        business_object=complaint,
        actor=portal,
        variables={"customer_user": "portal.customer"},
    )
    complete(demo.xu_li, TRIAGE, {**TRIAGED, "category": "billing"})
    complete(demo.zhou_jie, INVESTIGATE, {"resolution": "Credit note issued"})

    # the customer's own task, marked for the portal; staff have nothing to record
    task = open_task(portal, CUSTOMER_RATING)
    assert task.lane.startswith("Customer")
    assert task_label(task) == CUSTOMER_RATING  # what the portal shows the customer
    assert queue(demo.xu_li) == []
    complete(portal, CUSTOMER_RATING, {"rating": 5})

    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.CLOSED and complaint.satisfaction == 5


def test_bad_input_leaves_the_instance_unchanged(demo, customer):
    complaint = submit(demo, customer)
    task = open_task(demo.xu_li, TRIAGE)
    events = InstanceEvent.objects.filter(instance=task.instance).count()

    with pytest.raises(ValidationFailed) as error:
        complete(demo.xu_li, TRIAGE, {**TRIAGED, "handler": "nobody.here"})
    assert "handler" in error.value.fields
    with pytest.raises(ValidationFailed):
        complete(demo.xu_li, TRIAGE, {**TRIAGED, "severity": 3})
    with pytest.raises(NotPermitted):
        complete_task(task.pk, user=demo.zhou_jie, data=TRIAGED)

    task.refresh_from_db()
    complaint.refresh_from_db()
    assert task.status == HumanTask.Status.READY and complaint.status == Complaint.Status.OPEN
    assert InstanceEvent.objects.filter(instance=task.instance).count() == events
