"""New and edit forms: located validation errors, the live duplicate warning, save-anyway."""

import pytest
from django.urls import reverse

from crm.models import Customer, CustomerChange
from tests.crm.factories import CustomerFactory

pytestmark = pytest.mark.django_db
NEW = reverse("crm:customer_new")


def test_a_new_customer_is_created_and_owned_by_its_creator(client, org):
    client.force_login(org.zhang)
    response = client.post(NEW, {"name": "杭州新客户有限公司", "phone": "0571-88886666"})
    customer = Customer.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "crm:customer_detail", args=[customer.pk]
    )
    assert customer.owner == org.zhang and customer.code


def test_bad_values_are_shown_on_their_fields_and_nothing_is_saved(client, org):
    client.force_login(org.zhang)
    response = client.post(NEW, {"name": "", "email": "not-an-address", "annual_revenue": "lots"})
    assert response.status_code == 400
    errors = {f["spec"].name: f["errors"] for g in response.context["groups"] for f in g["fields"]}
    assert errors["name"] and errors["email"] and errors["annual_revenue"]
    assert not errors["phone"]
    assert 'aria-describedby="err_email"' in response.content.decode()
    assert Customer.objects.count() == 0


def test_the_duplicate_warning_lists_similar_customers_while_typing(client, org):
    CustomerFactory(name="北京华夏科技有限公司", owner=org.zhang, phone="010-12345678")
    CustomerFactory(name="北京华夏科技股份公司", owner=org.yang)
    client.force_login(org.zhang)
    response = client.get(
        reverse("crm:customer_duplicates"), {"name": "北京华夏科技有限公司"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    matches = response.context["duplicates"]
    assert matches[0]["name"] == "北京华夏科技有限公司" and matches[0]["visible"] is True
    # a match the user may not open is named but not linked
    assert any(not m["visible"] for m in matches) or len(matches) == 1
    by_phone = client.get(reverse("crm:customer_duplicates"), {"name": "", "phone": "01012345678"})
    assert [m["reasons"] for m in by_phone.context["duplicates"]] == [["phone"]]


def test_saving_a_duplicate_needs_the_save_anyway_box(client, org):
    CustomerFactory(name="深圳重复公司", owner=org.zhang)
    client.force_login(org.zhang)
    refused = client.post(NEW, {"name": "深圳重复公司"})
    assert refused.status_code == 409
    assert "allow_duplicate" in refused.content.decode()
    assert Customer.objects.count() == 1
    accepted = client.post(NEW, {"name": "深圳重复公司", "allow_duplicate": "on"})
    assert accepted.status_code == 302
    assert Customer.objects.count() == 2


def test_editing_records_the_change_history(client, org):
    customer = CustomerFactory(name="旧名称公司", owner=org.zhang)
    client.force_login(org.zhang)
    form = client.get(reverse("crm:customer_edit", args=[customer.pk]))
    assert form.status_code == 200
    response = client.post(
        reverse("crm:customer_edit", args=[customer.pk]), {"name": "新名称公司", "address": "上海"}
    )
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.name == "新名称公司"
    change = CustomerChange.objects.get(customer=customer, field="name")
    assert (change.old_value, change.new_value, change.changed_by) == ("旧名称公司", "新名称公司", org.zhang)
    history = client.get(reverse("crm:customer_detail", args=[customer.pk]) + "?tab=history")
    assert "旧名称公司" in history.content.decode()


def test_without_add_permission_the_new_form_is_forbidden(client, org):
    client.force_login(org.no_perms)
    assert client.get(NEW).status_code == 403
    assert client.get(reverse("crm:customer_duplicates"), {"name": "x"}).status_code == 403


def test_a_manager_editing_a_card_is_offered_to_merge_the_duplicate(client, org):
    keep = CustomerFactory(name="温州瓯江阀门有限公司", owner=org.zhang)
    CustomerFactory(name="温州瓯江阀门股份公司", owner=org.zhang)
    client.force_login(org.wang)
    response = client.get(reverse("crm:customer_duplicates"), {"name": keep.name, "exclude": keep.pk})
    assert f"{reverse('crm:customer_merge')}?keep={keep.pk}&amp;remove=" in response.content.decode()
    client.force_login(org.zhang)  # no delete permission: no merge offer
    response = client.get(reverse("crm:customer_duplicates"), {"name": keep.name, "exclude": keep.pk})
    assert "merge into this card" not in response.content.decode()


def test_custom_fields_are_on_the_form_with_located_errors_and_on_the_card(client, org):
    from crm.models import CustomFieldDefinition

    CustomFieldDefinition.objects.create(
        entity="customer", key="tier", label="客户层级", kind="choice", choices=["金", "银"]
    )
    CustomFieldDefinition.objects.create(entity="customer", key="founded", label="成立日期", kind="date")
    client.force_login(org.zhang)
    form = client.get(NEW).content.decode()
    assert 'name="custom.tier"' in form and 'type="date"' in form
    bad = client.post(NEW, {"name": "自定义字段公司", "custom.tier": "铜", "custom.founded": "去年"})
    assert bad.status_code == 400
    errors = {f["spec"].name: f["errors"] for g in bad.context["groups"] for f in g["fields"]}
    assert errors["custom.tier"] and errors["custom.founded"]
    assert not Customer.objects.exists()
    good = client.post(NEW, {"name": "自定义字段公司", "custom.tier": "金", "custom.founded": "2001-05-01"})
    customer = Customer.objects.get()
    assert good.status_code == 302 and customer.custom == {"tier": "金", "founded": "2001-05-01"}
    card = client.get(reverse("crm:customer_detail", args=[customer.pk])).content.decode()
    assert "客户层级" in card and "金" in card
    edit = client.post(
        reverse("crm:customer_edit", args=[customer.pk]), {"name": "自定义字段公司", "custom.tier": "银"}
    )
    assert edit.status_code == 302
    customer.refresh_from_db()
    assert customer.custom["tier"] == "银"


def test_numbers_beyond_their_columns_are_field_errors_not_server_errors(client, org):
    # given numbers no column can hold: revenue beyond 16 digits, staff beyond a 64-bit integer
    client.force_login(org.zhang)
    response = client.post(
        NEW, {"name": "巨大数字公司", "annual_revenue": "1" + "0" * 20, "employee_count": "9" * 30}
    )
    # then both fields are marked, and nothing is saved
    assert response.status_code == 400
    errors = {f["spec"].name: f["errors"] for g in response.context["groups"] for f in g["fields"]}
    assert errors["annual_revenue"] and errors["employee_count"]
    assert Customer.objects.count() == 0
