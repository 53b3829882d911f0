"""The web shell: health check, language switch, admin pages of the org chart."""

import pytest
from django.urls import reverse

from tests.factories import EmployeeFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_health_reports_the_database_is_reachable(client):
    response = client.get(reverse("health"))
    assert response.status_code == 200 and response.json()["status"] == "ok"
    assert response.json()["database"] == "ok"


def test_pages_need_a_signed_in_user(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_the_login_page_is_offered_in_simplified_chinese(client):
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    assert '<html lang="zh-hans">' in response.content.decode()


def test_home_shows_the_users_place_in_the_organisation(client):
    boss = EmployeeFactory(user__display_name="Wang Fang")
    me = EmployeeFactory(manager=boss, department=boss.department)
    client.force_login(me.user)
    page = client.get(reverse("home")).content.decode()
    assert "Wang Fang" in page and str(me.department) in page


@pytest.mark.parametrize("model", ["user", "department", "employee", "position"])
def test_admin_pages_of_the_org_chart_load(client, model):
    EmployeeFactory()
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    assert client.get(reverse(f"admin:org_{model}_changelist")).status_code == 200
    assert client.get(reverse(f"admin:org_{model}_add")).status_code == 200


def test_the_admin_refuses_a_department_loop(client):
    from org.models import Department

    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    hq = Department.objects.create(code="HQ", name="HQ")
    sales = Department.objects.create(code="S", name="Sales", parent=hq)
    response = client.post(
        reverse("admin:org_department_change", args=[hq.pk]),
        {"code": "HQ", "name": "HQ", "parent": sales.pk, "sort_order": 0},
    )
    assert response.status_code == 200
    assert "cannot be placed under itself" in response.content.decode()
    hq.refresh_from_db()
    assert hq.parent is None
