"""Sales targets (销售目标) per person or team (department) and month."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from org.permissions import ACTIONS, VisibleQuerySet

from .base import TimeStamped


class SalesTargetQuerySet(VisibleQuerySet):
    """A person's target is seen with the person (their own, their team's for a manager)."""

    owner_field = "user"

    def row_filter(self, user, action: str):
        # Team targets are the team's shared goal: seen by everyone who may see targets.
        condition = super().row_filter(user, action)
        return None if condition is None else condition | models.Q(user__isnull=True)


class SalesTarget(TimeStamped):
    month = models.DateField(_("month"))  # the first day of the month
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("salesperson"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    department = models.ForeignKey(
        "org.Department",
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    amount = models.DecimalField(_("target"), max_digits=16, decimal_places=2)

    objects = SalesTargetQuerySet.as_manager()

    class Meta:
        ordering = ["-month", "id"]
        verbose_name = _("sales target")
        verbose_name_plural = _("sales targets")
        default_permissions = ACTIONS
        constraints = [
            models.CheckConstraint(
                condition=models.Q(user__isnull=True) ^ models.Q(department__isnull=True),
                name="crm_salestarget_user_xor_team",
            ),
            models.UniqueConstraint(fields=["month", "user"], name="crm_salestarget_user_month"),
            models.UniqueConstraint(fields=["month", "department"], name="crm_salestarget_team_month"),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.amount}"
