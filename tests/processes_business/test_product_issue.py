"""Product issue / 产品问题 (bpmn/product_issue.bpmn) end to end: a technician reports a problem
found on a job, product development triages it (a rejection needs a reason), records the fix; the
reporter is told each outcome."""

import pytest

from core.errors import ValidationFailed
from crm.field.services import product_issue_report
from crm.models import ProductIssue
from engine.models import ProcessInstance
from tests.crm.factories import ProductFactory

from .conftest import complete, completed_steps, instance_for, notified, queue

TRIAGE = "Triage the product issue 评估产品问题"
FIX = "Record the fix 记录改进措施"


@pytest.fixture
def issue(demo, deploy):
    deploy("product_issue")
    return product_issue_report(
        actor=demo.zhou_jie,
        product=ProductFactory(name="Booster pump 增压泵"),
        summary="Seal cracks after 3 months 密封圈三个月开裂",
        severity=ProductIssue.Severity.HIGH,
    )


def test_accepted_then_fixed_and_the_reporter_is_told(demo, issue):
    instance = instance_for(issue)
    assert queue(demo.gao_yuan) == [TRIAGE]
    assert queue(demo.xu_li) == []

    with pytest.raises(ValidationFailed):  # an unknown decision is refused on its field
        complete(demo.gao_yuan, TRIAGE, {"decision": "maybe"})
    complete(demo.gao_yuan, TRIAGE, {"decision": "accept"})
    issue.refresh_from_db()
    assert issue.status == ProductIssue.Status.ACCEPTED
    assert len(notified(demo.zhou_jie, "process_outcome")) == 1

    complete(demo.gao_yuan, FIX, {"fix": "New EPDM seal from batch 2027-01 新材质密封圈"})

    issue.refresh_from_db()
    instance.refresh_from_db()
    assert issue.status == ProductIssue.Status.FIXED and "EPDM" in issue.fix and issue.fixed_at
    assert len(notified(demo.zhou_jie, "process_outcome")) == 2
    assert instance.status == ProcessInstance.Status.COMPLETED
    assert completed_steps(instance) == ["triage", "record_fix"]


def test_a_rejection_needs_a_reason_and_ends_the_hand_off(demo, issue):
    with pytest.raises(ValidationFailed) as error:
        complete(demo.gao_yuan, TRIAGE, {"decision": "reject"})
    assert "reason" in error.value.fields

    complete(demo.gao_yuan, TRIAGE, {"decision": "reject", "reason": "Installed without the manual's torque"})

    issue.refresh_from_db()
    assert issue.status == ProductIssue.Status.REJECTED and "torque" in issue.decision_reason
    assert notified(demo.zhou_jie, "process_outcome")
    assert instance_for(issue).status == ProcessInstance.Status.COMPLETED
