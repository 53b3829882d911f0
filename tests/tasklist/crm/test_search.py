"""Customer search matches any part of the name, short name, code, phone and contact names, in
the customer list and the header's search page, within what the user may see."""

import pytest
from django.urls import reverse

from crm.services.customers import contact_create, customer_create
from tests.crm.factories import OpportunityFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def customers(org):
    east = customer_create(
        actor=org.zhang, name="北京东方精密机械有限公司", short_name="东方精机", phone="010-88886666"
    )
    contact_create(actor=org.zhang, customer=east, name="欧阳明")
    west = customer_create(actor=org.zhang, name="上海西部贸易有限公司")
    theirs = customer_create(actor=org.yang, name="广州东方电器有限公司", phone="020-88886666")
    return east, west, theirs


def listed(client, q) -> set[str]:
    response = client.get(reverse("crm:customer_list"), {"q": q})
    return {c.name for c in response.context["page"]["rows"]}


@pytest.mark.parametrize("q", ["东方", "精密", "精机", "8888 6666", "010-8888", "6666", "欧阳"])
def test_the_customer_list_finds_any_part(client, org, customers, q):
    client.force_login(org.zhang)
    # yang's 广州东方 (same words, same phone digits) is not zhang's to see
    assert listed(client, q) == {"北京东方精密机械有限公司"}


def test_the_code_finds_the_customer(client, org, customers):
    east = customers[0]
    client.force_login(org.zhang)
    assert listed(client, east.code[-4:]) >= {east.name}


def test_the_header_search_lists_customers_contacts_and_deals(client, org, customers):
    east = customers[0]
    OpportunityFactory(customer=east, owner=org.zhang, name="东方二期产线")
    client.force_login(org.zhang)
    page = client.get(reverse("crm:search"), {"q": "东方"})
    assert [c.name for c in page.context["customers"]] == [east.name]
    assert [o.name for o in page.context["opportunities"]] == ["东方二期产线"]
    by_contact = client.get(reverse("crm:search"), {"q": "欧阳"})
    assert [c.name for c in by_contact.context["contacts"]] == ["欧阳明"]
    assert 'action="/search/"' in page.content.decode()  # the box in the header
