"""Budgets (预算管理): plan a period's sales targets or expense limits, adjust them with a reason."""

from __future__ import annotations

import calendar

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from audit.services import audit_record
from core.errors import ValidationFailed
from org.models import Department

from ..models import Budget, BudgetAdjustment, BudgetLine, ExpenseCategory
from .common import clean_text, parse_date, parse_decimal, require_permission, require_row


def _planned(value, field: str, errors: dict):
    amount = parse_decimal(value, field, errors)
    if amount is None and field not in errors:
        errors.setdefault(field, []).append(_g("This field is required."))
    elif amount is not None and amount < 0:
        errors.setdefault(field, []).append(_g("Cannot be negative."))
    return amount


def _clean_lines(kind: str, lines: list[dict], errors: dict) -> list[BudgetLine]:
    """Lines as dicts: `salesperson` (a user) for sales targets, `category` (an expense category)
    for expense budgets, and `planned`; errors keyed `lines.<n>.<field>`, n from 1."""
    key = "salesperson" if kind == Budget.Kind.SALES else "category"
    expected = get_user_model() if key == "salesperson" else ExpenseCategory
    if not lines:
        errors.setdefault("lines", []).append(_g("A budget needs at least one line."))
    result, seen = [], set()
    for index, line in enumerate(lines or [], start=1):
        target = line.get(key)
        if not isinstance(target, expected):
            errors.setdefault(f"lines.{index}.{key}", []).append(
                _g("Choose a salesperson.") if key == "salesperson" else _g("Choose an expense category.")
            )
        elif target.pk in seen:
            errors.setdefault(f"lines.{index}.{key}", []).append(_g("Already planned on another line."))
        else:
            seen.add(target.pk)
        planned = _planned(line.get("planned"), f"lines.{index}.planned", errors)
        result.append(BudgetLine(**{key: target if isinstance(target, expected) else None}, planned=planned))
    return result


@transaction.atomic
def budget_create(
    *,
    actor,
    name: str,
    kind: str,
    starts_on,
    ends_on,
    lines: list[dict],
    department=None,
    notes: str = "",
) -> Budget:
    """A budget plan with its lines, owned by the actor."""
    require_permission(actor, Budget, "add")
    errors: dict = {}
    name = clean_text(name, "name", errors, required=True)
    if kind not in Budget.Kind.values:
        errors.setdefault("kind", []).append(_g("Unknown kind."))
    start = parse_date(starts_on, "starts_on", errors)
    end = parse_date(ends_on, "ends_on", errors)
    for field, value in (("starts_on", start), ("ends_on", end)):
        if value is None and field not in errors:
            errors.setdefault(field, []).append(_g("This field is required."))
    if start and end and end < start:
        errors.setdefault("ends_on", []).append(_g("The end comes before the start."))
    budget_lines = _clean_lines(kind, lines, errors) if kind in Budget.Kind.values else []
    if errors:
        raise ValidationFailed(_("The budget could not be saved."), fields=errors)
    budget = Budget.objects.create(
        name=name,
        kind=kind,
        starts_on=start,
        ends_on=end,
        department=department,
        notes=notes,
        owner=actor,
        created_by=actor,
    )
    for line in budget_lines:
        line.budget = budget
    BudgetLine.objects.bulk_create(budget_lines)
    audit_record(action="create", actor=actor, obj=budget, extra={"lines": len(budget_lines)})
    return budget


@transaction.atomic
def budget_line_adjust(*, actor, line: BudgetLine, planned, reason: str) -> BudgetAdjustment:
    """Change a planned amount (预算调整); the old and new amounts and the reason are kept."""
    require_row(actor, line.budget, "change")
    line = BudgetLine.objects.select_for_update().get(pk=line.pk)
    errors: dict = {}
    amount = _planned(planned, "planned", errors)
    reason = clean_text(reason, "reason", errors, required=True, limit=300)
    if amount is not None and amount == line.planned and "planned" not in errors:
        errors.setdefault("planned", []).append(_g("That is the planned amount already."))
    if errors:
        raise ValidationFailed(_("The budget could not be adjusted."), fields=errors)
    adjustment = BudgetAdjustment.objects.create(
        line=line, old_amount=line.planned, new_amount=amount, reason=reason, adjusted_by=actor
    )
    line.planned = amount
    line.save(update_fields=["planned"])
    audit_record(
        action="change",
        actor=actor,
        obj=line.budget,
        changes={f"line {line.pk} planned": [str(adjustment.old_amount), str(amount)]},
        extra={"reason": reason},
    )
    return adjustment


@transaction.atomic
def sales_target_set(*, actor, salesperson, month, planned, reason: str = "") -> BudgetLine:
    """A salesperson's target for a month (销售目标): their line in the month's sales budget of
    their team (the budget is made on first use); changing an amount is an adjustment (预算调整)
    that keeps the old amount and the reason."""
    require_permission(actor, Budget, "add")
    errors: dict = {}
    day = parse_date(month, "month", errors)
    if day is None and "month" not in errors:
        errors.setdefault("month", []).append(_g("This field is required."))
    amount = _planned(planned, "planned", errors)
    team = Department.objects.filter(employees__user=salesperson).first() if salesperson else None
    if salesperson is None:
        errors.setdefault("salesperson", []).append(_g("This field is required."))
    if errors:
        raise ValidationFailed(_("The target could not be saved."), fields=errors)
    first = day.replace(day=1)
    last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
    budget = Budget.objects.filter(
        kind=Budget.Kind.SALES, starts_on=first, ends_on=last, department=team
    ).first()
    if budget is None:
        name = _g("Sales targets %(month)s") % {"month": f"{first:%Y-%m}"}
        budget = budget_create(
            actor=actor,
            name=f"{name} · {team.name}" if team else name,
            kind=Budget.Kind.SALES,
            starts_on=first,
            ends_on=last,
            department=team,
            lines=[{"salesperson": salesperson, "planned": amount}],
        )
        return budget.lines.get(salesperson=salesperson)
    line = budget.lines.filter(salesperson=salesperson).first()
    if line is not None:
        budget_line_adjust(
            actor=actor, line=line, planned=amount, reason=reason or _g("Target set for the month")
        )
        line.refresh_from_db()
        return line
    require_row(actor, budget, "change")
    line = BudgetLine.objects.create(budget=budget, salesperson=salesperson, planned=amount)
    audit_record(
        action="change",
        actor=actor,
        obj=budget,
        changes={f"line {line.pk} planned": ["", str(amount)]},
        extra={"salesperson": salesperson.get_username()},
    )
    return line
