"""Writes of the marketing workspace: favourite groups, campaigns (members, tasks, costs), expense
claims and their approval, competitors and partners. Each takes `actor`, checks it, writes, and
records the audit row; notifications go out through `core.events.request_notification`."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from audit.services import audit_record, diff, snapshot
from core.errors import Conflict, NotPermitted, ValidationFailed
from core.events import request_notification
from engine.connectors import is_process_actor, user_of
from engine.ownership import require_process_authority
from org.selectors import effective_group_ids

from ..files import check_upload
from ..models import (
    Campaign,
    CampaignCost,
    CampaignMember,
    CampaignTask,
    Competitor,
    Contact,
    Cooperation,
    Customer,
    Expense,
    ExpenseCategory,
    FavouriteItem,
    FavouriteList,
    Opportunity,
)
from ..services.common import (
    check_fits,
    clean_text,
    display,
    parse_date,
    parse_decimal,
    require_permission,
    require_row,
)
from ..signals import business_event

RECEIPT_TYPES = (".pdf", ".png", ".jpg", ".jpeg", ".gif")
RECEIPT_MAX_BYTES = 10 * 2**20
CAMPAIGN_MEMBERS_MAX = 5_000


# --- Favourite groups ----------------------------------------------------------------------------


def _check_share(actor, shared_with) -> None:
    if (
        shared_with is not None
        and shared_with.pk not in effective_group_ids(actor)
        and not actor.is_superuser
    ):
        raise ValidationFailed(
            _("You can share only with your own groups."),
            fields={"shared_with": [_g("You can share only with your own groups.")]},
        )


def _require_list_owner(actor, favourite_list: FavouriteList) -> None:
    if favourite_list.owner_id != actor.pk:
        raise NotPermitted(_("Only the list's owner changes it."))


@transaction.atomic
def favourite_list_create(*, actor, name: str, shared_with=None) -> FavouriteList:
    require_permission(actor, FavouriteList, "add")
    errors: dict = {}
    name = clean_text(name, "name", errors, required=True, limit=100)
    if errors:
        raise ValidationFailed(_("Name the list."), fields=errors)
    _check_share(actor, shared_with)
    favourite_list = FavouriteList.objects.create(
        name=name, owner=actor, shared_with=shared_with, created_by=actor
    )
    audit_record(action="create", actor=actor, obj=favourite_list)
    return favourite_list


@transaction.atomic
def favourite_list_update(
    *, actor, favourite_list: FavouriteList, name: str, shared_with=None
) -> FavouriteList:
    """Rename the group or share it with one of the actor's groups (None: keep it personal)."""
    require_permission(actor, FavouriteList, "change")
    _require_list_owner(actor, favourite_list)
    errors: dict = {}
    name = clean_text(name, "name", errors, required=True, limit=100)
    if errors:
        raise ValidationFailed(_("Name the list."), fields=errors)
    _check_share(actor, shared_with)
    before = snapshot(favourite_list)
    favourite_list.name, favourite_list.shared_with = name, shared_with
    favourite_list.save(update_fields=["name", "shared_with", "updated_at"])
    audit_record(
        action="change", actor=actor, obj=favourite_list, changes=diff(before, snapshot(favourite_list))
    )
    return favourite_list


@transaction.atomic
def favourite_list_delete(*, actor, favourite_list: FavouriteList) -> None:
    require_permission(actor, FavouriteList, "delete")
    _require_list_owner(actor, favourite_list)
    audit_record(action="delete", actor=actor, obj=favourite_list)
    favourite_list.delete()


@transaction.atomic
def favourite_add(*, actor, favourite_list: FavouriteList, customers=(), contacts=()) -> int:
    """Add visible customers/contacts to one of the actor's lists; returns how many were new."""
    _require_list_owner(actor, favourite_list)
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
def favourite_remove(*, actor, favourite_list: FavouriteList, customers=(), contacts=()) -> int:
    """Take customers/contacts off one of the actor's lists; returns how many were on it."""
    _require_list_owner(actor, favourite_list)
    removed = favourite_list.items.filter(customer__in=list(customers)).delete()[0]
    removed += favourite_list.items.filter(contact__in=list(contacts)).delete()[0]
    ids = {"customers": sorted(c.pk for c in customers), "contacts": sorted(c.pk for c in contacts)}
    audit_record(action="change", actor=actor, obj=favourite_list, changes={"items": [ids, None]})
    return removed


# --- Campaigns -----------------------------------------------------------------------------------

CAMPAIGN_TEXT = {"name": 200, "kind": 60}


def _campaign_values(values: dict, errors: dict, *, partial: bool) -> dict:
    """The campaign's plan from form values: text, dates, money, channel and status."""
    clean: dict = {}
    for key, limit in CAMPAIGN_TEXT.items():
        if key in values or not partial:
            clean[key] = clean_text(values.get(key, ""), key, errors, required=key == "name", limit=limit)
    for key in ("goal", "description"):
        if key in values:
            clean[key] = clean_text(values[key], key, errors, limit=5000)
    for key in ("starts_on", "ends_on"):
        if key in values or not partial:
            clean[key] = parse_date(values.get(key), key, errors)
    for key in ("budget", "expected_revenue"):
        if key in values or not partial:
            amount = parse_decimal(values.get(key), key, errors, Campaign._meta.get_field(key)) or Decimal(0)
            if amount < 0:
                errors.setdefault(key, []).append(_g("Cannot be negative."))
            clean[key] = amount
    if "channel" in values:
        if values["channel"] not in ("", *Campaign.Channel.values):
            errors.setdefault("channel", []).append(_g("Unknown channel."))
        clean["channel"] = values["channel"] or ""
    if "status" in values:
        if values["status"] not in Campaign.Status.values:
            errors.setdefault("status", []).append(_g("Unknown status."))
        clean["status"] = values["status"]
    return clean


def _check_dates(start, end, errors: dict) -> None:
    if start and end and end < start:
        errors.setdefault("ends_on", []).append(_g("The end comes before the start."))


@transaction.atomic
def campaign_create(*, actor, name: str, **fields) -> Campaign:
    """Plan a campaign: name, kind, goal, channel, dates, budget, expected revenue, status."""
    require_permission(actor, Campaign, "add")
    errors: dict = {}
    unknown = (
        set(fields)
        - {*CAMPAIGN_TEXT, "goal", "description", "starts_on", "ends_on", "budget"}
        - {
            "expected_revenue",
            "channel",
            "status",
        }
    )
    for key in unknown:
        errors.setdefault(key, []).append(_g("Unknown field."))
    values = _campaign_values({"name": name, **fields}, errors, partial=False)
    _check_dates(values.get("starts_on"), values.get("ends_on"), errors)
    if errors:
        raise ValidationFailed(_("The campaign could not be saved."), fields=errors)
    campaign = Campaign.objects.create(owner=user_of(actor), created_by=user_of(actor), **values)
    audit_record(action="create", actor=actor, obj=campaign)
    return campaign


@transaction.atomic
def campaign_update(*, actor, campaign: Campaign, **fields) -> Campaign:
    require_row(actor, campaign, "change")
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    errors: dict = {}
    values = _campaign_values(fields, errors, partial=True)
    _check_dates(values.get("starts_on", campaign.starts_on), values.get("ends_on", campaign.ends_on), errors)
    if errors:
        raise ValidationFailed(_("The campaign could not be saved."), fields=errors)
    before = snapshot(campaign)
    for key, value in values.items():
        setattr(campaign, key, value)
    campaign.save()
    audit_record(action="change", actor=actor, obj=campaign, changes=diff(before, snapshot(campaign)))
    return campaign


@transaction.atomic
def campaign_delete(*, actor, campaign: Campaign) -> None:
    require_row(actor, campaign, "delete")
    if campaign.opportunities.exists() or campaign.expenses.exists():
        raise Conflict(_("Deals or expenses are credited to this campaign; cancel it instead."))
    audit_record(action="delete", actor=actor, obj=campaign)
    campaign.delete()


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


def campaign_add_members_from(*, actor, campaign: Campaign, source: str) -> int:
    """Members from a favourite group ("list:<id>") or a saved customer query ("query:<id>") the
    actor may see; only customers and contacts the actor may see are added."""
    from .selectors import audience

    found = audience(user=actor, source=source, limit=CAMPAIGN_MEMBERS_MAX)
    if found is None:
        raise ValidationFailed(
            _("Choose a favourite group or a saved query."),
            fields={"source": [_g("Choose a favourite group or a saved query.")]},
        )
    return campaign_add_members(
        actor=actor, campaign=campaign, customers=found.customers, contacts=found.contacts
    )


@transaction.atomic
def campaign_remove_member(*, actor, member: CampaignMember) -> None:
    require_row(actor, member.campaign, "change")
    audit_record(
        action="change",
        actor=actor,
        obj=member.campaign,
        changes={"members": [{"customer": member.customer_id, "contact": member.contact_id}, None]},
    )
    member.delete()


def _campaign_task_url(task: CampaignTask) -> str:
    from django.urls import reverse

    try:
        return reverse("crm:campaign_task_list") + f"#task-{task.pk}"
    except Exception:  # the staff UI is not installed (API-only deployments)
        return ""


@transaction.atomic
def campaign_add_task(*, actor, campaign: Campaign, title: str, assignee, due_on=None) -> CampaignTask:
    """A task of the campaign for one person, who is notified (in-app, and as they chose)."""
    require_row(actor, campaign, "change")
    errors: dict = {}
    title = clean_text(title, "title", errors, required=True, limit=200)
    if assignee is None or not assignee.is_active:
        errors.setdefault("assignee", []).append(_g("Choose an active user."))
    due = parse_date(due_on, "due_on", errors)
    if errors:
        raise ValidationFailed(_("The task could not be saved."), fields=errors)
    task = CampaignTask.objects.create(campaign=campaign, title=title, assignee=assignee, due_on=due)
    audit_record(action="create", actor=actor, obj=task, extra={"campaign": campaign.pk})
    by = user_of(actor)
    if by is None or by.pk != assignee.pk:
        request_notification(
            recipients=[assignee],
            template="campaign_task_assigned",
            context={
                "task": task.title,
                "campaign": campaign.name,
                "due": due.isoformat() if due else "—",
                "by": (by.get_full_name() or str(by)) if by else "",
            },
            url=_campaign_task_url(task),
        )
    return task


@transaction.atomic
def campaign_task_done(*, actor, task: CampaignTask, done: bool = True) -> CampaignTask:
    """The assignee (or whoever may change the campaign) marks the task done, or open again; the
    campaign's owner is told when someone else finished it."""
    task = CampaignTask.objects.select_for_update().select_related("campaign").get(pk=task.pk)
    if task.assignee_id != actor.pk:
        require_row(actor, task.campaign, "change")
    if task.done == done:
        return task
    task.done = done
    task.done_at = timezone.now() if done else None
    task.done_by = actor if done else None
    task.save(update_fields=["done", "done_at", "done_by"])
    audit_record(
        action="change",
        actor=actor,
        obj=task,
        changes={"done": [not done, done]},
        extra={"campaign": task.campaign_id},
    )
    owner = task.campaign.owner
    if done and owner.pk != actor.pk:
        request_notification(
            recipients=[owner],
            template="campaign_task_done",
            context={
                "task": task.title,
                "campaign": task.campaign.name,
                "by": actor.get_full_name() or str(actor),
            },
            url=_campaign_url(task.campaign),
        )
    return task


def _campaign_url(campaign: Campaign) -> str:
    from django.urls import reverse

    try:
        return reverse("crm:campaign_detail", args=[campaign.pk])
    except Exception:
        return ""


@transaction.atomic
def campaign_add_cost(*, actor, campaign: Campaign, item: str, amount, spent_on=None) -> CampaignCost:
    require_row(actor, campaign, "change")
    errors: dict = {}
    value = parse_decimal(amount, "amount", errors, CampaignCost._meta.get_field("amount"))
    if value is None or value <= 0:
        errors.setdefault("amount", []).append(_g("Enter an amount greater than 0."))
    item = clean_text(item, "item", errors, required=True, limit=200)
    day = parse_date(spent_on, "spent_on", errors)
    if errors:
        raise ValidationFailed(_("The cost could not be saved."), fields=errors)
    cost = CampaignCost.objects.create(
        campaign=campaign, item=item, amount=value, spent_on=day or timezone.localdate()
    )
    audit_record(action="create", actor=actor, obj=cost, extra={"campaign": campaign.pk})
    return cost


# --- Expenses ------------------------------------------------------------------------------------

EXPENSE_EDITABLE = (Expense.Status.DRAFT, Expense.Status.REJECTED)


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


def _expense_values(actor, values: dict, errors: dict, *, partial: bool) -> dict:
    """Amount, date, category, text and what it is booked against, from form values or objects."""
    clean: dict = {}
    if "category" in values or not partial:
        category = values.get("category")
        if not isinstance(category, ExpenseCategory):
            category = (
                ExpenseCategory.objects.filter(pk=int(category)).first()
                if str(category or "").isdigit()
                else None
            )
        if category is None:
            errors.setdefault("category", []).append(_g("Choose the category."))
        clean["category"] = category
    if "amount" in values or not partial:
        value = parse_decimal(values.get("amount"), "amount", errors, Expense._meta.get_field("amount"))
        if (value is None or value <= 0) and "amount" not in errors:
            errors.setdefault("amount", []).append(_g("Enter an amount greater than 0."))
        clean["amount"] = value
    if "spent_on" in values or not partial:
        day = parse_date(values.get("spent_on"), "spent_on", errors)
        if day is None and "spent_on" not in errors:
            errors.setdefault("spent_on", []).append(_g("This field is required."))
        elif day is not None and day > timezone.localdate():
            errors.setdefault("spent_on", []).append(_g("An expense cannot be in the future."))
        clean["spent_on"] = day
    if "description" in values:
        clean["description"] = clean_text(values["description"], "description", errors, limit=300)
    for key, model in (("customer", Customer), ("opportunity", Opportunity), ("campaign", Campaign)):
        if key not in values:
            continue
        target = values[key]
        if target in (None, ""):
            clean[key] = None
            continue
        pk = target.pk if hasattr(target, "pk") else (int(target) if str(target).isdigit() else None)
        found = model.objects.visible_to(actor, "view").filter(pk=pk).first() if pk else None
        if found is None:
            errors.setdefault(key, []).append(_g("Choose one you may see."))
        clean[key] = found
    opportunity, customer = clean.get("opportunity"), clean.get("customer")
    if opportunity is not None and customer is not None and opportunity.customer_id != customer.pk:
        errors.setdefault("opportunity", []).append(_g("This opportunity is another customer's."))
    if opportunity is not None and customer is None and "customer" in values:
        clean["customer"] = opportunity.customer
    if values.get("receipt"):
        checked = check_upload(
            values["receipt"],
            allowed=RECEIPT_TYPES,
            max_bytes=RECEIPT_MAX_BYTES,
            field="receipt",
            errors=errors,
        )
        if checked is not None:
            clean["receipt"] = checked.upload
    return clean


@transaction.atomic
def expense_create(*, actor, category, amount, spent_on, submit: bool = False, **fields) -> Expense:
    """Record an expense claim (a draft); `submit` also sends it for approval."""
    require_permission(actor, Expense, "add")
    errors: dict = {}
    for key in set(fields) - {"description", "customer", "opportunity", "campaign", "receipt"}:
        errors.setdefault(key, []).append(_g("Unknown field."))
    values = _expense_values(
        actor, {"category": category, "amount": amount, "spent_on": spent_on, **fields}, errors, partial=False
    )
    if errors:
        raise ValidationFailed(_("The expense could not be saved."), fields=errors)
    owner = user_of(actor)
    expense = Expense.objects.create(owner=owner, created_by=owner, **values)
    audit_record(action="create", actor=actor, obj=expense)
    if submit:
        expense = expense_submit(actor=actor, expense=expense)
    return expense


@transaction.atomic
def expense_update(*, actor, expense: Expense, **fields) -> Expense:
    """Change a draft, or a rejected claim before sending it back (the approval owns the status)."""
    require_row(actor, expense, "change")
    expense = Expense.objects.select_for_update().get(pk=expense.pk)
    if expense.status not in EXPENSE_EDITABLE:
        raise Conflict(
            _g("An expense that is %(status)s cannot be changed.") % {"status": expense.get_status_display()}
        )
    errors: dict = {}
    values = _expense_values(actor, fields, errors, partial=True)
    if errors:
        raise ValidationFailed(_("The expense could not be saved."), fields=errors)
    before = snapshot(expense)
    for key, value in values.items():
        setattr(expense, key, value)
    expense.save()
    audit_record(action="change", actor=actor, obj=expense, changes=diff(before, snapshot(expense)))
    return expense


@transaction.atomic
def expense_submit(*, actor, expense: Expense) -> Expense:
    """Send a draft for approval: the `expense.submitted` event starts the approval process bound
    to it (bpmn/expense_approval.bpmn), which from then on owns the status."""
    require_row(actor, expense, "change")
    expense = Expense.objects.select_for_update().get(pk=expense.pk)
    if expense.status != Expense.Status.DRAFT:
        raise Conflict(
            _g("Only a draft is submitted; this one is %(status)s.")
            % {"status": expense.get_status_display()}
        )
    if not expense.receipt:
        raise ValidationFailed(
            _("Attach the receipt before submitting."),
            fields={"receipt": [_g("Attach the receipt before submitting.")]},
        )
    expense.status = Expense.Status.SUBMITTED
    expense.save(update_fields=["status", "updated_at"])
    audit_record(action="change", actor=actor, obj=expense, changes={"status": ["draft", "submitted"]})
    business_event.send(
        sender=Expense,
        name="expense.submitted",
        obj=expense,
        actor=actor,
        data={"amount": str(expense.amount)},
    )
    return expense


EXPENSE_TRANSITIONS = {
    Expense.Status.SUBMITTED: {Expense.Status.APPROVED, Expense.Status.REJECTED},
    Expense.Status.REJECTED: {Expense.Status.SUBMITTED, Expense.Status.WITHDRAWN},
}


@transaction.atomic
def expense_set_status(*, actor, expense: Expense, status: str, note: str = "") -> Expense:
    """The approval's outcome (approved, rejected; after a rejection resubmitted or withdrawn). The
    running approval process owns the status; without one, only a user with the delete permission
    on expenses (a manager) decides."""
    expense = Expense.objects.select_for_update().get(pk=expense.pk)
    require_process_authority(actor=actor, obj=expense, fields=["status"])
    if not is_process_actor(actor):
        require_row(actor, expense, "change")
        require_permission(actor, Expense, "delete")
    if status not in EXPENSE_TRANSITIONS.get(expense.status, set()):
        raise Conflict(
            _g("An expense cannot go from %(old)s to %(new)s.")
            % {"old": expense.get_status_display(), "new": status}
        )
    old = expense.status
    expense.status = status
    update = ["status", "updated_at"]
    if status in (Expense.Status.APPROVED, Expense.Status.REJECTED):
        expense.decision_note = (note or "")[:2000]
        update.append("decision_note")
    expense.save(update_fields=update)
    audit_record(
        action="change", actor=actor, obj=expense, changes={"status": [old, status]}, extra={"note": note}
    )
    return expense


@transaction.atomic
def expense_delete(*, actor, expense: Expense) -> None:
    require_row(actor, expense, "delete")
    if expense.status not in (Expense.Status.DRAFT, Expense.Status.WITHDRAWN):
        raise Conflict(_("Only a draft or a withdrawn expense is deleted."))
    audit_record(action="delete", actor=actor, obj=expense)
    expense.delete()


# --- Competitors and partners --------------------------------------------------------------------

COMPETITOR_TEXT = {"website": 200, "strengths": 5000, "weaknesses": 5000, "products": 5000, "notes": 5000}


def _competitor_values(values: dict, errors: dict, *, current: Competitor | None) -> dict:
    clean: dict = {}
    for key in set(values) - {"name", "kind", *COMPETITOR_TEXT}:
        errors.setdefault(key, []).append(_g("Unknown field."))
    if "name" in values or current is None:
        name = clean_text(values.get("name", ""), "name", errors, required=True, limit=200)
        duplicate = Competitor.objects.filter(name=name)
        if current is not None:
            duplicate = duplicate.exclude(pk=current.pk)
        if name and duplicate.exists():
            errors.setdefault("name", []).append(_g("Already recorded."))
        clean["name"] = name
    if "kind" in values:
        if values["kind"] not in Competitor.Kind.values:
            errors.setdefault("kind", []).append(_g("Unknown kind."))
        clean["kind"] = values["kind"]
    for key, limit in COMPETITOR_TEXT.items():
        if key in values:
            clean[key] = clean_text(values[key], key, errors, limit=limit)
    return clean


@transaction.atomic
def competitor_create(*, actor, name: str, kind: str = Competitor.Kind.COMPETITOR, **fields) -> Competitor:
    require_permission(actor, Competitor, "add")
    errors: dict = {}
    values = _competitor_values({"name": name, "kind": kind, **fields}, errors, current=None)
    if errors:
        raise ValidationFailed(_("The record could not be saved."), fields=errors)
    competitor = Competitor.objects.create(**values)
    audit_record(action="create", actor=actor, obj=competitor)
    return competitor


@transaction.atomic
def competitor_update(*, actor, competitor: Competitor, **fields) -> Competitor:
    require_row(actor, competitor, "change")
    errors: dict = {}
    values = _competitor_values(fields, errors, current=competitor)
    if errors:
        raise ValidationFailed(_("The record could not be saved."), fields=errors)
    before = snapshot(competitor)
    for key, value in values.items():
        setattr(competitor, key, value)
    competitor.save()
    audit_record(action="change", actor=actor, obj=competitor, changes=diff(before, snapshot(competitor)))
    return competitor


@transaction.atomic
def cooperation_add(*, actor, partner: Competitor, happened_on, subject: str, value=0) -> Cooperation:
    """A record of what the company did with a partner (date, what, value)."""
    require_row(actor, partner, "change")
    errors: dict = {}
    if partner.kind != Competitor.Kind.PARTNER:
        errors.setdefault("partner", []).append(_g("Cooperation is recorded for partners."))
    day = parse_date(happened_on, "happened_on", errors)
    if day is None and "happened_on" not in errors:
        errors.setdefault("happened_on", []).append(_g("This field is required."))
    subject = clean_text(subject, "subject", errors, required=True, limit=300)
    amount = parse_decimal(value, "value", errors) or Decimal(0)
    if amount < 0:
        errors.setdefault("value", []).append(_g("Cannot be negative."))
    check_fits(amount, Cooperation._meta.get_field("value"), "value", errors)
    if errors:
        raise ValidationFailed(_("The cooperation could not be saved."), fields=errors)
    record = Cooperation.objects.create(
        partner=partner, happened_on=day, subject=subject, value=amount, created_by=user_of(actor)
    )
    audit_record(action="create", actor=actor, obj=record, extra={"partner": partner.pk})
    return record


@transaction.atomic
def opportunity_competitors_set(*, actor, opportunity: Opportunity, competitors) -> Opportunity:
    """Who the opportunity competes against (and which partners are in it)."""
    require_row(actor, opportunity, "change")
    chosen = list(competitors)
    before = sorted(opportunity.competitors.values_list("name", flat=True))
    opportunity.competitors.set(chosen)
    after = sorted(c.name for c in chosen)
    if before != after:
        audit_record(action="change", actor=actor, obj=opportunity, changes={"competitors": [before, after]})
    return opportunity
