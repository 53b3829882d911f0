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


def test_the_top_bar_groups_a_sales_managers_screens_into_menus(client, django_user_model):
    # given a user who may see customers, leads and contracts (three sales screens)
    from django.contrib.auth.models import Permission

    user = UserFactory()
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="crm", codename__in=["view_customer", "view_lead", "view_contract"]
        )
    )
    client.force_login(user)
    # when they open any page
    html = client.get(reverse("tasklist:inbox")).content.decode()
    # then the sales screens sit in one "Sales" menu and the inbox stays on the bar
    menu = html[html.index('<li class="nav-menu">') :]
    menu = menu[: menu.index("</details>")]
    assert ">Sales</summary>" in menu
    for name in ("crm:customer_list", "crm:lead_list", "crm:contract_list"):
        assert f'href="{reverse(name)}"' in menu
    assert f'href="{reverse("tasklist:inbox")}"' not in menu


def test_a_section_with_one_screen_is_a_plain_link(client):
    from django.contrib.auth.models import Permission

    user = UserFactory()
    user.user_permissions.add(Permission.objects.get(content_type__app_label="crm", codename="view_customer"))
    client.force_login(user)
    html = client.get(reverse("tasklist:inbox")).content.decode()
    # the one sales screen this user may open sits on the bar itself, in no menu
    link = f'<li><a href="{reverse("crm:customer_list")}"'
    assert link in html
    menus = [part.split("</details>")[0] for part in html.split('<li class="nav-menu">')[1:]]
    assert not any(reverse("crm:customer_list") in menu for menu in menus)
    assert not any(">Sales</summary>" in menu for menu in menus)
