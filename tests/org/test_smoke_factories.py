import pytest

from org.selectors import manager_of
from tests.factories import EmployeeFactory


@pytest.mark.django_db
def test_an_employee_without_manager_escalates_to_the_department_head():
    # given a department headed by Ann, and Bob working in it with no explicit manager
    ann = EmployeeFactory()
    bob = EmployeeFactory(department=ann.department)
    ann.department.head = ann.user
    ann.department.save()
    # then Bob's manager is Ann, and Ann (the head) has nobody above her
    assert manager_of(bob.user) == ann.user
    assert manager_of(ann.user) is None
