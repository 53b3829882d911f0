"""Customer level change (bpmn/customer_level_change.bpmn) driven end to end: the salesperson asks,
their manager decides, a jump of two levels also needs the sales director."""

import pytest

from core.errors import NotPermitted, ValidationFailed
from crm.models import CustomerChange, LevelChangeRequest
from crm.services.levels import customer_level_change_request
from engine.models import HumanTask, InstanceEvent, ProcessInstance
from tests.crm.factories import CustomerFactory, CustomerLevelFactory

from .conftest import complete, completed_steps, inbox, instance_for, notified, open_task, queue, todo

MANAGER = "Manager approval 经理审批"
DIRECTOR = "Director approval 总监审批"


@pytest.fixture
def levels(db):
    return {
        code: CustomerLevelFactory(code=code, name=f"Level {code}", sort_order=i)
        for i, code in enumerate("ABCD")
    }


@pytest.fixture
def customer(demo, deploy, levels):
    deploy("customer_level_change")
    return CustomerFactory(owner=demo.zhang_wei, level=levels["C"])


def request_level(demo, customer, level, capture):
    with capture(execute=True):
        return customer_level_change_request(
            actor=demo.zhang_wei, customer=customer, to_level=level, reason="Bought twice this year"
        )


def test_one_level_up_is_decided_by_the_manager(demo, customer, levels, django_capture_on_commit_callbacks):
    # given a salesperson's request one level up
    request = request_level(demo, customer, levels["B"], django_capture_on_commit_callbacks)
    instance = instance_for(request)

    # then it waits for the salesperson's manager only, who was told about it
    assert inbox(demo.wang_fang) == [MANAGER]
    assert todo(demo.li_ming) == [] and todo(demo.zhang_wei) == []
    assert notified(demo.wang_fang, "task_assigned")

    # when the manager approves
    with django_capture_on_commit_callbacks(execute=True):
        complete(demo.wang_fang, MANAGER, {"decision": "approve", "comment": "Fine"})

    # then the level is changed with history, the requester is told, the process is done
    customer.refresh_from_db()
    request.refresh_from_db()
    instance.refresh_from_db()
    assert customer.level == levels["B"]
    assert request.status == LevelChangeRequest.Status.APPROVED and request.decided_by == demo.wang_fang
    change = CustomerChange.objects.get(customer=customer, field="level")
    assert (change.old_value, change.new_value) == (str(levels["C"]), str(levels["B"]))
    assert instance.status == ProcessInstance.Status.COMPLETED
    assert todo(demo.wang_fang) == []
    assert notified(demo.zhang_wei, "process_outcome")
    assert completed_steps(instance) == ["manager_approval"]


def test_two_levels_up_also_needs_the_director(demo, customer, levels, django_capture_on_commit_callbacks):
    request = request_level(demo, customer, levels["A"], django_capture_on_commit_callbacks)

    complete(demo.wang_fang, MANAGER, {"decision": "approve"})

    # the director's group gets it; the level has not changed yet
    assert queue(demo.li_ming) == [DIRECTOR]
    customer.refresh_from_db()
    assert customer.level == levels["C"]

    complete(demo.li_ming, DIRECTOR, {"decision": "approve", "comment": "Strategic account"})

    customer.refresh_from_db()
    request.refresh_from_db()
    assert customer.level == levels["A"]
    assert request.decided_by == demo.li_ming
    assert completed_steps(instance_for(request)) == ["manager_approval", "director_approval"]


def test_director_rejects(demo, customer, levels, django_capture_on_commit_callbacks):
    request = request_level(demo, customer, levels["A"], django_capture_on_commit_callbacks)
    complete(demo.wang_fang, MANAGER, {"decision": "approve"})

    complete(demo.li_ming, DIRECTOR, {"decision": "reject", "comment": "Not yet"})

    customer.refresh_from_db()
    request.refresh_from_db()
    assert customer.level == levels["C"]
    assert request.status == LevelChangeRequest.Status.REJECTED
    assert request.decision_note == "Not yet"
    assert notified(demo.zhang_wei, "process_outcome")


def test_manager_rejects_and_the_requester_is_told(
    demo, customer, levels, django_capture_on_commit_callbacks
):
    request = request_level(demo, customer, levels["B"], django_capture_on_commit_callbacks)
    instance = instance_for(request)

    complete(demo.wang_fang, MANAGER, {"decision": "reject", "comment": "Revenue too low"})

    customer.refresh_from_db()
    request.refresh_from_db()
    instance.refresh_from_db()
    assert customer.level == levels["C"]
    assert request.status == LevelChangeRequest.Status.REJECTED
    assert instance.status == ProcessInstance.Status.COMPLETED
    assert todo(demo.li_ming) == []
    assert any("rejected" in title for title in notified(demo.zhang_wei, "process_outcome"))
    assert not CustomerChange.objects.filter(customer=customer, field="level").exists()


def test_bad_input_leaves_the_instance_unchanged(demo, customer, levels, django_capture_on_commit_callbacks):
    request = request_level(demo, customer, levels["B"], django_capture_on_commit_callbacks)
    task = open_task(demo.wang_fang, MANAGER)
    events = InstanceEvent.objects.filter(instance=task.instance).count()

    # a rejection without a comment, and a decision that is not in the list
    with pytest.raises(ValidationFailed) as error:
        complete(demo.wang_fang, MANAGER, {"decision": "reject"})
    assert "comment" in error.value.fields
    with pytest.raises(ValidationFailed):
        complete(demo.wang_fang, MANAGER, {"decision": 42})
    # someone who is not a potential owner: another team's manager, and the requester
    for intruder in (demo.chen_jing, demo.zhang_wei):
        with pytest.raises(NotPermitted):
            from engine.services import complete_task

            complete_task(task.pk, user=intruder, data={"decision": "approve"})

    task.refresh_from_db()
    request.refresh_from_db()
    assert task.status == HumanTask.Status.READY
    assert request.status == LevelChangeRequest.Status.PENDING
    assert InstanceEvent.objects.filter(instance=task.instance).count() == events
