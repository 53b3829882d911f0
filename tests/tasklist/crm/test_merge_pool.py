"""Merge screen (side by side, what moves, confirm) and the customer pool (claim with limits)."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from crm.models import Contact, Customer, CustomerMerge
from crm.services.customers import contact_create
from tests.crm.factories import CustomerFactory, PoolFactory

pytestmark = pytest.mark.django_db
MERGE = reverse("crm:customer_merge")


def test_the_merge_screen_shows_both_cards_and_what_moves(client, org):
    keep = CustomerFactory(name="保留公司", owner=org.zhang, phone="")
    remove = CustomerFactory(name="合并公司", owner=org.liu, phone="021-55556666")
    contact_create(actor=org.wang, customer=remove, name="李四")
    client.force_login(org.wang)
    response = client.get(MERGE, {"keep": keep.code, "remove": remove.pk})
    assert response.status_code == 200
    rows = {r["field"]: r for r in response.context["rows"]}
    assert rows["name"]["differ"] and rows["name"]["default"] == "keep"
    assert rows["phone"]["default"] == "remove"  # the empty kept value is filled by default
    moving = {str(m["label"]): m["count"] for m in response.context["moving"]}
    assert moving["contacts"] == 1


def test_confirming_the_merge_moves_everything_and_takes_the_chosen_values(client, org):
    keep = CustomerFactory(name="保留公司", owner=org.zhang)
    remove = CustomerFactory(name="合并公司", owner=org.liu)
    contact_create(actor=org.wang, customer=remove, name="李四")
    client.force_login(org.wang)
    response = client.post(MERGE, {"keep": keep.pk, "remove": remove.pk, "choice_name": "remove"})
    assert response.status_code == 302
    keep.refresh_from_db()
    assert keep.name == "合并公司"
    assert not Customer.objects.filter(pk=remove.pk).exists()
    assert Contact.objects.get(name="李四").customer == keep
    assert CustomerMerge.objects.get().removed_code == remove.code


def test_merge_needs_the_delete_permission_and_visible_cards(client, org):
    a = CustomerFactory(owner=org.zhang)
    b = CustomerFactory(owner=org.zhang)
    client.force_login(org.zhang)  # salespeople have no delete permission
    assert client.get(MERGE, {"keep": a.pk, "remove": b.pk}).status_code == 403
    outside = CustomerFactory(owner=org.yang)  # not in wang's department
    client.force_login(org.wang)
    response = client.get(MERGE, {"keep": a.pk, "remove": outside.pk})
    assert response.context["errors"]["remove"]
    assert client.post(MERGE, {"keep": a.pk, "remove": outside.pk}).status_code == 404
    assert Customer.objects.count() == 3


def test_claiming_from_the_pool_respects_the_limit_with_a_clear_error(client, org):
    pool = PoolFactory(claim_limit=1)
    first = CustomerFactory(name="公海一", owner=None, owned_since=None, pool=pool)
    second = CustomerFactory(name="公海二", owner=None, owned_since=None, pool=pool)
    client.force_login(org.zhang)
    listing = client.get(reverse("crm:pool"))
    assert {c.name for c in listing.context["page"].object_list} == {"公海一", "公海二"}
    response = client.post(reverse("crm:pool_claim", args=[first.pk]))
    assert response["Location"] == reverse("crm:customer_detail", args=[first.pk])
    refused = client.post(reverse("crm:pool_claim", args=[second.pk]))
    assert refused.status_code == 302
    text = " ".join(str(m) for m in get_messages(refused.wsgi_request))
    assert "limit 1" in text
    second.refresh_from_db()
    assert second.owner is None
    assert [p.held for p in client.get(reverse("crm:pool")).context["pools"]] == [1]


def test_a_claimed_customer_is_no_longer_claimable(client, org):
    pool = PoolFactory()
    customer = CustomerFactory(owner=None, owned_since=None, pool=pool)
    client.force_login(org.zhang)
    client.post(reverse("crm:pool_claim", args=[customer.pk]))
    client.force_login(org.liu)
    response = client.post(reverse("crm:pool_claim", args=[customer.pk]))
    assert "claimed" in " ".join(str(m) for m in get_messages(response.wsgi_request))
    customer.refresh_from_db()
    assert customer.owner == org.zhang


def test_the_pool_page_costs_the_same_queries_for_2_or_20_customers(client, org):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.crm.factories import CustomerLevelFactory

    pool = PoolFactory()

    def add(n):
        for _ in range(n):
            CustomerFactory(owner=None, owned_since=None, pool=pool, level=CustomerLevelFactory())

    add(2)
    client.force_login(org.zhang)
    client.get(reverse("crm:pool"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("crm:pool"))
    add(18)
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("crm:pool"))
    assert len(response.context["page"].object_list) == 20
    assert len(many) == len(few)


def test_a_pool_reserved_for_another_group_is_not_offered(client, org):
    reserved = PoolFactory(name="大客户公海")
    reserved.claim_groups.add(org.managers_group)
    CustomerFactory(name="保留的公海客户", owner=None, owned_since=None, pool=reserved)
    client.force_login(org.zhang)
    response = client.get(reverse("crm:pool"))
    assert response.context["pools"] == []
    assert list(response.context["page"].object_list) == []
    client.force_login(org.wang)
    assert [c.name for c in client.get(reverse("crm:pool")).context["page"].object_list] == ["保留的公海客户"]
