"""Org-chart reads the engine relies on to route tasks."""

import pytest

from org.selectors import (
    department_head,
    effective_group_names,
    management_chain,
    manager_of,
    members_of,
    users_in_department,
)
from tests.factories import DepartmentFactory, EmployeeFactory, GroupFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def company():
    """HQ > Sales > (East, North); CEO heads HQ, director heads Sales, a manager heads East."""
    hq = DepartmentFactory(code="HQ")
    sales = DepartmentFactory(code="SALES", parent=hq)
    east = DepartmentFactory(code="EAST", parent=sales)
    north = DepartmentFactory(code="NORTH", parent=sales)
    ceo = EmployeeFactory(department=hq)
    director = EmployeeFactory(department=sales, manager=ceo)
    east_mgr = EmployeeFactory(department=east, manager=director)
    rep = EmployeeFactory(department=east, manager=east_mgr)
    north_rep = EmployeeFactory(department=north)  # no manager, North has no head
    hq.head, sales.head, east.head = ceo.user, director.user, east_mgr.user
    for d in (hq, sales, east):
        d.save()
    return locals()


def test_manager_chain_follows_explicit_managers_up_to_the_top(company):
    chain = management_chain(company["rep"].user)
    assert chain == [company["east_mgr"].user, company["director"].user, company["ceo"].user]


def test_without_a_manager_the_nearest_department_head_above_is_the_manager(company):
    # North has no head, so the Sales director is the one to escalate to
    assert manager_of(company["north_rep"].user) == company["director"].user


def test_a_department_head_escalates_to_the_head_above(company):
    assert department_head(company["east_mgr"].user) == company["director"].user
    assert department_head(company["rep"].user) == company["east_mgr"].user
    assert department_head(company["north"]) == company["director"].user


def test_an_inactive_explicit_manager_is_passed_over_for_the_department_head(company):
    # given the rep's explicit manager has left (inactive) and Sales East now has a new head
    company["east_mgr"].user.is_active = False
    company["east_mgr"].user.save()
    new_head = EmployeeFactory(department=company["east"])
    company["east"].head = new_head.user
    company["east"].save()
    # then the rep's approvals go to the new head
    assert manager_of(company["rep"].user) == new_head.user


def test_users_in_department_recursive_includes_sub_departments(company):
    everyone_in_sales = set(users_in_department(company["sales"]))
    assert everyone_in_sales == {company[k].user for k in ("director", "east_mgr", "rep", "north_rep")}
    assert set(users_in_department(company["sales"], recursive=False)) == {company["director"].user}


def test_nested_groups_membership_flows_upward():
    # given sales > sales_east, and Zhang in sales_east only
    sales = GroupFactory(name="sales")
    east = GroupFactory(name="sales_east", profile__parent=sales)
    other = GroupFactory(name="hr")
    zhang = UserFactory(username="zhang")
    zhang.groups.add(east)
    hr_person = UserFactory(username="hrp")
    hr_person.groups.add(other)
    # then Zhang is effectively in both, and members_of(sales) includes him
    assert effective_group_names(zhang) == {"sales", "sales_east"}
    assert set(members_of("sales")) == {zhang}
    assert set(members_of(east)) == {zhang}
    assert hr_person not in set(members_of("sales"))


def test_nested_groups_grant_their_permissions():
    sales = GroupFactory(name="sales", perms=["org.view_department"])
    east = GroupFactory(name="sales_east", profile__parent=sales)
    zhang = UserFactory(username="zhang")
    zhang.groups.add(east)
    assert zhang.has_perm("org.view_department")
    assert not zhang.has_perm("org.change_department")
