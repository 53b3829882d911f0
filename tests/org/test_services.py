"""Org-chart writes reject loops with a message a person understands, and change nothing."""

import pytest

from core.errors import ValidationFailed
from org.models import Department, Employee, GroupProfile
from org.services import (
    department_create,
    department_move,
    employee_set_manager,
    group_create,
    group_set_parent,
)
from tests.factories import EmployeeFactory

pytestmark = pytest.mark.django_db


def test_moving_a_department_under_its_own_sub_department_is_rejected():
    # given HQ > Sales > East
    hq = department_create(code="HQ", name="HQ")
    sales = department_create(code="SALES", name="Sales", parent=hq)
    east = department_create(code="EAST", name="East", parent=sales)
    # when Sales is moved under East
    with pytest.raises(ValidationFailed) as err:
        department_move(department=sales, parent=east)
    # then the error says why, and the tree is unchanged
    assert "cannot be placed under itself or one of its sub-departments" in err.value.message
    assert "parent" in err.value.fields
    assert Department.objects.get(pk=sales.pk).parent_id == hq.pk


def test_a_department_cannot_be_its_own_parent():
    hq = department_create(code="HQ", name="HQ")
    with pytest.raises(ValidationFailed):
        department_move(department=hq, parent=hq)


def test_duplicate_department_codes_are_rejected_per_field():
    department_create(code="HQ", name="HQ")
    with pytest.raises(ValidationFailed) as err:
        department_create(code="HQ", name="Other")
    assert "code" in err.value.fields
    assert Department.objects.count() == 1


def test_a_manager_chain_loop_is_rejected():
    # given A manages B, B manages C
    a = EmployeeFactory()
    b = EmployeeFactory(manager=a)
    c = EmployeeFactory(manager=b)
    # when A is made to report to C
    with pytest.raises(ValidationFailed) as err:
        employee_set_manager(employee=a, manager=c)
    # then it is refused and A still has no manager
    assert "reports (directly or indirectly) to this employee" in err.value.message
    assert Employee.objects.get(pk=a.pk).manager_id is None


def test_an_employee_cannot_manage_themselves():
    a = EmployeeFactory()
    with pytest.raises(ValidationFailed) as err:
        employee_set_manager(employee=a, manager=a)
    assert "their own manager" in err.value.message


def test_a_group_nesting_loop_is_rejected():
    sales = group_create(name="sales")
    east = group_create(name="sales_east", parent=sales)
    with pytest.raises(ValidationFailed) as err:
        group_set_parent(group=sales, parent=east)
    assert "nested inside itself" in err.value.message
    assert GroupProfile.objects.get(group=sales).parent_id is None


def test_a_valid_reorganisation_is_saved():
    hq = department_create(code="HQ", name="HQ")
    sales = department_create(code="SALES", name="Sales", parent=hq)
    service = department_create(code="SVC", name="Service", parent=hq)
    team = department_create(code="T1", name="Team", parent=sales)
    department_move(department=team, parent=service)
    assert Department.objects.get(pk=team.pk).parent_id == service.pk
