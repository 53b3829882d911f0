"""Complaint categories and the service request's serial number, preferred time and address
through the API: set on create and change, validated with located errors."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from crm.models import ChoiceOption, Complaint, ServiceRequest
from tests.crm.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def test_complaint_category_by_code_on_create_and_change(demo, client_for):
    customer = CustomerFactory(owner=demo["admin"])
    delivery = ChoiceOption.objects.get(choice_list="complaint_category", code="delivery")
    billing = ChoiceOption.objects.get(choice_list="complaint_category", code="billing")
    created = client_for(demo["admin"]).post(
        "/api/v1/complaints/", {"customer": customer.pk, "subject": "到货晚了", "category": "delivery"}
    )
    assert created.status_code == 201, created.content
    assert created.json()["category"] == delivery.pk
    admin = client_for(demo["admin"])
    changed = admin.patch(f"/api/v1/complaints/{created.json()['id']}/", {"category": str(billing.pk)})
    assert changed.status_code == 200 and changed.json()["category"] == billing.pk
    filtered = admin.get("/api/v1/complaints/", {"category": billing.pk}).json()["results"]
    assert [row["id"] for row in filtered] == [created.json()["id"]]


def test_complaint_with_an_unknown_category_is_refused_and_not_saved(demo, client_for):
    customer = CustomerFactory(owner=demo["admin"])
    response = client_for(demo["admin"]).post(
        "/api/v1/complaints/", {"customer": customer.pk, "subject": "x", "category": "weather"}
    )
    assert response.status_code == 400 and "category" in response.json()["fields"]
    assert not Complaint.objects.filter(customer=customer).exists()


def test_service_request_serial_preferred_time_and_address(demo, client_for):
    admin = client_for(demo["admin"])
    customer = CustomerFactory(owner=demo["admin"])
    when = (timezone.now() + datetime.timedelta(days=3)).replace(microsecond=0)
    created = admin.post(
        "/api/v1/service-requests/",
        {
            "customer": customer.pk,
            "subject": "水泵漏水",
            "serial_number": "PX-2024-0091",
            "preferred_at": when.isoformat(),
            "address": "上海市浦东新区张江路 88 号",
        },
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["serial_number"] == "PX-2024-0091" and body["address"].startswith("上海市")
    assert datetime.datetime.fromisoformat(body["preferred_at"]) == when
    changed = admin.patch(f"/api/v1/service-requests/{body['id']}/", {"address": "北京市海淀区"})
    assert changed.status_code == 200 and changed.json()["address"] == "北京市海淀区"
    assert admin.get("/api/v1/service-requests/", {"search": "PX-2024"}).json()["count"] == 1


def test_service_request_junk_is_located(demo, client_for):
    admin = client_for(demo["admin"])
    customer = CustomerFactory(owner=demo["admin"])
    past = (timezone.now() - datetime.timedelta(days=1)).isoformat()
    for body, field in (
        ({"preferred_at": past}, "preferred_at"),
        ({"preferred_at": "next tuesday"}, "preferred_at"),
        ({"serial_number": "S" * 101}, "serial_number"),
        ({"address": "A" * 301}, "address"),
    ):
        response = admin.post("/api/v1/service-requests/", {"customer": customer.pk, "subject": "x", **body})
        assert response.status_code == 400 and field in response.json()["fields"], response.content
    assert not ServiceRequest.objects.filter(customer=customer).exists()


@pytest.mark.parametrize("close", ["0001-01-01", "9999-12-31", "1990-06-30"])
def test_an_absurd_expected_close_date_is_a_field_error_and_changes_nothing(demo, client_for, close):
    from crm.models import Opportunity

    customer = CustomerFactory(owner=demo["admin"])
    admin = client_for(demo["admin"])
    # when an opportunity is created, or changed, with that close date
    created = admin.post(
        "/api/v1/opportunities/", {"customer": customer.pk, "name": "Deal", "expected_close": close}
    )
    good = admin.post(
        "/api/v1/opportunities/", {"customer": customer.pk, "name": "Deal", "expected_close": "2027-03-31"}
    )
    changed = admin.patch(f"/api/v1/opportunities/{good.json()['id']}/", {"expected_close": close})
    # then both are refused on that field, and the opportunity keeps its date
    for response in (created, changed):
        assert response.status_code == 400, response.content
        assert "expected_close" in response.json()["fields"]
    assert list(Opportunity.objects.filter(customer=customer).values_list("expected_close", flat=True)) == [
        datetime.date(2027, 3, 31)
    ]
