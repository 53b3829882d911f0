"""Customer card: permissions (own, shared, not shared), tabs, query counts, sharing, level change,
release to the pool."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from crm.models import Customer, CustomerShare, LevelChangeRequest
from crm.sales.services import activity_create
from crm.services.customers import contact_create, customer_share
from tests.crm.factories import (
    CustomerFactory,
    CustomerLevelFactory,
    OpportunityFactory,
    PoolFactory,
)

pytestmark = pytest.mark.django_db


def card(pk, tab=None):
    url = reverse("crm:customer_detail", args=[pk])
    return f"{url}?tab={tab}" if tab else url


def test_a_salesperson_cannot_open_a_colleagues_customer_unless_it_is_shared(client, org):
    # given a customer of liu
    customer = CustomerFactory(name="刘的客户", owner=org.liu)
    client.force_login(org.zhang)
    # then zhang gets a 404 (no hint that it exists)
    assert client.get(card(customer.pk)).status_code == 404
    # when liu shares it with zhang
    customer_share(actor=org.liu, customer=customer, user=org.zhang)
    # then zhang can open it, but not edit it (read share)
    response = client.get(card(customer.pk))
    assert response.status_code == 200
    assert response.context["can_change"] is False
    assert client.get(reverse("crm:customer_edit", args=[customer.pk])).status_code == 404


@pytest.mark.parametrize(
    "tab",
    [
        "overview",
        "contacts",
        "activities",
        "opportunities",
        "orders",
        "service",
        "documents",
        "history",
        "processes",
    ],
)
def test_every_tab_renders_and_costs_the_same_queries_for_more_records(client, org, tab):
    customer = CustomerFactory(owner=org.zhang)

    def add(n):
        for i in range(n):
            contact = contact_create(
                actor=org.zhang, customer=customer, name=f"联系人{i}", department=f"部门{i % 2}"
            )
            activity_create(actor=org.zhang, customer=customer, subject=f"拜访{i}", contact=contact)
            OpportunityFactory(customer=customer, owner=org.zhang)

    add(1)
    client.force_login(org.zhang)
    client.get(card(customer.pk, tab))
    with CaptureQueriesContext(connection) as few:
        assert client.get(card(customer.pk, tab)).status_code == 200
    add(6)
    with CaptureQueriesContext(connection) as many:
        response = client.get(card(customer.pk, tab))
    assert response.context["tab"] == tab
    assert len(many) == len(few)


def test_the_contacts_tab_shows_departments_and_employment_history(client, org):
    customer = CustomerFactory(owner=org.zhang)
    contact_create(actor=org.zhang, customer=customer, name="王经理", department="采购部", title="经理")
    client.force_login(org.zhang)
    response = client.get(card(customer.pk, "contacts"))
    text = response.content.decode()
    assert "采购部" in text and "王经理" in text and "经理" in text


def test_the_owner_shares_the_card_with_a_group(client, org):
    customer = CustomerFactory(owner=org.zhang)
    client.force_login(org.zhang)
    response = client.post(
        reverse("crm:customer_share", args=[customer.pk]),
        {"target": "group", "target_id": org.sales_group.pk, "level": "edit"},
    )
    assert response.status_code == 302
    share = CustomerShare.objects.get(customer=customer)
    assert share.group == org.sales_group and share.level == "edit"
    # and yang (same group) may now edit it
    client.force_login(org.yang)
    assert client.get(reverse("crm:customer_edit", args=[customer.pk])).status_code == 200


def test_sharing_someone_elses_customer_is_refused(client, org):
    customer = CustomerFactory(owner=org.liu)
    client.force_login(org.zhang)
    response = client.post(
        reverse("crm:customer_share", args=[customer.pk]), {"target": "user", "target_id": org.zhang.pk}
    )
    assert response.status_code == 404
    assert not CustomerShare.objects.exists()


def test_requesting_a_level_change_records_the_request(client, org):
    level = CustomerLevelFactory(code="VIP", name="VIP")
    customer = CustomerFactory(owner=org.zhang)
    client.force_login(org.zhang)
    response = client.post(
        reverse("crm:customer_level", args=[customer.pk]), {"to_level": level.pk, "reason": "年采购额翻倍"}
    )
    assert response.status_code == 302
    request = LevelChangeRequest.objects.get(customer=customer)
    assert request.to_level == level and request.reason == "年采购额翻倍"
    page = client.get(card(customer.pk))
    assert page.context["pending_level"] == request


def test_release_to_the_pool_needs_a_reason(client, org):
    pool = PoolFactory(is_default=True)
    customer = CustomerFactory(owner=org.zhang)
    client.force_login(org.zhang)
    client.post(reverse("crm:customer_release", args=[customer.pk]), {"reason": ""})
    customer.refresh_from_db()
    assert customer.owner == org.zhang
    response = client.post(reverse("crm:customer_release", args=[customer.pk]), {"reason": "无意向"})
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.owner is None and customer.pool == pool


def test_the_processes_tab_lists_processes_about_the_customers_records(client, org):
    # given a process running about one of the customer's opportunities
    from engine import services
    from tests.tasklist.conftest import BPMN

    services.definition_deploy(files={"discount.bpmn": (BPMN / "discount.bpmn").read_bytes()})
    customer = CustomerFactory(owner=org.zhang)
    deal = OpportunityFactory(customer=customer, owner=org.zhang)
    instance = services.start_process("tl_discount", started_by=org.zhang, business_object=deal)
    # when the owner opens the processes tab
    client.force_login(org.zhang)
    response = client.get(card(customer.pk, "processes"))
    # then the instance is listed with a link to its diagram
    assert [p.pk for p in response.context["processes"]] == [instance.pk]
    assert reverse("tasklist:instance", args=[instance.pk]) in response.content.decode()
    # and the opportunities tab links the deal to its process
    deals = client.get(card(customer.pk, "opportunities"))
    assert deals.context["opportunities"][0].stage_process == instance
    assert reverse("tasklist:instance", args=[instance.pk]) in deals.content.decode()


def test_unknown_customer_is_404_not_500(client, org):
    client.force_login(org.zhang)
    assert client.get(card(999999)).status_code == 404
    assert Customer.objects.count() == 0


def test_the_card_invites_a_contact_to_the_portal(client, org):
    # given a customer with portal access and a primary contact that has an e-mail address
    customer = CustomerFactory(owner=org.zhang, portal_enabled=True)
    contact = contact_create(
        actor=org.zhang, customer=customer, name="客户管理员", email="admin@kehu.example.cn", is_primary=True
    )
    client.force_login(org.zhang)
    # the overview offers the invitation, pre-filled with the primary contact's address
    page = client.get(card(customer.pk))
    url = reverse("portal:staff_invite", args=[customer.pk])
    assert f'hx-post="{url}"' in page.content.decode()
    assert page.context["invite_email"] == "admin@kehu.example.cn"
    # when the form is sent (as htmx does)
    response = client.post(
        url, {"email": "admin@kehu.example.cn", "contact": contact.pk}, HTTP_HX_REQUEST="true"
    )
    # then the result says the invitation went out
    assert response.status_code == 200
    assert "admin@kehu.example.cn" in response.content.decode()


def test_the_card_says_how_to_switch_portal_access_on(client, org):
    customer = CustomerFactory(owner=org.zhang, portal_enabled=False)
    client.force_login(org.zhang)
    page = client.get(card(customer.pk)).content.decode()
    assert 'id="portal-off"' in page
    assert "hx-post" not in page.split('id="portal-invite"')[1].split("</section>")[0]
