"""Reads of the marketing workspace: campaign figures and return on cost, a campaign's page,
audiences (favourite groups, saved customer queries) and mailing recipients, expense totals over
the category tree, favourite groups. Every read starts from `visible_to(user, ...)`."""

from __future__ import annotations

from dataclasses import dataclass, field
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
    CampaignTask,
    Contact,
    Customer,
    Expense,
    ExpenseCategory,
    FavouriteList,
    Lead,
    Opportunity,
    SavedQuery,
)

CAMPAIGN_PAGE_ROWS = 200


def _per_campaign(rows, aggregate, output_field):
    """`aggregate` over the `rows` of the campaign in the outer query, as a subquery."""
    return Subquery(
        rows.filter(campaign=OuterRef("pk")).order_by().values("campaign").annotate(v=aggregate).values("v"),
        output_field=output_field,
    )


def with_campaign_figures(campaigns):
    """`campaigns` annotated with what each brought and cost, one subquery per figure so that costs,
    members and deals do not multiply each other in a join (named apart from the relations):
    figure_cost (the campaign's costs plus the approved expenses booked on it), figure_members,
    figure_leads, figure_opportunities, figure_won and figure_won_amount (its deals won)."""
    money = DecimalField(max_digits=18, decimal_places=2)
    whole = IntegerField()
    won = Opportunity.objects.filter(status=Opportunity.Status.WON)
    approved = Expense.objects.filter(status=Expense.Status.APPROVED)
    zero = Value(Decimal(0), output_field=money)
    return campaigns.annotate(
        figure_cost=ExpressionWrapper(
            Coalesce(_per_campaign(CampaignCost.objects, Sum("amount"), money), zero)
            + Coalesce(_per_campaign(approved, Sum("amount"), money), zero),
            output_field=money,
        ),
        figure_members=Coalesce(_per_campaign(CampaignMember.objects, Count("pk"), whole), 0),
        figure_leads=Coalesce(_per_campaign(Lead.objects, Count("pk"), whole), 0),
        figure_opportunities=Coalesce(_per_campaign(Opportunity.objects, Count("pk"), whole), 0),
        figure_won=Coalesce(_per_campaign(won, Count("pk"), whole), 0),
        figure_won_amount=Coalesce(_per_campaign(won, Sum("amount"), money), zero),
    )


def campaign_roi(*, campaign: Campaign) -> dict:
    """Costs (campaign costs + approved expenses booked on it) against revenue of deals won
    through it."""
    row = (
        with_campaign_figures(Campaign.objects.filter(pk=campaign.pk))
        .values(
            "figure_cost",
            "figure_won_amount",
            "figure_members",
            "figure_leads",
            "figure_opportunities",
            "figure_won",
        )
        .get()
    )
    cost, won = row["figure_cost"], row["figure_won_amount"]
    return {
        "cost": cost,
        "won_revenue": won,
        "members": row["figure_members"],
        "leads": row["figure_leads"],
        "opportunities": row["figure_opportunities"],
        "won": row["figure_won"],
        "roi": float((won - cost) / cost) if cost else None,
    }


@dataclass
class CampaignPage:
    """What the campaign's page shows besides its plan (each list bounded)."""

    figures: dict
    members: list
    member_count: int
    tasks: list
    costs: list
    expenses: list
    opportunities: list
    leads: list


def campaign_page(*, user, campaign: Campaign) -> CampaignPage:
    members = CampaignMember.objects.filter(campaign=campaign).select_related("customer", "contact__customer")
    return CampaignPage(
        figures=campaign_roi(campaign=campaign),
        members=list(members.order_by("pk")[:CAMPAIGN_PAGE_ROWS]),
        member_count=members.count(),
        tasks=list(CampaignTask.objects.filter(campaign=campaign).select_related("assignee", "done_by")),
        costs=list(CampaignCost.objects.filter(campaign=campaign).order_by("-spent_on", "-pk")),
        expenses=list(
            Expense.objects.visible_to(user)
            .filter(campaign=campaign)
            .select_related("category", "owner")
            .order_by("-spent_on", "-pk")[:CAMPAIGN_PAGE_ROWS]
        ),
        opportunities=list(
            Opportunity.objects.visible_to(user)
            .filter(campaign=campaign)
            .select_related("customer")
            .order_by("-pk")[:CAMPAIGN_PAGE_ROWS]
        ),
        leads=list(
            Lead.objects.visible_to(user).filter(campaign=campaign).order_by("-pk")[:CAMPAIGN_PAGE_ROWS]
        ),
    )


def my_campaign_tasks(*, user, include_done: bool = False, limit: int = 200) -> list[CampaignTask]:
    """The campaign tasks assigned to `user`, open first by due date."""
    tasks = CampaignTask.objects.filter(assignee=user).select_related("campaign")
    if not include_done:
        tasks = tasks.filter(done=False)
    return list(tasks.order_by("done", "due_on", "pk")[:limit])


# --- audiences and recipients --------------------------------------------------------------------


@dataclass
class Audience:
    name: str
    customers: list = field(default_factory=list)
    contacts: list = field(default_factory=list)


def audience_sources(*, user) -> list[tuple[str, str]]:
    """("list:<id>" | "query:<id>", label) of the favourite groups and saved customer queries the
    user may use as an audience."""
    from django.utils.translation import gettext as _

    lists = FavouriteList.objects.visible_to(user).order_by("name").values_list("pk", "name")
    queries = SavedQuery.objects.visible_to(user).filter(entity="customer").order_by("name")
    return [(f"list:{pk}", _("Favourite group: %(name)s") % {"name": name}) for pk, name in lists] + [
        (f"query:{q.pk}", _("Saved query: %(name)s") % {"name": q.name}) for q in queries
    ]


def audience(*, user, source: str, limit: int = 5000) -> Audience | None:
    """The customers and contacts of a favourite group ("list:<id>") or the customers of a saved
    customer query ("query:<id>", which needs the export permission, as a mailing does); only
    records the user may see. None: no such group or query visible to the user."""
    from ..selectors.lists import list_queryset

    kind, _sep, pk = str(source or "").partition(":")
    pk = int(pk) if pk.isdigit() else 0
    if kind == "list":
        group = FavouriteList.objects.visible_to(user).filter(pk=pk).first()
        if group is None:
            return None
        customers = Customer.objects.visible_to(user).filter(favourite_items__favourite_list=group)
        contacts = Contact.objects.visible_to(user).filter(favourite_items__favourite_list=group)
        return Audience(str(group), list(customers[:limit]), list(contacts[:limit]))
    if kind == "query":
        query = SavedQuery.objects.visible_to(user).filter(pk=pk, entity="customer").first()
        if query is None:
            return None
        customers = list_queryset(user=user, entity="customer", params=query.params, action="export")
        return Audience(str(query), list(customers[:limit]))
    return None


def campaign_recipients(*, user, campaign: Campaign, channel: str = "email") -> list[dict]:
    """Who a mailing to the campaign's members reaches ({"name", "address"}): contacts by their
    e-mail or mobile, customers by theirs; only records the user may see, each address once."""
    field_name = "email" if channel == "email" else "mobile"
    members = CampaignMember.objects.filter(campaign=campaign)
    contacts = Contact.objects.visible_to(user).filter(pk__in=members.values("contact_id"))
    customers = Customer.objects.visible_to(user).filter(pk__in=members.values("customer_id"))
    rows = [
        (c.name, getattr(c, field_name) or (c.phone if field_name == "mobile" else ""))
        for c in contacts.only("name", "email", "mobile", "phone")
    ]
    rows += [
        (c.name, c.email if channel == "email" else c.phone) for c in customers.only("name", "email", "phone")
    ]
    seen: set[str] = set()
    recipients = []
    for name, address in rows:
        if address and address not in seen:
            seen.add(address)
            recipients.append({"name": name, "address": address})
    return recipients


def mailing_topic(campaign: Campaign) -> str:
    """How the campaign's mailings are tagged (integrations' Mailing.topic)."""
    return f"crm.campaign:{campaign.pk}"


# --- expenses and favourite groups ---------------------------------------------------------------


def expense_totals_by_category(*, user) -> list[dict]:
    """Each category with its own and its sub-categories' visible expenses, in tree order."""
    categories = list(
        ExpenseCategory.objects.order_by("sort_order", "name").values("id", "name", "parent_id")
    )
    own = dict(
        Expense.objects.visible_to(user)
        .exclude(status=Expense.Status.WITHDRAWN)
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


def expense_category_choices() -> list[tuple[str, str]]:
    """Categories in tree order, sub-categories indented under their parent."""
    categories = list(
        ExpenseCategory.objects.order_by("sort_order", "name").values("id", "name", "parent_id")
    )
    children: dict = {}
    for category in categories:
        children.setdefault(category["parent_id"], []).append(category)
    result: list[tuple[str, str]] = []

    def walk(node, depth) -> None:
        result.append((str(node["id"]), "\u3000" * depth + node["name"]))
        for child in children.get(node["id"], []):
            walk(child, depth + 1)

    for root in children.get(None, []):
        walk(root, 0)
    return result


def favourite_lists_for(*, user):
    return FavouriteList.objects.visible_to(user).select_related("owner", "shared_with")


def favourite_groups_of_customer(*, user, customer: Customer) -> list[tuple[FavouriteList, bool]]:
    """The user's own favourite groups, each with whether the customer is in it."""
    groups = list(FavouriteList.objects.filter(owner=user).order_by("name"))
    holding = set(
        FavouriteList.objects.filter(owner=user, items__customer=customer).values_list("pk", flat=True)
    )
    return [(group, group.pk in holding) for group in groups]
