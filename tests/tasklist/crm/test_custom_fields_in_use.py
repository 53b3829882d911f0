"""Custom fields in use (issue #24, item 4): defined by an administrator, a field shows on the card
and the forms of the people allowed to see or edit it, is validated with its label in the message,
and is a list column that filters and sorts; Excel and the API carry it too."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from crm.models import Complaint, Customer, CustomFieldDefinition
from crm.services.custom_fields import CustomFieldInput, custom_field_save
from tests.crm.factories import CustomerFactory

pytestmark = pytest.mark.django_db
LIST = reverse("crm:customer_list")


@pytest.fixture
def plant_area(org):
    """厂房面积: a number from 10 to 100000, a default column, filterable."""
    return custom_field_save(
        actor=org.admin,
        data=CustomFieldInput(
            entity="customer",
            key="plant_area",
            label="厂房面积",
            kind="number",
            min_value="10",
            max_value="100000",
            show_in_list=True,
            filterable=True,
        ),
    )


def names(response) -> list[str]:
    return [c.name for c in response.context["page"]["rows"]]


def test_a_salesperson_fills_the_field_on_the_form_and_sees_it_on_the_card(client, org, plant_area):
    customer = CustomerFactory(name="明远机械", owner=org.zhang)
    client.force_login(org.zhang)
    # the edit form offers the field
    form = client.get(reverse("crm:customer_edit", args=[customer.pk])).content.decode()
    assert 'name="custom.plant_area"' in form and "厂房面积" in form
    # a value out of range is refused, the message names the field, nothing is saved
    data = {"name": "明远机械", "custom.plant_area": "5"}
    response = client.post(reverse("crm:customer_edit", args=[customer.pk]), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "厂房面积: at least 10." in html
    customer.refresh_from_db()
    assert customer.custom == {}
    # a good value is kept and shown on the card
    data["custom.plant_area"] = "2,500"
    assert client.post(reverse("crm:customer_edit", args=[customer.pk]), data).status_code == 302
    customer.refresh_from_db()
    assert customer.custom == {"plant_area": 2500}
    card = client.get(reverse("crm:customer_detail", args=[customer.pk])).content.decode()
    assert "厂房面积" in card and "2500" in card


def test_the_list_shows_filters_and_sorts_by_the_field(client, org, plant_area):
    for name, area in (("小厂", 100), ("中厂", 2000), ("大厂", 9000), ("未知", None)):
        CustomerFactory(name=name, owner=org.zhang, custom={} if area is None else {"plant_area": area})
    client.force_login(org.zhang)
    # the column is shown by default, with its filter and sort offered
    page = client.get(LIST)
    html = page.content.decode()
    assert "厂房面积" in html and 'name="custom.plant_area__gte"' in html
    assert 'value="-custom.plant_area"' in html
    # filtered from 1000 and sorted largest first
    response = client.get(LIST, {"custom.plant_area__gte": "1000", "sort": "-custom.plant_area"})
    assert names(response) == ["大厂", "中厂"]
    # ascending, the customers without a value last
    response = client.get(LIST, {"sort": "custom.plant_area"})
    assert names(response) == ["小厂", "中厂", "大厂", "未知"]
    # a bad filter value is a located error, not a 500
    response = client.get(LIST, {"custom.plant_area__gte": "lots"})
    assert response.status_code == 200
    assert response.context["errors"]["custom.plant_area__gte"]


def test_a_field_seen_only_by_managers_is_hidden_from_salespeople_everywhere(client, org):
    secret = custom_field_save(
        actor=org.admin,
        data=CustomFieldInput(
            entity="customer",
            key="credit_note",
            label="信用备注",
            kind="text",
            show_in_list=True,
            filterable=True,
            visible_to=[org.managers_group],
        ),
    )
    customer = CustomerFactory(name="华东", owner=org.zhang, custom={"credit_note": "慎重"})
    client.force_login(org.zhang)
    # not on the card, the form, the list or its filters
    for url in (
        reverse("crm:customer_detail", args=[customer.pk]),
        reverse("crm:customer_edit", args=[customer.pk]),
        LIST,
    ):
        assert "信用备注" not in client.get(url).content.decode()
    response = client.get(LIST, {"custom.credit_note__contains": "慎"})
    assert names(response) == ["华东"]  # an unknown filter is ignored by the page
    # nor in the API
    api = client.get(f"/api/v1/customers/{customer.pk}/")
    assert api.status_code == 200 and "credit_note" not in api.json()["custom"]
    # and a salesperson cannot change it through the service
    from core.errors import ValidationFailed
    from crm.services.customers import customer_update

    with pytest.raises(ValidationFailed) as error:
        customer_update(actor=org.zhang, customer=customer, custom={"credit_note": "改了"})
    assert "custom.credit_note" in error.value.fields
    # the manager sees it on the card
    client.force_login(org.wang)
    assert "慎重" in client.get(reverse("crm:customer_detail", args=[customer.pk])).content.decode()
    assert client.get(f"/api/v1/customers/{customer.pk}/").json()["custom"] == {"credit_note": "慎重"}
    assert secret.label == "信用备注"


def test_the_export_carries_the_custom_columns(client, org, plant_area):
    CustomerFactory(name="导出", owner=org.zhang, custom={"plant_area": 777})
    client.force_login(org.zhang)
    response = client.get(reverse("crm:customer_export"))
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert "厂房面积" in rows[0]
    assert rows[1][rows[0].index("厂房面积")] == 777


def test_a_complaint_form_takes_a_patterned_field_and_the_case_page_shows_it(client, org):
    custom_field_save(
        actor=org.admin,
        data=CustomFieldInput(
            entity="complaint",
            key="batch_no",
            label="批次号",
            kind="text",
            pattern=r"[A-Z]{2}\d{6}",
            pattern_message="两个大写字母加六位数字",
            required=True,
            show_in_list=True,
        ),
    )
    customer = CustomerFactory(owner=org.zhang)
    client.force_login(org.zhang)
    url = reverse("crm:complaint_new")
    assert 'name="custom.batch_no"' in client.get(url).content.decode()
    data = {
        "customer": customer.pk,
        "subject": "漏水",
        "severity": "normal",
        "channel": "phone",
        "custom.batch_no": "bw12",
    }
    # a value off the pattern: the administrator's message, with the label; no complaint created
    response = client.post(url, data)
    assert response.status_code == 400
    assert "批次号: 两个大写字母加六位数字" in response.content.decode()
    assert not Complaint.objects.exists()
    # a good one is stored and shown
    data["custom.batch_no"] = "BW202611"
    response = client.post(url, data)
    assert response.status_code == 302
    complaint = Complaint.objects.get()
    assert complaint.custom == {"batch_no": "BW202611"}
    assert "BW202611" in client.get(reverse("crm:complaint_detail", args=[complaint.pk])).content.decode()
    assert "BW202611" in client.get(reverse("crm:complaint_list")).content.decode()


def test_every_kind_is_validated_and_stored(org):
    from core.errors import ValidationFailed
    from crm.services.common import clean_custom_fields

    Kind = CustomFieldDefinition.Kind
    for key, kind, extra in (
        ("big", Kind.LONG_TEXT, {}),
        ("budget", Kind.MONEY, {"min_value": "0"}),
        ("visited", Kind.BOOL, {}),
        ("tags", Kind.MULTI_CHOICE, {"choices": ["A", "B", "C"]}),
        ("buyer", Kind.PERSON, {}),
        ("since", Kind.DATE, {}),
    ):
        custom_field_save(
            actor=org.admin,
            data=CustomFieldInput(entity="customer", key=key, label=key.title(), kind=kind, **extra),
        )
    values = {
        "big": "长文本",
        "budget": "1,234.567",
        "visited": "on",
        "tags": ["C", "A"],
        "buyer": str(org.liu.pk),
        "since": "2026-12-01",
    }
    assert clean_custom_fields("customer", values) == {
        "big": "长文本",
        "budget": 1234.57,
        "visited": True,
        "tags": ["A", "C"],
        "buyer": org.liu.pk,
        "since": "2026-12-01",
    }
    with pytest.raises(ValidationFailed) as error:
        clean_custom_fields(
            "customer", {"budget": "-1", "tags": ["Z"], "buyer": "999999", "since": "yesterday"}
        )
    assert set(error.value.fields) == {"custom.budget", "custom.tags", "custom.buyer", "custom.since"}
    assert error.value.fields["custom.budget"][0].startswith("Budget: ")
    assert Customer.objects.count() == 0


def test_the_opportunity_and_contact_pages_show_their_custom_fields(client, org):
    from crm.services.customers import contact_create
    from tests.crm.factories import OpportunityFactory

    for entity, key, label, kind in (
        ("opportunity", "decider", "关键决策人", "person"),
        ("contact", "hobby", "爱好", "text"),
    ):
        custom_field_save(
            actor=org.admin, data=CustomFieldInput(entity=entity, key=key, label=label, kind=kind)
        )
    customer = CustomerFactory(owner=org.zhang)
    deal = OpportunityFactory(customer=customer, owner=org.zhang, custom={"decider": org.liu.pk})
    contact = contact_create(actor=org.zhang, customer=customer, name="赵六")
    contact.custom = {"hobby": "钓鱼"}
    contact.save(update_fields=["custom"])
    client.force_login(org.zhang)
    facts = dict(client.get(reverse("crm:opportunity_detail", args=[deal.pk])).context["facts"])
    assert facts["关键决策人"] == str(org.liu)
    facts = dict(client.get(reverse("crm:contact_detail", args=[contact.pk])).context["facts"])
    assert facts["爱好"] == "钓鱼"


def test_a_person_field_offers_colleagues_by_name(org):
    from tasklist.views.custom_fields import people_choices

    offered = dict(people_choices())
    assert offered[str(org.liu.pk)] == str(org.liu) == "T.Liu"
    assert str(org.admin.pk) not in offered  # (an administrator's account, not a colleague)


def test_the_order_form_takes_a_required_money_field_all_or_nothing(client, org):
    from crm.models import Order
    from tests.crm.factories import ProductFactory
    from tests.tasklist.crm.test_sales_money import _lines

    custom_field_save(
        actor=org.admin,
        data=CustomFieldInput(
            entity="order", key="freight", label="运费", kind="money", required=True, min_value="0"
        ),
    )
    customer = CustomerFactory(owner=org.zhang)
    pump = ProductFactory(price="1000.00")
    client.force_login(org.zhang)
    url = reverse("crm:order_new") + f"?customer={customer.pk}"
    assert 'name="custom.freight"' in client.get(url).content.decode()
    data = {"customer": customer.pk, "submit": "draft", **_lines({"product": pump.pk, "quantity": "1"})}
    # without the freight: refused on the field, no order written
    response = client.post(url, data)
    assert response.status_code == 400 and "运费: this field is required." in response.content.decode()
    assert not Order.objects.exists()
    # with it: the order and its freight
    client.post(url, {**data, "custom.freight": "88.5"})
    order = Order.objects.get()
    assert order.custom == {"freight": 88.5}
    assert "¥88.50" in client.get(reverse("crm:order_detail", args=[order.pk])).content.decode()
