"""Import wizard (upload → mapping → job with progress → error report) and the record pages."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from crm.models import Contact, Customer, ImportJob
from crm.services.customers import contact_create
from crm.services.imports import import_run
from tests.crm.factories import CustomerFactory, OpportunityFactory

pytestmark = pytest.mark.django_db


def xlsx(rows) -> SimpleUploadedFile:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile("customers.xlsx", buffer.getvalue())


def test_the_import_wizard_maps_runs_and_reports_bad_rows(client, org, django_capture_on_commit_callbacks):
    client.force_login(org.zhang)
    # step 1: upload; the mapping is suggested from the Chinese headers
    mapping = client.post(
        reverse("crm:import"),
        {
            "entity": "customer",
            "file": xlsx(
                [["客户名称", "电话", "备注"], ["宁波导入公司", "0574-12345678", "x"], ["", "12", ""]]
            ),
        },
    )
    assert mapping.status_code == 200
    columns = {c["header"]: c["mapped"] for c in mapping.context["columns"]}
    assert columns["客户名称"] == "name"
    # step 2: confirm the mapping; the job runs after commit
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        started = client.post(
            reverse("crm:import_run"), {"map_0": "name", "map_1": "phone", "on_duplicate": "skip"}
        )
    job = ImportJob.objects.get()
    assert started["Location"] == reverse("crm:import_job", args=[job.pk])
    progress = client.get(reverse("crm:import_job", args=[job.pk]), HTTP_HX_REQUEST="true")
    assert 'hx-trigger="every 1s"' in progress.content.decode()  # polls while waiting
    assert callbacks
    import_run(job_id=job.pk)
    # step 3: the finished job stops polling and offers the error report
    done = client.get(reverse("crm:import_job", args=[job.pk]), HTTP_HX_REQUEST="true")
    job.refresh_from_db()
    assert "every 1s" not in done.content.decode()
    assert job.errors, "the row without a name is reported"
    report = client.get(reverse("crm:import_errors", args=[job.pk]))
    sheet = load_workbook(io.BytesIO(report.content)).active
    assert next(r[0] for r in sheet.iter_rows(min_row=2, values_only=True)) == 3


def test_a_mapping_without_the_required_field_is_refused_on_the_page(client, org):
    client.force_login(org.zhang)
    client.post(reverse("crm:import"), {"entity": "customer", "file": xlsx([["电话"], ["0574-12345678"]])})
    response = client.post(reverse("crm:import_run"), {"map_0": "phone"})
    assert response.status_code == 400
    assert response.context["general_errors"]
    assert not ImportJob.objects.exists()


def test_a_file_that_is_not_excel_is_refused_on_the_file_field(client, org):
    client.force_login(org.zhang)
    response = client.post(
        reverse("crm:import"), {"entity": "customer", "file": SimpleUploadedFile("x.xlsx", b"hello")}
    )
    assert response.status_code == 400
    assert response.context["errors"]["file"]


def test_another_users_import_job_is_not_found(client, org):
    job = ImportJob.objects.create(entity="customer", created_by=org.liu, file="crm/imports/x.xlsx")
    client.force_login(org.zhang)
    assert client.get(reverse("crm:import_job", args=[job.pk])).status_code == 404
    assert client.get(reverse("crm:import_errors", args=[job.pk])).status_code == 404


def test_record_pages_show_what_the_user_may_see(client, org):
    customer = CustomerFactory(owner=org.zhang)
    contact = contact_create(actor=org.zhang, customer=customer, name="赵六", mobile="13800138000")
    deal = OpportunityFactory(customer=customer, owner=org.zhang, name="大单")
    client.force_login(org.zhang)
    assert "13800138000" in client.get(reverse("crm:contact_detail", args=[contact.pk])).content.decode()
    page = client.get(reverse("crm:opportunity_detail", args=[deal.pk]))
    assert page.status_code == 200 and 'aria-current="step"' in page.content.decode()
    # its facts read as a person writes them: money, a date, labels in the viewer's language
    deal.amount, deal.expected_close, deal.contact = Decimal("88000"), datetime.date(2027, 2, 15), contact
    deal.save()
    facts = dict(client.get(reverse("crm:opportunity_detail", args=[deal.pk])).context["facts"])
    assert (facts["amount"], facts["expected close"]) == ("¥88,000.00", "02/15/2027")
    assert facts["contact"] == contact
    page = client.get(reverse("crm:opportunity_detail", args=[deal.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "<dt>联系人</dt>" in page.content.decode() and "2027年2月15日" in page.content.decode()
    client.force_login(org.yang)
    assert client.get(reverse("crm:contact_detail", args=[contact.pk])).status_code == 404
    assert client.get(reverse("crm:opportunity_detail", args=[deal.pk])).status_code == 404


def test_editing_a_contact_shows_errors_on_the_field(client, org):
    customer = CustomerFactory(owner=org.zhang)
    contact = contact_create(actor=org.zhang, customer=customer, name="赵六")
    client.force_login(org.zhang)
    url = reverse("crm:contact_edit", args=[contact.pk])
    bad = client.post(url, {"name": "赵六", "email": "nope", "birthday": "2999-01-01"})
    assert bad.status_code == 400
    errors = {f["name"]: f["errors"] for f in bad.context["fields"]}
    assert errors["email"] and errors["birthday"]
    good = client.post(url, {"name": "赵六", "email": "zhao@example.com", "title": "总监"})
    assert good.status_code == 302
    assert Contact.objects.get(pk=contact.pk).title == "总监"
    assert Customer.objects.count() == 1


def test_editing_an_opportunity_shows_errors_on_the_field_and_saves_good_values(client, org):
    customer = CustomerFactory(owner=org.zhang)
    deal = OpportunityFactory(customer=customer, owner=org.zhang, name="大单", amount=1000)
    client.force_login(org.zhang)
    page = client.get(reverse("crm:opportunity_detail", args=[deal.pk]))
    url = reverse("crm:opportunity_edit", args=[deal.pk])
    assert url in page.content.decode()
    bad = client.post(url, {"name": "大单", "amount": "-5", "probability": "150", "expected_close": "soon"})
    assert bad.status_code == 400
    errors = {f["name"]: f["errors"] for f in bad.context["fields"]}
    assert errors["amount"] and errors["probability"] and errors["expected_close"] and not errors["name"]
    deal.refresh_from_db()
    assert deal.amount == 1000
    good = client.post(
        url, {"name": "大单", "amount": "250000", "probability": "60", "expected_close": "2027-03-31"}
    )
    assert good.status_code == 302
    deal.refresh_from_db()
    assert (deal.amount, deal.probability) == (250000, 60)
    client.force_login(org.yang)
    assert client.get(url).status_code == 404


def test_an_opportunity_closing_in_year_1_or_9999_is_a_field_error(client, org):
    customer = CustomerFactory(owner=org.zhang)
    deal = OpportunityFactory(customer=customer, owner=org.zhang, name="大单", amount=1000)
    client.force_login(org.zhang)
    url = reverse("crm:opportunity_edit", args=[deal.pk])
    for close in ("0001-01-01", "9999-12-31"):
        bad = client.post(url, {"name": "大单", "amount": "1000", "expected_close": close})
        assert bad.status_code == 400
        errors = {f["name"]: f["errors"] for f in bad.context["fields"]}
        assert errors["expected_close"] and not errors["name"]
    deal.refresh_from_db()
    assert deal.expected_close is None
