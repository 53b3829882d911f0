"""Files from the modelers of Java engines — Flowable and Activiti (behind most Chinese BPM
products and their bpmn-js based designers) and Camunda — route their tasks in Baton as they did
there: `flowable:`/`activiti:` task attributes, BPMN's own `potentialOwner`/`humanPerformer`,
`formProperty` forms and the start event's `initiator` variable."""

from pathlib import Path

import pytest

from engine import services
from engine.models import HumanTask
from tests.factories import GroupFactory

pytestmark = pytest.mark.django_db

FLOWABLE = Path(__file__).parent / "conformance" / "data" / "flowable"

# A leave request as a Flowable-based designer (e.g. bpmn-process-designer) exports it.
LEAVE = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    xmlns:flowable="http://flowable.org/bpmn" targetNamespace="http://flowable.org/bpmn">
  <process id="leave_flowable" name="请假申请" isExecutable="true">
    <startEvent id="start" name="发起" flowable:initiator="applicant">
      <extensionElements>
        <flowable:formProperty id="days" name="请假天数" type="long" required="true" />
        <flowable:formProperty id="kind" name="类型" type="enum" required="true">
          <flowable:value id="annual" name="年假" />
          <flowable:value id="sick" name="病假" />
        </flowable:formProperty>
      </extensionElements>
    </startEvent>
    <sequenceFlow sourceRef="start" targetRef="approve" />
    <userTask id="approve" name="经理审批" flowable:candidateGroups="management" flowable:dueDate="P2D"
        flowable:priority="80">
      <extensionElements>
        <flowable:formProperty id="approved" name="同意吗" type="boolean" required="true" />
        <flowable:formProperty id="comment" name="意见" type="string" />
      </extensionElements>
    </userTask>
    <sequenceFlow sourceRef="approve" targetRef="decide" />
    <exclusiveGateway id="decide" default="back" />
    <sequenceFlow id="done" sourceRef="decide" targetRef="end"><conditionExpression
        xsi:type="tFormalExpression">${approved}</conditionExpression></sequenceFlow>
    <sequenceFlow id="back" sourceRef="decide" targetRef="fix" />
    <userTask id="fix" name="修改申请" flowable:assignee="${applicant}" />
    <sequenceFlow sourceRef="fix" targetRef="end" />
    <endEvent id="end" />
  </process>
</definitions>
"""


@pytest.fixture
def management(org):
    group = GroupFactory(name="management")
    org.boss.groups.add(group)
    return group


def test_a_flowable_leave_request_routes_its_tasks_and_renders_its_forms(org, management):
    definition = services.definition_deploy(files={"leave.bpmn20.xml": LEAVE})
    # the start form and the task form come from the formProperty fields, in Chinese
    start_fields = definition.metadata["start_forms"]["start"]["form_fields"]
    assert [(f["id"], f["label"], f["required"]) for f in start_fields] == [
        ("days", "请假天数", True),
        ("kind", "类型", True),
    ]
    assert [v["name"] for v in start_fields[1]["enum"]] == ["年假", "病假"]
    # when alice starts it, the approval is offered to the management group only
    instance = services.start_process("leave_flowable", started_by=org.alice, variables={"days": 2})
    task = HumanTask.objects.get(instance=instance, status="ready")
    assert task.candidate_groups == ["management"] and task.priority == 80 and task.due_at is not None
    schema = task.form_schema
    assert schema["required"] == ["approved"] and schema["properties"]["approved"]["type"] == "boolean"
    assert schema["properties"]["comment"]["title"] == "意见"
    assert list(HumanTask.objects.offered_to(org.boss)) == [task]
    assert not HumanTask.objects.offered_to(org.carol).exists()
    # and a rejection goes back to the applicant named by flowable:initiator
    services.complete_task(task.pk, user=org.boss, data={"approved": False})
    fix = HumanTask.objects.get(instance=instance, status="ready")
    assert (fix.element_id, fix.assignee) == ("fix", org.alice)


def test_bpmn_potential_owner_and_human_performer_from_flowables_vacation_request(org, management):
    # given Flowable's own example, which assigns with BPMN's resourceAssignmentExpression
    name = "VacationRequest_deprecated_forms.bpmn20.xml"
    services.definition_deploy(files={name: (FLOWABLE / name).read_bytes()})
    instance = services.start_process(
        "vacationRequest", started_by=org.alice, variables={"employeeName": "alice"}
    )
    # the potential owner "management" is a group
    handle = HumanTask.objects.get(instance=instance, status="ready")
    assert handle.candidate_groups == ["management"]
    # a rejection (a JUEL condition on a string) reaches the human performer ${employeeName}
    services.complete_task(handle.pk, user=org.boss, data={"vacationApproved": "false"})
    adjust = HumanTask.objects.get(instance=instance, status="ready")
    assert (adjust.element_id, adjust.assignee) == ("adjustVacationRequestTask", org.alice)
    services.complete_task(adjust.pk, user=org.alice, data={"resendRequest": "true"})
    again = HumanTask.objects.get(instance=instance, status="ready")
    assert again.element_id == "handleRequest"
