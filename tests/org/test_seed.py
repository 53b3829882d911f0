"""The demo company seeds completely and a second run changes nothing."""

from io import StringIO

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command

from org.models import Department, Employee, GroupProfile, User
from org.selectors import effective_group_names, manager_of

pytestmark = pytest.mark.django_db


def counts():
    return {
        "users": User.objects.count(),
        "employees": Employee.objects.count(),
        "departments": Department.objects.count(),
        "groups": Group.objects.count(),
        "profiles": GroupProfile.objects.count(),
        "group_perms": sum(g.permissions.count() for g in Group.objects.all()),
        "memberships": User.groups.through.objects.count(),
    }


def test_seed_demo_builds_a_believable_company_and_is_idempotent():
    out = StringIO()
    call_command("seed_demo", stdout=out)
    first = counts()
    call_command("seed_demo", stdout=StringIO())
    assert counts() == first
    # the company: sales with two teams, service, administration/HR, at least 12 employees
    assert first["employees"] >= 12
    sales = Department.objects.get(code="SALES")
    assert set(sales.children.values_list("code", flat=True)) == {"SALES-E", "SALES-N"}
    assert Department.objects.filter(code__in=["SERVICE", "ADMIN"]).count() == 2
    for name in ["sales", "sales_managers", "service_dispatchers", "technicians", "vehicle_admins", "hr"]:
        assert Group.objects.filter(name=name).exists(), name
    # managers are wired: a salesperson's approvals go to the team manager, then the director
    zhang = User.objects.get(username="zhang.wei")
    assert manager_of(zhang).username == "wang.fang"
    assert manager_of(manager_of(zhang)).username == "li.ming"
    assert {"sales", "sales_east"} <= effective_group_names(zhang)
    # the logins are printed, and the demo users can sign in
    assert "zhang.wei" in out.getvalue() and "baton-demo" in out.getvalue()
    assert zhang.check_password("baton-demo")


def test_seed_demo_keeps_changes_people_made_to_their_passwords():
    call_command("seed_demo", stdout=StringIO())
    zhang = User.objects.get(username="zhang.wei")
    zhang.set_password("my own secret 42")
    zhang.save()
    call_command("seed_demo", stdout=StringIO())
    zhang.refresh_from_db()
    assert zhang.check_password("my own secret 42")


def test_salespeople_keep_their_records_but_not_their_own_targets():
    from org.seed import seed_demo

    seed_demo(StringIO())
    salesperson = User.objects.get(username="zhang.wei")
    manager = User.objects.get(username="wang.fang")
    assert salesperson.has_perm("crm.change_customer") and salesperson.has_perm("crm.add_opportunity")
    assert not salesperson.has_perm("crm.change_budget") and not salesperson.has_perm("crm.add_budget")
    assert not salesperson.has_perm("crm.change_choiceoption")
    assert manager.has_perm("crm.change_budget") and manager.has_perm("crm.add_budget")
