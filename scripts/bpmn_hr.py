"""Generate the HR personnel-change processes (bpmn/hr_*.bpmn and their JSON forms) with the
shared layout of scripts/bpmn_layout.py, and add their start bindings to bpmn/bindings.json.

Each runs on a `hr.PersonnelChange` (the business object the hr service creates before announcing
the event), so amounts and personal data stay on the record, never in process data.
Run: `python scripts/bpmn_hr.py` (bpmn_layout.py's BINDINGS lists them too, so a rerun of that
script keeps the bindings)."""

from __future__ import annotations

import json

from bpmn_layout import APPROVAL_DUE, APPROVE, OUT, REJECT, SIZES, Process, approval_form, tell

SIZES.setdefault("intermediateCatchEvent", (36, 36))

BINDINGS = {
    "hr.onboarding_requested": "hr_onboarding",
    "hr.probation_review_requested": "hr_probation",
    "hr.transfer_requested": "hr_transfer",
    "hr.salary_adjustment_requested": "hr_salary",
    "hr.departure_requested": "hr_departure",
}


class HrProcess(Process):
    """Adds a timer catch event (wait until a date): its definition must follow incoming/outgoing."""

    def wait_until(self, id, name, lane, col, *, date: str, row: int = 0):
        node = self.add("intermediateCatchEvent", id, name, lane, col, row)
        node.props = {}
        self._waits = {**getattr(self, "_waits", {}), id: date}
        return node

    def xml(self) -> str:
        out = super().xml()
        for id, date in getattr(self, "_waits", {}).items():
            head = f'<bpmn:intermediateCatchEvent id="{id}"'
            start = out.index(head)
            end = out.index("</bpmn:intermediateCatchEvent>", start)
            timer = (
                f'<bpmn:timerEventDefinition id="{id}_def"><bpmn:timeDate xsi:type="bpmn:tFormalExpression">'
                f"{date}</bpmn:timeDate></bpmn:timerEventDefinition>"
            )
            out = out[:end] + timer + out[end:]
        return out


def decided(p: Process, id: str, lane: str, col: float, *, outcome: str, row: int = 0):
    name = "Approved 已批准" if outcome == "approved" else "Rejected 已驳回"
    return p.service(id, name, lane, col, row, connector="hr.change_decided", params={"outcome": outcome})


def onboarding() -> Process:
    p = HrProcess(
        "hr_onboarding",
        "Onboarding 入职",
        [("hr", "HR 人事", 2), ("department_heads", "Department head 部门负责人", 1)],
        "HR records a new hire by type (probation, regular, intern) → the head of the new department "
        "approves → the account (an invitation to choose a password), the employee record and the "
        "file are made (hr.onboard); HR is told either way.",
    )
    p.start("onboarding_requested", "New hire recorded 入职登记", "hr", 0)
    p.user(
        "head_approval",
        "Approve the new hire 审批入职",
        "department_heads",
        1,
        form=approval_form("Approve the new hire 审批入职"),
        camunda__assignee="${department_head(department)}",
        camunda__dueDate=APPROVAL_DUE,
    )
    p.gateway("gw_head", "Approved? 同意?", "department_heads", 2)
    p.service("onboard", "Open the account and file 开通账号与档案", "hr", 3, connector="hr.onboard")
    tell(p, "tell_done", "hr", 4, outcome="account opened 已开通账号")
    p.end("onboarded", "Onboarded 已入职", "hr", 5)
    decided(p, "rejected", "hr", 3, outcome="rejected", row=1)
    tell(p, "tell_rejected", "hr", 4, outcome="rejected 已驳回", row=1)
    p.end("not_hired", "Rejected 已驳回", "hr", 5, row=1)
    p.chain("onboarding_requested", "head_approval", "gw_head")
    p.flow("gw_head", "rejected", "reject 驳回", REJECT)
    p.flow("gw_head", "onboard", "approve 同意", default=True)
    p.chain("onboard", "tell_done", "onboarded")
    p.chain("rejected", "tell_rejected", "not_hired")
    return p


PROBATION_FORM = {
    "type": "object",
    "title": "Probation review 转正评估",
    "properties": {
        "outcome": {
            "type": "string",
            "title": "Outcome 结果",
            "oneOf": [
                {"const": "confirm", "title": "Confirm as regular 转正"},
                {"const": "extend", "title": "Extend the probation 延长试用期"},
                {"const": "terminate", "title": "End the employment 不予录用"},
            ],
        },
        "extend_to": {"type": "string", "format": "date", "title": "New probation end 新的试用期截止日"},
        "comment": {"type": "string", "title": "Assessment 评价", "maxLength": 2000},
    },
    "required": ["outcome"],
    "allOf": [
        {
            "if": {"properties": {"outcome": {"const": "extend"}}},
            "then": {"required": ["extend_to"]},
        },
        {
            "if": {"properties": {"outcome": {"const": "terminate"}}},
            "then": {"required": ["comment"], "properties": {"comment": {"minLength": 1}}},
        },
    ],
    "x-bulk": False,
}


def probation() -> Process:
    p = HrProcess(
        "hr_probation",
        "Probation confirmation 转正",
        [("hr", "HR 人事", 1), ("managers", "Manager 直属经理", 1)],
        "The manager confirms, extends or ends the probation by its end; a week before the end "
        "(the variable `probation`, set by hr.services) the manager and HR are reminded.",
    )
    p.start("review_requested", "Probation review 转正评估", "hr", 0)
    p.user(
        "review",
        "Review the probation 转正评估",
        "managers",
        1,
        form=PROBATION_FORM,
        camunda__assignee="${manager_of(employee)}",
        camunda__dueDate="${probation['due']}",
    )
    p.timer("remind", "A week before 提前一周提醒", "review", duration="${probation['remind_in']}")
    p.service(
        "reminder",
        "Remind manager and HR 提醒经理与人事",
        "managers",
        2,
        row=0,
        connector="send_notification",
        params={
            "template": "task_due_soon",
            "to": "${manager_of(employee) + ',hr'}",
            "task": "Probation review 转正评估",
            "process": p.name,
            "due": "${probation['ends_on']}",
            "subject": "${subject}",
        },
    )
    p.end("reminded", "Reminded 已提醒", "managers", 3)
    p.service("decided", "Record the outcome 记录结果", "hr", 2, connector="hr.probation_decided")
    tell(p, "tell_outcome", "hr", 3, outcome="${outcome}")
    p.end("reviewed", "Reviewed 已评估", "hr", 4)
    p.chain("review_requested", "review", "decided", "tell_outcome", "reviewed")
    p.chain("remind", "reminder", "reminded")
    return p


def transfer() -> Process:
    p = HrProcess(
        "hr_transfer",
        "Transfer 调岗",
        [
            ("hr", "HR 人事", 2),
            ("managers", "Current manager 原经理", 1),
            ("new_managers", "New manager 新经理", 1),
        ],
        "The current manager approves, then the new one (skipped when it is the same person) → the "
        "department, position and manager change and the position history records it (hr.transfer).",
    )
    p.start("transfer_requested", "Transfer requested 调岗申请", "hr", 0)
    p.user(
        "old_manager_approval",
        "Current manager approval 原经理审批",
        "managers",
        1,
        form=approval_form("Transfer: current manager 调岗（原经理）"),
        camunda__assignee="${manager_of(employee)}",
        camunda__dueDate=APPROVAL_DUE,
    )
    p.gateway("gw_old", "Approved? 同意?", "managers", 2)
    p.gateway("gw_same", "Same manager? 同一经理?", "managers", 3)
    p.user(
        "new_manager_approval",
        "New manager approval 新经理审批",
        "new_managers",
        4,
        form=approval_form("Transfer: new manager 调岗（新经理）"),
        camunda__assignee="${new_manager}",
        camunda__dueDate=APPROVAL_DUE,
    )
    p.gateway("gw_new", "Approved? 同意?", "new_managers", 5)
    p.service("apply", "Move the person 执行调岗", "hr", 6, connector="hr.transfer")
    tell(p, "tell_done", "hr", 7, outcome="approved 已批准")
    p.end("transferred", "Transferred 已调岗", "hr", 8)
    decided(p, "rejected", "hr", 6, outcome="rejected", row=1)
    tell(p, "tell_rejected", "hr", 7, outcome="rejected 已驳回", row=1)
    p.end("not_transferred", "Rejected 已驳回", "hr", 8, row=1)
    p.chain("transfer_requested", "old_manager_approval", "gw_old")
    p.flow("gw_old", "rejected", "reject 驳回", REJECT)
    p.flow("gw_old", "gw_same", "approve 同意", default=True)
    p.flow("gw_same", "apply", "same 同一人", "same_manager")
    p.flow("gw_same", "new_manager_approval", "another 不同", default=True)
    p.flow("new_manager_approval", "gw_new")
    p.flow("gw_new", "rejected", "reject 驳回", REJECT)
    p.flow("gw_new", "apply", "approve 同意", default=True)
    p.chain("apply", "tell_done", "transferred")
    p.chain("rejected", "tell_rejected", "not_transferred")
    return p


def salary() -> Process:
    p = HrProcess(
        "hr_salary",
        "Salary adjustment 调薪",
        [("hr", "HR 人事", 2), ("managers", "Manager 直属经理", 1), ("finance", "Finance 财务", 1)],
        "Confidential: the amounts are on the personnel change (shown to its approvers and to people "
        "who may see salaries), never in process data. Manager → finance → the salary history "
        "records it (hr.salary).",
    )
    p.start("salary_requested", "Adjustment requested 调薪申请", "hr", 0)
    p.user(
        "manager_approval",
        "Manager approval 经理审批",
        "managers",
        1,
        form=approval_form("Salary adjustment: manager 调薪（经理）", bulk=False),
        camunda__assignee="${manager_of(employee)}",
        camunda__dueDate=APPROVAL_DUE,
    )
    p.gateway("gw_manager", "Approved? 同意?", "managers", 2)
    p.user(
        "finance_approval",
        "Finance approval 财务审批",
        "finance",
        3,
        form=approval_form("Salary adjustment: finance 调薪（财务）", bulk=False),
        camunda__candidateGroups="finance",
        camunda__dueDate=APPROVAL_DUE,
    )
    p.gateway("gw_finance", "Approved? 同意?", "finance", 4)
    p.service("apply", "Record the new salary 记录新薪资", "hr", 5, connector="hr.salary")
    tell(p, "tell_done", "hr", 6, outcome="approved 已批准")
    p.end("adjusted", "Adjusted 已调薪", "hr", 7)
    decided(p, "rejected", "hr", 5, outcome="rejected", row=1)
    tell(p, "tell_rejected", "hr", 6, outcome="rejected 已驳回", row=1)
    p.end("not_adjusted", "Rejected 已驳回", "hr", 7, row=1)
    p.chain("salary_requested", "manager_approval", "gw_manager")
    p.flow("gw_manager", "rejected", "reject 驳回", REJECT)
    p.flow("gw_manager", "finance_approval", "approve 同意", default=True)
    p.flow("finance_approval", "gw_finance")
    p.flow("gw_finance", "rejected", "reject 驳回", REJECT)
    p.flow("gw_finance", "apply", "approve 同意", default=True)
    p.chain("apply", "tell_done", "adjusted")
    p.chain("rejected", "tell_rejected", "not_adjusted")
    return p


def departure() -> Process:
    p = HrProcess(
        "hr_departure",
        "Departure 离职",
        [("hr", "HR 人事", 2), ("managers", "Manager 直属经理", 1)],
        "Resignation, dismissal or retirement: the manager approves → on the last day (timer "
        "`last_day`) hr.depart closes the account, hands the person's customers (with their change "
        "history) and open tasks to the successor and tells the successor what they took over.",
    )
    p.start("departure_requested", "Departure recorded 离职登记", "hr", 0)
    p.user(
        "manager_approval",
        "Manager approval 经理审批",
        "managers",
        1,
        form=approval_form("Departure: manager 离职（经理）"),
        camunda__assignee="${manager_of(employee)}",
        camunda__dueDate=APPROVAL_DUE,
    )
    p.gateway("gw_manager", "Approved? 同意?", "managers", 2)
    decided(p, "approved", "hr", 3, outcome="approved")
    p.wait_until("last_day_reached", "Last day 最后工作日", "hr", 4, date="${last_day}")
    p.service("depart", "Close account, hand over 关闭账号并交接", "hr", 5, connector="hr.depart")
    tell(p, "tell_done", "hr", 6, outcome="handed over 已交接")
    p.end("left", "Left 已离职", "hr", 7)
    decided(p, "rejected", "hr", 3, outcome="rejected", row=1)
    tell(p, "tell_rejected", "hr", 4, outcome="rejected 已驳回", row=1)
    p.end("stays", "Rejected 已驳回", "hr", 5, row=1)
    p.chain("departure_requested", "manager_approval", "gw_manager")
    p.flow("gw_manager", "rejected", "reject 驳回", REJECT)
    p.flow("gw_manager", "approved", "approve 同意", default=True)
    p.chain("approved", "last_day_reached", "depart", "tell_done", "left")
    p.chain("rejected", "tell_rejected", "stays")
    return p


PROCESSES = [onboarding, probation, transfer, salary, departure]
_ = APPROVE


def main() -> None:
    for build in PROCESSES:
        build().write()
    path = OUT / "bindings.json"
    bindings = json.loads(path.read_text(encoding="utf-8"))
    bindings.update(BINDINGS)
    path.write_text(json.dumps(bindings, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
