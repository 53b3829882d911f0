"""The opportunity-stage process over a company's own sales process (stages as data): the task is
named after the stage and its form asks the stage's required fields (custom fields too), leaving
a stage needs the manager above its amount, a deal steps back, and past the last stage it is won
at the process's won stage."""

from decimal import Decimal

import pytest

from core.errors import ValidationFailed
from crm.models import ChoiceList, ChoiceOption, CustomFieldDefinition, Opportunity, SalesStage
from crm.sales.services import opportunity_create
from crm.sales.services.processes import sales_process_create, sales_process_update, sales_stage_add
from engine.models import ProcessInstance
from tests.crm.factories import CustomerFactory

from .conftest import complete, inbox, instance_for, open_task, todo

SURVEY = "需求调研"
OFFER = "方案报价"
TENDER = "招投标"
ADVANCE = {"outcome": "advance"}


@pytest.fixture
def project_deal(demo, deploy):
    deploy("opportunity_stages")
    CustomFieldDefinition.objects.create(
        entity=CustomFieldDefinition.Entity.OPPORTUNITY, key="tender_no", label="招标编号", kind="text"
    )
    projects = ChoiceOption.objects.create(choice_list=ChoiceList.TYPE, code="PRJ", label="项目客户")
    admin = demo.admin
    process = sales_process_create(actor=admin, name="项目型销售", customer_types=[projects.pk])
    sales_stage_add(actor=admin, process=process, name=SURVEY, probability=10)
    sales_stage_add(
        actor=admin,
        process=process,
        name=OFFER,
        probability=40,
        required_fields=["amount", "expected_close"],
        approval=SalesStage.Approval.AMOUNT_ABOVE,
        approval_threshold=100000,
    )
    sales_stage_add(
        actor=admin, process=process, name=TENDER, probability=70, required_fields=["custom.tender_no"]
    )
    sales_stage_add(actor=admin, process=process, name="签约", probability=100, kind=SalesStage.Kind.WON)
    sales_process_update(
        actor=admin, process=process, name=process.name, active=True, customer_types=[projects.pk]
    )
    customer = CustomerFactory(owner=demo.zhang_wei, customer_type=projects)
    return opportunity_create(actor=demo.zhang_wei, customer=customer, name="园区改造", amount=50000)


def stage_name(opportunity) -> str:
    opportunity.refresh_from_db()
    return opportunity.stage.name


def test_a_deal_walks_its_own_process_with_required_fields_an_approval_a_step_back_and_a_win(
    demo, project_deal
):
    # the first stage of its process is the owner's task, named after it
    assert stage_name(project_deal) == SURVEY and inbox(demo.zhang_wei) == [SURVEY]
    complete(demo.zhang_wei, SURVEY, ADVANCE)
    # the offer's form asks the amount and the close date, prefilled with the deal's amount
    task = open_task(demo.zhang_wei, OFFER)
    assert task.form_schema["properties"]["amount"]["default"] == 50000
    with pytest.raises(ValidationFailed) as error:
        complete(demo.zhang_wei, OFFER, ADVANCE)
    assert {"expected_close"} <= set(error.value.fields)
    # above ¥100,000 the manager approves leaving the stage; a rejection sends it back
    complete(demo.zhang_wei, OFFER, {**ADVANCE, "amount": 180000, "expected_close": "2030-06-30"})
    approval = f"Approval to leave the stage 阶段审批: {OFFER}"
    assert inbox(demo.wang_fang) == [approval] and stage_name(project_deal) == OFFER
    project_deal.refresh_from_db()
    assert project_deal.amount == Decimal(180000) and str(project_deal.expected_close) == "2030-06-30"
    complete(demo.wang_fang, approval, {"decision": "reject", "comment": "先降价"})
    complete(demo.zhang_wei, OFFER, {**ADVANCE, "amount": 90000, "expected_close": "2030-06-30"})
    assert todo(demo.wang_fang) == [] and stage_name(project_deal) == TENDER
    project_deal.refresh_from_db()
    assert project_deal.probability == 70
    # a step back, then forward again
    complete(demo.zhang_wei, TENDER, {"outcome": "back"})
    assert stage_name(project_deal) == OFFER
    complete(demo.zhang_wei, OFFER, {**ADVANCE, "amount": 90000, "expected_close": "2030-06-30"})
    # the tender stage needs its custom field, which lands on the deal
    with pytest.raises(ValidationFailed) as error:
        complete(demo.zhang_wei, TENDER, ADVANCE)
    assert "custom__tender_no" in error.value.fields
    complete(demo.zhang_wei, TENDER, {**ADVANCE, "custom__tender_no": "ZB-2030-017"})
    # past the last open stage the deal is won, and shown at the won stage
    project_deal.refresh_from_db()
    assert project_deal.custom["tender_no"] == "ZB-2030-017"
    assert (project_deal.status, project_deal.stage.name) == (Opportunity.Status.WON, "签约")
    assert instance_for(project_deal).status == ProcessInstance.Status.COMPLETED


def test_the_stage_form_offers_only_the_ways_the_stage_has(demo, project_deal):
    ways = [
        w["const"] for w in open_task(demo.zhang_wei, SURVEY).form_schema["properties"]["outcome"]["oneOf"]
    ]
    assert ways == ["advance", "lost"]  # the first stage has nowhere to step back to
    complete(demo.zhang_wei, SURVEY, {"outcome": "lost", "lost_reason": "预算取消"})
    project_deal.refresh_from_db()
    assert project_deal.status == Opportunity.Status.LOST
