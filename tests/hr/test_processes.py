"""The HR personnel changes end to end (bpmn/hr_*.bpmn): HR asks, the approvers decide in their
inbox, the connectors apply the change and the employee file keeps the history."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from core.errors import NotPermitted, ValidationFailed
from crm.models import Customer, CustomerChange
from engine.models import HumanTask, InstanceEvent, ProcessInstance
from engine.services import fire_due_timers
from hr import services
from hr.models import EmploymentProfile, PersonnelChange, PositionRecord, SalaryRecord
from org.models import Department, Employee, Position, User
from tests.processes_business.conftest import complete, inbox, notified, queue

HEAD = "Approve the new hire 审批入职"
MANAGER = "Manager approval 经理审批"
TODAY = timezone.localdate()


def instance_of(change) -> ProcessInstance:
    return ProcessInstance.objects.get(business_object_id=str(change.pk), key__startswith="hr_")


def onboard(world, **overrides):
    values = dict(
        actor=world.zhu_lin,
        name="何静 He Jing",
        username="he.jing",
        email="he.jing@demo.example",
        employment_type="probation",
        department=Department.objects.get(code="SALES"),
        position=Position.objects.filter(code="SALES-REP").first(),
        manager=Employee.objects.get(user=world.wang_fang),
        starts_on=TODAY,
        probation_ends_on=TODAY + datetime.timedelta(days=90),
    )
    return services.onboarding_request(**{**values, **overrides})


def test_onboarding_opens_the_account_and_the_file(hr_world):
    from django.contrib.auth.models import Group

    # given HR records a hire on probation in Sales, joining the East sales team
    change = onboard(hr_world, groups=[Group.objects.get(name="sales_east")])
    # then the head of Sales approves it in their inbox
    assert HEAD in inbox(hr_world.li_ming)
    complete(hr_world.li_ming, HEAD, {"decision": "approve"})

    # then the account exists (no password yet: the invitation sets it) with its employee record
    user = User.objects.get(username="he.jing")
    assert user.is_active and not user.has_usable_password()
    employee = user.employee
    assert employee.department.code == "SALES" and employee.manager.user == hr_world.wang_fang
    assert employee.hire_date == TODAY
    assert list(user.groups.values_list("name", flat=True)) == ["sales_east"]
    profile = employee.hr_profile
    assert profile.status == "probation" and profile.probation_ends_on == TODAY + datetime.timedelta(days=90)
    assert PositionRecord.objects.filter(employee=employee, change=change).count() == 1
    change.refresh_from_db()
    assert change.status == PersonnelChange.Status.DONE and change.employee == employee
    assert instance_of(change).status == ProcessInstance.Status.COMPLETED
    assert notified(hr_world.zhu_lin, "process_outcome")


def test_onboarding_refused_keeps_nothing(hr_world):
    change = onboard(hr_world)
    complete(hr_world.li_ming, HEAD, {"decision": "reject", "comment": "No headcount"})
    change.refresh_from_db()
    assert change.status == PersonnelChange.Status.REJECTED
    assert not User.objects.filter(username="he.jing").exists()


def test_onboarding_bad_input_is_located_and_writes_nothing(hr_world):
    with pytest.raises(ValidationFailed) as error:
        onboard(hr_world, username="zhang.wei", probation_ends_on=TODAY, email="")
    assert set(error.value.fields) == {"username", "probation_ends_on", "email"}
    assert not PersonnelChange.objects.exists()
    with pytest.raises(NotPermitted):
        onboard(hr_world, actor=hr_world.zhang_wei)


def test_departure_hands_customers_and_tasks_to_the_successor(hr_world, deploy):
    from crm.sales.services import opportunity_create
    from tests.crm.factories import CustomerFactory

    # given zhang.wei (sales) owns two customers and has an open stage task
    deploy("opportunity_stages")
    leaver = hr_world.zhang_wei
    mine = [CustomerFactory(owner=leaver), CustomerFactory(owner=leaver)]
    opportunity_create(actor=leaver, customer=mine[0], name="Big deal", amount=1000)
    open_before = HumanTask.objects.filter(assignee=leaver, status="ready").count()
    assert open_before >= 1

    # when HR records his resignation with liu.yang as successor, last day today
    change = services.departure_request(
        actor=hr_world.zhu_lin,
        employee=leaver.employee,
        departure_reason="resignation",
        last_day=TODAY,
        successor=hr_world.liu_yang,
        reason="Moving city",
    )
    manager = Employee.objects.get(user=leaver).manager.user
    complete(manager, MANAGER, {"decision": "approve"})
    # the last day's evening comes (the beat fires the timer)
    fire_due_timers(timezone.now() + datetime.timedelta(days=1))

    # then the account is closed, the customers and the open tasks are liu.yang's
    leaver.refresh_from_db()
    assert not leaver.is_active
    assert set(
        Customer.objects.filter(pk__in=[c.pk for c in mine]).values_list("owner__username", flat=True)
    ) == {"liu.yang"}
    assert CustomerChange.objects.filter(customer=mine[0], field="owner", new_value__contains="Liu").exists()
    assert HumanTask.objects.filter(assignee=leaver, status="ready").count() == 0
    assert HumanTask.objects.filter(assignee=hr_world.liu_yang, status="ready").count() >= open_before
    assert InstanceEvent.objects.filter(kind=InstanceEvent.Kind.TASK_DELEGATED, data__to="liu.yang").exists()
    profile = EmploymentProfile.objects.get(employee__user=leaver)
    assert profile.status == "left" and profile.left_on == TODAY
    change.refresh_from_db()
    assert change.status == PersonnelChange.Status.DONE and "2 customers" in change.outcome
    # and the successor is told what they took over
    assert notified(hr_world.liu_yang, "hr_hand_over")
    assert instance_of(change).status == ProcessInstance.Status.COMPLETED


def test_transfer_needs_both_managers_and_records_history(hr_world):
    employee = hr_world.zhang_wei.employee
    service = Department.objects.get(code="SERVICE")
    change = services.transfer_request(
        actor=hr_world.zhu_lin,
        employee=employee,
        department=service,
        position=None,
        manager=Employee.objects.get(user__username="huang.qiang"),
        effective_on=TODAY,
        reason="Customer service needs him",
    )
    old = employee.manager.user
    complete(old, "Current manager approval 原经理审批", {"decision": "approve"})
    assert "New manager approval 新经理审批" in inbox(User.objects.get(username="huang.qiang"))
    complete(
        User.objects.get(username="huang.qiang"), "New manager approval 新经理审批", {"decision": "approve"}
    )
    employee.refresh_from_db()
    assert employee.department == service
    assert PositionRecord.objects.filter(employee=employee, change=change, department=service).exists()


def test_salary_amounts_are_confidential(hr_world):
    from hr.summaries import PersonnelChangeSummary

    employee = hr_world.zhang_wei.employee
    # zhu.lin (HR without the salary permission) may not adjust salaries
    with pytest.raises(NotPermitted):
        services.salary_adjustment_request(
            actor=hr_world.zhu_lin,
            employee=employee,
            monthly_salary=Decimal(20000),
            effective_on=TODAY,
            reason="x",
        )
    change = services.salary_adjustment_request(
        actor=hr_world.sun_hong,
        employee=employee,
        monthly_salary=Decimal(20000),
        effective_on=TODAY,
        reason="Promotion",
    )
    # the amounts are not in the process data
    assert "20000" not in str(instance_of(change).variables)
    summary = PersonnelChangeSummary()
    manager = employee.manager.user
    assert summary.data(manager, change.pk)["salary_after"] == Decimal(20000)  # an approver
    assert "salary_after" not in summary.data(hr_world.zhu_lin, change.pk)  # HR, no salary right
    complete(manager, MANAGER, {"decision": "approve"})
    complete(hr_world.sun_hong, "Finance approval 财务审批", {"decision": "approve"})
    assert SalaryRecord.objects.filter(employee=employee, monthly_salary=20000, change=change).exists()


def test_probation_review_reminds_then_confirms(hr_world):
    employee = User.objects.get(username="wu.tao").employee
    change = services.probation_review_request(actor=hr_world.zhu_lin, employee=employee)
    manager = employee.manager.user
    assert "Review the probation 转正评估" in inbox(manager)
    # the reminder fires a week before the end (the seed's probation ends in ten days)
    fire_due_timers(timezone.now() + datetime.timedelta(days=4))
    assert notified(manager, "task_due_soon") and notified(hr_world.zhu_lin, "task_due_soon")
    complete(manager, "Review the probation 转正评估", {"outcome": "confirm", "comment": "Good work"})
    profile = EmploymentProfile.objects.get(employee=employee)
    assert profile.status == "active" and profile.employment_type == "regular"
    change.refresh_from_db()
    assert change.status == PersonnelChange.Status.DONE
    assert queue(hr_world.zhu_lin) == []


def test_a_future_last_day_waits_and_a_successor_must_work_with_customers(hr_world):
    from tests.crm.factories import CustomerFactory

    leaver = hr_world.zhang_wei
    CustomerFactory(owner=leaver)
    # HR (no customer rights) cannot take over a salesperson's customers: refused on the field
    with pytest.raises(ValidationFailed) as error:
        services.departure_request(
            actor=hr_world.zhu_lin,
            employee=leaver.employee,
            departure_reason="resignation",
            last_day=TODAY,
            successor=hr_world.zhu_lin,
        )
    assert list(error.value.fields) == ["successor"]
    assert not PersonnelChange.objects.exists()
    # a last day next month: approved, the person is leaving but still works until then
    change = services.departure_request(
        actor=hr_world.zhu_lin,
        employee=leaver.employee,
        departure_reason="retirement",
        last_day=TODAY + datetime.timedelta(days=30),
        successor=hr_world.liu_yang,
    )
    complete(leaver.employee.manager.user, MANAGER, {"decision": "approve"})
    fire_due_timers(timezone.now() + datetime.timedelta(days=2))
    leaver.refresh_from_db()
    assert leaver.is_active
    assert EmploymentProfile.objects.get(employee__user=leaver).status == "leaving"
    fire_due_timers(timezone.now() + datetime.timedelta(days=31))
    leaver.refresh_from_db()
    assert not leaver.is_active
    change.refresh_from_db()
    assert change.status == PersonnelChange.Status.DONE


def test_probation_extended_needs_a_later_end(hr_world):
    employee = User.objects.get(username="wu.tao").employee
    services.probation_review_request(actor=hr_world.zhu_lin, employee=employee)
    manager = employee.manager.user
    task = "Review the probation 转正评估"
    # the form itself asks for the new end when extending
    with pytest.raises(ValidationFailed):
        complete(manager, task, {"outcome": "extend"})
    new_end = TODAY + datetime.timedelta(days=60)
    complete(manager, task, {"outcome": "extend", "extend_to": new_end.isoformat(), "comment": "More time"})
    profile = EmploymentProfile.objects.get(employee=employee)
    assert profile.status == "probation" and profile.probation_ends_on == new_end


def test_a_rejected_transfer_changes_nothing(hr_world):
    employee = hr_world.zhang_wei.employee
    before = employee.department_id
    change = services.transfer_request(
        actor=hr_world.zhu_lin,
        employee=employee,
        department=Department.objects.get(code="SERVICE"),
        position=None,
        manager=None,
        effective_on=TODAY,
    )
    complete(
        employee.manager.user,
        "Current manager approval 原经理审批",
        {"decision": "reject", "comment": "Needed here"},
    )
    employee.refresh_from_db()
    change.refresh_from_db()
    assert employee.department_id == before and change.status == PersonnelChange.Status.REJECTED
    assert not PositionRecord.objects.filter(change=change).exists()
