"""Writes of the sales workspace: leads (edit, delete, web capture, assignment rules, convert),
planned activities, lead import. Each takes `actor`, checks it, and writes the audit row."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from audit.services import audit_record
from core.errors import Conflict, ValidationFailed

from ..models import Activity, ChoiceList, Customer, Lead, LeadAssignmentRule, Opportunity
from ..services.common import (
    check_email,
    check_phone,
    parse_date,
    parse_datetime,
    require_permission,
    require_row,
    resolve_option,
)
from ..services.sales import lead_create

User = get_user_model()

LEAD_TEXT = {"company_name": 200, "contact_name": 100, "phone": 50, "email": 254}


def _clean_lead(data: dict, errors: dict) -> dict:
    cleaned: dict = {}
    for key, limit in LEAD_TEXT.items():
        if key in data:
            text = str(data[key] or "").strip()
            if len(text) > limit:
                errors.setdefault(key, []).append(_g("At most %(n)d characters.") % {"n": limit})
            cleaned[key] = text
    if "company_name" in cleaned and not cleaned["company_name"]:
        errors.setdefault("company_name", []).append(_g("This field is required."))
    for key, check in (("phone", check_phone), ("email", check_email)):
        message = cleaned.get(key) and check(cleaned[key])
        if message:
            errors.setdefault(key, []).append(message)
    for key, choice_list in (
        ("source", ChoiceList.SOURCE),
        ("region", ChoiceList.REGION),
        ("industry", ChoiceList.INDUSTRY),
    ):
        if key in data:
            cleaned[key] = resolve_option(data[key] or None, choice_list, key, errors)
    if "quality" in data:
        if data["quality"] not in Lead.Quality.values:
            errors.setdefault("quality", []).append(_g("Unknown quality."))
        cleaned["quality"] = data["quality"]
    if "priority" in data:
        try:
            cleaned["priority"] = int(data["priority"])
        except (TypeError, ValueError):
            cleaned["priority"] = -1
        if cleaned["priority"] not in Lead.Priority.values:
            errors.setdefault("priority", []).append(_g("Unknown priority."))
    if "description" in data:
        cleaned["description"] = str(data["description"] or "")[:10_000]
    if "next_follow_up" in data:
        cleaned["next_follow_up"] = parse_date(data["next_follow_up"], "next_follow_up", errors)
    return cleaned


@transaction.atomic
def lead_update(*, actor, lead: Lead, **fields) -> Lead:
    """Edit an open lead's facts (a converted or disqualified lead is history)."""
    require_row(actor, lead, "change")
    lead = Lead.objects.select_for_update().get(pk=lead.pk)
    if lead.status in (Lead.Status.CONVERTED, Lead.Status.DISQUALIFIED):
        raise Conflict(_("This lead is already closed."))
    errors: dict = {}
    unknown = (
        set(fields)
        - {*LEAD_TEXT, "source", "region", "industry", "quality", "priority"}
        - {
            "description",
            "next_follow_up",
        }
    )
    for key in unknown:
        errors.setdefault(key, []).append(_g("Unknown field."))
    cleaned = _clean_lead(fields, errors)
    if errors:
        raise ValidationFailed(_("The lead could not be saved."), fields=errors)
    changes = {}
    for key, value in cleaned.items():
        if getattr(lead, key) != value:
            changes[key] = [str(getattr(lead, key) or ""), str(value or "")]
            setattr(lead, key, value)
    lead.save()
    audit_record(action="change", actor=actor, obj=lead, changes=changes)
    return lead


@transaction.atomic
def lead_delete(*, actor, lead: Lead) -> None:
    """Delete a lead that was never converted (spam from the web form, a mistake)."""
    require_row(actor, lead, "delete")
    if lead.status == Lead.Status.CONVERTED:
        raise Conflict(_("A converted lead stays with its customer; it cannot be deleted."))
    audit_record(action="delete", actor=actor, obj=lead)
    lead.delete()


# --- assignment rules -----------------------------------------------------------------------------


def _team_members(rule: LeadAssignmentRule) -> list:
    return list(User.objects.filter(groups=rule.team, is_active=True).order_by("pk"))


def lead_assignee(*, region=None, industry=None):
    """The next owner for a new lead by the rules (round robin in the first matching rule's team),
    or None when no rule matches. Locks the rule, so two leads never go to the same turn."""
    for rule in (
        LeadAssignmentRule.objects.filter(active=True).select_for_update().order_by("sort_order", "pk")
    ):
        if rule.region_id and rule.region_id != getattr(region, "pk", None):
            continue
        if rule.industry_id and rule.industry_id != getattr(industry, "pk", None):
            continue
        members = _team_members(rule)
        if not members:
            continue
        after = [m for m in members if rule.last_assigned_id is not None and m.pk > rule.last_assigned_id]
        chosen = after[0] if after else members[0]
        rule.last_assigned = chosen
        rule.save(update_fields=["last_assigned"])
        return chosen
    return None


@transaction.atomic
def lead_create_assigned(*, actor, **values) -> Lead:
    """A lead whose owner the assignment rules choose (import, web form); the actor when none match
    and the actor is a person."""
    errors: dict = {}
    region = resolve_option(values.get("region") or None, ChoiceList.REGION, "region", errors)
    industry = resolve_option(values.get("industry") or None, ChoiceList.INDUSTRY, "industry", errors)
    if errors:
        raise ValidationFailed(_("The lead could not be saved."), fields=errors)
    owner = lead_assignee(region=region, industry=industry) or actor
    values = {k: v for k, v in values.items() if k not in ("region", "industry")}
    lead = lead_create(actor=actor, owner=owner, **values)
    if region or industry:
        lead.region, lead.industry = region, industry
        lead.save(update_fields=["region", "industry"])
    return lead


# The web form's limits: a message of reasonable size, a few leads per address per hour.
WEB_FORM_PER_HOUR = 5


@transaction.atomic
def lead_capture(
    *,
    company_name: str,
    contact_name: str = "",
    phone: str = "",
    email: str = "",
    message: str = "",
    client_address: str = "",
) -> Lead:
    """A lead from the public web form (no login): the rules pick its owner; without a matching
    rule it waits unassigned for the sales managers. Audited as the web form."""
    errors: dict = {}
    cleaned = _clean_lead(
        {"company_name": company_name, "contact_name": contact_name, "phone": phone, "email": email}, errors
    )
    if not cleaned.get("phone") and not cleaned.get("email"):
        errors.setdefault("phone", []).append(_g("Leave a phone number or an e-mail address."))
    if len(message or "") > 2000:
        errors.setdefault("message", []).append(_g("At most %(n)d characters.") % {"n": 2000})
    if errors:
        raise ValidationFailed(_("The form has errors."), fields=errors)
    lead = Lead.objects.create(
        description=(message or "").strip(),
        owner=lead_assignee(),
        **cleaned,
    )
    audit_record(
        action="create", obj=lead, actor_label="web form", extra={"client_address": client_address[:64]}
    )
    return lead


# --- activities -----------------------------------------------------------------------------------


@transaction.atomic
def activity_plan(
    *,
    actor,
    customer: Customer,
    subject: str,
    kind: str = Activity.Kind.CALL,
    planned_at=None,
    opportunity: Opportunity | None = None,
    outcome: str = "",
) -> Activity:
    """Plan a call/visit/meeting for later (计划活动): it shows in the calendar until done."""
    require_permission(actor, Activity, "add")
    require_row(actor, customer, "view")
    errors: dict = {}
    if not (subject or "").strip():
        errors.setdefault("subject", []).append(_g("This field is required."))
    if kind not in Activity.Kind.values:
        errors.setdefault("kind", []).append(_g("Unknown kind."))
    when = parse_datetime(planned_at, "planned_at", errors)
    if when is None and "planned_at" not in errors:
        errors.setdefault("planned_at", []).append(_g("This field is required."))
    if opportunity is not None and opportunity.customer_id != customer.pk:
        errors.setdefault("opportunity", []).append(_g("The opportunity belongs to another customer."))
    if errors:
        raise ValidationFailed(_("The activity could not be planned."), fields=errors)
    activity = Activity.objects.create(
        customer=customer,
        opportunity=opportunity,
        kind=kind,
        status=Activity.Status.PLANNED,
        subject=subject.strip()[:200],
        occurred_at=when,
        outcome=outcome,
        owner=actor,
        created_by=actor,
    )
    audit_record(action="create", actor=actor, obj=activity, extra={"planned": True})
    return activity


@transaction.atomic
def activity_complete(*, actor, activity: Activity, outcome: str = "", next_follow_up=None) -> Activity:
    """A planned activity took place now: it becomes part of the customer's history."""
    require_row(actor, activity, "change")
    activity = Activity.objects.select_for_update().get(pk=activity.pk)
    if activity.status != Activity.Status.PLANNED:
        raise Conflict(_("This activity is already done."))
    errors: dict = {}
    follow_up = parse_date(next_follow_up, "next_follow_up", errors)
    now = timezone.now()
    if follow_up and follow_up < now.date():
        errors.setdefault("next_follow_up", []).append(_g("The next follow-up must come after the activity."))
    if errors:
        raise ValidationFailed(_("The activity could not be saved."), fields=errors)
    activity.status = Activity.Status.DONE
    activity.occurred_at = min(activity.occurred_at, now) if activity.occurred_at else now
    activity.outcome = (outcome or activity.outcome).strip()
    activity.next_follow_up = follow_up
    activity.save()
    Customer.objects.filter(pk=activity.customer_id).update(last_activity_at=now)
    if follow_up:
        Customer.objects.filter(pk=activity.customer_id).update(next_follow_up=follow_up)
    audit_record(action="change", actor=actor, obj=activity, changes={"status": ["planned", "done"]})
    return activity


# --- import -----------------------------------------------------------------------------------------

# Column headers a lead sheet may use (English or Chinese), per lead field.
LEAD_COLUMNS = {
    "company_name": ("company", "company name", "公司", "公司名称", "客户名称", "单位"),
    "contact_name": ("contact", "name", "联系人", "姓名"),
    "phone": ("phone", "mobile", "电话", "手机"),
    "email": ("email", "e-mail", "邮箱", "电子邮件"),
    "region": ("region", "地区", "区域"),
    "industry": ("industry", "行业"),
    "source": ("source", "来源"),
    "description": ("description", "notes", "备注", "需求"),
}
LEAD_IMPORT_MAX_ROWS = 2_000


@dataclass
class LeadImportResult:
    created: list = field(default_factory=list)  # lead ids
    errors: list = field(default_factory=list)  # {"row", "field", "message"}


def lead_import(*, actor, data: bytes, filename: str) -> LeadImportResult:
    """Leads from an Excel or CSV sheet: each good row becomes a lead through `lead_create_assigned`
    (owner by the assignment rules), each bad row is reported with its row number and field and
    changes nothing."""
    from ..services.imports import _header, _open_rows

    require_permission(actor, Lead, "add")
    rows = _open_rows(data, filename)
    headers = [" ".join(h.split()).casefold() for h in _header(rows)]
    positions = {}
    for key, aliases in LEAD_COLUMNS.items():
        for index, header in enumerate(headers):
            if header in aliases and index not in positions.values():
                positions[key] = index
                break
    if "company_name" not in positions:
        raise ValidationFailed(
            _("The sheet has no company column."),
            fields={"file": [_g("Name a column “company” or “公司名称”.")]},
        )
    result = LeadImportResult()
    for number, row in enumerate(rows, start=2):
        if number - 1 > LEAD_IMPORT_MAX_ROWS:
            result.errors.append(
                {
                    "row": number,
                    "field": "",
                    "message": _g("Only the first %(n)d rows are read.") % {"n": LEAD_IMPORT_MAX_ROWS},
                }
            )
            break
        values = {
            key: ("" if index >= len(row) or row[index] is None else str(row[index]).strip())
            for key, index in positions.items()
        }
        if not any(values.values()):
            continue
        try:
            with transaction.atomic():
                lead = lead_create_assigned(
                    actor=actor, **{k: v for k, v in values.items() if v != "" or k == "company_name"}
                )
        except ValidationFailed as error:
            for key, messages in (error.fields or {"": [error.message]}).items():
                for message in messages:
                    result.errors.append({"row": number, "field": key, "message": str(message)})
        else:
            result.created.append(lead.pk)
    return result
