"""Opportunity stages (bpmn/opportunity_stages.bpmn) end to end, over the standard sales process's
stages (data): each stage is the owner's task, moving on sets opportunity.stage, lost from any
stage with a reason, a big contract discount needs the sales manager, a stale stage reminds the
owner and then the manager."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from core.errors import NotPermitted, ValidationFailed
from crm.models import Opportunity
from crm.sales.services import opportunity_create
from engine.models import HumanTask, InstanceEvent, ProcessInstance
from engine.services import complete_task, fire_due_timers
from tests.crm.factories import CustomerFactory

from .conftest import complete, completed_steps, inbox, instance_for, notified, open_task, todo

# the task names: the stage's name in English and Chinese
POTENTIAL = "Potential 潜在客户"
LEAD = "Lead 线索"
CONFIRMED = "Opportunity confirmed 商机确认"
CONTRACT = "Contract 合同"
DISCOUNT = "Approval to leave the stage 阶段审批: Contract 合同"
RECEIVABLES = "Receivables 应收款"
REPEAT = "Repeat sale 再次销售"
ADVANCE = {"outcome": "advance"}


@pytest.fixture
def opportunity(demo, deploy):
    deploy("opportunity_stages")
    customer = CustomerFactory(owner=demo.zhang_wei)
    return opportunity_create(actor=demo.zhang_wei, customer=customer, name="Pumps for plant 2", amount=40000)


def stage(opportunity) -> str:
    opportunity.refresh_from_db()
    return opportunity.stage_id


def test_all_stages_to_a_won_deal_with_a_discount_approval(demo, opportunity):
    instance = instance_for(opportunity)
    assert inbox(demo.zhang_wei) == [POTENTIAL]

    complete(demo.zhang_wei, POTENTIAL, ADVANCE)
    assert stage(opportunity) == "lead" and inbox(demo.zhang_wei) == [LEAD]
    complete(demo.zhang_wei, LEAD, ADVANCE)
    assert stage(opportunity) == "confirmed"
    complete(demo.zhang_wei, CONFIRMED, ADVANCE)
    assert stage(opportunity) == "contract"

    contract = {**ADVANCE, "amount": 50000, "discount_percent": 15}
    complete(demo.zhang_wei, CONTRACT, contract)
    # 15 % is above the limit: the sales manager decides, the stage waits
    assert inbox(demo.wang_fang) == [DISCOUNT] and todo(demo.zhang_wei) == []
    assert stage(opportunity) == "contract"
    complete(demo.wang_fang, DISCOUNT, {"decision": "reject", "comment": "10 % at most"})
    # back to the owner to revise the contract
    assert inbox(demo.zhang_wei) == [CONTRACT]
    complete(demo.zhang_wei, CONTRACT, {**contract, "discount_percent": 8})

    assert stage(opportunity) == "receivables"
    assert opportunity.amount == Decimal(50000)
    complete(demo.zhang_wei, RECEIVABLES, ADVANCE)
    assert stage(opportunity) == "repeat"
    complete(demo.zhang_wei, REPEAT, ADVANCE)

    opportunity.refresh_from_db()
    instance.refresh_from_db()
    assert opportunity.status == Opportunity.Status.WON and opportunity.probability == 100
    assert instance.status == ProcessInstance.Status.COMPLETED
    assert completed_steps(instance) == [
        "work_stage",
        "work_stage",
        "work_stage",
        "work_stage",
        "stage_approval",
        "work_stage",
        "work_stage",
        "work_stage",
    ]


def test_discount_within_the_limit_needs_nobody(demo, opportunity):
    for name in (POTENTIAL, LEAD, CONFIRMED):
        complete(demo.zhang_wei, name, ADVANCE)
    complete(
        demo.zhang_wei,
        CONTRACT,
        {**ADVANCE, "amount": 1000, "discount_percent": 5},
    )
    assert todo(demo.wang_fang) == []
    assert stage(opportunity) == "receivables"


def test_lost_from_a_stage_needs_a_reason(demo, opportunity):
    complete(demo.zhang_wei, POTENTIAL, ADVANCE)
    task = open_task(demo.zhang_wei, LEAD)

    with pytest.raises(ValidationFailed) as error:
        complete(demo.zhang_wei, LEAD, {"outcome": "lost"})
    assert "lost_reason" in error.value.fields
    task.refresh_from_db()
    assert task.status == HumanTask.Status.READY

    complete(demo.zhang_wei, LEAD, {"outcome": "lost", "lost_reason": "Went with a competitor"})

    opportunity.refresh_from_db()
    assert opportunity.status == Opportunity.Status.LOST
    assert opportunity.win_loss_reason == "Went with a competitor"
    assert opportunity.stage_id == "lead"
    assert instance_for(opportunity).status == ProcessInstance.Status.COMPLETED
    assert todo(demo.zhang_wei) == []


def test_stale_stage_reminds_the_owner_then_the_manager(demo, opportunity):
    complete(demo.zhang_wei, POTENTIAL, ADVANCE)
    now = timezone.now()

    fire_due_timers(now + datetime.timedelta(days=7, minutes=1))
    assert len(notified(demo.zhang_wei, "task_overdue")) == 1
    assert notified(demo.wang_fang, "task_escalated") == []

    fire_due_timers(now + datetime.timedelta(days=14, minutes=1))
    assert len(notified(demo.wang_fang, "task_escalated")) == 1
    # non-interrupting: the stage is still the owner's to move on
    assert inbox(demo.zhang_wei) == [LEAD]
    assert stage(opportunity) == "lead"


def test_bad_input_leaves_the_instance_unchanged(demo, opportunity):
    for name in (POTENTIAL, LEAD, CONFIRMED):
        complete(demo.zhang_wei, name, ADVANCE)
    task = open_task(demo.zhang_wei, CONTRACT)
    events = InstanceEvent.objects.filter(instance=task.instance).count()

    with pytest.raises(ValidationFailed) as error:
        complete(
            demo.zhang_wei,
            CONTRACT,
            {**ADVANCE, "amount": "fifty thousand", "discount_percent": 0},
        )
    assert "amount" in error.value.fields
    with pytest.raises(ValidationFailed):
        complete(demo.zhang_wei, CONTRACT, ADVANCE)  # moving on needs the amount and the discount
    with pytest.raises(NotPermitted):
        complete_task(task.pk, user=demo.liu_yang, data=ADVANCE)  # a colleague, not the owner

    task.refresh_from_db()
    assert task.status == HumanTask.Status.READY
    assert InstanceEvent.objects.filter(instance=task.instance).count() == events
    assert stage(opportunity) == "contract"


def test_an_opportunity_created_at_a_later_stage_enters_there(demo, deploy):
    deploy("opportunity_stages")
    customer = CustomerFactory(owner=demo.zhang_wei)
    opportunity = opportunity_create(
        actor=demo.zhang_wei, customer=customer, name="Converted lead", stage="confirmed"
    )
    assert inbox(demo.zhang_wei) == [CONFIRMED]
    complete(demo.zhang_wei, CONFIRMED, ADVANCE)
    assert stage(opportunity) == "contract"


def test_closing_the_opportunity_outside_the_process_ends_it(demo, opportunity):
    from crm.sales.services import opportunity_close

    complete(demo.zhang_wei, POTENTIAL, ADVANCE)
    opportunity_close(actor=demo.zhang_wei, opportunity=opportunity, won=True, reason="Signed at the fair")

    instance = instance_for(opportunity)
    assert instance.status == ProcessInstance.Status.CANCELLED
    assert todo(demo.zhang_wei) == []
    opportunity.refresh_from_db()
    assert opportunity.status == Opportunity.Status.WON
