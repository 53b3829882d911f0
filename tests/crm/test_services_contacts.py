import datetime

import pytest

from core.errors import ValidationFailed
from crm.models import Contact, ContactEmployment
from crm.services.customers import contact_create, contact_move, contact_update

from .factories import CustomerFactory


def test_contact_with_department_superior_and_interests(org):
    # given a customer of zhang
    customer = CustomerFactory(owner=org.zhang)
    # when the purchasing head and a buyer reporting to her are recorded
    head = contact_create(
        actor=org.zhang,
        customer=customer,
        name="陈红",
        department="采购部",
        role="decision maker",
        birthday="1980-05-04",
        interests="golf, tea",
        mobile="+86 139 0000 1111",
    )
    buyer = contact_create(
        actor=org.zhang, customer=customer, name="周亮", department="采购部", superior=head
    )
    # then the card lists them by department with the hierarchy
    assert list(customer.contacts.values_list("department", "name")) == [
        ("采购部", "周亮"),
        ("采购部", "陈红"),
    ]
    assert buyer.superior == head and head.birthday == datetime.date(1980, 5, 4)
    assert head.phone_digits == "13900001111"


def test_contact_bad_input_is_located(org):
    customer = CustomerFactory(owner=org.zhang)
    with pytest.raises(ValidationFailed) as error:
        contact_create(
            actor=org.zhang, customer=customer, name="X", email="x@", mobile="abc", birthday="2999-01-01"
        )
    assert set(error.value.fields) == {"email", "mobile", "birthday"}
    assert not Contact.objects.exists()


def test_superior_from_another_customer_or_a_loop_is_refused(org):
    a, b = CustomerFactory(owner=org.zhang), CustomerFactory(owner=org.zhang)
    boss = contact_create(actor=org.zhang, customer=a, name="Boss")
    stranger = contact_create(actor=org.zhang, customer=b, name="Stranger")
    with pytest.raises(ValidationFailed):
        contact_create(actor=org.zhang, customer=a, name="Y", superior=stranger)
    report = contact_create(actor=org.zhang, customer=a, name="Report", superior=boss)
    with pytest.raises(ValidationFailed):
        contact_update(actor=org.zhang, contact=boss, superior=report)


def test_moving_a_contact_keeps_the_old_employment_on_both_cards(org):
    # given a contact at customer A
    old, new = (
        CustomerFactory(owner=org.zhang, name="Old Co"),
        CustomerFactory(owner=org.zhang, name="New Co"),
    )
    contact = contact_create(actor=org.zhang, customer=old, name="赵工", department="技术部", title="工程师")
    # when the person moves to customer B
    contact_move(actor=org.zhang, contact=contact, to_customer=new, department="研发部", title="总监")
    # then B lists the contact, and A's employment history still shows them (closed)
    assert list(new.contacts.values_list("name", flat=True)) == ["赵工"]
    past = ContactEmployment.objects.get(customer=old, contact=contact)
    assert past.ended_on is not None and past.title == "工程师"
    current = ContactEmployment.objects.get(customer=new, contact=contact)
    assert current.ended_on is None and current.department == "研发部"
