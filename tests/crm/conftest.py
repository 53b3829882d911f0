"""A small sales organisation for CRM tests: two teams, a manager, an outsider."""

from types import SimpleNamespace

import pytest

from org.permissions import RowScope
from tests.factories import DepartmentFactory, EmployeeFactory, GroupFactory, UserFactory

SALES_PERMS = [
    f"crm.{action}_{model}"
    for model in (
        "customer",
        "contact",
        "activity",
        "lead",
        "opportunity",
        "order",
        "contract",
        "payment",
        "levelchangerequest",
        "favouritelist",
        "savedquery",
        "importjob",
        "product",
        "complaint",
        "servicerequest",
        "servicerecord",
        "consultation",
        "campaign",
        "competitor",
        "expense",
        "quotation",
        "instalment",
        "invoice",
    )
    for action in ("view", "add", "change", "export")
]
# as in the demo seed (crm.view_*): a salesperson sees the targets (sales budgets) they work to
SALES_PERMS.append("crm.view_budget")
MANAGER_EXTRA = [
    "crm.delete_customer",
    "crm.change_customerpool",
    "crm.view_customerpool",
    "crm.view_customerchange",
    "crm.view_poolmove",
    "crm.view_budget",
    "crm.add_budget",
    "crm.change_budget",
    "crm.delete_contract",
]


@pytest.fixture
def org(db):
    """sales_a (zhang, liu; manager wang heads it), sales_b (yang), an outsider in another dept."""
    sales = GroupFactory(name="t_sales", perms=SALES_PERMS, profile__row_scope=RowScope.OWN)
    managers = GroupFactory(
        name="t_managers", perms=SALES_PERMS + MANAGER_EXTRA, profile__row_scope=RowScope.DEPARTMENT_TREE
    )
    root = DepartmentFactory(code="T-SALES", name="Sales")
    dept_a = DepartmentFactory(code="T-A", name="Sales A", parent=root)
    dept_b = DepartmentFactory(code="T-B", name="Sales B", parent=root)
    other = DepartmentFactory(code="T-O", name="Other")

    def person(username, dept, groups):
        user = UserFactory(username=username)
        user.groups.add(*groups)
        EmployeeFactory(user=user, department=dept)
        return user

    wang = person("t.wang", dept_a, [managers])
    dept_a.head = wang
    dept_a.save()
    ns = SimpleNamespace(
        sales_group=sales,
        managers_group=managers,
        dept_a=dept_a,
        dept_b=dept_b,
        root=root,
        wang=wang,
        zhang=person("t.zhang", dept_a, [sales]),
        liu=person("t.liu", dept_a, [sales]),
        yang=person("t.yang", dept_b, [sales]),
        outsider=person("t.out", other, [sales]),
        no_perms=person("t.noperm", dept_a, []),
        admin=UserFactory(username="t.admin", is_superuser=True, is_staff=True),
    )
    return ns
