"""Submitting in the portal: complaints with attachments, service requests, orders from the
catalogue; each record starts its process with `customer_user`; bad input creates nothing."""

import datetime
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from crm.models import Complaint, Order, ServiceRequest
from engine.models import HumanTask, ProcessInstance
from portal.models import RequestAttachment
from portal.services import MAX_ATTACHMENT_BYTES

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _complaint(client, **extra):
    data = {
        "category": "product",
        "subject": "Pump leaks",
        "description": "Water on the floor.",
        **extra,
    }
    return client.post(reverse("portal:complaint_new"), data)


def test_a_complaint_starts_its_process_and_confirms_a_reference(client, world, complaint_process):
    client.force_login(world.alice.user)
    # when alice submits a complaint with a photo
    response = _complaint(client, attachments=[SimpleUploadedFile("leak.png", PNG, "image/png")])
    # then it is recorded for her company, from the portal, by her contact
    complaint = Complaint.objects.get()
    assert (complaint.customer, complaint.channel, complaint.contact) == (
        world.acme,
        Complaint.Channel.PORTAL,
        world.alice_contact,
    )
    assert RequestAttachment.objects.get().complaint == complaint
    # and its process runs with the customer's user name among the variables
    instance = ProcessInstance.objects.get(business_object_id=str(complaint.pk))
    assert instance.variables["customer_user"] == "alice@acme.example"
    assert instance.variables["reference"] == complaint.code
    assert HumanTask.objects.get(instance=instance).name == "Investigate the complaint"
    # and the confirmation shows the reference number and the step in the customer's words
    assert response.status_code == 302
    page = client.get(response.url).content.decode()
    assert complaint.code in page and "We are looking into it" in page


def test_a_complaint_without_a_bound_process_is_still_recorded(client, world):
    client.force_login(world.alice.user)
    assert _complaint(client).status_code == 302
    assert Complaint.objects.count() == 1 and not ProcessInstance.objects.exists()


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (SimpleUploadedFile("tool.exe", b"MZ\x90\x00", "application/octet-stream"), "not accepted"),
        (SimpleUploadedFile("photo.png", b"MZ this is no picture", "image/png"), "not really a png"),
        (
            SimpleUploadedFile("big.pdf", b"%PDF-" + b"0" * MAX_ATTACHMENT_BYTES, "application/pdf"),
            "larger than",
        ),
    ],
)
def test_forbidden_or_oversized_attachments_are_refused_and_nothing_is_created(
    client, world, complaint_process, upload, message
):
    client.force_login(world.alice.user)
    response = _complaint(client, attachments=[upload])
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Complaint.objects.exists() and not RequestAttachment.objects.exists()
    assert not ProcessInstance.objects.exists()


def test_a_complaint_needs_a_category_a_subject_and_a_description(client, world):
    client.force_login(world.alice.user)
    response = client.post(reverse("portal:complaint_new"), {"category": "nonsense"})
    page = response.content.decode()
    assert response.status_code == 400
    assert "Choose a category." in page and page.count("This field is required.") == 2
    assert not Complaint.objects.exists()


def test_a_service_request_carries_product_serial_time_and_address(client, world):
    client.force_login(world.alice.user)
    when = (timezone.localtime() + datetime.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        reverse("portal:service_new"),
        {
            "kind": "repair",
            "product": world.pump.pk,
            "serial_number": "SN-778",
            "preferred_time": when,
            "address": "1 Harbour Rd",
            "description": "It hums but pumps nothing.",
        },
    )
    assert response.status_code == 302
    request = ServiceRequest.objects.get()
    assert (request.customer, request.kind, request.product) == (world.acme, "repair", world.pump)
    assert (request.serial_number, request.address, request.description) == (
        "SN-778",
        "1 Harbour Rd",
        "It hums but pumps nothing.",
    )
    assert timezone.localtime(request.preferred_at).strftime("%Y-%m-%dT%H:%M") == when
    assert request.code in client.get(response.url).content.decode()


def test_a_service_request_in_the_past_or_for_a_retired_product_is_refused(client, world):
    client.force_login(world.alice.user)
    response = client.post(
        reverse("portal:service_new"),
        {
            "kind": "visit",
            "product": world.retired.pk,
            "preferred_time": "2001-01-01T10:00",
            "address": "",
            "description": "x",
        },
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "This product is no longer sold." in page and "Choose a time in the future." in page
    assert not ServiceRequest.objects.exists()


def _add(client, product, quantity="1"):
    return client.post(reverse("portal:cart_add"), {"product": product.pk, "quantity": quantity})


def test_ordering_from_the_catalogue(client, world):
    client.force_login(world.alice.user)
    catalogue = client.get(reverse("portal:catalogue")).content.decode()
    assert "Water pump" in catalogue and "Old pump" not in catalogue
    _add(client, world.pump, "2")
    _add(client, world.valve, "4")
    delivery = (timezone.localdate() + datetime.timedelta(days=10)).isoformat()
    response = client.post(
        reverse("portal:cart"),
        {
            "action": "order",
            f"quantity_{world.pump.pk}": "2",
            f"quantity_{world.valve.pk}": "4",
            "delivery_on": delivery,
        },
    )
    assert response.status_code == 302
    order = Order.objects.get()
    assert (order.customer, order.status, order.total_amount) == (world.acme, Order.Status.SUBMITTED, 300)
    assert order.delivery_on.isoformat() == delivery and order.lines.count() == 2
    assert order.owner == world.manager and order.created_by == world.alice.user
    assert order.code in client.get(response.url).content.decode()
    assert client.get(reverse("portal:cart")).context["lines"] == []  # the cart is emptied


def test_an_order_with_a_negative_quantity_or_a_retired_product_creates_nothing(client, world):
    client.force_login(world.alice.user)
    _add(client, world.pump)
    session = client.session
    session["portal_cart"] = {str(world.pump.pk): "1", str(world.retired.pk): "1"}
    session.save()
    response = client.post(
        reverse("portal:cart"),
        {"action": "order", f"quantity_{world.pump.pk}": "-3", f"quantity_{world.retired.pk}": "1"},
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "Enter a quantity greater than 0." in page and "is no longer sold" in page
    assert not Order.objects.exists()


def test_adding_a_retired_product_or_nonsense_to_the_cart_is_refused(client, world):
    client.force_login(world.alice.user)
    assert _add(client, world.retired).status_code == 404
    _add(client, world.pump, "-1")
    _add(client, world.pump, "abc")
    assert client.session.get("portal_cart", {}) == {}


def test_reference_numbers_follow_the_crm_sequences(client, world):
    client.force_login(world.alice.user)
    _complaint(client)
    _complaint(client)
    codes = list(Complaint.objects.order_by("pk").values_list("code", flat=True))
    assert all(re.fullmatch(r"TS\d{6}", c) for c in codes) and codes[0] != codes[1]


def test_complaint_categories_are_the_managed_list(client, world):
    from crm.models import ChoiceList, ChoiceOption

    # given an administrator added "Packaging" and switched "Billing" off
    categories = ChoiceOption.objects.filter(choice_list=ChoiceList.COMPLAINT_CATEGORY)
    categories.create(choice_list=ChoiceList.COMPLAINT_CATEGORY, code="packaging", label="Packaging")
    categories.filter(code="billing").update(active=False)
    client.force_login(world.alice.user)
    # then the form offers the new one and not the retired one
    page = client.get(reverse("portal:complaint_new")).content.decode()
    assert 'value="packaging"' in page and 'value="billing"' not in page
    # and a complaint in the retired category is refused, one in the new category recorded
    assert _complaint(client, category="billing").status_code == 400
    assert _complaint(client, category="packaging").status_code == 302
    assert Complaint.objects.get().category.label == "Packaging"
