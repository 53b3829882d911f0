"""A small company with hand-countable records for every report.

sales_a: zhang, liu (manager wang heads it, row scope department tree); sales_b: yang; an admin.
Every figure the tests expect is worked out in the test next to the assertion.
"""

import datetime
import uuid
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.utils import timezone

from crm.models import (
    Campaign,
    CampaignCost,
    CampaignMember,
    ChoiceList,
    Complaint,
    Contract,
    Expense,
    ExpenseCategory,
    Lead,
    Order,
    OrderLine,
    Payment,
    ServiceRequest,
)
from engine.models import DefinitionVersion, HumanTask, HumanTaskCandidate, Incident, ProcessInstance
from org.permissions import RowScope
from tests.crm.conftest import SALES_PERMS
from tests.crm.factories import (
    ChoiceOptionFactory,
    CustomerFactory,
    CustomerLevelFactory,
    OpportunityFactory,
    ProductFactory,
)
from tests.factories import DepartmentFactory, EmployeeFactory, GroupFactory, UserFactory

ENGINE_PERMS = ["engine.view_processinstance", "engine.view_humantask"]
TODAY = datetime.date(2026, 6, 30)
T0 = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture
def company(db):
    perms = SALES_PERMS + ENGINE_PERMS
    sales = GroupFactory(name="r_sales", perms=perms, profile__row_scope=RowScope.OWN)
    managers = GroupFactory(name="r_managers", perms=perms, profile__row_scope=RowScope.DEPARTMENT_TREE)
    root = DepartmentFactory(code="R-SALES", name="Sales")
    dept_a = DepartmentFactory(code="R-A", name="Sales A", parent=root)
    dept_b = DepartmentFactory(code="R-B", name="Sales B", parent=root)

    def person(username, dept, groups):
        user = UserFactory(username=username)
        user.groups.add(*groups)
        EmployeeFactory(user=user, department=dept)
        return user

    wang = person("r.wang", dept_a, [managers])
    dept_a.head = wang
    dept_a.save()
    return SimpleNamespace(
        dept_a=dept_a,
        dept_b=dept_b,
        wang=wang,
        zhang=person("r.zhang", dept_a, [sales]),
        liu=person("r.liu", dept_a, [sales]),
        yang=person("r.yang", dept_b, [sales]),
        tech=person("r.tech", dept_b, [sales]),
        nobody=person("r.nobody", dept_a, []),
        admin=UserFactory(username="r.admin", is_superuser=True, is_staff=True),
    )


@pytest.fixture
def customers(company):
    level_a = CustomerLevelFactory(code="A", name="A级")
    level_b = CustomerLevelFactory(code="B", name="B级")
    fair = ChoiceOptionFactory(choice_list=ChoiceList.SOURCE, code="r_fair", label="Trade fair")
    web = ChoiceOptionFactory(choice_list=ChoiceList.SOURCE, code="r_web", label="Website")
    east = ChoiceOptionFactory(choice_list=ChoiceList.REGION, code="r_east", label="East")
    return SimpleNamespace(
        zhang=CustomerFactory(owner=company.zhang, level=level_a, source=fair, region=east),
        zhang2=CustomerFactory(owner=company.zhang, level=level_b, source=web, region=east),
        liu=CustomerFactory(owner=company.liu, level=level_a, source=fair),
        yang=CustomerFactory(owner=company.yang),
    )


@pytest.fixture
def opportunities(company, customers):
    """zhang: potential/open 100, lead/open 200, confirmed/won 300, contract/lost 400;
    liu: potential/open 1000, contract/won 2000; yang: receivables/open 5000."""
    rows = [
        (customers.zhang, "potential", "open", 100),
        (customers.zhang, "lead", "open", 200),
        (customers.zhang, "confirmed", "won", 300),
        (customers.zhang, "contract", "lost", 400),
        (customers.liu, "potential", "open", 1000),
        (customers.liu, "contract", "won", 2000),
        (customers.yang, "receivables", "open", 5000),
    ]
    return [
        OpportunityFactory(customer=customer, stage=stage, status=status, amount=amount)
        for customer, stage, status, amount in rows
    ]


def _order(code, customer, status, day, lines):
    order = Order.objects.create(
        code=code,
        customer=customer,
        owner=customer.owner,
        status=status,
        ordered_on=day,
        total_amount=sum(amount for _p, _q, amount in lines),
    )
    for product, quantity, amount in lines:
        OrderLine.objects.create(
            order=order,
            product=product,
            unit="pcs",
            quantity=quantity,
            price=amount / quantity,
            amount=amount,
        )
    return order


@pytest.fixture
def orders(customers):
    """zhang: O1 approved 2026-01-10 (P1 1 x 100), O2 paid 2026-02-05 (P1 2 = 200, P2 1 = 100),
    O3 draft (not booked, P2 9 = 999); yang: O4 shipped 2026-02-20 (P2 5 = 500)."""
    p1 = ProductFactory(code="P1", name="Pump")
    p2 = ProductFactory(code="P2", name="Valve")
    d = datetime.date
    return SimpleNamespace(
        p1=p1,
        p2=p2,
        o1=_order("O1", customers.zhang, "approved", d(2026, 1, 10), [(p1, 1, 100)]),
        o2=_order("O2", customers.zhang, "paid", d(2026, 2, 5), [(p1, 2, 200), (p2, 1, 100)]),
        o3=_order("O3", customers.zhang, "draft", d(2026, 2, 6), [(p2, 9, 999)]),
        o4=_order("O4", customers.yang, "shipped", d(2026, 2, 20), [(p2, 5, 500)]),
    )


def _contract(code, customer, status, amount, signed, ends, payments=()):
    contract = Contract.objects.create(
        code=code,
        customer=customer,
        owner=customer.owner,
        title=f"Contract {code}",
        status=status,
        amount=amount,
        signed_on=signed,
        ends_on=ends,
    )
    for paid in payments:
        Payment.objects.create(customer=customer, contract=contract, amount=paid, paid_on=signed)
    return contract


@pytest.fixture
def contracts(customers):
    """On TODAY (2026-06-30): K1 zhang 1000 signed 06-10 (20 days), paid 400, ends 12-31;
    K2 zhang 500 signed 04-01 (90 days), unpaid, ended 05-01 (overdue);
    K3 yang 2000 fully paid; K4 yang draft 700 (not a receivable);
    K5 liu 300 signed 2025-12-01 (211 days), paid 100, no end date."""
    d = datetime.date
    return [
        _contract("K1", customers.zhang, "signed", 1000, d(2026, 6, 10), d(2026, 12, 31), [400]),
        _contract("K2", customers.zhang, "active", 500, d(2026, 4, 1), d(2026, 5, 1)),
        _contract("K3", customers.yang, "closed", 2000, d(2026, 1, 1), d(2026, 3, 1), [1500, 500]),
        _contract("K4", customers.yang, "draft", 700, None, None),
        _contract("K5", customers.liu, "signed", 300, d(2025, 12, 1), None, [100]),
    ]


@pytest.fixture
def service(company, customers):
    """Complaints (created T0, due T0 + 24 h by their SLA): Q1 zhang resolved +10 h, quality,
    rated 4, SLA kept; Q2 zhang closed +30 h, quality, rated 2, SLA breached (its breach timer never
    marked it overdue); Q3 zhang open, delivery, past due; Q4 yang resolved +2 h, delivery, rated 5,
    SLA kept.
    Service requests: S1 zhang open (tech), S2 yang done (tech), rated 3."""
    quality = ChoiceOptionFactory(
        choice_list=ChoiceList.COMPLAINT_CATEGORY, code="r_quality", label="Quality"
    )
    delivery = ChoiceOptionFactory(
        choice_list=ChoiceList.COMPLAINT_CATEGORY, code="r_delivery", label="Delivery"
    )
    hours = datetime.timedelta(hours=1)
    rows = [
        ("Q1", customers.zhang, quality, "resolved", 10, 4, False),
        ("Q2", customers.zhang, quality, "closed", 30, 2, False),
        ("Q3", customers.zhang, delivery, "open", None, None, False),
        ("Q4", customers.yang, delivery, "resolved", 2, 5, False),
    ]
    for code, customer, category, status, took, rating, breached in rows:
        complaint = Complaint.objects.create(
            code=code,
            customer=customer,
            category=category,
            subject=code,
            status=status,
            satisfaction=rating,
            resolved_at=T0 + took * hours if took is not None else None,
            overdue_since=T0 + 24 * hours if breached else None,
            due_at=T0 + 24 * hours,
        )
        Complaint.objects.filter(pk=complaint.pk).update(created_at=T0)
    ServiceRequest.objects.create(code="S1", customer=customers.zhang, subject="S1", technician=company.tech)
    ServiceRequest.objects.create(
        code="S2",
        customer=customers.yang,
        subject="S2",
        technician=company.tech,
        status="done",
        satisfaction=3,
    )


@pytest.fixture
def processes(company):
    """leave (started by zhang): completed in 1 h, 2 h and 10 h, one running with an open incident;
    order (started by yang): one cancelled. Tasks: zhang holds one overdue and one not yet due;
    one overdue unclaimed task offered to group r_sales."""
    definition = DefinitionVersion.objects.create(key="leave", version=1, content_hash="x", files={})
    order_definition = DefinitionVersion.objects.create(key="order", version=1, content_hash="y", files={})
    hour = datetime.timedelta(hours=1)

    def instance(definition, user, status, took=None):
        return ProcessInstance.objects.create(
            definition=definition,
            key=definition.key,
            status=status,
            started_by=user,
            started_at=T0,
            ended_at=T0 + took * hour if took is not None else None,
        )

    for took in (1, 2, 10):
        instance(definition, company.zhang, "completed", took)
    running = instance(definition, company.zhang, "running")
    instance(order_definition, company.yang, "cancelled", 1)
    Incident.objects.create(instance=running, kind="script", message="boom")
    now = timezone.now()

    def task(assignee, due):
        return HumanTask.objects.create(
            instance=running,
            task_id=uuid.uuid4(),
            definition_key="leave",
            definition_version=1,
            element_id="approve",
            name="Approve",
            assignee=assignee,
            due_at=due,
        )

    task(company.zhang, now - 24 * hour)
    task(company.zhang, now + 24 * hour)
    offered = task(None, now - 2 * hour)
    from django.contrib.auth.models import Group

    HumanTaskCandidate.objects.create(
        task=offered, group=Group.objects.get(name="r_sales"), due_at=offered.due_at
    )
    return running


@pytest.fixture
def campaigns(company, customers):
    """C1 zhang, from 2026-03-01, budget 1000: costs 300 + 200 and an expense of 100 (cost 600),
    3 members, 2 leads, opportunities won 2000 (liu's customer) and 1000, lost 500, open 100.
    C2 yang, from 2026-05-10, no budget: cost 50, nothing won. C3 liu, not yet dated, nothing."""
    d = datetime.date
    c1 = Campaign.objects.create(
        name="Spring fair", owner=company.zhang, starts_on=d(2026, 3, 1), budget=1000
    )
    c2 = Campaign.objects.create(name="Seminar", owner=company.yang, starts_on=d(2026, 5, 10), status="done")
    c3 = Campaign.objects.create(name="Autumn mailing", owner=company.liu)
    for item, amount in (("Booth", 300), ("Flyers", 200)):
        CampaignCost.objects.create(campaign=c1, item=item, amount=amount)
    CampaignCost.objects.create(campaign=c2, item="Room", amount=50)
    travel = ExpenseCategory.objects.create(name="Travel")
    Expense.objects.create(
        category=travel,
        amount=100,
        spent_on=d(2026, 3, 1),
        campaign=c1,
        owner=company.zhang,
        status="approved",
    )
    for customer in (customers.zhang, customers.zhang2, customers.liu):
        CampaignMember.objects.create(campaign=c1, customer=customer)
    for name in ("Lead one", "Lead two"):
        Lead.objects.create(company_name=name, campaign=c1, owner=company.zhang)
    for customer, status, amount in (
        (customers.liu, "won", 2000),
        (customers.zhang, "won", 1000),
        (customers.zhang, "lost", 500),
        (customers.zhang2, "open", 100),
    ):
        OpportunityFactory(customer=customer, status=status, amount=amount, campaign=c1)
    return SimpleNamespace(c1=c1, c2=c2, c3=c3)


@pytest.fixture
def everything(opportunities, orders, contracts, service, processes, campaigns, stock):
    return True


@pytest.fixture
def stock(company):
    """12 pumps received into one warehouse (the inventory report's rows)."""
    from crm.catalogue.services import stock_in
    from tests.crm.factories import WarehouseFactory

    pump = ProductFactory(code="R-PUMP", name="Pump", price=1000)
    return stock_in(actor=company.admin, product=pump, warehouse=WarehouseFactory(), quantity=12)


def money(value) -> Decimal:
    return Decimal(str(value))
