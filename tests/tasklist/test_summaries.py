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


def test_no_card_for_someone_who_may_not_see_the_customer(client, team):
    customer = CustomerFactory(name="Secret Customer", owner=team.carol)
    review = start_for(customer, team.alice)
    client.force_login(team.boss)
    page = client.get(reverse("tasklist:task", args=[review.pk])).content.decode()
    assert 'id="business-object"' not in page
    assert "Secret Customer" in page  # the task's own label still says what it is about
