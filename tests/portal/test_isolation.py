"""P5: a customer sees only their own company. Every portal URL that takes an id answers 404 for
another company's object (no 403, no hint it exists), and lists never show another company's rows."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from crm.models import Complaint, Contract, Order, Payment, ServiceRequest
from crm.services.documents import document_upload
from engine import services as engine
from engine.models import HumanTask
from portal import urls as portal_urls
from portal.models import RequestAttachment
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def globex_records(client, world, complaint_process):
    """Globex (bob) has one of everything, including a task waiting for bob."""
    client.force_login(world.bob.user)
    client.post(
        reverse("portal:complaint_new"),
        {
            "category": "billing",
            "subject": "GLOBEX-SECRET invoice",
            "description": "Wrong amount",
            "attachments": [SimpleUploadedFile("bill.png", PNG, "image/png")],
        },
    )
    complaint = Complaint.objects.get(customer=world.globex)
    task = HumanTask.objects.get(business_object_id=str(complaint.pk))
    engine.complete_task(task.pk, user=world.agent, data={"resolution": "ok"})
    client.post(
        reverse("portal:service_new"),
        {"kind": "return", "description": "GLOBEX-SECRET return", "address": "x"},
    )
    contract = Contract.objects.create(
        code="HT-GX",
        customer=world.globex,
        title="GLOBEX-SECRET",
        amount=1,
        owner=world.manager,
        status="signed",
    )
    order = Order.objects.create(
        code="SO-GX",
        customer=world.globex,
        contract=contract,
        status="submitted",
        ordered_on="2026-01-01",
        owner=world.manager,
    )
    Payment.objects.create(customer=world.globex, order=order, amount=77, paid_on="2026-01-02")
    document = document_upload(
        actor=UserFactory(username="pt.admin", is_superuser=True),
        customer=world.globex,
        upload=SimpleUploadedFile("offer.pdf", b"%PDF-1.4 GLOBEX", "application/pdf"),
        title="GLOBEX-SECRET offer",
        shared_with_customer=True,
    )
    client.logout()
    return {
        "complaint": complaint,
        "service": ServiceRequest.objects.get(customer=world.globex),
        "order": order,
        "contract": contract,
        "attachment": RequestAttachment.objects.get(customer=world.globex),
        "task": HumanTask.objects.get(assignee=world.bob.user, status="ready"),
        "document": document,
    }


def _foreign_urls(records) -> dict[str, list[str]]:
    c, s, o = records["complaint"], records["service"], records["order"]
    return {
        "request": [
            reverse("portal:request", kwargs={"kind": "complaint", "pk": c.pk}),
            reverse("portal:request", kwargs={"kind": "service", "pk": s.pk}),
            reverse("portal:request", kwargs={"kind": "nonsense", "pk": c.pk}),
        ],
        "submitted": [
            reverse("portal:submitted", kwargs={"kind": "complaint", "pk": c.pk}),
            reverse("portal:submitted", kwargs={"kind": "service", "pk": s.pk}),
            reverse("portal:submitted", kwargs={"kind": "order", "pk": o.pk}),
        ],
        "request_comment": [
            reverse("portal:request_comment", kwargs={"kind": "complaint", "pk": c.pk}),
            reverse("portal:request_comment", kwargs={"kind": "service", "pk": s.pk}),
        ],
        "attachment": [reverse("portal:attachment", args=[records["attachment"].pk])],
        "order": [reverse("portal:order", args=[o.pk])],
        "contract": [reverse("portal:contract", args=[records["contract"].pk])],
        "task": [reverse("portal:task", args=[records["task"].pk])],
        "document": [reverse("portal:document", args=[records["document"].pk])],
    }


# Id-taking URLs that are not company data: the catalogue is the same for every customer.
# (the help centre's articles are public to every customer; an internal one is 404 there:
# tests/knowledge/test_views.py::test_the_portal_help_centre_shows_public_articles_only)
NOT_COMPANY_DATA = {"product_image", "help_article", "help_attachment"}
# Staff-only URLs under /portal/ (portal users get 403 there; see test_staff_invite.py).
STAFF_ONLY = {"staff_invite"}
POST_ONLY = {"request_comment"}


def test_every_id_taking_portal_url_is_covered(world, globex_records):
    with_ids = {p.name for p in portal_urls.urlpatterns if "<int:" in str(p.pattern)}
    assert with_ids - NOT_COMPANY_DATA - STAFF_ONLY == set(_foreign_urls(globex_records))


def test_another_companys_objects_are_404_on_every_portal_url(client, world, globex_records):
    client.force_login(world.alice.user)
    for name, urls in _foreign_urls(globex_records).items():
        for url in urls:
            response = client.post(url, {"text": "GLOBEX-SECRET?"}) if name in POST_ONLY else client.get(url)
            assert response.status_code == 404, (name, url, response.status_code)
            assert b"GLOBEX-SECRET" not in response.content
    # nor can alice answer bob's task
    task = globex_records["task"]
    assert client.post(reverse("portal:task", args=[task.pk]), {"rating": "1"}).status_code == 404
    task.refresh_from_db()
    assert task.status == HumanTask.Status.READY


def test_the_owner_company_gets_the_same_urls(client, world, globex_records):
    client.force_login(world.bob.user)
    for name, urls in _foreign_urls(globex_records).items():
        for url in urls:
            if "nonsense" in url or name in POST_ONLY:
                continue
            assert client.get(url).status_code == 200, (name, url)


def test_lists_never_show_another_companys_rows(client, world, globex_records):
    client.force_login(world.alice.user)
    for name in ("home", "requests", "orders", "contracts", "payments", "tasks", "team", "documents"):
        response = client.get(reverse(f"portal:{name}"))
        assert response.status_code == 200
        page = response.content.decode()
        assert "GLOBEX-SECRET" not in page and "SO-GX" not in page and "bob@globex" not in page, name
        assert "77" not in page.split("<main", 1)[1] or name != "payments"


def test_a_retired_products_picture_is_not_served(client, world):
    client.force_login(world.alice.user)
    assert client.get(reverse("portal:product_image", args=[world.retired.pk])).status_code == 404
    assert client.get(reverse("portal:product_image", args=[world.pump.pk])).status_code == 404  # no picture
