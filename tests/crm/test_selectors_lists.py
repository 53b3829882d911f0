import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.errors import ValidationFailed
from crm.models import CustomFieldDefinition, SavedQuery
from crm.selectors.lists import capped_count, list_groups, list_page, list_queryset, list_totals
from crm.selectors.misc import saved_queries_for
from crm.services.misc import saved_query_save

from .factories import CustomerFactory, CustomerLevelFactory, OpportunityFactory


@pytest.fixture
def book(org):
    a, b = CustomerLevelFactory(code="A", name="A级"), CustomerLevelFactory(code="B", name="B级")
    now = timezone.now()
    rows = [
        ("北京华远电子", org.zhang, a, 500, 1),
        ("北京华强物流", org.zhang, a, 100, 5),
        ("上海东方制药", org.zhang, b, 300, None),
        ("杭州西湖茶业", org.liu, a, 50, 2),
        ("天津港通", org.yang, a, 999, 3),
    ]
    customers = {}
    for name, owner, level, revenue, days_ago in rows:
        customers[name] = CustomerFactory(
            name=name,
            owner=owner,
            level=level,
            annual_revenue=revenue,
            last_activity_at=now - datetime.timedelta(days=days_ago) if days_ago else None,
        )
    return {"A": a, "B": b, **customers}


def names(page):
    return [c.name for c in page["rows"]]


def test_my_customers_of_level_a_by_last_activity(org, book):
    page = list_page(
        user=org.zhang,
        entity="customer",
        params={"filters": {"owner": "me", "level": book["A"].pk}, "sort": "-last_activity"},
    )
    assert names(page) == ["北京华远电子", "北京华强物流"]
    assert (page["count"], page["count_capped"]) == (2, False)


def test_never_contacted_customers_sort_last(org, book):
    page = list_page(user=org.zhang, entity="customer", params={"sort": "-last_activity"})
    assert names(page)[-1] == "上海东方制药"


def test_name_prefix_search_folds_width_and_stays_visible(org, book):
    assert names(list_page(user=org.zhang, entity="customer", params={"search": "北京华"})) == [
        "北京华远电子",
        "北京华强物流",
    ]
    assert names(list_page(user=org.liu, entity="customer", params={"search": "北京"})) == []


def test_manager_groups_with_totals(org, book):
    groups = list_groups(user=org.wang, entity="customer", group_by="owner")
    assert [(g["label"], g["count"], g["sum_annual_revenue"]) for g in groups] == [
        (str(org.zhang.display_name), 3, 900),
        (str(org.liu.display_name), 1, 50),
    ]
    assert list_totals(user=org.wang, entity="customer", params={"filters": {"level": book["A"].pk}}) == {
        "sum_annual_revenue": 650
    }


def test_opportunity_amounts_per_stage(org, book):
    OpportunityFactory(customer=book["北京华远电子"], owner=org.zhang, amount=100, stage="confirmed")
    OpportunityFactory(customer=book["北京华远电子"], owner=org.zhang, amount=50, stage="confirmed")
    OpportunityFactory(customer=book["杭州西湖茶业"], owner=org.liu, amount=70, stage="contract")
    groups = list_groups(user=org.wang, entity="opportunity", group_by="stage")
    assert [(g["key"], g["count"], g["sum_amount"]) for g in groups] == [
        ("confirmed", 2, 150),
        ("contract", 1, 70),
    ]
    assert groups[0]["label"] == "Opportunity confirmed"


def test_custom_field_filters(org, book):
    CustomFieldDefinition.objects.create(
        entity="customer", key="tier", label="Tier", kind="choice", choices=["gold"]
    )
    CustomFieldDefinition.objects.create(entity="customer", key="area", label="Area", kind="number")
    book["北京华远电子"].custom = {"tier": "gold", "area": 5000}
    book["北京华远电子"].save()
    book["北京华强物流"].custom = {"area": 20}
    book["北京华强物流"].save()
    page = list_page(user=org.zhang, entity="customer", params={"filters": {"custom.tier": "gold"}})
    assert names(page) == ["北京华远电子"]
    page = list_page(user=org.zhang, entity="customer", params={"filters": {"custom.area__gte": "100"}})
    assert names(page) == ["北京华远电子"]


def test_bad_params_are_located(org, book):
    with pytest.raises(ValidationFailed) as error:
        list_queryset(
            user=org.zhang,
            entity="customer",
            params={
                "filters": {"nope": 1, "level": "abc", "owner__regex": "x", "custom.x": 1},
                "sort": "password",
            },
        )
    assert set(error.value.fields) == {"nope", "level", "owner__regex", "custom.x", "sort"}


def test_count_is_capped(org, book):
    qs = list_queryset(user=org.admin, entity="customer")
    assert capped_count(qs, cap=3) == (3, True)
    assert capped_count(qs, cap=10) == (5, False)


def test_query_count_per_page_is_constant(org, book):
    def queries():
        with CaptureQueriesContext(connection) as ctx:
            list_page(user=org.wang, entity="customer", params={"filters": {"level": book["A"].pk}})
        return len(ctx.captured_queries)

    queries()  # the first call warms the user's permission cache
    few = queries()
    for i in range(20):
        CustomerFactory(name=f"批量{i}", owner=org.liu, level=book["A"])
    assert queries() == few


def test_saved_query_shared_with_a_group(org, book):
    saved_query_save(
        actor=org.zhang,
        name="我的A级",
        entity="customer",
        params={"filters": {"owner": "me", "level": book["A"].pk}},
        shared_with=org.sales_group,
    )
    assert [q.name for q in saved_queries_for(user=org.yang, entity="customer")] == ["我的A级"]
    assert list(saved_queries_for(user=org.wang, entity="customer")) == []
    with pytest.raises(ValidationFailed):
        saved_query_save(actor=org.zhang, name="bad", entity="customer", params={"filters": {"secret": 1}})
    assert SavedQuery.objects.count() == 1
