"""Reads for campaigns (ROI), expenses (totals over the category tree), favourites, stock."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Sum

from ..models import Campaign, Expense, ExpenseCategory, FavouriteList, Opportunity, SavedQuery


def campaign_roi(*, campaign: Campaign) -> dict:
    """Costs (campaign costs + expenses booked on it) against revenue of deals won through it."""
    cost = (campaign.costs.aggregate(total=Sum("amount"))["total"] or Decimal(0)) + (
        campaign.expenses.aggregate(total=Sum("amount"))["total"] or Decimal(0)
    )
    won = Opportunity.objects.filter(campaign=campaign, status=Opportunity.Status.WON).aggregate(
        total=Sum("amount")
    )["total"] or Decimal(0)
    return {
        "cost": cost,
        "won_revenue": won,
        "members": campaign.members.count(),
        "roi": float((won - cost) / cost) if cost else None,
    }


def expense_totals_by_category(*, user) -> list[dict]:
    """Each category with its own and its sub-categories' visible expenses, in tree order."""
    categories = list(
        ExpenseCategory.objects.order_by("sort_order", "name").values("id", "name", "parent_id")
    )
    own = dict(
        Expense.objects.visible_to(user)
        .values("category_id")
        .annotate(total=Sum("amount"))
        .values_list("category_id", "total")
    )
    children: dict = {}
    for category in categories:
        children.setdefault(category["parent_id"], []).append(category)
    result: list[dict] = []

    def walk(node, depth) -> Decimal:
        row = {"id": node["id"], "name": node["name"], "depth": depth, "total": Decimal(0)}
        result.append(row)
        total = own.get(node["id"]) or Decimal(0)
        for child in children.get(node["id"], []):
            total += walk(child, depth + 1)
        row["total"] = total
        return total

    for root in children.get(None, []):
        walk(root, 0)
    return result


def favourite_lists_for(*, user):
    return FavouriteList.objects.visible_to(user).select_related("owner", "shared_with")


def saved_queries_for(*, user, entity: str):
    return SavedQuery.objects.visible_to(user).filter(entity=entity).select_related("owner")
