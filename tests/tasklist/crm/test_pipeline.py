"""The pipeline board and its moves through the stage task, creating opportunities (they start
their stage process), converting a lead, closing with a reason and the reasons report."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from crm.models import Contact, Customer, Lead, Opportunity
from crm.sales.services import opportunity_create
from engine.models import HumanTask
from tests.crm.factories import CustomerFactory

pytestmark = pytest.mark.django_db
BOARD = reverse("crm:opportunity_board")


def said(response) -> str:
    return " ".join(str(m) for m in get_messages(response.wsgi_request))


@pytest.fixture
def stages(demo, deploy):
    deploy("opportunity_stages")
    return demo


def test_a_new_opportunity_from_the_form_starts_its_stage_process(client, stages):
    # given zhang.wei's customer
    customer = CustomerFactory(owner=stages.zhang_wei, name="东方机械")
    client.force_login(stages.zhang_wei)
    # when he creates an opportunity from the card's link
    response = client.post(
        reverse("crm:opportunity_new"),
        {"customer": customer.pk, "name": "数控机床", "amount": "50000", "importance": "1"},
    )
    # then the stage process gives him the first stage task
    assert response.status_code == 302
    deal = Opportunity.objects.get(name="数控机床")
    assert deal.stage_id == "potential" and deal.importance == 1
    assert HumanTask.objects.inbox(stages.zhang_wei).filter(business_object_id=str(deal.pk)).exists()


def test_the_board_shows_columns_with_totals_and_moves_only_through_the_stage_task(client, stages):
    customer = CustomerFactory(owner=stages.zhang_wei)
    deal = opportunity_create(actor=stages.zhang_wei, customer=customer, name="水泵", amount=40000)
    client.force_login(stages.zhang_wei)
    page = client.get(BOARD)
    potential = next(c for c in page.context["columns"] if c.stage == "potential")
    assert (potential.count, potential.total) == (1, 40000)
    assert [o.pk for o in potential.cards] == [deal.pk]
    # a drop two columns on is refused with the reason, nothing moves
    skip = client.get(reverse("crm:opportunity_move", args=[deal.pk]), {"to": "confirmed"})
    assert skip.status_code == 302 and skip["Location"] == BOARD
    assert "one stage at a time" in said(skip)
    # a drop on the next column opens the stage task with "move on" chosen
    move = client.get(reverse("crm:opportunity_move", args=[deal.pk]), {"to": "lead"})
    task = HumanTask.objects.get(business_object_id=str(deal.pk), status="ready")
    assert move["Location"].startswith(reverse("tasklist:task", args=[task.pk]))
    form = client.get(move["Location"])
    assert 'value="advance"' in form.content.decode() and "checked" in form.content.decode()
    deal.refresh_from_db()
    assert deal.stage_id == "potential"  # opening the form moved nothing
    # completing the task moves the deal, and the answer returns to the board
    done = client.post(
        reverse("tasklist:task_complete", args=[task.pk]), {"outcome": "advance", "next": BOARD}
    )
    assert done.status_code == 302 and done["Location"] == BOARD
    deal.refresh_from_db()
    assert deal.stage_id == "lead"


def test_someone_without_the_stage_task_is_told_who_holds_it(client, stages):
    customer = CustomerFactory(owner=stages.zhang_wei)
    deal = opportunity_create(actor=stages.zhang_wei, customer=customer, name="阀门", amount=1000)
    client.force_login(stages.wang_fang)  # the sales manager sees the deal but holds no task on it
    response = client.get(reverse("crm:opportunity_move", args=[deal.pk]), {"to": "lead"})
    assert response["Location"] == BOARD
    assert f"is with {stages.zhang_wei};" in said(response)  # by name ("张伟 Zhang Wei")
    deal.refresh_from_db()
    assert deal.stage_id == "potential"


def test_converting_a_lead_makes_customer_contact_and_a_running_opportunity(client, stages):
    lead = Lead.objects.create(
        company_name="南方精工有限公司", contact_name="陈工", phone="13700001234", owner=stages.zhang_wei
    )
    client.force_login(stages.zhang_wei)
    page = client.get(reverse("crm:lead_detail", args=[lead.pk]))
    assert reverse("crm:lead_convert", args=[lead.pk]) in page.content.decode()
    response = client.post(
        reverse("crm:lead_convert", args=[lead.pk]), {"opportunity_name": "精工产线", "amount": "80000"}
    )
    lead.refresh_from_db()
    assert lead.status == Lead.Status.CONVERTED
    customer = lead.converted_customer
    assert response["Location"] == reverse("crm:customer_detail", args=[customer.pk])
    assert Contact.objects.get(customer=customer).name == "陈工"
    deal = Opportunity.objects.get(customer=customer)
    assert deal.name == "精工产线" and deal.stage_id == "lead"
    assert HumanTask.objects.filter(business_object_id=str(deal.pk), status="ready").exists()


def test_a_lead_like_an_existing_customer_is_stopped_and_can_be_attached_to_it(client, stages):
    existing = CustomerFactory(owner=stages.zhang_wei, name="北方重工有限公司", phone="010-66668888")
    lead = Lead.objects.create(company_name="北方重工有限公司", phone="010-66668888", owner=stages.zhang_wei)
    client.force_login(stages.zhang_wei)
    stopped = client.post(reverse("crm:lead_convert", args=[lead.pk]), {})
    assert "duplicates=1" in stopped["Location"]
    page = client.get(stopped["Location"])
    assert "lead-duplicates" in page.content.decode() and "北方重工" in page.content.decode()
    lead.refresh_from_db()
    assert lead.status == Lead.Status.NEW and Customer.objects.count() == 1
    attached = client.post(reverse("crm:lead_convert", args=[lead.pk]), {"customer": existing.pk})
    assert attached["Location"] == reverse("crm:customer_detail", args=[existing.pk])
    assert Customer.objects.count() == 1 and Opportunity.objects.get().customer == existing


def test_closing_with_a_reason_category_shows_in_the_reasons_report(client, stages):
    customer = CustomerFactory(owner=stages.zhang_wei)
    deal = opportunity_create(actor=stages.zhang_wei, customer=customer, name="泵站", amount=30000)
    client.force_login(stages.zhang_wei)
    bad = client.post(reverse("crm:opportunity_close", args=[deal.pk]), {"outcome": "lost", "reason": ""})
    assert "reason" in said(bad).lower() or said(bad)
    deal.refresh_from_db()
    assert deal.status == Opportunity.Status.OPEN
    client.post(
        reverse("crm:opportunity_close", args=[deal.pk]),
        {"outcome": "lost", "category": "price", "reason": "对手报价低 15%"},
    )
    deal.refresh_from_db()
    assert (deal.status, deal.close_reason) == (Opportunity.Status.LOST, "price")
    report = client.get(reverse("crm:opportunity_reasons"))
    rows = report.context["rows"]
    assert [(r["reason"], r["count"], r["amount"]) for r in rows] == [("Price", 1, 30000)]
