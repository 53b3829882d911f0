"""Favourites, campaigns, expenses, competitors/partners, custom field definitions, saved queries."""

from __future__ import annotations

from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from audit.services import audit_record
from core.errors import Conflict, NotFound, NotPermitted, ValidationFailed
from org.selectors import effective_group_ids

from ..models import (
    Campaign,
    CampaignCost,
    CampaignMember,
    CampaignTask,
    Competitor,
    Contact,
    Customer,
    CustomFieldDefinition,
    Expense,
    ExpenseCategory,
    FavouriteItem,
    FavouriteList,
    SavedQuery,
)
from .common import display, parse_date, parse_decimal, require_permission, require_row

# --- Favourites ----------------------------------------------------------------------------


@transaction.atomic
def favourite_list_create(*, actor, name: str, shared_with=None) -> FavouriteList:
    require_permission(actor, FavouriteList, "add")
    if not name.strip():
        raise ValidationFailed(_("Name the list."), fields={"name": [_g("This field is required.")]})
    if (
        shared_with is not None
        and shared_with.pk not in effective_group_ids(actor)
        and not actor.is_superuser
    ):
        raise NotPermitted(_("You can share only with your own groups."))
    favourite_list = FavouriteList.objects.create(
        name=name.strip()[:100], owner=actor, shared_with=shared_with, created_by=actor
    )
    audit_record(action="create", actor=actor, obj=favourite_list)
    return favourite_list


@transaction.atomic
def favourite_add(*, actor, favourite_list: FavouriteList, customers=(), contacts=()) -> int:
    """Add visible customers/contacts to one of the actor's lists; returns how many were new."""
    if favourite_list.owner_id != actor.pk:
        raise NotPermitted(_("Only the list's owner changes it."))
    customer_ids = set(
        Customer.objects.visible_to(actor)
        .filter(pk__in=[c.pk for c in customers])
        .values_list("pk", flat=True)
    )
    contact_ids = set(
        Contact.objects.visible_to(actor).filter(pk__in=[c.pk for c in contacts]).values_list("pk", flat=True)
    )
    if len(customer_ids) != len({c.pk for c in customers}) or len(contact_ids) != len(
        {c.pk for c in contacts}
    ):
        raise NotPermitted(_("Some of these records are not visible to you."))
    before = favourite_list.items.count()
    FavouriteItem.objects.bulk_create(
        [FavouriteItem(favourite_list=favourite_list, customer_id=pk) for pk in customer_ids]
        + [FavouriteItem(favourite_list=favourite_list, contact_id=pk) for pk in contact_ids],
        ignore_conflicts=True,
    )
    audit_record(
        action="change",
        actor=actor,
        obj=favourite_list,
        changes={"items": [None, {"customers": sorted(customer_ids), "contacts": sorted(contact_ids)}]},
    )
    return favourite_list.items.count() - before


@transaction.atomic
def favourite_remove(*, actor, favourite_list: FavouriteList, customers=(), contacts=()) -> None:
    if favourite_list.owner_id != actor.pk:
        raise NotPermitted(_("Only the list's owner changes it."))
    favourite_list.items.filter(customer__in=list(customers)).delete()
    favourite_list.items.filter(contact__in=list(contacts)).delete()
    ids = {"customers": sorted(c.pk for c in customers), "contacts": sorted(c.pk for c in contacts)}
    audit_record(action="change", actor=actor, obj=favourite_list, changes={"items": [ids, None]})


# --- Campaigns -----------------------------------------------------------------------------


@transaction.atomic
def campaign_create(
    *, actor, name: str, kind: str = "", starts_on=None, ends_on=None, budget=0, expected_revenue=0
) -> Campaign:
    require_permission(actor, Campaign, "add")
    errors: dict = {}
    if not name.strip():
        errors.setdefault("name", []).append(_g("This field is required."))
    start, end = parse_date(starts_on, "starts_on", errors), parse_date(ends_on, "ends_on", errors)
    if start and end and end < start:
        errors.setdefault("ends_on", []).append(_g("The end comes before the start."))
    money = {}
    for key, value in (("budget", budget), ("expected_revenue", expected_revenue)):
        money[key] = parse_decimal(value, key, errors, Campaign._meta.get_field(key)) or Decimal(0)
        if money[key] < 0:
            errors.setdefault(key, []).append(_g("Cannot be negative."))
    if errors:
        raise ValidationFailed(_("The campaign could not be saved."), fields=errors)
    campaign = Campaign.objects.create(
        name=name.strip(), kind=kind, starts_on=start, ends_on=end, owner=actor, created_by=actor, **money
    )
    audit_record(action="create", actor=actor, obj=campaign)
    return campaign


@transaction.atomic
def campaign_add_members(
    *, actor, campaign: Campaign, customers=(), contacts=(), status: str = "invited"
) -> int:
    require_row(actor, campaign, "change")
    existing_customers = set(
        campaign.members.filter(customer__isnull=False).values_list("customer_id", flat=True)
    )
    existing_contacts = set(
        campaign.members.filter(contact__isnull=False).values_list("contact_id", flat=True)
    )
    rows = [
        CampaignMember(campaign=campaign, customer=c, status=status)
        for c in customers
        if c.pk not in existing_customers
    ]
    rows += [
        CampaignMember(campaign=campaign, contact=c, status=status)
        for c in contacts
        if c.pk not in existing_contacts
    ]
    CampaignMember.objects.bulk_create(rows)
    if rows:
        added = {
            "customers": sorted(r.customer_id for r in rows if r.customer_id),
            "contacts": sorted(r.contact_id for r in rows if r.contact_id),
        }
        audit_record(action="change", actor=actor, obj=campaign, changes={"members": [None, added]})
    return len(rows)


@transaction.atomic
def campaign_add_task(*, actor, campaign: Campaign, title: str, assignee, due_on=None) -> CampaignTask:
    require_row(actor, campaign, "change")
    errors: dict = {}
    if not title.strip():
        errors.setdefault("title", []).append(_g("This field is required."))
    if assignee is None or not assignee.is_active:
        errors.setdefault("assignee", []).append(_g("Choose an active user."))
    due = parse_date(due_on, "due_on", errors)
    if errors:
        raise ValidationFailed(_("The task could not be saved."), fields=errors)
    task = CampaignTask.objects.create(campaign=campaign, title=title.strip(), assignee=assignee, due_on=due)
    audit_record(action="create", actor=actor, obj=task, extra={"campaign": campaign.pk})
    return task


@transaction.atomic
def campaign_add_cost(*, actor, campaign: Campaign, item: str, amount, spent_on=None) -> CampaignCost:
    require_row(actor, campaign, "change")
    errors: dict = {}
    value = parse_decimal(amount, "amount", errors, CampaignCost._meta.get_field("amount"))
    if value is None or value <= 0:
        errors.setdefault("amount", []).append(_g("Enter an amount greater than 0."))
    if not item.strip():
        errors.setdefault("item", []).append(_g("This field is required."))
    day = parse_date(spent_on, "spent_on", errors)
    if errors:
        raise ValidationFailed(_("The cost could not be saved."), fields=errors)
    cost = CampaignCost.objects.create(
        campaign=campaign, item=item.strip(), amount=value, spent_on=day or timezone.localdate()
    )
    audit_record(action="create", actor=actor, obj=cost, extra={"campaign": campaign.pk})
    return cost


# --- Expenses ------------------------------------------------------------------------------


@transaction.atomic
def expense_category_create(*, actor, name: str, parent: ExpenseCategory | None = None) -> ExpenseCategory:
    require_permission(actor, ExpenseCategory, "add")
    if not name.strip():
        raise ValidationFailed(_("Name the category."), fields={"name": [_g("This field is required.")]})
    category = ExpenseCategory.objects.create(name=name.strip(), parent=parent)
    audit_record(action="create", actor=actor, obj=category)
    return category


@transaction.atomic
def expense_category_move(
    *, actor, category: ExpenseCategory, parent: ExpenseCategory | None
) -> ExpenseCategory:
    require_permission(actor, ExpenseCategory, "change")
    node = parent
    while node is not None:
        if node.pk == category.pk:
            raise ValidationFailed(
                _("A category cannot be placed under itself."),
                fields={
                    "parent": [_g("A category cannot be placed under itself or one of its sub-categories.")]
                },
            )
        node = node.parent
    old = category.parent
    category.parent = parent
    category.save(update_fields=["parent"])
    if old != parent:
        audit_record(
            action="change", actor=actor, obj=category, changes={"parent": [display(old), display(parent)]}
        )
    return category


@transaction.atomic
def expense_create(
    *, actor, category: ExpenseCategory, amount, spent_on, description: str = "", customer=None, campaign=None
) -> Expense:
    require_permission(actor, Expense, "add")
    errors: dict = {}
    value = parse_decimal(amount, "amount", errors, Expense._meta.get_field("amount"))
    if value is None or value <= 0:
        errors.setdefault("amount", []).append(_g("Enter an amount greater than 0."))
    day = parse_date(spent_on, "spent_on", errors)
    if day is None and "spent_on" not in errors:
        errors.setdefault("spent_on", []).append(_g("This field is required."))
    if errors:
        raise ValidationFailed(_("The expense could not be saved."), fields=errors)
    if customer is not None:
        require_row(actor, customer, "view")
    expense = Expense.objects.create(
        category=category,
        amount=value,
        spent_on=day,
        description=description[:300],
        customer=customer,
        campaign=campaign,
        owner=actor,
        created_by=actor,
    )
    audit_record(action="create", actor=actor, obj=expense)
    return expense


# --- Competitors and partners --------------------------------------------------------------


@transaction.atomic
def competitor_create(*, actor, name: str, kind: str = Competitor.Kind.COMPETITOR, **fields) -> Competitor:
    require_permission(actor, Competitor, "add")
    errors: dict = {}
    if not name.strip():
        errors.setdefault("name", []).append(_g("This field is required."))
    if kind not in Competitor.Kind.values:
        errors.setdefault("kind", []).append(_g("Unknown kind."))
    for key in set(fields) - {"website", "strengths", "weaknesses", "notes"}:
        errors.setdefault(key, []).append(_g("Unknown field."))
    if Competitor.objects.filter(name=name.strip()).exists():
        errors.setdefault("name", []).append(_g("Already recorded."))
    if errors:
        raise ValidationFailed(_("The record could not be saved."), fields=errors)
    competitor = Competitor.objects.create(name=name.strip(), kind=kind, **fields)
    audit_record(action="create", actor=actor, obj=competitor)
    return competitor


# --- Custom fields -------------------------------------------------------------------------


@transaction.atomic
def custom_field_define(
    *,
    actor,
    entity: str,
    label: str,
    kind: str = CustomFieldDefinition.Kind.TEXT,
    key: str = "",
    choices: list | None = None,
    required: bool = False,
) -> CustomFieldDefinition:
    require_permission(actor, CustomFieldDefinition, "add")
    errors: dict = {}
    key = key or slugify(label).replace("-", "_")
    if entity not in CustomFieldDefinition.Entity.values:
        errors.setdefault("entity", []).append(_g("Unknown entity."))
    if kind not in CustomFieldDefinition.Kind.values:
        errors.setdefault("kind", []).append(_g("Unknown kind."))
    if not key or not key.replace("_", "").isalnum() or not key.isascii():
        errors.setdefault("key", []).append(_g("Give a key of letters, digits and underscores."))
    if kind == CustomFieldDefinition.Kind.CHOICE and not choices:
        errors.setdefault("choices", []).append(_g("A choice field needs choices."))
    if errors:
        raise ValidationFailed(_("The custom field could not be saved."), fields=errors)
    try:
        with transaction.atomic():
            definition = CustomFieldDefinition.objects.create(
                entity=entity, key=key, label=label, kind=kind, choices=choices or [], required=required
            )
    except IntegrityError:
        raise Conflict(_("This entity already has a field with this key.")) from None
    audit_record(action="create", actor=actor, obj=definition)
    return definition


# --- Saved queries -------------------------------------------------------------------------


@transaction.atomic
def saved_query_save(*, actor, name: str, entity: str, params: dict, shared_with=None) -> SavedQuery:
    """Save (or overwrite by name) a list query; `params` are validated by the list selector."""
    from ..selectors.lists import LISTS, parse_params

    require_permission(actor, SavedQuery, "add")
    if entity not in LISTS:
        raise ValidationFailed(_("Unknown list."), fields={"entity": [_g("Unknown list.")]})
    if not name.strip():
        raise ValidationFailed(_("Name the query."), fields={"name": [_g("This field is required.")]})
    parse_params(LISTS[entity], params, actor)  # raises ValidationFailed on bad filters
    if (
        shared_with is not None
        and shared_with.pk not in effective_group_ids(actor)
        and not actor.is_superuser
    ):
        raise NotPermitted(_("You can share only with your own groups."))
    query, _created = SavedQuery.objects.update_or_create(
        owner=actor,
        entity=entity,
        name=name.strip()[:100],
        defaults={"params": params, "shared_with": shared_with, "created_by": actor},
    )
    return query


@transaction.atomic
def saved_query_delete(*, actor, saved_query_id: int) -> None:
    """Delete one of the actor's own saved queries (a query shared with them is the owner's)."""
    query = SavedQuery.objects.visible_to(actor, "change").filter(pk=saved_query_id).first()
    if query is None:
        if SavedQuery.objects.visible_to(actor, "view").filter(pk=saved_query_id).exists():
            raise NotPermitted(_("Only its owner can delete a saved query."))
        raise NotFound(_("No such saved query."))
    audit_record(action="delete", actor=actor, obj=query)
    query.delete()
