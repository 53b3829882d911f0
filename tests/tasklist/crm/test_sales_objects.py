"""Leads, opportunities, activities and contacts on the generic object views: each declares its
rows and form posts and gets the list/detail/create/edit/delete/export/API permission tests."""

import pytest
from django.utils import timezone

from crm.models import Activity, Contact, Lead, Opportunity
from tests.crm.factories import ContactFactory, CustomerFactory, OpportunityFactory
from tests.generic_views import ObjectViewTestCases

pytestmark = pytest.mark.django_db


class TestLeadViews(ObjectViewTestCases):
    object_type = "lead"
    api_list = "api:lead-list"
    invalid_data = ({"email": "not-an-address"}, "email")
    updated = ("contact_name", "王经理")

    def make(self, org, owner):
        return Lead.objects.create(company_name=f"线索公司{Lead.objects.count()}", owner=owner)

    def create_data(self, org):
        return {
            "company_name": "东方精密",
            "contact_name": "李工",
            "phone": "13900001111",
            "quality": "hot",
            "priority": "1",
        }

    def update_data(self, org, obj):
        return {
            "company_name": obj.company_name,
            "contact_name": "王经理",
            "quality": "warm",
            "priority": "2",
        }


class TestOpportunityViews(ObjectViewTestCases):
    object_type = "opportunity"
    api_list = "api:opportunity-list"
    invalid_data = ({"amount": "-5"}, "amount")
    updated = ("amount", 88000)

    def make(self, org, owner):
        return OpportunityFactory(customer=CustomerFactory(owner=owner), owner=owner)

    def create_data(self, org):
        customer = CustomerFactory(owner=org.zhang)
        return {"customer": customer.pk, "name": "新机床", "amount": "120000", "importance": "1"}

    def update_data(self, org, obj):
        return {"name": obj.name, "amount": "88000", "importance": "2"}


class TestActivityViews(ObjectViewTestCases):
    object_type = "activity"
    api_list = "api:activity-list"
    invalid_data = ({"next_follow_up": "2000-01-01"}, "next_follow_up")

    def make(self, org, owner):
        customer = CustomerFactory(owner=owner)
        return Activity.objects.create(
            customer=customer, owner=owner, subject="拜访", occurred_at=timezone.now()
        )

    def create_data(self, org):
        customer = CustomerFactory(owner=org.zhang)
        return {
            "customer": customer.pk,
            "kind": "call",
            "subject": "电话回访",
            "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "next_follow_up": (timezone.localdate() + timezone.timedelta(days=3)).isoformat(),
        }


class TestContactViews(ObjectViewTestCases):
    object_type = "contact"
    api_list = "api:contact-list"
    invalid_data = ({"birthday": "2999-01-01"}, "birthday")
    updated = ("family", "妻子：王芳, 女儿 8 岁")

    def make(self, org, owner):
        return ContactFactory(customer=CustomerFactory(owner=owner))

    def create_data(self, org):
        customer = CustomerFactory(owner=org.zhang)
        return {"customer": customer.pk, "name": "赵六", "mobile": "13800138000", "interests": "钓鱼"}

    def update_data(self, org, obj):
        return {"name": obj.name, "family": "妻子：王芳, 女儿 8 岁", "birthday": "1980-05-01"}


def test_a_contact_gets_a_superior_at_the_same_customer(client, org):
    customer = CustomerFactory(owner=org.zhang)
    boss = ContactFactory(customer=customer, name="老板")
    client.force_login(org.zhang)
    response = client.post("/contacts/new/", {"customer": customer.pk, "name": "助理", "superior": boss.pk})
    assert response.status_code == 302
    assert Contact.objects.get(name="助理").superior == boss


def test_an_opportunity_created_from_the_card_is_preset_to_that_customer(client, org):
    customer = CustomerFactory(owner=org.zhang, name="东方机械")
    client.force_login(org.zhang)
    page = client.get("/opportunities/new/", {"customer": customer.pk})
    fields = {f["name"]: f for f in page.context["fields"]}
    assert fields["customer"]["value"] == str(customer.pk)
    assert (str(customer.pk), "东方机械") in fields["customer"]["choices"]
    assert Opportunity.objects.count() == 0


def test_ticked_leads_are_disqualified_in_bulk_only_where_the_user_may(client, org):
    mine = [Lead.objects.create(company_name=f"甲{i}", owner=org.zhang) for i in range(2)]
    theirs = Lead.objects.create(company_name="乙", owner=org.yang)
    client.force_login(org.zhang)
    page = client.get("/leads/")
    assert 'name="ids"' in page.content.decode()
    response = client.post(
        "/leads/bulk/", {"action": "disqualify", "ids": [mine[0].pk, mine[1].pk, theirs.pk]}
    )
    assert response.status_code == 302
    statuses = dict(Lead.objects.values_list("pk", "status"))
    assert statuses == {mine[0].pk: "disqualified", mine[1].pk: "disqualified", theirs.pk: "new"}
