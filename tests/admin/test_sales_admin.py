# ruff: noqa: RUF001 -- the messages people read use the en dash
"""Administration > Sales operations: a sales-operations person builds a second sales process
with its stages (located errors, reorder, audit diff); a stage in use is deleted only by moving
its deals; nobody else may touch the section."""

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from crm.models import ChoiceList, ChoiceOption, Opportunity, SalesProcess, SalesStage
from crm.sales.services.processes import sales_process_create, sales_stage_add
from tests.crm.factories import CustomerFactory, OpportunityFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def sales_ops(client):
    user = UserFactory(username="sales.ops", perms=["crm.manage_sales"])
    client.force_login(user)
    return user


def stage_names(process) -> list[str]:
    return list(process.stages.order_by("position", "pk").values_list("name", flat=True))


def test_sales_ops_builds_a_process_with_located_errors_reorder_and_audit(client, sales_ops):
    # given a customer type for project sales
    projects = ChoiceOption.objects.create(choice_list=ChoiceList.TYPE, code="PRJ", label="项目客户")
    # when sales ops creates the process for that type
    response = client.post(
        reverse("manage:sales_process_new"),
        {"name": "项目型销售", "description": "大项目", "customer_types": [str(projects.pk)]},
    )
    process = SalesProcess.objects.get(name="项目型销售")
    assert response.status_code == 302 and not process.active
    assert list(process.customer_types.all()) == [projects]
    # and adds its stages, one with a wrong probability
    add = reverse("manage:sales_process", args=[process.pk])
    for name in ("需求调研", "方案报价"):
        client.post(add, {"name": name, "probability": "30", "approval": "none", "kind": "open"})
    response = client.post(
        add, {"name": "Negotiation", "probability": "150", "approval": "none", "kind": "open"}
    )
    # then the error names the stage and the field, and nothing is added
    assert response.status_code == 400
    assert "Stage 3 “Negotiation”: probability must be 0–100." in response.content.decode()
    assert stage_names(process) == ["需求调研", "方案报价"]
    client.post(
        add,
        {
            "name": "Negotiation",
            "probability": "70",
            "required_fields": ["amount", "expected_close"],
            "approval": "amount",
            "approval_threshold": "100000",
            "kind": "open",
        },
    )
    client.post(add, {"name": "赢单", "probability": "100", "approval": "none", "kind": "won"})
    # when Negotiation moves up one place
    negotiation = process.stages.get(name="Negotiation")
    client.post(reverse("manage:sales_stage_action", args=[negotiation.pk]), {"action": "up"})
    assert stage_names(process) == ["需求调研", "Negotiation", "方案报价", "赢单"]
    # and the process is switched on
    response = client.post(
        reverse("manage:sales_process_edit", args=[process.pk]),
        {"name": "项目型销售", "customer_types": [str(projects.pk)], "active": "on"},
    )
    process.refresh_from_db()
    assert response.status_code == 302 and process.active
    # then each change is in the section's audit with its diff
    stage_rows = AuditEvent.objects.filter(object_type="crm.salesstage", action=AuditEvent.Action.CREATE)
    assert stage_rows.count() == 4
    switched = AuditEvent.objects.filter(object_type="crm.salesprocess", action=AuditEvent.Action.CHANGE)
    assert any(row.changes.get("active") == [False, True] for row in switched)
    page = client.get(reverse("manage:audit", args=["sales"])).content.decode()
    assert "项目型销售" in page and "Negotiation" in page


def test_an_edit_with_junk_is_a_located_error_and_changes_nothing(client, sales_ops):
    stage = SalesStage.objects.get(key="contract")
    url = reverse("manage:sales_stage", args=[stage.pk])
    response = client.post(
        url,
        {
            "name": "Contract",
            "probability": "eighty",
            "required_fields": ["amount", "nonsense"],
            "approval": "discount",
            "approval_threshold": "120",
            "kind": "open",
        },
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "Stage 4 “Contract”: probability must be 0–100." in html
    assert "Stage 4 “Contract”: unknown field(s): nonsense." in html
    assert "Stage 4 “Contract”: a discount threshold is 0–100 %." in html
    stage.refresh_from_db()
    assert (stage.probability, stage.approval_threshold) == (80, 10)


def test_a_stage_in_use_is_deleted_only_by_moving_its_deals(client, sales_ops):
    # given two deals at "lead"
    lead = SalesStage.objects.get(key="lead")
    OpportunityFactory(stage="lead")
    OpportunityFactory(stage="lead", status=Opportunity.Status.WON)
    action = reverse("manage:sales_stage_action", args=[lead.pk])
    # when sales ops deletes it without saying where they go
    response = client.post(action, {"action": "delete"}, follow=True)
    # then it is refused, saying how many sit there
    assert "Stage 2 “Lead”: 2 opportunities sit at this stage (1 open); choose where to move them." in (
        response.content.decode()
    )
    assert SalesStage.objects.filter(pk=lead.pk).exists()
    # when they move them to "potential"
    potential = SalesStage.objects.get(key="potential")
    client.post(action, {"action": "delete", "move_to": str(potential.pk)})
    assert not SalesStage.objects.filter(pk=lead.pk).exists()
    assert Opportunity.objects.filter(stage="potential").count() == 2
    assert (
        AuditEvent.objects.get(object_type="crm.salesstage", action=AuditEvent.Action.DELETE).extra["moved"]
        == 2
    )


def test_the_default_process_stays_on_and_default(sales_ops, client):
    standard = SalesProcess.objects.get(is_default=True)
    response = client.post(reverse("manage:sales_process_edit", args=[standard.pk]), {"name": standard.name})
    assert response.status_code == 400
    html = response.content.decode()
    assert "The default process cannot be switched off." not in html  # not default any more is refused first
    assert "Make another process the default instead; there is always one." in html
    standard.refresh_from_db()
    assert standard.active and standard.is_default


def test_only_sales_operations_may_open_or_change_the_section(client):
    process = SalesProcess.objects.get(is_default=True)
    stage = process.stages.first()
    pages = [
        reverse("manage:sales_processes"),
        reverse("manage:sales_process", args=[process.pk]),
        reverse("manage:sales_stage", args=[stage.pk]),
    ]
    # a salesperson who may add and change CRM records, but not administer sales
    client.force_login(UserFactory(perms=["crm.add_salesprocess", "crm.change_salesstage"]))
    for url in pages:
        assert client.get(url).status_code == 403
    assert (
        client.post(reverse("manage:sales_stage_action", args=[stage.pk]), {"action": "down"}).status_code
        == 403
    )
    client.force_login(UserFactory(perms=["crm.manage_sales"]))
    for url in pages:
        assert client.get(url).status_code == 200


def test_a_new_opportunity_follows_the_process_of_its_customers_type(sales_ops):
    # given a switched-on process for project customers
    projects = ChoiceOption.objects.create(choice_list=ChoiceList.TYPE, code="PRJ", label="项目客户")
    process = sales_process_create(actor=sales_ops, name="项目型销售", customer_types=[projects.pk])
    first = sales_stage_add(actor=sales_ops, process=process, name="需求调研", probability=15)
    process.active = True
    process.save()
    from crm.sales.services import opportunity_create

    seller = UserFactory(perms=["crm.add_opportunity", "crm.view_customer"])
    # when opportunities are made for a project customer and for another one
    project_deal = opportunity_create(
        actor=seller, customer=CustomerFactory(owner=seller, customer_type=projects), name="A"
    )
    other_deal = opportunity_create(actor=seller, customer=CustomerFactory(owner=seller), name="B")
    # then each starts at the first stage of its process, with that stage's probability
    assert (project_deal.stage, project_deal.probability) == (first, 15)
    assert other_deal.stage_id == "potential"
