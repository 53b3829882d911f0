"""Leads (线索): create, edit, delete, web capture with assignment rules, disqualify, import, and
convert into customer + contact + opportunity in one step."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from audit.services import audit_record
from core.errors import Conflict, ValidationFailed

from ...models import (
    ChoiceList,
    Contact,
    Customer,
    Lead,
    LeadAssignmentRule,
    Opportunity,
)
from ...services.common import (
    check_email,
    check_phone,
    parse_date,
    require_permission,
    require_row,
    resolve_option,
)
from ...services.customers import contact_create, customer_create
from ..selectors import process_stages, sales_process_for
from .opportunities import opportunity_create

User = get_user_model()

LEAD_TEXT = {"company_name": 200, "contact_name": 100, "phone": 50, "email": 254}


@transaction.atomic
def lead_create(
    *,
    actor,
    company_name: str,
    contact_name: str = "",
    phone: str = "",
    email: str = "",
    source=None,
    quality: str = Lead.Quality.WARM,
    priority: int = Lead.Priority.NORMAL,
    description: str = "",
    next_follow_up=None,
    owner=...,
    campaign=None,
    region=None,
    industry=None,
) -> Lead:
    require_permission(actor, Lead, "add")
    errors: dict = {}
    if not company_name.strip():
        errors.setdefault("company_name", []).append(_g("This field is required."))
    for name, message in (("phone", check_phone(phone)), ("email", check_email(email))):
        if message:
            errors.setdefault(name, []).append(message)
    source_option = resolve_option(source, ChoiceList.SOURCE, "source", errors)
    region_option = resolve_option(region, ChoiceList.REGION, "region", errors)
    industry_option = resolve_option(industry, ChoiceList.INDUSTRY, "industry", errors)
    if quality not in Lead.Quality.values:
        errors.setdefault("quality", []).append(_g("Unknown quality."))
    if priority not in Lead.Priority.values:
        errors.setdefault("priority", []).append(_g("Unknown priority."))
    follow_up = parse_date(next_follow_up, "next_follow_up", errors)
    if errors:
        raise ValidationFailed(_("The lead could not be saved."), fields=errors)
    lead = Lead.objects.create(
        company_name=company_name.strip(),
        contact_name=contact_name.strip(),
        phone=phone.strip(),
        email=email.strip(),
        source=source_option,
        region=region_option,
        industry=industry_option,
        quality=quality,
        priority=priority,
        description=description,
        next_follow_up=follow_up,
        owner=actor if owner is ... else owner,
        campaign=campaign,
        created_by=actor,
    )
    audit_record(action="create", actor=actor, obj=lead)
    return lead


@transaction.atomic
def lead_disqualify(*, actor, lead: Lead, reason: str = "") -> Lead:
    require_row(actor, lead, "change")
    if lead.status == Lead.Status.CONVERTED:
        raise Conflict(_("A converted lead cannot be disqualified."))
    lead.status = Lead.Status.DISQUALIFIED
    lead.description = (lead.description + "\n" + reason).strip()
    lead.save(update_fields=["status", "description", "updated_at"])
    audit_record(action="change", actor=actor, obj=lead, changes={"status": ["", "disqualified"]})
    return lead


def _conversion_stage(customer, owner):
    """A converted lead has been qualified: its opportunity starts at the process's second stage
    (线索跟进 in the standard process), or its only one."""
    stages = process_stages(sales_process_for(customer=customer, owner=owner))
    return stages[1] if len(stages) > 1 else (stages[0] if stages else None)


@transaction.atomic
def lead_convert(
    *,
    actor,
    lead: Lead,
    customer: Customer | None = None,
    opportunity_name: str = "",
    amount=0,
    expected_close=None,
    allow_duplicate: bool = False,
) -> tuple[Customer, Contact | None, Opportunity]:
    """Turn a lead into customer + contact + opportunity in one transaction.

    The customer goes through the duplicate check; pass an existing `customer` to attach the lead
    to it instead (what the user does after seeing the duplicate).
    """
    require_row(actor, lead, "change")
    lead = Lead.objects.select_for_update().get(pk=lead.pk)
    if lead.status in (Lead.Status.CONVERTED, Lead.Status.DISQUALIFIED):
        raise Conflict(_("This lead is already closed."))
    if customer is None:
        customer = customer_create(
            actor=actor,
            name=lead.company_name,
            phone=lead.phone,
            email=lead.email,
            source=lead.source,
            allow_duplicate=allow_duplicate,
        )
    else:
        require_row(actor, customer, "change")
    contact = None
    if lead.contact_name:
        contact = contact_create(
            actor=actor,
            customer=customer,
            name=lead.contact_name,
            mobile=lead.phone,
            email=lead.email,
        )
    opportunity = opportunity_create(
        actor=actor,
        customer=customer,
        name=opportunity_name or lead.company_name,
        amount=amount,
        expected_close=expected_close,
        stage=_conversion_stage(customer, actor),
        contact=contact,
        campaign=lead.campaign,
    )
    lead.status = Lead.Status.CONVERTED
    lead.converted_customer = customer
    lead.converted_contact = contact
    lead.converted_opportunity = opportunity
    lead.converted_at = timezone.now()
    lead.save()
    audit_record(action="change", actor=actor, obj=lead, changes={"status": ["", "converted"]})
    return customer, contact, opportunity


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
    from ...services.imports import _header, _open_rows

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
