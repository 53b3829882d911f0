"""Customer levels with measurable criteria: sales operations sets them (errors on their fields,
an audit diff), and the suggestions list names the customers whose last year of booked orders
meets a higher level's criteria, linking to the card where the change is requested."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from crm.models import CustomerLevel, LevelChangeRequest, Order
from crm.selectors.levels import level_suggestions
from tests.crm.factories import CustomerFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def levels():
    return {
        code: CustomerLevel.objects.create(code=code, name=f"{code} 级", sort_order=i)
        for i, code in enumerate("ABC")
    }


def booked(customer, amount, days_ago=10):
    return Order.objects.create(
        code=f"SO{Order.objects.count() + 1:05d}",
        customer=customer,
        owner=customer.owner,
        status=Order.Status.APPROVED,
        ordered_on=timezone.localdate() - datetime.timedelta(days=days_ago),
        total_amount=amount,
    )


def test_sales_ops_sets_criteria_and_sees_whom_to_move_up(client, levels):
    ops = UserFactory(perms=["crm.manage_sales", "crm.view_customer"])
    client.force_login(ops)
    url = reverse("manage:sales_level", args=[levels["A"].pk])
    # junk is refused on its field and changes nothing
    response = client.post(
        url, {"criteria": "大客户", "min_yearly_amount": "a lot", "min_yearly_orders": "-1"}
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert 'data-field="min_yearly_amount"' in html and "Enter an amount in yuan" in html
    assert "Enter a whole number of orders." in html
    client.post(
        url, {"criteria": "年采购额 100 万以上", "min_yearly_amount": "1000000", "min_yearly_orders": ""}
    )
    client.post(
        reverse("manage:sales_level", args=[levels["B"].pk]),
        {
            "criteria": "年采购额 20 万以上或 5 单以上",
            "min_yearly_amount": "200000",
            "min_yearly_orders": "5",
        },
    )
    levels["A"].refresh_from_db()
    assert levels["A"].min_yearly_amount == 1000000
    row = AuditEvent.objects.filter(object_type="crm.customerlevel").first()
    assert row is not None and "min_yearly_amount" in row.changes
    # given customers with last year's orders
    big = CustomerFactory(owner=ops, name="华远电子", level=levels["C"])
    booked(big, 600000)
    booked(big, 500000)
    busy = CustomerFactory(owner=ops, name="西湖茶业", level=levels["C"])
    for _ in range(5):
        booked(busy, 1000)
    old = CustomerFactory(owner=ops, name="老客户", level=levels["C"])
    booked(old, 2000000, days_ago=400)  # more than a year ago
    already = CustomerFactory(owner=ops, name="已是A", level=levels["A"])
    booked(already, 3000000)
    waiting = CustomerFactory(owner=ops, name="待审批", level=levels["C"])
    booked(waiting, 300000)
    LevelChangeRequest.objects.create(customer=waiting, to_level=levels["B"], requested_by=ops, reason="x")
    # then the list suggests A for the big one and B for the busy one, and no one else
    suggestions = [(s.customer.name, s.suggested.code) for s in level_suggestions(user=ops)]
    assert suggestions == [("华远电子", "A"), ("西湖茶业", "B")]
    page = client.get(reverse("manage:sales_level_suggestions")).content.decode()
    assert "华远电子" in page and reverse("crm:customer_detail", args=[big.pk]) + "#h-level" in page
    # and nobody without the section
    client.force_login(UserFactory(perms=["crm.change_customerlevel"]))
    assert client.get(reverse("manage:sales_level_suggestions")).status_code == 403
