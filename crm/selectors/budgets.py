"""Budget completion report (预算完成报告): planned vs actual per line, in a fixed number of queries.

Actual for a sales target: the salesperson's orders dated in the period that were approved or went
further (shipped, paid). Actual for an expense limit: expenses in the period under the category or
any of its sub-categories (by people of the budget's department, when it names one).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, Sum
from django.utils import timezone

from core.errors import NotFound
from org.models import Employee
from org.permissions import RowScope
from org.selectors import user_row_scope, users_in_department, users_in_scope

from ..models import Budget, BudgetLine, Expense, ExpenseCategory, Order


@dataclass
class BudgetRow:
    line: BudgetLine
    label: str
    planned: Decimal
    actual: Decimal

    @property
    def remaining(self) -> Decimal:
        return self.planned - self.actual

    @property
    def percent(self) -> Decimal | None:
        if not self.planned:
            return None
        return (self.actual * 100 / self.planned).quantize(Decimal("0.1"))


def budget_get(*, user, pk, action: str = "view") -> Budget:
    budget = (
        Budget.objects.visible_to(user, action).select_related("owner", "department").filter(pk=pk).first()
    )
    if budget is None:
        raise NotFound("budget not found")
    return budget


def _subtrees(roots: list[int]) -> dict[int, set[int]]:
    """Each root category with all its descendants (one query for the whole tree)."""
    children: dict[int | None, list[int]] = {}
    for pk, parent in ExpenseCategory.objects.values_list("pk", "parent_id"):
        children.setdefault(parent, []).append(pk)
    result = {}
    for root in roots:
        found, stack = set(), [root]
        while stack:
            node = stack.pop()
            if node not in found:
                found.add(node)
                stack.extend(children.get(node, []))
        result[root] = found
    return result


def _sales_rows(lines: list[BudgetLine], period) -> list[BudgetRow]:
    """Each salesperson's line with what they booked in the period (approved orders or further)."""
    totals = dict(
        Order.objects.filter(
            owner_id__in=[line.salesperson_id for line in lines],
            ordered_on__range=period,
            status__in=Order.BOOKED,
        )
        .order_by()
        .values_list("owner_id")
        .annotate(total=Sum("total_amount"))
    )
    return [
        BudgetRow(
            line,
            str(line.salesperson),
            line.planned,
            totals.get(line.salesperson_id) or Decimal(0),
        )
        for line in lines
    ]


@dataclass
class TargetBoard:
    """A sales budget running on a day, its people ranked by how much of their target they reached."""

    budget: Budget
    ranking: list[BudgetRow]
    mine: BudgetRow | None

    @property
    def planned(self) -> Decimal:
        return sum((r.planned for r in self.ranking), Decimal(0))

    @property
    def actual(self) -> Decimal:
        return sum((r.actual for r in self.ranking), Decimal(0))

    @property
    def percent(self) -> Decimal | None:
        return (self.actual * 100 / self.planned).quantize(Decimal("0.1")) if self.planned else None


def sales_target_boards(*, user, day: datetime.date | None = None, limit: int = 5) -> list[TargetBoard]:
    """The sales targets (sales budgets) running on `day` that concern `user`: those with a line
    for them or for the people their row scope reaches, or set for their team. Everyone on such a
    board sees the whole team's ranking: the targets are the team's shared goal."""
    day = day or timezone.localdate()
    scope = user_row_scope(user)
    people = Q(lines__salesperson=user)
    if scope == RowScope.ALL:
        people = Q()
    elif scope != RowScope.OWN:
        people |= Q(lines__salesperson__in=users_in_scope(user, scope))
    department_id = Employee.objects.filter(user=user).values_list("department_id", flat=True).first()
    if department_id is not None:
        people |= Q(department_id=department_id)
    budgets = list(
        Budget.objects.filter(people, kind=Budget.Kind.SALES, starts_on__lte=day, ends_on__gte=day)
        .select_related("department")
        .distinct()
        .order_by("starts_on", "pk")[:limit]
    )
    lines_of: dict[int, list[BudgetLine]] = {}
    for line in BudgetLine.objects.filter(budget__in=budgets).select_related("salesperson").order_by("id"):
        lines_of.setdefault(line.budget_id, []).append(line)
    boards = []
    for budget in budgets:
        rows = _sales_rows(lines_of.get(budget.pk, []), (budget.starts_on, budget.ends_on))
        rows.sort(key=lambda r: (-(r.actual / r.planned if r.planned else 0), -r.actual, r.label))
        boards.append(
            TargetBoard(
                budget=budget,
                ranking=rows,
                mine=next((r for r in rows if r.line.salesperson_id == user.pk), None),
            )
        )
    return boards


def budget_report(*, user, budget: Budget | int) -> dict:
    """{"budget", "rows": [BudgetRow], "planned", "actual"} for a budget `user` may see."""
    budget = budget_get(user=user, pk=budget.pk if isinstance(budget, Budget) else budget)
    lines = list(budget.lines.select_related("salesperson", "category"))
    period = (budget.starts_on, budget.ends_on)
    rows = []
    if budget.kind == Budget.Kind.SALES:
        rows = _sales_rows(lines, period)
    else:
        trees = _subtrees([line.category_id for line in lines])
        expenses = Expense.objects.filter(spent_on__range=period).exclude(status=Expense.Status.WITHDRAWN)
        if budget.department_id:
            expenses = expenses.filter(owner_id__in=users_in_department(budget.department).values("pk"))
        all_ids = set().union(*trees.values()) if trees else set()
        by_category = dict(
            expenses.filter(category_id__in=all_ids).values_list("category_id").annotate(total=Sum("amount"))
        )
        for line in lines:
            actual = sum((by_category.get(pk, Decimal(0)) for pk in trees[line.category_id]), Decimal(0))
            rows.append(BudgetRow(line, line.category.name, line.planned, actual))
    return {
        "budget": budget,
        "rows": rows,
        "planned": sum((r.planned for r in rows), Decimal(0)),
        "actual": sum((r.actual for r in rows), Decimal(0)),
    }
