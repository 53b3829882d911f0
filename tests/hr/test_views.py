"""The employee file and the HR report as people use them: HR sees every file, a manager the files
of the people below them, others none; salaries only with the permission; bad input located."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import load_workbook

from hr import services
from hr.models import EmployeeDocument, EmploymentProfile
from org.models import Employee, User


@pytest.fixture
def people(hr_world):
    return {
        u: User.objects.get(username=u) for u in ("zhu.lin", "sun.hong", "wang.fang", "zhang.wei", "li.ming")
    }


def file_url(username: str) -> str:
    return f"/hr/employees/{Employee.objects.get(user__username=username).pk}/"


def test_hr_lists_everyone_and_opens_a_file_without_n_plus_one(client, people, django_assert_max_num_queries):
    client.force_login(people["zhu.lin"])
    with django_assert_max_num_queries(20):
        page = client.get("/hr/employees/")
    assert page.status_code == 200
    assert "张伟 Zhang Wei" in page.content.decode() and "孙红 Sun Hong" in page.content.decode()
    file = client.get(file_url("zhang.wei"))
    body = file.content.decode()
    assert file.status_code == 200
    assert 'id="personal-data"' in body and "Position history" in body
    assert 'id="salaries"' not in body  # zhu.lin: no salary permission


def test_salary_history_needs_the_permission(client, people):
    client.force_login(people["sun.hong"])
    body = client.get(file_url("zhang.wei")).content.decode()
    assert 'id="salaries"' in body and "¥" in body


def test_a_manager_sees_the_files_below_them_only(client, people):
    client.force_login(people["wang.fang"])
    listing = client.get("/hr/employees/").content.decode()
    assert "张伟 Zhang Wei" in listing and "孙红 Sun Hong" not in listing
    body = client.get(file_url("zhang.wei")).content.decode()
    assert 'id="personal-data"' not in body  # personal data stays with HR
    assert client.get(file_url("sun.hong")).status_code == 404
    # a salesperson without reports opens no files at all
    client.force_login(people["zhang.wei"])
    assert client.get("/hr/employees/").status_code == 403
    assert client.get(file_url("liu.yang")).status_code == 404


def test_hr_edits_the_file_with_located_errors(client, people):
    client.force_login(people["zhu.lin"])
    url = file_url("zhang.wei")
    bad = client.post(
        url,
        {
            "form": "profile",
            "contract_type": "fixed_term",
            "contract_starts_on": "2026-05-01",
            "contract_ends_on": "2025-01-01",
        },
    )
    assert bad.status_code == 400
    assert "The contract ends after it starts." in bad.content.decode()
    good = client.post(
        url,
        {
            "form": "profile",
            "contract_type": "open_ended",
            "contract_starts_on": "2023-09-01",
            "id_number": "310101199001011234",
        },
    )
    assert good.status_code == 302
    profile = EmploymentProfile.objects.get(employee__user__username="zhang.wei")
    assert profile.contract_type == "open_ended" and profile.id_number == "310101199001011234"
    # a manager may read the file but not change it
    client.force_login(people["wang.fang"])
    assert client.post(url, {"form": "profile", "contract_type": "fixed_term"}).status_code == 403


def test_documents_are_kept_and_only_hr_downloads_them(client, people, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(people["zhu.lin"])
    url = file_url("zhang.wei")
    missing = client.post(url, {"form": "document", "title": ""})
    assert missing.status_code == 400
    upload = SimpleUploadedFile("contract.pdf", b"%PDF-1.4 signed", content_type="application/pdf")
    assert (
        client.post(url, {"form": "document", "title": "Labour contract", "file": upload}).status_code == 302
    )
    document = EmployeeDocument.objects.get()
    download = client.get(f"/hr/documents/{document.pk}/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"%PDF-1.4 signed"
    client.force_login(people["wang.fang"])
    assert client.get(f"/hr/documents/{document.pk}/").status_code == 403
    client.force_login(people["zhang.wei"])
    assert client.get(f"/hr/documents/{document.pk}/").status_code == 404


def test_hr_report_counts_and_exports(client, people):
    # given zhang.wei left this year
    zhang = Employee.objects.get(user__username="zhang.wei")
    today = timezone.localdate()
    EmploymentProfile.objects.filter(employee=zhang).update(status="left", left_on=today)
    Employee.objects.filter(pk=zhang.pk).update(active=False)
    client.force_login(people["sun.hong"])
    page = client.get("/reports/hr/")
    body = page.content.decode()
    assert page.status_code == 200
    assert "Headcount and turnover by department" in body and "吴涛 Wu Tao" in body  # probation ending
    export = client.get(f"/reports/hr/export.xlsx?date_from={today.replace(month=1, day=1).isoformat()}")
    assert export.status_code == 200
    import io

    sheets = load_workbook(io.BytesIO(export.content))
    rows = list(sheets[sheets.sheetnames[1]].iter_rows(values_only=True))
    sales_east = next(r for r in rows if r[0] and "Sales East" in r[0])
    assert sales_east[4] == 1  # left
    assert sales_east[5] and sales_east[5] > 0  # turnover


def test_a_manager_report_covers_their_tree(client, people):
    client.force_login(people["wang.fang"])
    body = client.get("/reports/hr/").content.decode()
    table = body[body.index("Headcount and turnover by department") :]
    assert "Sales East" in table and "Administration" not in table
    client.force_login(people["zhang.wei"])
    assert client.get("/reports/hr/").status_code == 403


def test_the_request_menu_offers_hr_changes_to_hr_only(client, people):
    client.force_login(people["zhu.lin"])
    page = client.get("/requests/").content.decode()
    assert "/requests/new/hr_onboarding/" in page and "/requests/new/hr_salary/" not in page
    client.force_login(people["sun.hong"])
    assert "/requests/new/hr_salary/" in client.get("/requests/").content.decode()
    client.force_login(people["zhang.wei"])
    assert client.get("/requests/new/hr_onboarding/").status_code == 404


def test_onboarding_form_errors_are_located(client, people):
    client.force_login(people["zhu.lin"])
    page = client.post(
        "/requests/new/hr_onboarding/",
        {
            "name": "X",
            "username": "zhang.wei",
            "email": "x@demo.example",
            "employment_type": "regular",
            "department": Employee.objects.get(user__username="zhang.wei").department_id,
            "starts_on": "2026-12-01",
        },
    )
    assert page.status_code == 400
    assert "This user name is taken." in page.content.decode()


def test_transfer_to_the_same_place_is_refused(people):
    zhang = Employee.objects.get(user__username="zhang.wei")
    with pytest.raises(services.ValidationFailed) as error:
        services.transfer_request(
            actor=people["zhu.lin"],
            employee=zhang,
            department=zhang.department,
            position=zhang.position,
            manager=zhang.manager,
            effective_on=datetime.date.today(),
        )
    assert "department" in error.value.fields
