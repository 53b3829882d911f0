"""Sales targets (销售目标): set a person's or a team's amount for a month."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from audit.services import audit_record
from core.errors import ValidationFailed

from ..models import SalesTarget
from .common import parse_date, parse_decimal, require_permission


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


@transaction.atomic
def sales_target_set(*, actor, month, amount, user=None, department=None) -> SalesTarget:
    """Set (create or replace) the target of a salesperson or a team for the month of `month`."""
    require_permission(actor, SalesTarget, "add")
    errors: dict = {}
    day = parse_date(month, "month", errors)
    if day is None and "month" not in errors:
        errors.setdefault("month", []).append(_g("This field is required."))
    value = parse_decimal(amount, "amount", errors, SalesTarget._meta.get_field("amount"))
    if value is None or value < 0:
        errors.setdefault("amount", []).append(_g("Enter an amount of at least 0."))
    if (user is None) == (department is None):
        errors.setdefault("user", []).append(_g("Choose a salesperson or a team."))
    if errors:
        raise ValidationFailed(_("The target could not be saved."), fields=errors)
    key = {"user": user} if user is not None else {"department": department}
    target, created = SalesTarget.objects.update_or_create(
        month=month_start(day), **key, defaults={"amount": value, "created_by": actor}
    )
    audit_record(
        action="create" if created else "change", actor=actor, obj=target, extra={"amount": str(value)}
    )
    return target
