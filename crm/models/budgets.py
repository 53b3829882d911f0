"""Budgets (预算管理, seed 004): a plan for a period — sales targets per salesperson or expense
limits per expense category — adjustable with a recorded reason, and compared with what actually
happened (orders booked, expenses spent) in a completion report."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from org.models import Department
from org.permissions import ACTIONS

from .base import OwnedQuerySet, TimeStamped, child_queryset


class Budget(TimeStamped):
    class Kind(models.TextChoices):
        SALES = "sales", _("Sales target")
        EXPENSE = "expense", _("Expense budget")

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"))
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Expense budgets: count only expenses of this department's people."),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("responsible"), on_delete=models.PROTECT, related_name="+"
    )
    notes = models.TextField(_("notes"), blank=True)

    objects = OwnedQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_on", "-id"]
        verbose_name = _("budget")
        verbose_name_plural = _("budgets")
        default_permissions = ACTIONS
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")), name="crm_budget_period"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class BudgetLine(models.Model):
    """One planned amount: a salesperson's target (sales) or a category's limit (expense; the
    category's sub-categories count towards it)."""

    budget = models.ForeignKey(Budget, on_delete=models.CASCADE, related_name="lines")
    salesperson = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("salesperson"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    category = models.ForeignKey(
        "crm.ExpenseCategory",
        verbose_name=_("expense category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    planned = models.DecimalField(_("planned"), max_digits=16, decimal_places=2)

    objects = child_queryset("budget").as_manager()

    class Meta:
        ordering = ["id"]
        verbose_name = _("budget line")
        verbose_name_plural = _("budget lines")
        default_permissions = ()
        constraints = [
            models.UniqueConstraint(fields=["budget", "salesperson"], name="crm_budgetline_salesperson"),
            models.UniqueConstraint(fields=["budget", "category"], name="crm_budgetline_category"),
            models.CheckConstraint(condition=models.Q(planned__gte=0), name="crm_budgetline_planned"),
        ]

    def __str__(self) -> str:
        return f"{self.budget_id}: {self.planned}"


class BudgetAdjustment(models.Model):
    """A change of a planned amount (预算调整): who, when, old → new, why."""

    line = models.ForeignKey(BudgetLine, on_delete=models.CASCADE, related_name="adjustments")
    old_amount = models.DecimalField(_("before"), max_digits=16, decimal_places=2)
    new_amount = models.DecimalField(_("after"), max_digits=16, decimal_places=2)
    reason = models.CharField(_("reason"), max_length=300)
    adjusted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    adjusted_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        ordering = ["-adjusted_at", "-id"]
        verbose_name = _("budget adjustment")
        verbose_name_plural = _("budget adjustments")
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.old_amount} -> {self.new_amount}"
