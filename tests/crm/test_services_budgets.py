"""Budgets (S7): sales targets per salesperson and expense limits per category tree, adjusted with
a reason, and the completion report of planned vs actual."""

import datetime
from decimal import Decimal

import pytest

from core.errors import NotFound, NotPermitted, ValidationFailed
from crm.marketing.services import expense_create
from crm.models import Budget, ExpenseCategory, Order
from crm.selectors.budgets import budget_report
from crm.services.budgets import budget_create, budget_line_adjust

from .factories import CustomerFactory

pytestmark = pytest.mark.django_db

Q1 = (datetime.date(2026, 1, 1), datetime.date(2026, 3, 31))


def _order(owner, amount, status, day="2026-02-10"):
    return Order.objects.create(
        code=f"SO-{owner.pk}-{amount}-{status}",
        customer=CustomerFactory(owner=owner),
        owner=owner,
        status=status,
        ordered_on=day,
        total_amount=amount,
    )


def test_a_sales_target_compares_with_approved_orders_in_the_period(org):
    budget = budget_create(
        actor=org.wang,
        name="Q1 targets",
        kind="sales",
        starts_on=Q1[0],
        ends_on=Q1[1],
        lines=[{"salesperson": org.zhang, "planned": "10000"}, {"salesperson": org.liu, "planned": 5000}],
    )
    _order(org.zhang, 4000, Order.Status.APPROVED)
    _order(org.zhang, 2000, Order.Status.PAID)
    _order(org.zhang, 9000, Order.Status.SUBMITTED)  # not approved: does not count
    _order(org.zhang, 9000, Order.Status.APPROVED, day="2026-04-02")  # after the period
    report = budget_report(user=org.wang, budget=budget)
    rows = {row.line.salesperson: row for row in report["rows"]}
    assert (rows[org.zhang].actual, rows[org.zhang].remaining, rows[org.zhang].percent) == (
        Decimal(6000),
        Decimal(4000),
        Decimal("60.0"),
    )
    assert rows[org.liu].actual == 0 and report["planned"] == Decimal(15000)


def test_an_expense_limit_counts_the_whole_category_tree(org):
    travel = ExpenseCategory.objects.create(name="Travel")
    hotel = ExpenseCategory.objects.create(name="Hotel", parent=travel)
    meals = ExpenseCategory.objects.create(name="Meals")
    budget = budget_create(
        actor=org.wang,
        name="Q1 travel",
        kind="expense",
        starts_on=Q1[0],
        ends_on=Q1[1],
        lines=[{"category": travel, "planned": 3000}],
    )
    expense_create(actor=org.zhang, category=travel, amount=500, spent_on="2026-01-15")
    expense_create(actor=org.zhang, category=hotel, amount=800, spent_on="2026-02-01")
    expense_create(actor=org.zhang, category=meals, amount=999, spent_on="2026-02-01")
    expense_create(actor=org.zhang, category=hotel, amount=777, spent_on="2025-12-31")
    row = budget_report(user=org.wang, budget=budget)["rows"][0]
    assert (row.actual, row.remaining) == (Decimal(1300), Decimal(1700))


def test_adjusting_keeps_who_when_old_new_and_why(org):
    budget = budget_create(
        actor=org.wang,
        name="Q1",
        kind="sales",
        starts_on=Q1[0],
        ends_on=Q1[1],
        lines=[{"salesperson": org.zhang, "planned": 10000}],
    )
    line = budget.lines.get()
    adjustment = budget_line_adjust(actor=org.wang, line=line, planned="12000", reason="New distributor")
    line.refresh_from_db()
    assert line.planned == Decimal(12000)
    assert (adjustment.old_amount, adjustment.new_amount, adjustment.adjusted_by) == (
        Decimal(10000),
        Decimal(12000),
        org.wang,
    )
    with pytest.raises(ValidationFailed) as error:
        budget_line_adjust(actor=org.wang, line=line, planned="-1", reason="")
    assert set(error.value.fields) == {"planned", "reason"}


def test_bad_budgets_are_refused_with_located_errors(org):
    with pytest.raises(ValidationFailed) as error:
        budget_create(
            actor=org.wang,
            name="",
            kind="sales",
            starts_on="2026-03-31",
            ends_on="2026-01-01",
            lines=[
                {"salesperson": org.zhang, "planned": "abc"},
                {"salesperson": org.zhang, "planned": 1},
                {"category": None, "planned": 1},
            ],
        )
    assert set(error.value.fields) == {
        "name",
        "ends_on",
        "lines.1.planned",
        "lines.2.salesperson",
        "lines.3.salesperson",
    }
    assert not Budget.objects.exists()


def test_budgets_follow_ownership_rules(org):
    with pytest.raises(NotPermitted):
        budget_create(actor=org.zhang, name="Mine", kind="sales", starts_on=Q1[0], ends_on=Q1[1], lines=[])
    budget = budget_create(
        actor=org.wang,
        name="Q1",
        kind="sales",
        starts_on=Q1[0],
        ends_on=Q1[1],
        lines=[{"salesperson": org.zhang, "planned": 1}],
    )
    with pytest.raises(NotFound):
        budget_report(user=org.yang, budget=budget)
    with pytest.raises(NotPermitted):
        budget_line_adjust(actor=org.yang, line=budget.lines.get(), planned=2, reason="mine now")
