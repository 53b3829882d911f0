"""Field service screens: product issues on the generic object views (list/detail/create/export
and their permissions), the dispatch board and the technician's phone page as their users see them."""

import base64

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from crm.field.services import dispatch_assign, product_issue_report
from crm.models import FieldPhoto, ProductIssue, StockLevel
from crm.services.service import service_request_submit
from tests.crm.factories import CustomerFactory, ProductFactory, WarehouseFactory
from tests.generic_views import ObjectViewTestCases

pytestmark = pytest.mark.django_db

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)


class TestProductIssueViews(ObjectViewTestCases):
    object_type = "product_issue"
    invalid_data = ({"product": ""}, "product")

    @pytest.fixture(autouse=True)
    def _reporters(self, org):
        """The test sales team may report product issues and see theirs (as the demo's service group)."""
        codenames = ["view_productissue", "add_productissue", "export_productissue"]
        perms = Permission.objects.filter(content_type__app_label="crm", codename__in=codenames)
        org.sales_group.permissions.add(*perms)

    def make(self, org, owner):
        return product_issue_report(actor=owner, product=ProductFactory(), summary="Seal cracks 密封圈开裂")

    def create_data(self, org):
        return {"product": ProductFactory().pk, "summary": "Noisy bearing 轴承异响", "severity": "high"}

    def test_a_report_keeps_its_photos_and_its_job(self, client, org):
        # given a service request zhang works on
        request = service_request_submit(
            actor=org.zhang, customer=CustomerFactory(owner=org.zhang), subject="Pump 水泵"
        )
        client.force_login(org.zhang)
        url = reverse("crm:product_issue_new") + f"?service_request={request.pk}"
        # when he reports an issue from it with a photo
        response = client.post(
            url,
            {
                **self.create_data(org),
                "photos": SimpleUploadedFile("crack.png", PNG, content_type="image/png"),
            },
        )
        # then the issue links the job and its photo is served to him
        assert response.status_code == 302
        issue = ProductIssue.objects.get()
        assert issue.service_request == request and issue.reported_by == org.zhang
        photo = FieldPhoto.objects.get(product_issue=issue)
        assert client.get(reverse("crm:field_photo", args=[photo.pk])).status_code == 200
        client.force_login(org.yang)  # another team's salesperson does not see it
        assert client.get(reverse("crm:field_photo", args=[photo.pk])).status_code == 404


def test_board_and_phone_page_as_the_dispatcher_and_the_technician(client, demo, deploy):
    # given a request dispatched to zhou.jie today and one still waiting
    deploy("service_dispatch")
    StockLevel.objects.create(product=ProductFactory(code="SEAL-01"), warehouse=WarehouseFactory(), on_hand=3)
    customer = CustomerFactory(
        owner=demo.zhang_wei, address="苏州工业园区星湖街 328 号", phone="0512-6666 8888"
    )
    today = timezone.localdate()
    dispatched = service_request_submit(actor=demo.zhang_wei, customer=customer, subject="Leak 漏水")
    waiting = service_request_submit(actor=demo.zhang_wei, customer=customer, subject="Install 安装")
    dispatch_assign(actor=demo.xu_li, request=dispatched, technician="zhou.jie", day=today, time="09:30")

    # the dispatcher's board: the job in zhou.jie's cell, the other request waiting with its form
    client.force_login(demo.xu_li)
    board = client.get(reverse("crm:dispatch_board")).content.decode()
    assert f'data-job="{dispatched.pk}"' in board and f'id="waiting-{waiting.pk}"' in board
    # the board's queries do not grow with the jobs on it
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("crm:dispatch_board"))
    more = service_request_submit(actor=demo.zhang_wei, customer=customer, subject="Filter 滤芯")
    dispatch_assign(actor=demo.xu_li, request=more, technician="wu.tao", day=today, time="11:00")
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("crm:dispatch_board"))
    assert len(many.captured_queries) == len(few.captured_queries)
    # a bad drop (no technician) is an error on the card's field, nothing assigned
    response = client.post(reverse("crm:dispatch_assign", args=[waiting.pk]), {"day": today.isoformat()})
    assert response.status_code == 400
    assert next(w.errors for w in response.context["board"].waiting if w.request == waiting)["technician"]
    # a technician has no board
    client.force_login(demo.zhou_jie)
    assert client.get(reverse("crm:dispatch_board")).status_code == 403

    # the technician's day: map link, call button, accept; then the work page's form
    page = client.get(reverse("crm:technician_today")).content.decode()
    assert "https://uri.amap.com/search?keyword=" in page and 'href="tel:0512-66668888"' not in page
    assert 'href="tel:051266668888"' in page
    client.post(reverse("crm:job_accept", args=[dispatched.pk]), {"accepted": "yes"})
    work = client.get(reverse("crm:job_work", args=[dispatched.pk])).content.decode()
    assert 'name="part_product"' in work and 'accept="image/*" capture' in work
    # too many parts: the line's error, and the stock is untouched
    response = client.post(
        reverse("crm:job_work", args=[dispatched.pk]),
        {
            "hours": "1",
            "result": "ok",
            "confirmed_by": "王经理",
            "part_product": "SEAL-01",
            "part_quantity": "5",
        },
    )
    assert response.status_code == 400
    assert response.context["part_rows"][0]["quantity_errors"]
    assert StockLevel.objects.get(product__code="SEAL-01").on_hand == 3
