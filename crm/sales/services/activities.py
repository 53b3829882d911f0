"""Activities (联系记录): calls, visits, e-mails and meetings logged or planned, and completing
a planned one with its outcome and the next follow-up."""

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

from ...models import (
    Activity,
    Contact,
    Customer,
    Opportunity,
)
from ...services.common import (
    parse_date,
    parse_datetime,
    parse_decimal,
    require_permission,
    require_row,
)


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
