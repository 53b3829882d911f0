"""Reads for campaigns (ROI), expenses (totals over the category tree), favourites, stock."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import (
    Count,
    DecimalField,
    ExpressionWrapper,
    IntegerField,
    OuterRef,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from ..models import (
    Campaign,
    CampaignCost,
    CampaignMember,
    Expense,
    ExpenseCategory,
    FavouriteList,
    Lead,
    Opportunity,
    SavedQuery,
)


def _per_campaign(rows, aggregate, output_field):
    """`aggregate` over the `rows` of the campaign in the outer query, as a subquery."""
    return Subquery(
        rows.filter(campaign=OuterRef("pk")).order_by().values("campaign").annotate(v=aggregate).values("v"),
        output_field=output_field,
    )


def with_campaign_figures(campaigns):
    """`campaigns` annotated with what each brought and cost, one subquery per figure so that costs,
    members and deals do not multiply each other in a join (named apart from the relations):
    figure_cost (the campaign's costs plus the expenses booked on it), figure_members,
    figure_leads, figure_opportunities, figure_won and figure_won_amount (its deals won)."""
    money = DecimalField(max_digits=18, decimal_places=2)
    whole = IntegerField()
    won = Opportunity.objects.filter(status=Opportunity.Status.WON)
    zero = Value(Decimal(0), output_field=money)
    return campaigns.annotate(
        figure_cost=ExpressionWrapper(
            Coalesce(_per_campaign(CampaignCost.objects, Sum("amount"), money), zero)
            + Coalesce(_per_campaign(Expense.objects, Sum("amount"), money), zero),
            output_field=money,
        ),
        figure_members=Coalesce(_per_campaign(CampaignMember.objects, Count("pk"), whole), 0),
        figure_leads=Coalesce(_per_campaign(Lead.objects, Count("pk"), whole), 0),
        figure_opportunities=Coalesce(_per_campaign(Opportunity.objects, Count("pk"), whole), 0),
        figure_won=Coalesce(_per_campaign(won, Count("pk"), whole), 0),
        figure_won_amount=Coalesce(_per_campaign(won, Sum("amount"), money), zero),
    )


def campaign_roi(*, campaign: Campaign) -> dict:
    """Costs (campaign costs + expenses booked on it) against revenue of deals won through it."""
    row = (
        with_campaign_figures(Campaign.objects.filter(pk=campaign.pk))
        .values("figure_cost", "figure_won_amount", "figure_members")
        .get()
    )
    cost, won = row["figure_cost"], row["figure_won_amount"]
    return {
        "cost": cost,
        "won_revenue": won,
        "members": row["figure_members"],
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
    return SavedQuery.objects.visible_to(user).filter(entity=entity).select_related("owner", "shared_with")
