"""A designer replaces a shipped process by an edited version — here the leave request gets an
extra approval by the general manager after HR — and it runs without any code change; requests
already under way finish on the version they started with."""

import datetime

from engine.models import HumanTask, ProcessInstance
from engine.services import complete_task
from office.models import LeaveBalance, LeaveRequest, LeaveType
from office.services import leave_request_submit
from processes.services import definition_deploy

from .conftest import complete, completed_steps, inbox, instance_for, queue, shipped_files

HR = "HR records the leave 人事备案"
MANAGER = "Manager approval 经理审批"
SIGN_OFF = "General manager sign-off 总经理签批"
YEAR = datetime.date.today().year + 1

EXTRA_STEP = """
    <bpmn:userTask id="gm_signoff" name="General manager sign-off 总经理签批" camunda:assignee="zheng.hua" />
    <bpmn:exclusiveGateway id="gw_gm" name="Signed? 签批?" default="flow_gm_ok" />
    <bpmn:sequenceFlow id="flow_hr_gm" sourceRef="hr_record" targetRef="gm_signoff" />
    <bpmn:sequenceFlow id="flow_gm_gw" sourceRef="gm_signoff" targetRef="gw_gm" />
    <bpmn:sequenceFlow id="flow_gm_ok" sourceRef="gw_gm" targetRef="leave_approved" />
    <bpmn:sequenceFlow id="flow_gm_no" sourceRef="gw_gm" targetRef="leave_rejected">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">
        decision == 'reject'</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
  </bpmn:process>"""


def complete_for(request, user, name, data=None):
    task = HumanTask.objects.queue(user).get(instance=instance_for(request), name=name)
    return complete_task(task.pk, user=user, data=data or {})


def edited_files() -> dict[str, bytes]:
    files = shipped_files("leave_request")
    xml = files["leave_request.bpmn"].decode()
    old_flow = (
        '<bpmn:sequenceFlow id="flow_hr_record_leave_approved" '
        'sourceRef="hr_record" targetRef="leave_approved" />'
    )
    assert old_flow in xml
    xml = xml.replace(old_flow, "").replace("  </bpmn:process>", EXTRA_STEP, 1)
    files["leave_request.bpmn"] = xml.encode()
    return files


def ask(demo, month):
    start = datetime.date(YEAR, month, 2)
    return leave_request_submit(
        actor=demo.zhang_wei,
        leave_type=LeaveType.objects.get(code="annual"),
        starts_on=start,
        ends_on=start + datetime.timedelta(days=1),
    )


def test_an_edited_version_with_an_extra_approval_runs_without_code_changes(demo, deploy):
    shipped = deploy("leave_request")
    before = ask(demo, 3)  # started on the shipped version
    complete(demo.wang_fang, MANAGER, {"decision": "approve"})

    # when the designer deploys the edited file
    edited = definition_deploy(files=edited_files(), actor=None, activate=True).definition
    assert (edited.key, edited.version) == (shipped.key, shipped.version + 1)

    # then new requests take the new path: after HR the general manager signs off
    after = ask(demo, 5)
    complete(demo.wang_fang, MANAGER, {"decision": "approve"})
    complete_for(after, demo.zhu_lin, HR)  # the older request's HR step stays in the queue
    assert inbox(demo.zheng_hua) == [SIGN_OFF]
    after.refresh_from_db()
    assert after.status == LeaveRequest.Status.PENDING
    complete(demo.zheng_hua, SIGN_OFF, {"decision": "approve"})
    after.refresh_from_db()
    assert after.status == LeaveRequest.Status.APPROVED
    assert instance_for(after).definition == edited
    assert completed_steps(instance_for(after))[-1] == "gm_signoff"

    # and the request already under way finishes on its own version, without the extra step
    assert queue(demo.zhu_lin) == [HR]
    complete_for(before, demo.zhu_lin, HR)
    before.refresh_from_db()
    assert before.status == LeaveRequest.Status.APPROVED
    assert instance_for(before).definition == shipped
    assert instance_for(before).status == ProcessInstance.Status.COMPLETED
    balance = LeaveBalance.objects.get(user=demo.zhang_wei, leave_type__code="annual", year=YEAR)
    assert balance.used_days == 4


def test_the_extra_step_can_reject(demo, deploy):
    deploy("leave_request")
    definition_deploy(files=edited_files(), actor=None, activate=True)
    request = ask(demo, 5)
    complete(demo.wang_fang, MANAGER, {"decision": "approve"})
    complete(demo.zhu_lin, HR, {})
    complete(demo.zheng_hua, SIGN_OFF, {"decision": "reject", "comment": "Audit that week"})
    request.refresh_from_db()
    assert request.status == LeaveRequest.Status.REJECTED
