from decimal import Decimal

import pytest

from core.errors import NotPermitted, ValidationFailed
from crm.models import ChoiceList, Customer, CustomerChange, CustomFieldDefinition
from crm.services.customers import DuplicateFound, customer_create, customer_transfer, customer_update

from .factories import ChoiceOptionFactory, CustomerLevelFactory


def test_create_numbers_the_card_and_fills_classification(org):
    # given managed lists with an industry and a region
    industry = ChoiceOptionFactory(choice_list=ChoiceList.INDUSTRY, code="mfg", label="制造业")
    region = ChoiceOptionFactory(choice_list=ChoiceList.REGION, code="east", label="华东")
    # when a salesperson creates two customers
    first = customer_create(
        actor=org.zhang,
        name="上海明远机械有限公司",
        phone="021-6543 2100",
        email="info@mingyuan.cn",
        industry=industry,
        region="east",
        credit_level="aa",
        annual_revenue="12,000,000",
    )
    second = customer_create(actor=org.zhang, name="杭州青禾食品有限公司")
    # then they get consecutive codes, the salesperson owns them and the lists resolve
    assert first.code == "C000001" and second.code == "C000002"
    assert first.owner == org.zhang
    assert first.industry == industry and first.region == region
    assert first.credit_level == "AA"
    assert first.annual_revenue == Decimal("12000000")


@pytest.mark.parametrize(
    ("field", "value"),
    [("phone", "call me maybe"), ("phone", "12"), ("email", "not-an-email"), ("fax", "x" * 10)],
)
def test_create_rejects_invalid_contact_data_and_writes_nothing(org, field, value):
    # when a salesperson enters a bad phone/e-mail
    with pytest.raises(ValidationFailed) as error:
        customer_create(actor=org.zhang, name="Bad Data Ltd", **{field: value})
    # then the error names the field and nothing is stored
    assert field in error.value.fields
    assert not Customer.objects.exists()


def test_create_rejects_unknown_choice_and_empty_name(org):
    with pytest.raises(ValidationFailed) as error:
        customer_create(actor=org.zhang, name="  ", status="no-such-status", credit_level="Z")
    assert set(error.value.fields) == {"name", "status", "credit_level"}


def test_create_requires_the_add_permission(org):
    with pytest.raises(NotPermitted):
        customer_create(actor=org.no_perms, name="Nope Ltd")


def test_create_refuses_a_duplicate_unless_confirmed(org):
    # given an existing customer
    customer_create(actor=org.zhang, name="北京远航科技有限公司")
    # when the same company is entered with another suffix and full-width spacing
    with pytest.raises(DuplicateFound) as error:
        customer_create(actor=org.liu, name="北京远航科技股份有限公司")
    # then the existing card is offered; confirming creates it anyway
    assert error.value.matches[0].name == "北京远航科技有限公司"
    assert "name" in error.value.matches[0].reasons
    customer_create(actor=org.liu, name="北京远航科技股份有限公司", allow_duplicate=True)
    assert Customer.objects.count() == 2


def test_update_records_tracked_field_history(org):
    # given a customer with a revenue figure
    customer = customer_create(actor=org.zhang, name="苏州天成电子有限公司", annual_revenue=1000)
    # when the revenue and the description change
    customer_update(actor=org.zhang, customer=customer, annual_revenue="2500.50", description="new text")
    # then the card shows who changed the revenue from what to what (description is not tracked)
    change = CustomerChange.objects.get(customer=customer)
    assert (change.field, change.old_value, change.new_value) == ("annual_revenue", "1000.00", "2500.50")
    assert change.changed_by == org.zhang


def test_update_refuses_level_and_foreign_rows(org):
    customer = customer_create(actor=org.zhang, name="宁波海通物流有限公司")
    level = CustomerLevelFactory(code="A")
    # the level changes only through its process
    with pytest.raises(ValidationFailed):
        customer_update(actor=org.zhang, customer=customer, level=level)
    # another team's salesperson cannot edit the card
    with pytest.raises(NotPermitted):
        customer_update(actor=org.yang, customer=customer, description="hijack")


def test_custom_fields_are_validated_and_filterable(org):
    # given custom fields on customers
    CustomFieldDefinition.objects.create(entity="customer", key="plant_size", label="厂房面积", kind="number")
    CustomFieldDefinition.objects.create(
        entity="customer", key="tier", label="Tier", kind="choice", choices=["gold", "silver"]
    )
    CustomFieldDefinition.objects.create(entity="customer", key="audit_on", label="Audit", kind="date")
    # when values are entered, wrong ones are located
    with pytest.raises(ValidationFailed) as error:
        customer_create(
            actor=org.zhang,
            name="X Ltd",
            custom={"plant_size": "big", "tier": "bronze", "nope": 1, "audit_on": "31/12"},
        )
    assert set(error.value.fields) == {"custom.plant_size", "custom.tier", "custom.nope", "custom.audit_on"}
    customer_create(actor=org.zhang, name="Big Plant Ltd", custom={"plant_size": "5000", "tier": "gold"})
    customer_create(actor=org.zhang, name="Small Plant Ltd", custom={"plant_size": 50, "tier": "silver"})
    # then a key filter finds them on either database
    assert list(Customer.objects.filter(custom__tier="gold").values_list("name", flat=True)) == [
        "Big Plant Ltd"
    ]
    assert list(Customer.objects.filter(custom__plant_size__gte=100).values_list("name", flat=True)) == [
        "Big Plant Ltd"
    ]


def test_transfer_changes_owner_with_history(org):
    customer = customer_create(actor=org.zhang, name="厦门蓝海贸易有限公司")
    customer_transfer(actor=org.wang, customer=customer, owner=org.liu, note="zhang leaves")
    customer.refresh_from_db()
    assert customer.owner == org.liu
    assert customer.changes.get(field="owner").old_value == str(org.zhang)


def test_delete_needs_the_permission_and_no_business_records(org):
    from core.errors import Conflict
    from crm.services.commerce import payment_record
    from crm.services.customers import customer_delete

    customer = customer_create(actor=org.zhang, name="待删除客户有限公司")
    with pytest.raises(NotPermitted):
        customer_delete(actor=org.zhang, customer=customer)  # salespeople cannot delete
    payment_record(actor=org.zhang, customer=customer, amount=10)
    with pytest.raises(Conflict):
        customer_delete(actor=org.wang, customer=customer)
    empty = customer_create(actor=org.zhang, name="空客户有限公司")
    customer_delete(actor=org.wang, customer=empty)
    assert not Customer.objects.filter(pk=empty.pk).exists()
