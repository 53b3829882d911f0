"""Activities (联系记录), leads (线索) and opportunities (销售机会)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from audit.services import audit_record
from core import dates
from core.errors import Conflict, ValidationFailed
from engine.ownership import require_process_authority

from ..models import Activity, ChoiceList, Competitor, Contact, Customer, Lead, Opportunity
from ..signals import business_event
from .common import (
    check_email,
    check_phone,
    clean_custom_fields,
    parse_date,
    parse_decimal,
    require_permission,
    require_row,
    resolve_option,
)
from .customers import contact_create, customer_create


def _as_datetime(value, field: str, errors: dict) -> datetime.datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime.datetime):
        parsed = value
    else:
        try:
            parsed = datetime.datetime.fromisoformat(str(value))
        except ValueError:
            errors.setdefault(field, []).append(_g("Enter a date and time."))
            return None
    problem = dates.range_error(parsed)
    if problem:
        errors.setdefault(field, []).append(problem)
        return None
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)


@transaction.atomic
def activity_create(
    *,
    actor,
    customer: Customer,
    subject: str,
    kind: str = Activity.Kind.CALL,
    occurred_at=None,
    contact: Contact | None = None,
    opportunity: Opportunity | None = None,
    outcome: str = "",
    cost=0,
    next_follow_up=None,
) -> Activity:
    """Log a call/visit/e-mail/meeting; it refreshes the customer's follow-up dates (pool rule)."""
    require_permission(actor, Activity, "add")
    require_row(actor, customer, "view")
    errors: dict = {}
    if not subject or not subject.strip():
        errors.setdefault("subject", []).append(_g("This field is required."))
    if kind not in Activity.Kind.values:
        errors.setdefault("kind", []).append(_g("Unknown kind."))
    when = _as_datetime(occurred_at, "occurred_at", errors) or timezone.now()
    if when > timezone.now() + datetime.timedelta(minutes=5):
        errors.setdefault("occurred_at", []).append(_g("An activity cannot be logged in the future."))
    amount = parse_decimal(cost, "cost", errors, Activity._meta.get_field("cost")) or Decimal(0)
    if amount < 0:
        errors.setdefault("cost", []).append(_g("Cannot be negative."))
    follow_up = parse_date(next_follow_up, "next_follow_up", errors)
    if follow_up and follow_up < when.date():
        errors.setdefault("next_follow_up", []).append(_g("The next follow-up must come after the activity."))
    if contact is not None and contact.customer_id != customer.pk:
        errors.setdefault("contact", []).append(_g("The contact works at another customer."))
    if opportunity is not None and opportunity.customer_id != customer.pk:
        errors.setdefault("opportunity", []).append(_g("The opportunity belongs to another customer."))
    if errors:
        raise ValidationFailed(_("The activity could not be saved."), fields=errors)
    activity = Activity.objects.create(
        customer=customer,
        contact=contact,
        opportunity=opportunity,
        kind=kind,
        subject=subject.strip()[:200],
        occurred_at=when,
        outcome=outcome,
        cost=amount,
        next_follow_up=follow_up,
        owner=actor,
        created_by=actor,
    )
    # Newer facts win; a late entry of an old call does not move the dates back.
    Customer.objects.filter(pk=customer.pk).filter(
        Q(last_activity_at__isnull=True) | Q(last_activity_at__lt=when)
    ).update(last_activity_at=when)
    if follow_up:
        Customer.objects.filter(pk=customer.pk).update(next_follow_up=follow_up)
    audit_record(action="create", actor=actor, obj=activity, extra={"customer": customer.pk})
    return activity


# --- Leads ---------------------------------------------------------------------------------


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
    for field, message in (("phone", check_phone(phone)), ("email", check_email(email))):
        if message:
            errors.setdefault(field, []).append(message)
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
        stage=Opportunity.Stage.LEAD,
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


# --- Opportunities -------------------------------------------------------------------------

# How far from today an opportunity's expected close date may lie, both ways (ten years).
CLOSE_WITHIN = datetime.timedelta(days=3653)

STAGE_PROBABILITY = {
    Opportunity.Stage.POTENTIAL: 10,
    Opportunity.Stage.LEAD: 20,
    Opportunity.Stage.CONFIRMED: 50,
    Opportunity.Stage.CONTRACT: 80,
    Opportunity.Stage.RECEIVABLES: 95,
    Opportunity.Stage.REPEAT: 30,
}


def _clean_opportunity(data: dict, errors: dict) -> dict:
    cleaned = {}
    if "name" in data:
        cleaned["name"] = (data["name"] or "").strip()[:200]
        if not cleaned["name"]:
            errors.setdefault("name", []).append(_g("This field is required."))
    if "amount" in data:
        amount = parse_decimal(data["amount"], "amount", errors, Opportunity._meta.get_field("amount"))
        if amount is not None and amount < 0:
            errors.setdefault("amount", []).append(_g("Cannot be negative."))
        cleaned["amount"] = amount or Decimal(0)
    if "expected_close" in data:
        close = parse_date(data["expected_close"], "expected_close", errors)
        # A forecast: it may have slipped into the past, but not by decades either way.
        today = timezone.localdate()
        problem = close and dates.range_error(
            close, earliest=today - CLOSE_WITHIN, latest=today + CLOSE_WITHIN
        )
        if problem:
            errors.setdefault("expected_close", []).append(problem)
        cleaned["expected_close"] = close
    if "probability" in data and data["probability"] is not None:
        try:
            probability = int(data["probability"])
        except (TypeError, ValueError):
            probability = -1
        if not 0 <= probability <= 100:
            errors.setdefault("probability", []).append(_g("Enter a percentage from 0 to 100."))
        cleaned["probability"] = probability
    if "stage" in data:
        if data["stage"] not in Opportunity.Stage.values:
            errors.setdefault("stage", []).append(_g("Unknown stage."))
        cleaned["stage"] = data["stage"]
    if "source" in data:
        cleaned["source"] = resolve_option(data["source"], ChoiceList.SOURCE, "source", errors)
    if "importance" in data and data["importance"] not in (None, ""):
        try:
            importance = int(data["importance"])
        except (TypeError, ValueError):
            importance = -1
        if importance not in Opportunity.Importance.values:
            errors.setdefault("importance", []).append(_g("Unknown importance."))
        cleaned["importance"] = importance
    for key in ("contact", "campaign"):
        if key in data:
            cleaned[key] = data[key]
    return cleaned


@transaction.atomic
def opportunity_create(
    *,
    actor,
    customer: Customer,
    name: str,
    amount=0,
    expected_close=None,
    probability: int | None = None,
    stage: str = Opportunity.Stage.POTENTIAL,
    contact: Contact | None = None,
    campaign=None,
    competitors: list[Competitor] | None = None,
    owner=...,
    custom: dict | None = None,
    source=None,
    importance=None,
) -> Opportunity:
    require_permission(actor, Opportunity, "add")
    require_row(actor, customer, "view")
    errors: dict = {}
    cleaned = _clean_opportunity(
        {
            "source": source,
            "importance": importance,
            "name": name,
            "amount": amount,
            "expected_close": expected_close,
            "probability": probability,
            "stage": stage,
            "contact": contact,
            "campaign": campaign,
        },
        errors,
    )
    if contact is not None and contact.customer_id != customer.pk:
        errors.setdefault("contact", []).append(_g("The contact works at another customer."))
    try:
        cleaned["custom"] = clean_custom_fields("opportunity", custom)
    except ValidationFailed as exc:
        errors.update(exc.fields)
    if errors:
        raise ValidationFailed(_("The opportunity could not be saved."), fields=errors)
    cleaned.setdefault("probability", STAGE_PROBABILITY.get(stage, 10))
    opportunity = Opportunity.objects.create(
        customer=customer, owner=actor if owner is ... else owner, created_by=actor, **cleaned
    )
    if competitors:
        opportunity.competitors.set(competitors)
    audit_record(action="create", actor=actor, obj=opportunity)
    return opportunity


@transaction.atomic
def opportunity_update(*, actor, opportunity: Opportunity, competitors=None, **fields) -> Opportunity:
    require_row(actor, opportunity, "change")
    opportunity = Opportunity.objects.select_for_update().get(pk=opportunity.pk)
    if opportunity.status != Opportunity.Status.OPEN:
        raise Conflict(_("A closed opportunity cannot be changed."))
    errors: dict = {}
    unknown = set(fields) - {
        "name",
        "amount",
        "expected_close",
        "probability",
        "stage",
        "contact",
        "campaign",
        "source",
        "importance",
    }
    for key in unknown:
        errors.setdefault(key, []).append(_g("Unknown field."))
    cleaned = _clean_opportunity(fields, errors)
    if errors:
        raise ValidationFailed(_("The opportunity could not be saved."), fields=errors)
    require_process_authority(
        actor=actor, obj=opportunity, fields=[k for k, v in cleaned.items() if getattr(opportunity, k) != v]
    )
    changes = {}
    for key, value in cleaned.items():
        if getattr(opportunity, key) != value:
            changes[key] = [str(getattr(opportunity, key)), str(value)]
            setattr(opportunity, key, value)
    if "stage" in cleaned and "probability" not in fields:
        probability = STAGE_PROBABILITY[opportunity.stage]
        if opportunity.probability != probability:
            changes["probability"] = [str(opportunity.probability), str(probability)]
            opportunity.probability = probability
    opportunity.save()
    if competitors is not None:
        opportunity.competitors.set(competitors)
    if "stage" in changes:
        business_event.send(
            sender=Opportunity,
            name="opportunity.stage_changed",
            obj=opportunity,
            actor=actor,
            data={"from": changes["stage"][0], "to": opportunity.stage},
        )
    audit_record(action="change", actor=actor, obj=opportunity, changes=changes)
    return opportunity


@transaction.atomic
def opportunity_close(
    *, actor, opportunity: Opportunity, won: bool, reason: str, category: str = ""
) -> Opportunity:
    """Win or lose a deal; a reason is required either way (and may name its category, for the
    reasons report). Winning refreshes the customer."""
    require_row(actor, opportunity, "change")
    opportunity = Opportunity.objects.select_for_update().get(pk=opportunity.pk)
    if opportunity.status != Opportunity.Status.OPEN:
        raise Conflict(_("This opportunity is already closed."))
    if not reason or not reason.strip():
        raise ValidationFailed(_("Give the reason."), fields={"reason": [_g("This field is required.")]})
    if category and category not in Opportunity.CloseReason.values:
        raise ValidationFailed(_("Give the reason."), fields={"category": [_g("Unknown reason category.")]})
    now = timezone.now()
    opportunity.status = Opportunity.Status.WON if won else Opportunity.Status.LOST
    opportunity.win_loss_reason = reason.strip()
    opportunity.close_reason = category
    opportunity.closed_at = now
    opportunity.probability = 100 if won else 0
    opportunity.save()
    if won:
        Customer.objects.filter(pk=opportunity.customer_id).update(last_won_at=now)
    business_event.send(
        sender=Opportunity,
        name="opportunity.won" if won else "opportunity.lost",
        obj=opportunity,
        actor=actor,
        data={"amount": str(opportunity.amount)},
    )
    audit_record(
        action="change", actor=actor, obj=opportunity, changes={"status": ["open", opportunity.status]}
    )
    return opportunity
