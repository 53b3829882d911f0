"""The portal against the shipped processes (bpmn/): what a portal user submits starts the bound
process, routed to the right staff, with the customer's later step addressed to them."""

import io

import pytest
from django.urls import reverse
from django.utils import timezone

from crm.models import Customer, Order, StockLevel
from engine.models import HumanTask, Incident, ProcessInstance
from org.seed import seed_demo as seed_org
from portal.models import PortalAccount
from portal.selectors import task_label
from processes.services import binding_set, definition_deploy
from tests.crm.factories import ProductFactory, WarehouseFactory
from tests.factories import UserFactory
from tests.processes_business.conftest import BINDINGS, shipped_files

pytestmark = pytest.mark.django_db


@pytest.fixture
def shipped(db):
    seed_org(io.StringIO())
    for key in ("complaint", "order_approval"):
        definition_deploy(files=shipped_files(key), actor=None, activate=True)
        for event, process_key in BINDINGS.items():
            if process_key == key:
                binding_set(actor=None, event=event, process_key=key)
    from org.models import User

    owner = User.objects.get(username="zhang.wei")
    customer = Customer.objects.create(code="C-PT-S", name="Tianhe Trading", owner=owner, portal_enabled=True)
    user = UserFactory(username="buyer@tianhe.example", email="buyer@tianhe.example")
    account = PortalAccount.objects.create(user=user, customer=customer, activated_at=timezone.now())
    return account


def test_a_portal_complaint_lands_in_the_dispatchers_queue(client, shipped):
    client.force_login(shipped.user)
    client.post(
        reverse("portal:complaint_new"),
        {"category": "service", "subject": "Nobody came", "description": "The visit was missed."},
    )
    instance = ProcessInstance.objects.get(key="complaint")
    assert instance.variables["customer_user"] == "buyer@tianhe.example"
    task = HumanTask.objects.get(instance=instance, status="ready")
    assert task.name == "Triage 分派" and task.candidate_groups == ["service_dispatchers"]
    # the step as the customer reads it: its customer_label if the process has one, else its name
    assert task_label(task) in client.get(reverse("portal:requests")).content.decode()


def test_a_portal_order_goes_to_the_customer_managers_manager(client, shipped):
    product = ProductFactory(name="Pump", price=500)
    StockLevel.objects.create(product=product, warehouse=WarehouseFactory(), on_hand=10)
    client.force_login(shipped.user)
    client.post(reverse("portal:cart_add"), {"product": product.pk, "quantity": "2"})
    response = client.post(reverse("portal:cart"), {"action": "order", f"quantity_{product.pk}": "2"})
    assert response.status_code == 302
    order = Order.objects.get()
    instance = ProcessInstance.objects.get(key="order_approval")
    assert instance.business_object_id == str(order.pk)
    assert not Incident.objects.filter(instance=instance).exists()
    task = HumanTask.objects.get(instance=instance, status="ready")
    assert (task.name, task.assignee.username) == ("Sales manager approval 销售经理审批", "wang.fang")
    page = client.get(reverse("portal:order", args=[order.pk])).content.decode()
    assert task_label(task) in page


def test_an_order_without_stock_is_rejected_and_the_customer_sees_it(client, shipped):
    product = ProductFactory(name="Rare part", price=10)
    client.force_login(shipped.user)
    client.post(reverse("portal:cart_add"), {"product": product.pk, "quantity": "1"})
    client.post(reverse("portal:cart"), {"action": "order", f"quantity_{product.pk}": "1"})
    order = Order.objects.get()
    assert order.status == Order.Status.REJECTED
    assert "Rejected" in client.get(reverse("portal:orders")).content.decode()


def test_the_submitter_hears_when_the_request_moves_on(client, shipped, django_capture_on_commit_callbacks):
    from django.core import mail

    from engine.services import complete_task
    from org.models import User

    client.force_login(shipped.user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("portal:complaint_new"),
            {"category": "product", "subject": "Cracked housing", "description": "See photo."},
        )
    assert mail.outbox == []  # the first step is on the confirmation page
    triage = HumanTask.objects.get(status="ready")
    # the dispatcher's form starts with the category the customer chose
    from processes.selectors import task_form_for

    assert task_form_for(triage)["data"]["category"] == "product"
    with django_capture_on_commit_callbacks(execute=True):
        complete_task(
            triage.pk,
            user=User.objects.get(username="xu.li"),
            data={"category": "product", "department": "SERVICE", "handler": "zhou.jie", "severity": "high"},
        )
    to_customer = [m for m in mail.outbox if m.to == ["buyer@tianhe.example"]]
    assert len(to_customer) == 1
    investigate = HumanTask.objects.get(status="ready")
    assert task_label(investigate) in to_customer[0].body
    assert "/portal/requests/complaint/" in to_customer[0].body


def test_the_customer_reads_the_resolution_before_rating_it(client, shipped):
    from engine.services import complete_task
    from org.models import User

    # given a portal complaint triaged to a handler who resolved it
    client.force_login(shipped.user)
    client.post(
        reverse("portal:complaint_new"),
        {"category": "product", "subject": "Pump leaks", "description": "Water on the floor."},
    )
    instance = ProcessInstance.objects.get(key="complaint")
    triage = HumanTask.objects.get(instance=instance, status="ready")
    triaged = {"category": "product", "department": "SERVICE", "handler": "zhou.jie", "severity": "high"}
    complete_task(triage.pk, user=User.objects.get(username="xu.li"), data=triaged)
    investigate = HumanTask.objects.get(instance=instance, status="ready")
    resolution = "更换了密封圈，已试机两小时无渗漏。"
    complete_task(investigate.pk, user=User.objects.get(username="zhou.jie"), data={"resolution": resolution})
    rating = HumanTask.objects.get(instance=instance, status="ready")
    # when the customer opens the rating task
    page = client.get(reverse("portal:task", args=[rating.pk])).content.decode()
    # then the resolution is shown above the rating form
    assert "How we resolved it" in page and resolution in page
    assert page.index(resolution) < page.index('name="rating"')
    # and on the request's page too
    complaint_page = client.get(reverse("portal:requests")).content.decode()
    assert "Pump leaks" in complaint_page
