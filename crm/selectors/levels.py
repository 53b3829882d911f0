"""Customer levels by their criteria: which customers' booked orders of the last year meet a
higher level's criteria than the level they have (the "suggest level changes" list)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Sum
from django.utils import timezone

from ..models import Customer, CustomerLevel, LevelChangeRequest, Order

YEAR = datetime.timedelta(days=365)


@dataclass(frozen=True)
class LevelSuggestion:
    customer: Customer
    current: CustomerLevel | None
    suggested: CustomerLevel
    amount: Decimal
    orders: int


def level_suggestions(*, user, today: datetime.date | None = None, limit: int = 200) -> list[LevelSuggestion]:
    """Customers the user may see whose last 365 days of booked orders meet the criteria of a
    level above theirs (levels rank by their order; the first is the highest), best level first;
    customers with a level change waiting are left out. Three queries, whatever the data."""
    today = today or timezone.localdate()
    levels = [
        lv
        for lv in CustomerLevel.objects.filter(active=True).order_by("sort_order", "code")
        if lv.min_yearly_amount is not None or lv.min_yearly_orders is not None
    ]
    if not levels:
        return []
    rank = {lv.pk: i for i, lv in enumerate(CustomerLevel.objects.order_by("sort_order", "code"))}
    figures = (
        Order.objects.filter(
            status__in=Order.BOOKED,
            ordered_on__gt=today - YEAR,
            ordered_on__lte=today,
            customer__in=Customer.objects.visible_to(user),
        )
        .exclude(
            customer__in=LevelChangeRequest.objects.filter(status=LevelChangeRequest.Status.PENDING).values(
                "customer_id"
            )
        )
        .values("customer_id")
        .annotate(amount=Sum("total_amount"), orders=Count("pk"))
        .order_by()
    )
    found: dict[int, tuple[CustomerLevel, Decimal, int]] = {}
    for row in figures:
        amount, orders = row["amount"] or Decimal(0), row["orders"]
        for level in levels:  # the highest first
            if (level.min_yearly_amount is not None and amount >= level.min_yearly_amount) or (
                level.min_yearly_orders is not None and orders >= level.min_yearly_orders
            ):
                found[row["customer_id"]] = (level, amount, orders)
                break
    customers = Customer.objects.filter(pk__in=found).select_related("level", "owner")
    result = []
    for customer in customers:
        level, amount, orders = found[customer.pk]
        current = customer.level
        if current is not None and rank.get(current.pk, 1 << 30) <= rank[level.pk]:
            continue  # already at that level or above it
        result.append(LevelSuggestion(customer, current, level, amount, orders))
    result.sort(key=lambda s: (rank[s.suggested.pk], -s.amount, s.customer.pk))
    return result[:limit]
