"""engine.services.tasks_hand_over, what a departure uses: the leaver's own and by-name tasks go to
the successor with a history row; a task offered to the leaver's groups stays with the group."""

import pytest

from core.errors import ValidationFailed
from engine import services
from engine.models import HumanTask, HumanTaskCandidate, InstanceEvent

BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="defs_hand_over" targetNamespace="http://baton.example/bpmn">
  <bpmn:process id="hand_over_probe" name="Hand-over probe" isExecutable="true">
    <bpmn:startEvent id="begin" />
    <bpmn:sequenceFlow id="f1" sourceRef="begin" targetRef="split" />
    <bpmn:parallelGateway id="split" />
    <bpmn:sequenceFlow id="f2" sourceRef="split" targetRef="by_name" />
    <bpmn:sequenceFlow id="f3" sourceRef="split" targetRef="by_group" />
    <bpmn:userTask id="by_name" name="Offered by name" camunda:candidateUsers="${who}" />
    <bpmn:userTask id="by_group" name="Offered to the group" camunda:candidateGroups="sales" />
    <bpmn:sequenceFlow id="f4" sourceRef="by_name" targetRef="finish" />
    <bpmn:sequenceFlow id="f5" sourceRef="by_group" targetRef="finish" />
    <bpmn:endEvent id="finish" />
  </bpmn:process>
</bpmn:definitions>
"""


@pytest.fixture
def probe(hr_world):
    services.definition_deploy(files={"hand_over_probe.bpmn": BPMN.encode()})
    return services.start_process(
        "hand_over_probe", started_by=hr_world.zhu_lin, variables={"who": "zhang.wei"}
    )


def test_tasks_by_name_move_and_group_tasks_stay(hr_world, probe):
    leaver, successor = hr_world.zhang_wei, hr_world.liu_yang
    moved = services.tasks_hand_over(from_user=leaver, to_user=successor, by=hr_world.zhu_lin, reason="left")
    assert [t.name for t in moved] == ["Offered by name"]
    by_name = HumanTask.objects.get(instance=probe, element_id="by_name")
    assert by_name.assignee == successor
    assert HumanTaskCandidate.objects.filter(task=by_name, user=successor).exists()
    assert not HumanTaskCandidate.objects.filter(task=by_name, user=leaver).exists()
    by_group = HumanTask.objects.get(instance=probe, element_id="by_group")
    assert by_group.assignee is None
    event = InstanceEvent.objects.get(instance=probe, kind=InstanceEvent.Kind.TASK_DELEGATED)
    assert (
        event.data["from"] == "zhang.wei"
        and event.data["to"] == "liu.yang"
        and event.actor == hr_world.zhu_lin
    )
    # the successor can finish it
    services.complete_task(by_name.pk, user=successor, data={})


def test_hand_over_needs_an_active_successor(hr_world, probe):
    hr_world.liu_yang.is_active = False
    hr_world.liu_yang.save()
    with pytest.raises(ValidationFailed):
        services.tasks_hand_over(from_user=hr_world.zhang_wei, to_user=hr_world.liu_yang)
    assert HumanTask.objects.get(instance=probe, element_id="by_name").assignee is None
