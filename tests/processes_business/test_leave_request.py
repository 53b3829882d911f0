"""Leave request (bpmn/leave_request.bpmn) end to end: the balance is checked at submission, the
manager decides, more than 3 days also the head above the manager, HR records, the employee is told."""

import datetime

import pytest

from core.errors import NotPermitted, ValidationFailed
from engine.models import HumanTask, InstanceEvent, ProcessInstance
from office.models import LeaveBalance, LeaveRequest, LeaveType
from office.services import leave_request_submit

from .conftest import complete, completed_steps, inbox, instance_for, notified, open_task, queue, todo

MANAGER = "Manager approval 经理审批"
HEAD = "Department head approval 部门负责人审批"
HR = "HR records the leave 人事备案"
YEAR = datetime.date.today().year + 1  # next year: the seeded balances cover it, no past dates


@pytest.fixture
def annual(demo, deploy):
    deploy("leave_request")
    return LeaveType.objects.get(code="annual")


def ask(demo, leave_type, days, start=datetime.date(YEAR, 3, 2)):
    return leave_request_submit(
        actor=demo.zhang_wei,
        leave_type=leave_type,
        starts_on=start,
        ends_on=start + datetime.timedelta(days=days - 1),
        reason="Family trip",
    )


def balance(demo, leave_type) -> LeaveBalance:
    return LeaveBalance.objects.get(user=demo.zhang_wei, leave_type=leave_type, year=YEAR)


def test_short_leave_manager_then_hr(demo, annual):
    request = ask(demo, annual, 2)
    instance = instance_for(request)
    assert inbox(demo.wang_fang) == [MANAGER]
    assert todo(demo.li_ming) == [] and todo(demo.zhu_lin) == []

    complete(demo.wang_fang, MANAGER, {"decision": "approve"})

    # no head step for 2 days: HR's group has it
    assert queue(demo.zhu_lin) == [HR] and queue(demo.sun_hong) == [HR]
    assert todo(demo.li_ming) == []
    complete(demo.zhu_lin, HR, {"comment": "Filed"})

    request.refresh_from_db()
    instance.refresh_from_db()
    assert request.status == LeaveRequest.Status.APPROVED
    assert balance(demo, annual).used_days == 2
    assert instance.status == ProcessInstance.Status.COMPLETED
    assert queue(demo.sun_hong) == []
    assert notified(demo.zhang_wei, "process_outcome")
    assert completed_steps(instance) == ["manager_approval", "hr_record"]


def test_long_leave_also_needs_the_head_above_the_manager(demo, annual):
    request = ask(demo, annual, 5)
    complete(demo.wang_fang, MANAGER, {"decision": "approve"})

    # zhang.wei's manager heads Sales East; the head above is the sales director
    assert inbox(demo.li_ming) == [HEAD]
    assert queue(demo.zhu_lin) == []
    complete(demo.li_ming, HEAD, {"decision": "approve"})
    complete(demo.sun_hong, HR, {})

    request.refresh_from_db()
    assert request.status == LeaveRequest.Status.APPROVED
    assert balance(demo, annual).used_days == 5
    assert completed_steps(instance_for(request)) == ["manager_approval", "head_approval", "hr_record"]


def test_head_rejects_and_the_balance_is_untouched(demo, annual):
    request = ask(demo, annual, 4)
    complete(demo.wang_fang, MANAGER, {"decision": "approve"})

    complete(demo.li_ming, HEAD, {"decision": "reject", "comment": "Quarter close"})

    request.refresh_from_db()
    assert request.status == LeaveRequest.Status.REJECTED
    assert request.decided_by == demo.li_ming and request.decision_note == "Quarter close"
    assert balance(demo, annual).used_days == 0
    assert todo(demo.zhu_lin) == []
    assert any("rejected" in t for t in notified(demo.zhang_wei, "process_outcome"))


def test_manager_rejects(demo, annual):
    request = ask(demo, annual, 1)
    complete(demo.wang_fang, MANAGER, {"decision": "reject", "comment": "Busy week"})
    request.refresh_from_db()
    assert request.status == LeaveRequest.Status.REJECTED
    assert instance_for(request).status == ProcessInstance.Status.COMPLETED


def test_leave_beyond_the_balance_is_refused_at_submission(demo, annual):
    # 10 days a year; 6 are already waiting for approval
    ask(demo, annual, 6)
    instances = ProcessInstance.objects.count()

    with pytest.raises(ValidationFailed) as error:
        ask(demo, annual, 5, start=datetime.date(YEAR, 6, 1))

    assert "4" in str(error.value.message)  # days left
    assert "ends_on" in error.value.fields
    assert LeaveRequest.objects.count() == 1
    assert ProcessInstance.objects.count() == instances
    # leave not limited by a balance goes through
    ask(demo, LeaveType.objects.get(code="personal"), 15, start=datetime.date(YEAR, 7, 1))


def test_bad_input_leaves_the_instance_unchanged(demo, annual):
    request = ask(demo, annual, 2)
    task = open_task(demo.wang_fang, MANAGER)
    events = InstanceEvent.objects.filter(instance=task.instance).count()

    with pytest.raises(ValidationFailed):
        complete(demo.wang_fang, MANAGER, {"decision": ["approve"]})
    with pytest.raises(NotPermitted):
        from engine.services import complete_task

        complete_task(task.pk, user=demo.zhu_lin, data={"decision": "approve"})

    task.refresh_from_db()
    request.refresh_from_db()
    assert task.status == HumanTask.Status.READY
    assert request.status == LeaveRequest.Status.PENDING
    assert InstanceEvent.objects.filter(instance=task.instance).count() == events
