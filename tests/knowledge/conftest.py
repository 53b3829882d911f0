"""A service desk for knowledge-base tests: editors (service), a reader in sales, a member of a
restricted group, someone without the permission, a customer with a portal login and a complaint
of theirs with a category."""

from types import SimpleNamespace

import pytest
from django.utils import timezone

from crm.models import ChoiceList, ChoiceOption, Complaint
from org.permissions import RowScope
from portal.models import PortalAccount
from tests.crm.factories import CustomerFactory
from tests.factories import DepartmentFactory, EmployeeFactory, GroupFactory, UserFactory

READ = ["knowledge.view_article", "knowledge.view_category", "knowledge.view_tag"]
WRITE = [*READ, "knowledge.add_article", "knowledge.change_article", "knowledge.add_category"]
DESK = ["crm.view_customer", "crm.view_complaint", "crm.change_complaint", "crm.view_servicerequest"]


@pytest.fixture
def kb(db):
    service = GroupFactory(name="k_service", perms=WRITE + DESK, profile__row_scope=RowScope.ALL)
    sales = GroupFactory(name="k_sales", perms=READ, profile__row_scope=RowScope.OWN)
    engineers = GroupFactory(name="k_engineers", perms=READ, profile__row_scope=RowScope.OWN)
    dept = DepartmentFactory(code="K-SVC", name="Service")

    def person(username, groups):
        user = UserFactory(username=username, display_name=username.replace("k.", "").title())
        user.groups.add(*groups)
        EmployeeFactory(user=user, department=dept)
        return user

    editor = person("k.editor", [service])
    customer = CustomerFactory(owner=editor, portal_enabled=True)
    portal_user = UserFactory(username="buyer@example.com", display_name="Buyer")
    PortalAccount.objects.create(user=portal_user, customer=customer, activated_at=timezone.now())
    category = ChoiceOption.objects.create(
        choice_list=ChoiceList.COMPLAINT_CATEGORY, code="k-quality", label="Quality"
    )
    complaint = Complaint.objects.create(
        code="CP-K-1",
        customer=customer,
        category=category,
        subject="打印机卡纸 printer jams",
        description="The printer jams every morning.",
    )
    return SimpleNamespace(
        service=service,
        sales_group=sales,
        engineers=engineers,
        editor=editor,
        reader=person("k.reader", [sales]),
        engineer=person("k.engineer", [engineers]),
        nobody=person("k.nobody", []),
        customer=customer,
        portal_user=portal_user,
        category=category,
        complaint=complaint,
    )
