"""Opportunities (销售机会): create, update and close (won/lost with the reason); the stages
themselves are moved by the opportunity-stage process."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from audit.services import audit_record
from core import dates
from core.errors import Conflict, ValidationFailed
from engine.ownership import require_process_authority

from ...models import (
    ChoiceList,
    Competitor,
    Contact,
    Customer,
    Opportunity,
    SalesProcess,
    SalesStage,
)
from ...services.common import (
    clean_custom_fields,
    parse_date,
    parse_decimal,
    require_permission,
    require_row,
    resolve_option,
)
from ...signals import business_event
from ..selectors import find_stage, first_stage, sales_process_for, terminal_stage

# How far from today an opportunity's expected close date may lie, both ways (ten years).
CLOSE_WITHIN = datetime.timedelta(days=3653)


def _clean_stage(value, process: SalesProcess | None, errors: dict) -> SalesStage | None:
    """A stage (or its key) of an active process (of `process`, when given) that is still open."""
    stage = find_stage(value)
    if stage is None or not stage.process.active or not stage.is_open:
        errors.setdefault("stage", []).append(_g("Unknown stage."))
        return None
    if process is not None and stage.process_id != process.pk:
        errors.setdefault("stage", []).append(
            _g("“%(stage)s” is a stage of another sales process.") % {"stage": stage.label}
        )
        return None
    return stage


def _clean_opportunity(data: dict, errors: dict, process: SalesProcess | None = None) -> dict:
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
        stage = _clean_stage(data["stage"], process, errors)
        if stage is not None:
            cleaned["stage"] = stage
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
    stage: str | SalesStage | None = None,
    process: SalesProcess | None = None,
    contact: Contact | None = None,
    campaign=None,
    competitors: list[Competitor] | None = None,
    owner=...,
    custom: dict | None = None,
    source=None,
    importance=None,
) -> Opportunity:
    """A new opportunity at `stage` (a key or a stage), else at the first stage of `process`, else
    of the process its customer's type or its owner's department follows (sales_process_for)."""
    require_permission(actor, Opportunity, "add")
    require_row(actor, customer, "view")
    errors: dict = {}
    owner = actor if owner is ... else owner
    if process is not None and not process.active:
        errors.setdefault("process", []).append(_g("This sales process is switched off."))
    if stage is None:
        process = process or sales_process_for(customer=customer, owner=owner)
        stage = first_stage(process) if process is not None else None
        if stage is None:
            errors.setdefault("stage", []).append(_g("The sales process has no stages yet."))
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
        process,
    )
    if contact is not None and contact.customer_id != customer.pk:
        errors.setdefault("contact", []).append(_g("The contact works at another customer."))
    try:
        cleaned["custom"] = clean_custom_fields("opportunity", custom, partial=custom is None, actor=actor)
    except ValidationFailed as exc:
        errors.update(exc.fields)
    if errors:
        raise ValidationFailed(_("The opportunity could not be saved."), fields=errors)
    cleaned.setdefault("probability", cleaned["stage"].probability)
    opportunity = Opportunity.objects.create(customer=customer, owner=owner, created_by=actor, **cleaned)
    if competitors:
        opportunity.competitors.set(competitors)
    audit_record(action="create", actor=actor, obj=opportunity)
    return opportunity


@transaction.atomic
def opportunity_update(
    *, actor, opportunity: Opportunity, competitors=None, custom: dict | None = None, **fields
) -> Opportunity:
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
    cleaned = _clean_opportunity(fields, errors, opportunity.stage.process)
    if custom:
        try:
            cleaned["custom"] = clean_custom_fields(
                "opportunity", custom, partial=True, existing=opportunity.custom
            )
        except ValidationFailed as exc:
            errors.update(exc.fields)
    if errors:
        raise ValidationFailed(_("The opportunity could not be saved."), fields=errors)
    require_process_authority(
        actor=actor, obj=opportunity, fields=[k for k, v in cleaned.items() if getattr(opportunity, k) != v]
    )
    changes = {}
    before_stage = opportunity.stage_id
    for key, value in cleaned.items():
        if getattr(opportunity, key) != value:
            changes[key] = [str(getattr(opportunity, key)), str(value)]
            setattr(opportunity, key, value)
    if "stage" in cleaned and "probability" not in fields:
        probability = opportunity.stage.probability
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
            data={"from": before_stage, "to": opportunity.stage_id},
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
    # a process with a won (lost) stage shows the closed deal there
    terminal = terminal_stage(
        opportunity.stage.process_id, SalesStage.Kind.WON if won else SalesStage.Kind.LOST
    )
    if terminal is not None:
        opportunity.stage = terminal
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
