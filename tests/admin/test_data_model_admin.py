"""Administration > Data model (crm.manage_data_model): custom fields with located errors and an
audited diff, choice options that are deactivated but never deleted, and each role's list layout
that a person's own column choice overrides."""

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from crm.models import ChoiceOption, CustomFieldDefinition
from tests.crm.factories import ChoiceOptionFactory, CustomerFactory
from tests.factories import GroupFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def data_admin(client):
    user = UserFactory(username="data.admin", perms=["crm.manage_data_model"])
    client.force_login(user)
    return user


FIELD = {
    "entity": "customer",
    "label": "厂房面积",
    "key": "plant_area",
    "kind": "number",
    "min_value": "0",
    "max_value": "100000",
    "show_in_list": "on",
    "filterable": "on",
    "active": "on",
}


def test_only_data_administrators_reach_the_section(client):
    client.force_login(UserFactory(username="plain", perms=["crm.view_customer"]))
    for name in (
        "manage:custom_fields",
        "manage:choice_lists",
        "manage:list_layouts",
        "manage:custom_field_new",
    ):
        assert client.get(reverse(name)).status_code == 403


def test_an_administrator_adds_a_field_and_changes_it_with_an_audited_diff(client, data_admin):
    sales = GroupFactory(name="t_sales_cf")
    response = client.post(reverse("manage:custom_field_new"), {**FIELD, "visible_to": [sales.pk]})
    assert response.status_code == 302
    definition = CustomFieldDefinition.objects.get()
    assert (definition.kind, definition.filterable, definition.show_in_list) == ("number", True, True)
    assert list(definition.visible_to.all()) == [sales]
    assert "厂房面积" in client.get(reverse("manage:custom_fields")).content.decode()
    # a change: the label and the maximum; the key and kind stay
    edit = {**FIELD, "label": "厂房面积 (㎡)", "max_value": "50000", "visible_to": [sales.pk]}
    assert client.post(reverse("manage:custom_field", args=[definition.pk]), edit).status_code == 302
    definition.refresh_from_db()
    assert definition.label == "厂房面积 (㎡)" and definition.key == "plant_area"
    change = AuditEvent.objects.filter(action="change", object_type="crm.customfielddefinition").get()
    assert change.changes == {"label": ["厂房面积", "厂房面积 (㎡)"], "max_value": ["100000.00", "50000.00"]}
    # the section's audit page lists both
    audit = client.get(reverse("manage:audit", args=["data"])).content.decode()
    assert "厂房面积 (㎡)" in audit or "plant_area" in audit or "custom field" in audit.lower()


def test_bad_definitions_are_refused_on_their_fields_and_nothing_is_written(client, data_admin):
    response = client.post(
        reverse("manage:custom_field_new"),
        {
            **FIELD,
            "key": "Bad Key",
            "label": "",
            "min_value": "10",
            "max_value": "5",
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    for name in ("key", "label", "max_value"):
        assert f'id="err_{name}"' in html
    response = client.post(
        reverse("manage:custom_field_new"),
        {**FIELD, "key": "tier", "kind": "choice", "choices": ""},
    )
    assert 'id="err_choices"' in response.content.decode()
    response = client.post(
        reverse("manage:custom_field_new"),
        {**FIELD, "key": "code", "kind": "text", "pattern": "([A-Z"},
    )
    assert 'id="err_pattern"' in response.content.decode()
    assert not CustomFieldDefinition.objects.exists()
    # the same key twice on one record type
    client.post(reverse("manage:custom_field_new"), FIELD)
    response = client.post(reverse("manage:custom_field_new"), FIELD)
    assert response.status_code == 400 and 'id="err_key"' in response.content.decode()
    # and the kind of an existing field cannot change
    definition = CustomFieldDefinition.objects.get()
    response = client.post(reverse("manage:custom_field", args=[definition.pk]), {**FIELD, "kind": "text"})
    assert response.status_code == 400 and 'id="err_kind"' in response.content.decode()


def test_choice_options_are_added_renamed_reordered_and_deactivated_never_deleted(client, data_admin):
    url = reverse("manage:choice_list", args=["industry"])
    used = ChoiceOptionFactory(choice_list="industry", code="water", label="水处理", sort_order=10)
    CustomerFactory(industry=used)
    # add
    assert client.post(url, {"action": "add", "label": "化工"}).status_code == 302
    added = ChoiceOption.objects.get(choice_list="industry", label="化工")
    # a duplicate label is refused on its field
    response = client.post(url, {"action": "add", "label": "化工"})
    assert response.status_code == 400 and 'id="err_label"' in response.content.decode()
    # rename, move up, deactivate the used one
    client.post(url, {"action": "rename", "option": used.pk, "label": "水务"})
    client.post(url, {"action": "up", "option": added.pk})
    client.post(url, {"action": "deactivate", "option": used.pk})
    used.refresh_from_db()
    assert (used.label, used.active) == ("水务", False)
    assert list(ChoiceOption.objects.filter(choice_list="industry").values_list("label", flat=True)) == [
        "化工",
        "水务",
    ]
    # the page says it is used by one customer; no delete button exists
    html = client.get(url).content.decode()
    assert "Delete" not in html and 'value="activate"' in html
    assert AuditEvent.objects.filter(object_type="crm.choiceoption").count() >= 4


def test_a_role_layout_orders_the_columns_and_a_persons_choice_wins(client, data_admin):
    sales = GroupFactory(name="t_layout_sales", perms=["crm.view_customer"])
    person = UserFactory(username="layout.person")
    person.groups.add(sales)
    url = reverse("manage:list_layouts")
    response = client.post(
        url,
        {
            "list": "customer",
            "group": sales.pk,
            "columns": ["name", "phone", "code"],
            "order_code": "1",
            "order_name": "2",
            "order_phone": "3",
        },
    )
    assert response.status_code == 302
    client.force_login(person)
    page = client.get(reverse("crm:customer_list"))
    assert [c.name for c in page.context["columns"]] == ["code", "name", "phone"]
    # the person picks their own columns and their positions: those win
    client.post(
        reverse("crm:customer_columns"), {"columns": ["name", "phone"], "order_phone": "1", "order_name": "2"}
    )
    page = client.get(reverse("crm:customer_list"))
    assert [c.name for c in page.context["columns"]] == ["phone", "name"]
    # back to defaults: the role's layout again
    client.post(reverse("crm:customer_columns"), {"reset": "1"})
    page = client.get(reverse("crm:customer_list"))
    assert [c.name for c in page.context["columns"]] == ["code", "name", "phone"]


def test_a_filterable_field_has_its_indexes_on_postgresql_until_unticked(
    data_admin, django_capture_on_commit_callbacks
):
    from django.db import connection

    from crm.services.custom_fields import CustomFieldInput, custom_field_index_sync, custom_field_save

    def indexes() -> set[str]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'crm_customer'")
            return {row[0] for row in cursor.fetchall() if row[0].startswith("crm_cf_")}

    data = CustomFieldInput(
        entity="customer", key="plant_area", label="厂房面积", kind="number", filterable=True
    )
    with django_capture_on_commit_callbacks(execute=True):
        definition = custom_field_save(actor=data_admin, data=data)
    if connection.vendor != "postgresql":  # SQLite: no expression index, none needed
        assert custom_field_index_sync(definition=definition) is False
        return
    assert indexes() == {"crm_cf_customer_plant_area", "crm_cf_customer_plant_area_d"}
    data.filterable = False
    with django_capture_on_commit_callbacks(execute=True):
        custom_field_save(actor=data_admin, data=data, definition=definition)
    assert indexes() == set()
