"""Following requests and answering the tasks addressed to the customer: the step in the
customer's words, public history only, the customer's to-do list with its JSON-Schema form."""

import pytest
from django.urls import reverse

from crm.models import Complaint, Contract, Order, Payment
from engine import services as engine
from engine.models import HumanTask, InstanceEvent, ProcessInstance
from tests.crm.factories import ProductFactory

pytestmark = pytest.mark.django_db


def _submit(client, account):
    client.force_login(account.user)
    client.post(
        reverse("portal:complaint_new"),
        {"category": "delivery", "subject": "Late parcel", "description": "Two weeks late."},
    )
    return Complaint.objects.latest("pk")


def _investigate(world, complaint):
    task = HumanTask.objects.get(business_object_id=str(complaint.pk), status="ready")
    engine.complete_task(
        task.pk,
        user=world.agent,
        data={"resolution": "Courier lost it; resent.", "internal_note": "SECRET-COST-4711"},
    )
    return HumanTask.objects.get(business_object_id=str(complaint.pk), status="ready")


def test_my_requests_shows_the_step_in_the_customers_words(client, world, complaint_process):
    complaint = _submit(client, world.alice)
    page = client.get(reverse("portal:requests")).content.decode()
    assert complaint.code in page and "We are looking into it" in page
    assert "handle" not in page.split("<main", 1)[1]  # never the element id


def test_the_customer_rates_the_handling_in_the_portal(client, world, complaint_process):
    complaint = _submit(client, world.alice)
    rate = _investigate(world, complaint)
    # the next step waits for alice: in her to-do list and marked on the request
    assert rate.assignee == world.alice.user
    todo = client.get(reverse("portal:tasks")).content.decode()
    assert "Rate how we handled it" in todo
    detail = client.get(
        reverse("portal:request", kwargs={"kind": "complaint", "pk": complaint.pk})
    ).content.decode()
    assert "Waiting for you" in detail
    assert "SECRET-COST-4711" not in detail and "pt.agent" not in detail
    form = client.get(reverse("portal:task", args=[rate.pk]))
    assert form.status_code == 200 and "Your rating" in form.content.decode()
    # a rating outside the scale is refused on its field
    bad = client.post(reverse("portal:task", args=[rate.pk]), {"rating": "9"})
    assert bad.status_code == 400 and "Enter a value of at most 5." in bad.content.decode()
    rate.refresh_from_db()
    assert rate.status == HumanTask.Status.READY
    # extra posted fields never become process data
    ok = client.post(
        reverse("portal:task", args=[rate.pk]), {"rating": "5", "feedback": "Fast!", "owner": "evil"}
    )
    assert ok.status_code == 302
    instance = ProcessInstance.objects.get(pk=rate.instance_id)
    assert instance.status == ProcessInstance.Status.COMPLETED
    assert instance.variables["rating"] == 5 and instance.variables.get("owner") != "evil"
    # and the request shows closed, with the steps done in its history
    detail = client.get(
        reverse("portal:request", kwargs={"kind": "complaint", "pk": complaint.pk})
    ).content.decode()
    assert "Closed" in detail and "Done: We are looking into it" in detail
    assert client.get(reverse("portal:tasks")).context["tasks"] == []


def test_a_colleague_sees_the_request_but_not_the_task_of_someone_else(client, world, complaint_process):
    complaint = _submit(client, world.alice)
    rate = _investigate(world, complaint)
    client.force_login(world.andy.user)
    assert complaint.code in client.get(reverse("portal:requests")).content.decode()
    assert client.get(reverse("portal:task", args=[rate.pk])).status_code == 404


def test_only_public_comments_reach_the_customer(client, world, complaint_process):
    complaint = _submit(client, world.alice)
    task = HumanTask.objects.get(business_object_id=str(complaint.pk))
    # the service agent writes on the task page: one internal note, one ticked "visible to the customer"
    client.force_login(world.agent)
    page = client.get(reverse("tasklist:task", args=[task.pk])).content.decode()
    assert 'name="public"' in page
    url = reverse("tasklist:task_comment", args=[task.pk])
    client.post(url, {"text": "internal: customer is difficult"})
    client.post(url, {"text": "We have found your parcel.", "public": "on"})
    staff_view = client.get(reverse("tasklist:task", args=[task.pk])).content.decode()
    assert "customer is difficult" in staff_view and "Visible to the customer" in staff_view
    client.force_login(world.alice.user)
    page = client.get(
        reverse("portal:request", kwargs={"kind": "complaint", "pk": complaint.pk})
    ).content.decode()
    assert "We have found your parcel." in page
    assert "customer is difficult" not in page


def test_orders_contracts_and_amounts_due(client, world):
    product = ProductFactory(name="Filter", price=50)
    contract = Contract.objects.create(
        code="HT-PT-1",
        customer=world.acme,
        title="Supply 2026",
        amount=1000,
        owner=world.manager,
        status="signed",
    )
    Contract.objects.create(
        code="HT-PT-2", customer=world.acme, title="Draft deal", amount=5, owner=world.manager
    )
    order = Order.objects.create(
        code="SO-PT-1",
        customer=world.acme,
        contract=contract,
        status="approved",
        ordered_on="2026-01-05",
        total_amount=500,
        owner=world.manager,
        notes="OWNER-NOTE-991",
    )
    order.lines.create(product=product, unit="pcs", quantity=10, price=50, amount=500)
    # (linked to the order's contract, as crm.services.commerce.payment_record links it)
    Payment.objects.create(
        customer=world.acme, order=order, contract=contract, amount=200, paid_on="2026-02-01"
    )
    client.force_login(world.alice.user)
    orders = client.get(reverse("portal:orders")).content.decode()
    assert "SO-PT-1" in orders
    detail = client.get(reverse("portal:order", args=[order.pk])).content.decode()
    assert "Filter" in detail and "OWNER-NOTE-991" not in detail
    contracts = client.get(reverse("portal:contracts")).content.decode()
    assert "Supply 2026" in contracts and "Draft deal" not in contracts
    payments = client.get(reverse("portal:payments"))
    # the signed contract is what is owed (its order is a delivery under it): 1,000 - 200
    assert payments.context["outstanding"] == 800
    assert "¥800" in payments.content.decode()


def test_list_pages_do_not_grow_queries_with_rows(
    client, world, complaint_process, django_assert_max_num_queries
):
    for _ in range(3):
        _submit(client, world.alice)
    client.force_login(world.alice.user)
    with django_assert_max_num_queries(20):
        client.get(reverse("portal:requests"))
    for _ in range(5):
        _submit(client, world.alice)
    client.force_login(world.alice.user)
    with django_assert_max_num_queries(20):
        client.get(reverse("portal:requests"))


def test_the_submitter_writes_to_us_and_staff_read_it(client, world, complaint_process):
    complaint = _submit(client, world.alice)
    url = reverse("portal:request_comment", kwargs={"kind": "complaint", "pk": complaint.pk})
    response = client.post(url, {"text": "The parcel number is 4711."})
    assert response.status_code == 302
    event = InstanceEvent.objects.get(kind=InstanceEvent.Kind.COMMENT)
    assert event.actor == world.alice.user and event.data["text"] == "The parcel number is 4711."
    assert event.data["public"] is True  # what the customer writes is part of the public history
    page = client.get(
        reverse("portal:request", kwargs={"kind": "complaint", "pk": complaint.pk})
    ).content.decode()
    assert "The parcel number is 4711." in page
    # an empty message is refused; a colleague may read but not write on alice's request
    client.post(url, {"text": "  "})
    client.force_login(world.andy.user)
    client.post(url, {"text": "me too"})
    assert InstanceEvent.objects.filter(kind=InstanceEvent.Kind.COMMENT).count() == 1
    assert (
        "The parcel number is 4711."
        in client.get(
            reverse("portal:request", kwargs={"kind": "complaint", "pk": complaint.pk})
        ).content.decode()
    )
