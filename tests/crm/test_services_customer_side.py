"""Customer-side writes (what a portal user submits for their own company) and the complaint /
service-request fields staff enter: category from the managed list, serial number, preferred time,
address. Bad input is located and writes nothing."""

import datetime
import io
from decimal import Decimal

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from core.errors import NotPermitted, ValidationFailed
from crm.models import ChoiceList, ChoiceOption, Complaint, Order, ServiceRequest
from crm.services import customer_side
from crm.services.imports import list_export
from crm.services.service import complaint_submit, complaint_update, service_request_submit
from crm.signals import business_event
from tests.crm.factories import ContactFactory, CustomerFactory, ProductFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def events():
    seen = []

    def listener(sender, name, obj=None, data=None, **kwargs):
        seen.append((name, obj, data))

    business_event.connect(listener, dispatch_uid="test_customer_side")
    yield seen
    business_event.disconnect(dispatch_uid="test_customer_side")


@pytest.fixture
def company():
    customer = CustomerFactory(name="Acme Pumps", portal_enabled=True)
    return customer


@pytest.fixture
def buyer():
    return UserFactory(username="buyer@acme.example")


def test_the_default_complaint_categories_are_a_managed_list():
    # given the list shipped with the migration (codes of the complaint triage form)
    codes = set(ChoiceOption.objects.of(ChoiceList.COMPLAINT_CATEGORY).values_list("code", flat=True))
    assert {"product", "delivery", "service", "billing", "other"} <= codes


def test_staff_record_a_complaint_with_a_category(org, events):
    customer = CustomerFactory(owner=org.zhang)
    # when a salesperson records a complaint in the delivery category (by code)
    complaint = complaint_submit(actor=org.zhang, customer=customer, subject="Late", category="delivery")
    # then the category is stored and travels with the event to the process
    assert complaint.category.code == "delivery"
    assert events[-1][0] == "complaint.submitted" and events[-1][2]["category"] == "delivery"
    # and it can be changed to another option of the list, but not to one of another list
    complaint_update(actor=org.zhang, complaint=complaint, category="billing")
    complaint.refresh_from_db()
    assert complaint.category.code == "billing"
    with pytest.raises(ValidationFailed) as error:
        complaint_update(actor=org.zhang, complaint=complaint, category="nonsense")
    assert "category" in error.value.fields


def test_staff_record_a_service_request_with_serial_time_and_address(org):
    customer = CustomerFactory(owner=org.zhang)
    when = timezone.now() + datetime.timedelta(days=3)
    request = service_request_submit(
        actor=org.zhang,
        customer=customer,
        subject="Pump repair",
        serial_number=" SN-1 ",
        preferred_at=when,
        address="1 Harbour Rd",
    )
    request.refresh_from_db()
    assert (request.serial_number, request.preferred_at, request.address) == ("SN-1", when, "1 Harbour Rd")


def test_a_service_request_in_the_past_or_with_an_overlong_serial_is_refused(org):
    customer = CustomerFactory(owner=org.zhang)
    with pytest.raises(ValidationFailed) as error:
        service_request_submit(
            actor=org.zhang,
            customer=customer,
            subject="Pump repair",
            serial_number="x" * 101,
            preferred_at="2001-01-01T10:00",
        )
    assert set(error.value.fields) == {"serial_number", "preferred_at"}
    assert not ServiceRequest.objects.exists()


def test_a_customer_complaint_is_written_for_the_company_and_starts_the_event(company, buyer, events):
    contact = ContactFactory(customer=company)
    # when the customer's user complains about product quality
    complaint = customer_side.customer_complaint_submit(
        user=buyer,
        customer=company,
        contact=contact,
        category="product",
        subject=" Leaks ",
        description="Water on the floor.",
    )
    # then the complaint is the company's, from the portal, with its category
    assert (complaint.customer, complaint.contact, complaint.channel, complaint.category.code) == (
        company,
        contact,
        Complaint.Channel.PORTAL,
        "product",
    )
    assert complaint.created_by == buyer and complaint.subject == "Leaks"
    # and the business event carries what the process needs, with the customer's user name
    name, obj, data = events[-1]
    assert (name, obj) == ("complaint.submitted", complaint)
    assert data["customer_user"] == "buyer@acme.example" and data["reference"] == complaint.code


def test_a_customer_complaint_reports_caller_errors_with_its_own_and_writes_nothing(company, buyer, events):
    with pytest.raises(ValidationFailed) as error:
        customer_side.customer_complaint_submit(
            user=buyer,
            customer=company,
            category="nonsense",
            subject="",
            description="",
            errors={"attachments": ["too big"]},
        )
    assert set(error.value.fields) == {"attachments", "category", "subject", "description"}
    assert not Complaint.objects.exists() and not events


def test_a_company_without_portal_access_or_an_inactive_user_cannot_submit(company, buyer):
    company.portal_enabled = False
    company.save()
    with pytest.raises(NotPermitted):
        customer_side.customer_complaint_submit(
            user=buyer, customer=company, category="product", subject="x", description="y"
        )
    company.portal_enabled = True
    company.save()
    buyer.is_active = False
    with pytest.raises(NotPermitted):
        customer_side.customer_complaint_submit(
            user=buyer, customer=company, category="product", subject="x", description="y"
        )
    # nor can they act through a contact of another company
    with pytest.raises(NotPermitted):
        customer_side.customer_complaint_submit(
            user=UserFactory(),
            customer=company,
            contact=ContactFactory(customer=CustomerFactory()),
            category="product",
            subject="x",
            description="y",
        )
    assert not Complaint.objects.exists()


def test_a_customer_service_request_gets_a_subject_and_needs_an_address_on_site(company, buyer, events):
    pump = ProductFactory(name="Water pump")
    with pytest.raises(ValidationFailed) as error:
        customer_side.customer_service_request_submit(
            user=buyer, customer=company, kind="visit", description="Please come", address=""
        )
    assert set(error.value.fields) == {"address"}
    request = customer_side.customer_service_request_submit(
        user=buyer,
        customer=company,
        kind="repair",
        product=str(pump.pk),
        serial_number="SN-9",
        address="1 Harbour Rd",
        description="It hums.\nAnd stops.",
    )
    assert request.subject == "Repair: Water pump" and request.serial_number == "SN-9"
    assert events[-1][0] == "service_request.submitted" and events[-1][2]["serial_number"] == "SN-9"


def test_a_customer_order_is_priced_from_the_catalogue_and_refuses_bad_lines(company, buyer, events):
    pump = ProductFactory(price=Decimal("120.50"))
    retired = ProductFactory(active=False)
    with pytest.raises(ValidationFailed) as error:
        customer_side.customer_order_place(
            user=buyer, customer=company, cart={str(pump.pk): "-1", str(retired.pk): "1"}
        )
    assert set(error.value.fields) == {f"quantity_{pump.pk}", f"quantity_{retired.pk}"}
    assert not Order.objects.exists()
    order = customer_side.customer_order_place(user=buyer, customer=company, cart={str(pump.pk): "2"})
    assert (order.status, order.total_amount, order.customer) == (
        Order.Status.SUBMITTED,
        Decimal("241.00"),
        company,
    )
    assert events[-1][0] == "order.submitted" and events[-1][2]["customer_user"] == "buyer@acme.example"


def test_complaint_and_service_request_lists_export_their_fields(org):
    # given a complaint and a service request of zhang's customer, and one of yang's
    mine = CustomerFactory(owner=org.zhang, name="Mine")
    complaint_submit(actor=org.zhang, customer=mine, subject="Late", category="delivery")
    service_request_submit(
        actor=org.zhang, customer=mine, subject="Fix", serial_number="SN-5", address="1 Harbour Rd"
    )
    complaint_submit(actor=org.yang, customer=CustomerFactory(owner=org.yang), subject="Other")
    # when zhang exports both lists
    complaints = _rows(list_export(actor=org.zhang, entity="complaint", params={}))
    requests = _rows(list_export(actor=org.zhang, entity="service_request"))
    # then each holds his visible row with the new fields
    assert [(r[1], r[2], r[3]) for r in complaints] == [(str(mine), "交货", "Late")]
    assert [(r[1], r[5], r[7]) for r in requests] == [(str(mine), "SN-5", "1 Harbour Rd")]


def _rows(data: bytes) -> list[tuple]:
    sheet = load_workbook(io.BytesIO(data)).active
    return list(sheet.iter_rows(min_row=2, values_only=True))


def test_a_name_with_control_characters_or_a_formula_exports_as_plain_text(org):
    # given names pasted from elsewhere: an escape character, and text that looks like a formula
    CustomerFactory(owner=org.zhang, name="Bad\x1bName")
    CustomerFactory(owner=org.zhang, name='=HYPERLINK("http://evil.example","x")')
    # when zhang exports his customers, the file is written (before: openpyxl refused it, a 500)
    data = list_export(actor=org.zhang, entity="customer", params={})
    sheet = load_workbook(io.BytesIO(data)).active
    names = {row[1].value: row[1].data_type for row in sheet.iter_rows(min_row=2)}
    # then both are there as text, the formula never becomes one
    assert names == {"BadName": "s", '=HYPERLINK("http://evil.example","x")': "s"}
