"""Expense approval (bpmn/expense_approval.bpmn) end to end: the claimant's manager approves; 5 000
or more also needs finance (sun.hong); a rejection goes back to the claimant, who corrects the
expense and sends it again, or withdraws it. Only approved expenses count in a campaign's return."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from core.errors import Conflict
from crm.marketing.selectors import campaign_roi
from crm.marketing.services import (
    campaign_add_task,
    campaign_create,
    expense_create,
    expense_set_status,
    expense_update,
)
from crm.models import Expense, ExpenseCategory
from engine.models import ProcessInstance

from .conftest import complete, inbox, instance_for, notified, queue, todo

MANAGER = "Manager approval 经理审批"
FINANCE = "Finance approval 财务审批"
FIX = "Correct or withdraw 修改或撤回"


def receipt() -> SimpleUploadedFile:
    return SimpleUploadedFile("发票.pdf", b"%PDF-1.4\n1 0 obj <<>> endobj\n", content_type="application/pdf")


@pytest.fixture
def claim(demo, deploy):
    deploy("expense_approval")
    travel = ExpenseCategory.objects.create(name="差旅费")
    campaign = campaign_create(actor=demo.wang_fang, name="上海水展")
    # zhang.wei worked on the fair (a task of it), so he may book his costs on it
    campaign_add_task(actor=demo.wang_fang, campaign=campaign, title="展会接待", assignee=demo.zhang_wei)

    def _claim(amount) -> Expense:
        return expense_create(
            actor=demo.zhang_wei,
            category=travel,
            amount=amount,
            spent_on="2026-11-20",
            description="展会差旅",
            campaign=campaign,
            receipt=receipt(),
            submit=True,
        )

    return _claim


def status(expense) -> str:
    expense.refresh_from_db()
    return expense.status


def test_manager_approves_a_small_expense_and_it_counts_in_the_campaign(demo, claim):
    # given a submitted claim of 800
    expense = claim("800")
    assert campaign_roi(campaign=expense.campaign)["cost"] == 0  # not counted while it waits
    assert inbox(demo.wang_fang) == [MANAGER]
    with pytest.raises(Conflict):  # the process owns the status
        expense_set_status(actor=demo.wang_fang, expense=expense, status=Expense.Status.APPROVED)
    # when the manager approves
    complete(demo.wang_fang, MANAGER, {"decision": "approve"})
    # then it is approved without finance, the claimant is told, and it counts
    assert status(expense) == Expense.Status.APPROVED
    assert queue(demo.sun_hong) == []
    assert instance_for(expense).status == ProcessInstance.Status.COMPLETED
    assert notified(demo.zhang_wei, "process_outcome")
    assert campaign_roi(campaign=expense.campaign)["cost"] == 800


def test_a_large_expense_also_needs_finance(demo, claim):
    expense = claim("6800")
    complete(demo.wang_fang, MANAGER, {"decision": "approve"})
    assert status(expense) == Expense.Status.SUBMITTED
    assert FINANCE in todo(demo.sun_hong)
    # finance sees the expense it decides on (through the task), not other claims
    assert Expense.objects.visible_to(demo.sun_hong).filter(pk=expense.pk).exists()
    complete(demo.sun_hong, FINANCE, {"decision": "approve"})
    assert status(expense) == Expense.Status.APPROVED


def test_rejected_goes_back_to_the_claimant_to_correct_and_send_again_or_withdraw(demo, claim):
    expense = claim("6800")
    complete(demo.wang_fang, MANAGER, {"decision": "approve"})
    complete(demo.sun_hong, FINANCE, {"decision": "reject", "comment": "住宿超标准"})
    assert status(expense) == Expense.Status.REJECTED
    assert inbox(demo.zhang_wei) == [FIX]
    # the claimant corrects the amount and sends it again: back to the manager, now under the limit
    expense_update(actor=demo.zhang_wei, expense=expense, amount="4200")
    complete(demo.zhang_wei, FIX, {"decision": "resubmit"})
    assert status(expense) == Expense.Status.SUBMITTED
    complete(demo.wang_fang, MANAGER, {"decision": "reject", "comment": "请附行程单"})
    complete(demo.zhang_wei, FIX, {"decision": "withdraw"})
    assert status(expense) == Expense.Status.WITHDRAWN
    assert instance_for(expense).status == ProcessInstance.Status.COMPLETED
    assert campaign_roi(campaign=expense.campaign)["cost"] == 0
