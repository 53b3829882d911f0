"""Budget completion report (预算完成报告): planned vs actual per line, in a fixed number of queries.

Actual for a sales target: the salesperson's orders dated in the period that were approved or went
further (shipped, paid). Actual for an expense limit: expenses in the period under the category or
any of its sub-categories (by people of the budget's department, when it names one).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Sum

from core.errors import NotFound
from org.selectors import users_in_department

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


def budget_report(*, user, budget: Budget | int) -> dict:
    """{"budget", "rows": [BudgetRow], "planned", "actual"} for a budget `user` may see."""
    budget = budget_get(user=user, pk=budget.pk if isinstance(budget, Budget) else budget)
    lines = list(budget.lines.select_related("salesperson", "category"))
    period = (budget.starts_on, budget.ends_on)
    rows = []
    if budget.kind == Budget.Kind.SALES:
        totals = dict(
            Order.objects.filter(
                owner_id__in=[line.salesperson_id for line in lines],
                ordered_on__range=period,
                status__in=Order.BOOKED,
            )
            .values_list("owner_id")
            .annotate(total=Sum("total_amount"))
        )
        for line in lines:
            label = getattr(line.salesperson, "display_name", "") or line.salesperson.get_username()
            rows.append(BudgetRow(line, label, line.planned, totals.get(line.salesperson_id) or Decimal(0)))
    else:
        trees = _subtrees([line.category_id for line in lines])
        expenses = Expense.objects.filter(spent_on__range=period)
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
