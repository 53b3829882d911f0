"""The address book: colleagues found by name, pinyin, department or phone; a profile with call
and mail links; vCards a phone imports; closed to people who are not staff."""

import pytest
from django.urls import reverse

from tests.factories import DepartmentFactory, EmployeeFactory, PositionFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def company():
    sales = DepartmentFactory(name="销售部")
    east = DepartmentFactory(name="华东销售", parent=sales)
    service = DepartmentFactory(name="客服部")
    wang = EmployeeFactory(
        name="王芳",
        department=sales,
        phone="138-0013-8000",
        email="wang.fang@example.com",
        position=PositionFactory(name="销售经理"),
    )
    zhang = EmployeeFactory(name="张伟", department=east, manager=wang, phone="13900001111")
    huang = EmployeeFactory(name="黄强", department=service)
    EmployeeFactory(name="离职者", department=sales, active=False)

    class Company:
        pass

    c = Company()
    c.sales, c.east, c.service, c.wang, c.zhang, c.huang = sales, east, service, wang, zhang, huang
    return c


def names(client, **params):
    response = client.get(reverse("tasklist:directory"), params)
    assert response.status_code == 200
    return [p["employee"].name for p in response.context["people"]]


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("wf", ["王芳"]),
        ("wangfang", ["王芳"]),
        ("zhang wei", ["张伟"]),
        ("黄", ["黄强"]),
        ("8000", ["王芳"]),  # part of a phone number written with dashes
        ("客服", ["黄强"]),  # the department
        ("销售经理", ["王芳"]),  # the position
    ],
)
def test_a_colleague_is_found_by_name_pinyin_phone_department_or_position(client, company, query, found):
    client.force_login(company.huang.user)
    assert names(client, q=query) == found


def test_a_department_lists_its_sub_departments_people_and_never_those_who_left(client, company):
    client.force_login(company.huang.user)
    assert sorted(names(client, department=company.sales.pk)) == ["张伟", "王芳"]


def test_the_profile_shows_how_to_reach_them_and_their_team(client, company):
    client.force_login(company.huang.user)
    html = client.get(reverse("tasklist:directory_person", args=[company.wang.pk])).content.decode()
    assert 'href="tel:138-0013-8000"' in html and 'href="mailto:wang.fang@example.com"' in html
    assert "销售经理" in html and "张伟" in html  # the position and a direct report


def test_the_vcard_of_a_department_imports_on_a_phone(client, company):
    client.force_login(company.huang.user)
    response = client.get(reverse("tasklist:directory_vcard"), {"department": company.sales.pk})
    assert response["Content-Type"].startswith("text/vcard")
    body = response.content.decode()
    assert body.count("BEGIN:VCARD") == 2 and "FN:王芳" in body and "TEL;TYPE=WORK,VOICE:13900001111" in body
    assert "离职者" not in body


def test_an_account_that_is_not_a_colleague_is_refused(client, company):
    client.force_login(UserFactory())  # no employee record, not staff (e.g. an integration account)
    assert client.get(reverse("tasklist:directory")).status_code == 403
    assert client.get(reverse("tasklist:directory_vcard")).status_code == 403
