"""Complaints, service requests and consultations on the generic object views: each declares its
rows and form posts and gets the list/detail/create/edit/export permission tests; plus the service
desk's own list rules (SLA views) and the service manager's reach."""

import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from crm.models import Complaint, Consultation, ServiceRequest
from crm.services.common import next_code
from tests.crm.factories import CustomerFactory
from tests.factories import DepartmentFactory, EmployeeFactory, GroupFactory, UserFactory
from tests.generic_views import ObjectViewTestCases

pytestmark = pytest.mark.django_db


def complaint(owner, **fields):
    customer = fields.pop("customer", None) or CustomerFactory(owner=owner)
    return Complaint.objects.create(
        code=next_code("complaint", "TS"), customer=customer, subject=fields.pop("subject", "漏水"), **fields
    )


class TestComplaintViews(ObjectViewTestCases):
    object_type = "complaint"
    invalid_data = ({"severity": "apocalyptic"}, "severity")

    def make(self, org, owner):
        return complaint(owner)

    def create_data(self, org):
        customer = CustomerFactory(owner=org.zhang)
        return {
            "customer": customer.pk,
            "subject": "水泵漏水",
            "description": "客户来电",
            "severity": "high",
            "channel": "phone",
        }


class TestServiceRequestViews(ObjectViewTestCases):
    object_type = "service_request"
    invalid_data = ({"preferred_at": "2001-01-01T09:00"}, "preferred_at")

    def make(self, org, owner):
        return ServiceRequest.objects.create(
            code=next_code("service_request", "FW"), customer=CustomerFactory(owner=owner), subject="保养"
        )

    def create_data(self, org):
        customer = CustomerFactory(owner=org.zhang)
        return {"customer": customer.pk, "kind": "repair", "subject": "更换传感器"}


class TestConsultationViews(ObjectViewTestCases):
    object_type = "consultation"
    invalid_data = ({"question": ""}, "question")
    updated = ("answer", "可以，两台并联即可")

    def make(self, org, owner):
        return Consultation.objects.create(
            code=next_code("consultation", "ZX"),
            customer=CustomerFactory(owner=owner),
            handled_by=owner,
            question="5 吨纯水够用吗?",
        )

    def create_data(self, org):
        customer = CustomerFactory(owner=org.zhang)
        return {"kind": "pre_sale", "channel": "phone", "customer": customer.pk, "question": "报价多少?"}

    def update_data(self, org, obj):
        return {
            "kind": obj.kind,
            "channel": obj.channel,
            "customer": obj.customer_id,
            "question": obj.question,
            "answer": "可以，两台并联即可",
        }


def test_a_consultation_answered_by_its_edit_is_marked_answered(client, org):
    asked = TestConsultationViews().make(org, org.zhang)
    client.force_login(org.zhang)
    client.post(
        reverse("crm:consultation_edit", args=[asked.pk]),
        {
            "kind": "pre_sale",
            "channel": "phone",
            "customer": asked.customer_id,
            "question": asked.question,
            "answer": "可以",
        },
    )
    asked.refresh_from_db()
    assert asked.status == Consultation.Status.ANSWERED and asked.answered_at is not None


# --- the SLA views -----------------------------------------------------------------------------------


def test_sla_filter_splits_open_complaints_into_breached_due_today_and_on_time(client, org):
    # given complaints of zhang's customers: two past due, one due in a minute, one next week
    now = timezone.now()
    late = complaint(org.zhang, due_at=now - datetime.timedelta(hours=2))
    marked = complaint(org.zhang, due_at=now - datetime.timedelta(days=1), overdue_since=now)
    soon = complaint(org.zhang, due_at=now + datetime.timedelta(minutes=1))
    later = complaint(org.zhang, due_at=now + datetime.timedelta(days=7))
    done = complaint(org.zhang, due_at=now - datetime.timedelta(days=1), status=Complaint.Status.RESOLVED)
    client.force_login(org.zhang)

    def rows(state):
        response = client.get(reverse("crm:complaint_list"), {"sla": state})
        assert response.status_code == 200
        return {c.pk for c in response.context["page"]["rows"]}

    # then each view lists the unresolved complaints in that state, never the resolved one
    assert rows("breached") == {late.pk, marked.pk}
    assert soon.pk in rows("due_today") and later.pk not in rows("due_today")
    assert later.pk in rows("on_time") and late.pk not in rows("on_time")
    assert done.pk not in rows("breached") | rows("due_today") | rows("on_time")
    # and an unknown state is a located error, not a 500
    assert "sla" in client.get(reverse("crm:complaint_list"), {"sla": "whenever"}).context["errors"]


def test_the_breaching_today_view_is_shared_with_the_service_team_and_exports(client, org):
    from crm.services.misc import saved_query_save

    soon = complaint(org.zhang, due_at=timezone.now() + datetime.timedelta(minutes=5))
    saved_query_save(
        actor=org.liu,
        name="Breaching today",
        entity="complaint",
        params={"filters": {"sla": "due_today"}},
        shared_with=org.sales_group,
    )
    client.force_login(org.zhang)
    page = client.get(reverse("crm:complaint_list")).content.decode()
    assert "Breaching today" in page
    response = client.get(reverse("crm:complaint_export"), {"sla": "due_today"})
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [row[0].value for row in sheet.iter_rows(min_row=2)] == [soon.code]


# --- the service manager's reach ---------------------------------------------------------------------


@pytest.fixture
def service_desk(org):
    """A customer-service department: its head (scope: department tree), a representative, and a
    technician in another department."""
    perms = [f"crm.{a}_{m}" for m in ("complaint", "servicerequest", "customer") for a in ("view", "change")]
    team = GroupFactory(name="t_service", perms=perms, profile__row_scope="department_tree")
    department = DepartmentFactory(code="T-SVC", name="Service")
    head = UserFactory(username="t.svc.head")
    head.groups.add(team)
    EmployeeFactory(user=head, department=department)
    department.head = head
    department.save()
    rep = UserFactory(username="t.svc.rep")
    EmployeeFactory(user=rep, department=department)
    return type("Desk", (), {"head": head, "rep": rep, "department": department})


def test_the_service_manager_opens_his_departments_complaints_and_strangers_get_404(
    client, org, service_desk
):
    # given a complaint of zhang's customer triaged to the service department, handled by a
    # salesperson (not in the service department), and one handled by the service rep
    filed = complaint(org.zhang, department=service_desk.department, handler=org.liu)
    handled = complaint(org.zhang, handler=service_desk.rep)
    elsewhere = complaint(org.yang)
    # when the head of service opens them
    client.force_login(service_desk.head)
    for case in (filed, handled):
        assert client.get(reverse("crm:complaint_detail", args=[case.pk])).status_code == 200
    assert client.get(reverse("crm:complaint_detail", args=[elsewhere.pk])).status_code == 404
    listed = {c.pk for c in client.get(reverse("crm:complaint_list")).context["page"]["rows"]}
    assert listed == {filed.pk, handled.pk}
    # and a salesperson of the other team still gets 404 on them
    client.force_login(org.yang)
    assert client.get(reverse("crm:complaint_detail", args=[filed.pk])).status_code == 404
