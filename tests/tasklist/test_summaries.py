"""The business object's card beside a task: the customer card, only for those who may see it."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from engine import services
from engine.models import HumanTask
from tests.crm.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def start_for(customer, by):
    instance = services.start_process("tl_discount", started_by=by, business_object=customer)
    return HumanTask.objects.get(instance=instance, status="ready")


def test_the_task_page_shows_the_customer_card(client, team):
    team.boss.user_permissions.add(
        Permission.objects.get(codename="view_customer", content_type__app_label="crm")
    )
    customer = CustomerFactory(
        name="Ningbo Harbour Logistics 宁波港物流", owner=team.boss, phone="0574-8888 1234"
    )
    review = start_for(customer, team.alice)
    client.force_login(team.boss)
    page = client.get(reverse("tasklist:task", args=[review.pk])).content.decode()
    assert 'id="business-object"' in page
    assert "Ningbo Harbour Logistics 宁波港物流" in page and "0574-8888 1234" in page


def test_the_reviewer_sees_the_card_through_the_task_and_nobody_else_does(client, team):
    # given a customer of carol's, which the boss has no right to see as such
    customer = CustomerFactory(name="Secret Customer", owner=team.carol, phone="021-1234")
    review = start_for(customer, team.alice)
    # then the boss, who holds the review, sees its basics beside the task (involvement)
    client.force_login(team.boss)
    page = client.get(reverse("tasklist:task", args=[review.pk])).content.decode()
    assert 'id="business-object"' in page and "021-1234" in page
    # and bob, who has no task about it, sees neither the task nor the customer
    client.force_login(team.bob)
    assert client.get(reverse("tasklist:task", args=[review.pk])).status_code == 404
    assert client.get(reverse("crm:customer_detail", args=[customer.pk])).status_code == 404
