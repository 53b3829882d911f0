import datetime

import pytest
from django.utils import timezone

from core.errors import Conflict, ValidationFailed
from crm.models import Competitor, Contact, Customer, Lead, Opportunity
from crm.sales.services import (
    activity_create,
    lead_convert,
    lead_create,
    opportunity_close,
    opportunity_create,
    opportunity_update,
)
from crm.services.customers import DuplicateFound

from .factories import ContactFactory, CustomerFactory


def test_activity_feeds_follow_up_dates(org):
    # given a customer last contacted long ago
    customer = CustomerFactory(owner=org.zhang, last_activity_at=timezone.now() - datetime.timedelta(days=90))
    contact = ContactFactory(customer=customer)
    # when a visit is logged with a next follow-up date
    follow_up = timezone.localdate() + datetime.timedelta(days=7)
    activity = activity_create(
        actor=org.zhang,
        customer=customer,
        contact=contact,
        kind="visit",
        subject="工厂参观",
        outcome="interested",
        cost="350.00",
        next_follow_up=follow_up.isoformat(),
    )
    # then the card shows the fresh activity and the reminder date
    customer.refresh_from_db()
    assert customer.last_activity_at == activity.occurred_at
    assert customer.next_follow_up == follow_up
    # and an older, late-entered call does not move the date back
    activity_create(
        actor=org.zhang,
        customer=customer,
        subject="old call",
        occurred_at=timezone.now() - datetime.timedelta(days=30),
    )
    customer.refresh_from_db()
    assert customer.last_activity_at == activity.occurred_at


def test_activity_bad_input_is_located(org):
    customer = CustomerFactory(owner=org.zhang)
    with pytest.raises(ValidationFailed) as error:
        activity_create(
            actor=org.zhang,
            customer=customer,
            subject="",
            kind="fax",
            cost="-1",
            next_follow_up="2000-01-01",
            contact=ContactFactory(),
        )
    assert set(error.value.fields) == {"subject", "kind", "cost", "next_follow_up", "contact"}


def test_lead_converts_to_customer_contact_and_opportunity(org):
    # given a hot lead
    lead = lead_create(
        actor=org.zhang,
        company_name="无锡新源环保科技有限公司",
        contact_name="孙总",
        phone="13912345678",
        email="sun@xinyuan.cn",
        quality="hot",
        priority=1,
    )
    # when it is converted
    customer, contact, opportunity = lead_convert(
        actor=org.zhang, lead=lead, amount="80000", opportunity_name="废水处理设备"
    )
    # then three linked records exist, owned by the salesperson
    lead.refresh_from_db()
    assert lead.status == Lead.Status.CONVERTED and lead.converted_opportunity == opportunity
    assert customer.owner == org.zhang and customer.phone == "13912345678"
    assert contact.customer == customer and contact.name == "孙总"
    assert (opportunity.customer, opportunity.stage_id, opportunity.amount) == (customer, "lead", 80000)
    with pytest.raises(Conflict):
        lead_convert(actor=org.zhang, lead=lead)


def test_lead_conversion_hits_the_duplicate_check_and_writes_nothing(org):
    existing = CustomerFactory(owner=org.zhang, name="无锡新源环保科技有限公司")
    lead = lead_create(actor=org.zhang, company_name="无锡新源环保科技股份有限公司", contact_name="孙总")
    with pytest.raises(DuplicateFound):
        lead_convert(actor=org.zhang, lead=lead)
    assert Customer.objects.count() == 1 and not Contact.objects.exists() and not Opportunity.objects.exists()
    # attaching the lead to the existing card instead
    customer, _contact, _opp = lead_convert(actor=org.zhang, lead=lead, customer=existing)
    assert customer == existing


def test_lead_bad_input(org):
    with pytest.raises(ValidationFailed) as error:
        lead_create(actor=org.zhang, company_name="", phone="nope", email="@", quality="lukewarm", priority=9)
    assert set(error.value.fields) == {"company_name", "phone", "email", "quality", "priority"}


def test_opportunity_stage_probability_competitors_and_close(org):
    customer = CustomerFactory(owner=org.zhang)
    rival = Competitor.objects.create(name="友商A")
    opp = opportunity_create(
        actor=org.zhang, customer=customer, name="ERP", amount=120000, competitors=[rival]
    )
    assert opp.probability == 10 and list(opp.competitors.all()) == [rival]
    opp = opportunity_update(actor=org.zhang, opportunity=opp, stage="contract")
    assert opp.probability == 80
    with pytest.raises(ValidationFailed):
        opportunity_close(actor=org.zhang, opportunity=opp, won=True, reason=" ")
    opportunity_close(actor=org.zhang, opportunity=opp, won=True, reason="best price")
    customer.refresh_from_db()
    assert customer.last_won_at is not None
    with pytest.raises(Conflict):
        opportunity_update(actor=org.zhang, opportunity=opp, amount=1)


def test_opportunity_bad_input(org):
    customer = CustomerFactory(owner=org.zhang)
    with pytest.raises(ValidationFailed) as error:
        opportunity_create(
            actor=org.zhang, customer=customer, name="", amount="lots", probability=150, stage="dreaming"
        )
    assert set(error.value.fields) == {"name", "amount", "probability", "stage"}


def test_opportunity_custom_fields_are_validated(org):
    from crm.models import CustomFieldDefinition

    CustomFieldDefinition.objects.create(
        entity="opportunity", key="budget_year", label="预算年度", kind="number"
    )
    customer = CustomerFactory(owner=org.zhang)
    with pytest.raises(ValidationFailed) as error:
        opportunity_create(actor=org.zhang, customer=customer, name="X", custom={"budget_year": "next"})
    assert "custom.budget_year" in error.value.fields
    opp = opportunity_create(actor=org.zhang, customer=customer, name="X", custom={"budget_year": "2027"})
    assert opp.custom == {"budget_year": 2027}
