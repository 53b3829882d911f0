"""Customer list: row permissions, filters with located errors, grouping, saved queries, export,
and a query count that does not grow with the number of rows."""

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from crm.models import ChoiceList, Customer, SavedQuery
from tests.crm.factories import ChoiceOptionFactory, CustomerFactory, CustomerLevelFactory

pytestmark = pytest.mark.django_db
URL = reverse("crm:customer_list")


def names(response) -> set[str]:
    return {c.name for c in response.context["page"]["rows"]}


def test_a_salesperson_sees_only_their_own_customers(client, org):
    # given a customer of zhang and one of liu (same team, row scope "own")
    CustomerFactory(name="张的客户", owner=org.zhang)
    CustomerFactory(name="刘的客户", owner=org.liu)
    client.force_login(org.zhang)
    # when zhang opens the list
    response = client.get(URL)
    # then only his customer is there
    assert response.status_code == 200
    assert names(response) == {"张的客户"}


def test_a_shared_customer_appears_in_the_list(client, org):
    from crm.services.customers import customer_share

    shared = CustomerFactory(name="共享客户", owner=org.liu)
    customer_share(actor=org.liu, customer=shared, user=org.zhang)
    client.force_login(org.zhang)
    assert "共享客户" in names(client.get(URL))


def test_the_manager_sees_the_department_and_groups_with_totals(client, org):
    level_a = CustomerLevelFactory(code="A", name="A级")
    CustomerFactory(owner=org.zhang, level=level_a, annual_revenue=100)
    CustomerFactory(owner=org.liu, level=level_a, annual_revenue=50)
    CustomerFactory(owner=org.liu, annual_revenue=7)
    client.force_login(org.wang)
    response = client.get(URL, {"group": "level"})
    groups = {g["label"]: (g["count"], g["sum_annual_revenue"]) for g in response.context["groups"]}
    assert groups["A级"] == (2, 150)
    assert groups[""] == (1, 7)
    assert b"customer-groups" in response.content


def test_filters_narrow_the_list(client, org):
    vip = ChoiceOptionFactory(choice_list=ChoiceList.STATUS, code="vip", label="VIP")
    CustomerFactory(name="北京甲公司", owner=org.zhang, status=vip)
    CustomerFactory(name="上海乙公司", owner=org.zhang)
    client.force_login(org.zhang)
    assert names(client.get(URL, {"status": vip.pk})) == {"北京甲公司"}
    assert names(client.get(URL, {"q": "上海"})) == {"上海乙公司"}
    assert names(client.get(URL, {"owner": "me", "sort": "name"})) == {"北京甲公司", "上海乙公司"}


def test_a_bad_filter_is_reported_on_its_field_and_is_no_server_error(client, org):
    client.force_login(org.zhang)
    response = client.get(URL, {"level": "abc", "sort": "nonsense"})
    assert response.status_code == 200
    fields = {f["name"]: f["errors"] for f in response.context["select_fields"]}
    assert fields["level"] and fields["sort"]
    assert b"has-error" in response.content


def test_without_the_view_permission_the_list_is_forbidden(client, org):
    client.force_login(org.no_perms)
    assert client.get(URL).status_code == 403


def test_the_list_costs_the_same_queries_for_3_or_30_customers(client, org):
    level = CustomerLevelFactory()
    status = ChoiceOptionFactory(choice_list=ChoiceList.STATUS)
    for _ in range(3):
        CustomerFactory(owner=org.zhang, level=level, status=status)
    client.force_login(org.wang)
    params = {"group": "owner", "sort": "name"}
    client.get(URL, params)
    with CaptureQueriesContext(connection) as few:
        client.get(URL, params)
    for _ in range(27):
        CustomerFactory(owner=org.liu, level=CustomerLevelFactory(), status=status)
    with CaptureQueriesContext(connection) as many:
        response = client.get(URL, params)
    assert len(response.context["page"]["rows"]) == 30
    assert len(many) == len(few)


def test_a_saved_query_is_stored_and_listed_for_its_owner(client, org):
    client.force_login(org.zhang)
    response = client.post(
        reverse("crm:customer_query"),
        {"name": "我的客户", "params": '{"filters": {"owner": "me"}, "sort": "name"}'},
    )
    assert response.status_code == 302
    saved = SavedQuery.objects.get(owner=org.zhang)
    assert saved.params["filters"] == {"owner": "me"}
    listing = client.get(URL)
    assert [q.name for q in listing.context["saved_queries"]] == ["我的客户"]
    assert "owner=me" in listing.context["saved_queries"][0].query_string


def test_export_writes_the_filtered_list_as_xlsx(client, org):
    CustomerFactory(name="导出甲", owner=org.zhang)
    CustomerFactory(name="别人的", owner=org.yang)
    client.force_login(org.zhang)
    response = client.get(reverse("crm:customer_export"), {"q": "导出"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert values == ["导出甲"]


def test_the_list_speaks_simplified_chinese(client, org):
    CustomerFactory(owner=org.zhang)
    client.force_login(org.zhang)
    response = client.get(URL, HTTP_ACCEPT_LANGUAGE="zh-Hans")
    text = response.content.decode()
    assert "筛选、分组与排序" in text and "公海" in text and "查询收藏" in text


def test_a_query_shared_with_the_team_is_listed_for_a_colleague(client, org):
    client.force_login(org.zhang)
    client.post(
        reverse("crm:customer_query"),
        {"name": "A级客户", "params": '{"filters": {"level": 1}}', "shared_with": org.sales_group.pk},
    )
    client.force_login(org.liu)
    assert [q.name for q in client.get(URL).context["saved_queries"]] == ["A级客户"]
    client.force_login(org.wang)  # not in the sales group
    assert client.get(URL).context["saved_queries"] == []


def test_the_owner_deletes_a_saved_query_and_a_colleague_it_is_shared_with_cannot(client, org):
    from audit.models import AuditEvent

    client.force_login(org.zhang)
    client.post(
        reverse("crm:customer_query"),
        {"name": "A级客户", "params": '{"filters": {"level": 1}}', "shared_with": org.sales_group.pk},
    )
    saved = SavedQuery.objects.get(owner=org.zhang)
    delete_url = reverse("crm:customer_query_delete", args=[saved.pk])
    # the colleague sees it but has no delete button and may not delete it
    client.force_login(org.liu)
    assert delete_url not in client.get(URL).content.decode()
    refused = client.post(delete_url, follow=True)
    assert "Only its owner can delete a saved query." in refused.content.decode()
    assert SavedQuery.objects.filter(pk=saved.pk).exists()
    # the owner has the button, and deleting removes it from the list, with an audit row
    client.force_login(org.zhang)
    assert delete_url in client.get(URL).content.decode()
    done = client.post(delete_url, follow=True)
    assert "Deleted the saved query." in done.content.decode()
    assert done.context["saved_queries"] == []
    assert AuditEvent.objects.filter(action="delete", object_label__contains="A级客户").exists()
    # a second delete (another tab) is a clear "no such query"
    assert "No such saved query." in client.post(delete_url, follow=True).content.decode()


def test_a_filter_change_by_htmx_returns_only_the_results(client, org):
    CustomerFactory(name="局部刷新公司", owner=org.zhang)
    client.force_login(org.zhang)
    response = client.get(URL, {"q": "局部"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="customer-results")
    text = response.content.decode()
    assert text.lstrip().startswith('<section id="customer-results"') and "局部刷新公司" in text
    assert "<html" not in text


def test_people_allowed_to_send_mailings_find_the_mailing_page_from_the_list(client, org):
    from django.contrib.auth.models import Permission

    client.force_login(org.zhang)
    assert reverse("tasklist:mailing_new") not in client.get(URL).content.decode()
    org.zhang.user_permissions.add(Permission.objects.get(codename="add_mailing"))
    page = client.get(URL).content.decode()
    assert reverse("tasklist:mailing_new") in page and "Send a mailing" in page
    assert client.get(reverse("tasklist:mailing_new")).status_code == 200


def test_a_person_chooses_the_list_columns_and_keeps_them(client, org):
    # given the default columns (no short name)
    CustomerFactory(name="北京东方精密机械有限公司", short_name="东方精密", owner=org.zhang)
    client.force_login(org.zhang)
    assert "东方精密</td>" not in client.get(URL).content.decode()
    # when zhang ticks the short name and the phone only
    response = client.post(reverse("crm:customer_columns"), {"columns": ["short_name", "name"]})
    assert response.status_code == 302
    # then his list shows those, in the declared order, and a colleague's list is unchanged
    page = client.get(URL)
    assert [c.name for c in page.context["columns"]] == ["name", "short_name"]
    assert "东方精密" in page.content.decode()
    client.force_login(org.liu)
    assert "short_name" not in [c.name for c in client.get(URL).context["columns"]]
    # and "default columns" brings the defaults back
    client.force_login(org.zhang)
    client.post(reverse("crm:customer_columns"), {"reset": "1"})
    assert "phone" in [c.name for c in client.get(URL).context["columns"]]


def test_ticked_customers_are_transferred_and_released_only_where_the_manager_may(client, org):
    from crm.models import CustomerPool

    CustomerPool.objects.create(code="P", name="公海", is_default=True)
    mine = [CustomerFactory(owner=org.zhang) for _ in range(2)]
    outside = CustomerFactory(owner=org.yang)  # another team: not the manager's
    client.force_login(org.wang)
    ids = [c.pk for c in mine] + [outside.pk]
    # a transfer without whom to: a located message, nothing changes
    refused = client.post(reverse("crm:customer_bulk"), {"action": "transfer", "ids": ids}, follow=True)
    assert "This field is required." in refused.content.decode()
    client.post(
        reverse("crm:customer_bulk"), {"action": "transfer", "ids": ids, "param_transfer": org.liu.pk}
    )
    owners = dict(Customer.objects.values_list("pk", "owner_id"))
    assert [owners[c.pk] for c in mine] == [org.liu.pk, org.liu.pk] and owners[outside.pk] == org.yang.pk
    client.post(reverse("crm:customer_bulk"), {"action": "release", "ids": ids, "param_release": "无意向"})
    owners = dict(Customer.objects.values_list("pk", "owner_id"))
    assert [owners[c.pk] for c in mine] == [None, None] and owners[outside.pk] == org.yang.pk
