"""Sales targets against what was sold: a person's and a team's progress for a month and the
ranking of the people in the reader's team (booked orders, as in the sales report)."""

from __future__ import annotations

import calendar
import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, Sum
from django.utils import timezone

from org.models import Employee
from org.selectors import department_ids_below

from ..models import Order, SalesTarget

ZERO = Decimal(0)


@dataclass(frozen=True)
class TargetProgress:
    label: str
    target: Decimal
    achieved: Decimal
    user_id: int | None = None
    rank: int = 0

    @property
    def percent(self) -> int:
        return int(self.achieved * 100 / self.target) if self.target else 0


def _month(day: datetime.date) -> tuple[datetime.date, datetime.date]:
    first = day.replace(day=1)
    return first, first.replace(day=calendar.monthrange(first.year, first.month)[1])


def _sold(owner_filter: Q, first: datetime.date, last: datetime.date):
    return Order.objects.filter(owner_filter, status__in=Order.BOOKED, ordered_on__range=(first, last))


def target_ranking(*, user, month: datetime.date | None = None) -> dict:
    """{"month", "mine": TargetProgress | None, "team": TargetProgress | None, "ranking": [...]}:
    the reader's own target, their team's, and everyone with a target in their team or in the
    rows they may see, ranked by how much of the target they reached."""
    first, last = _month(month or timezone.localdate())
    department_id = Employee.objects.filter(user=user).values_list("department_id", flat=True).first()
    targets = SalesTarget.objects.filter(month=first, user__isnull=False).select_related("user")
    visible = SalesTarget.objects.visible_to(user).filter(month=first, user__isnull=False).values("pk")
    colleagues = Q(pk__in=visible)
    if department_id is not None:
        colleagues |= Q(user__employee__department_id=department_id)
    people = list(targets.filter(colleagues))
    sold = {
        row["owner_id"]: row["total"]
        for row in _sold(Q(owner__in=[t.user_id for t in people]), first, last)
        .order_by()
        .values("owner_id")
        .annotate(total=Sum("total_amount"))
    }
    rows = [
        TargetProgress(
            label=t.user.get_full_name() or t.user.get_username(),
            target=t.amount,
            achieved=sold.get(t.user_id, ZERO),
            user_id=t.user_id,
        )
        for t in people
    ]
    rows.sort(key=lambda r: (-(r.achieved / r.target if r.target else 0), -r.achieved, r.label))
    ranking = [
        TargetProgress(r.label, r.target, r.achieved, r.user_id, rank=index)
        for index, r in enumerate(rows, start=1)
    ]
    mine = next((r for r in ranking if r.user_id == user.pk), None)
    team = None
    if department_id is not None:
        team_target = SalesTarget.objects.filter(month=first, department_id=department_id).first()
        if team_target is not None:
            departments = department_ids_below({department_id})
            achieved = _sold(Q(owner__employee__department_id__in=departments), first, last).aggregate(
                total=Sum("total_amount")
            )["total"]
            team = TargetProgress(
                label=team_target.department.name, target=team_target.amount, achieved=achieved or ZERO
            )
    return {"month": first, "mine": mine, "team": team, "ranking": ranking}
