"""Writes of Administration > Service settings (crm.manage_service_settings): SLA policies and the
company calendar (working hours per weekday, holidays and make-up working days). Audited with a
diff; located errors."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from audit.services import audit_record, diff, snapshot
from core.errors import NotFound, NotPermitted, ValidationFailed

from ..models import CalendarDay, ChoiceList, ChoiceOption, Complaint, CustomerLevel, SlaPolicy, WorkingHours

MANAGE_SERVICE_SETTINGS = "crm.manage_service_settings"
MAX_HOURS = 24 * 365


def require_service_admin(actor) -> None:
    if not (actor.is_active and (actor.is_superuser or actor.has_perm(MANAGE_SERVICE_SETTINGS))):
        raise NotPermitted(_("You may not administer the service settings."))


@dataclass
class SlaPolicyInput:
    """The SLA policy form as typed (hours may have decimals: 0.5 = 30 minutes)."""

    record: str = SlaPolicy.Record.COMPLAINT
    severity: str = ""
    category: str = ""  # option id
    customer_level: str = ""  # level id
    response_hours: str = ""
    resolution_hours: str = ""
    priority: str = "50"
    business_hours: bool = True
    active: bool = True


def _hours(raw: str, name: str, errors: dict) -> datetime.timedelta | None:
    raw = (raw or "").strip().replace(",", ".")
    try:
        hours = float(raw)
    except ValueError:
        errors.setdefault(name, []).append(_g("Enter a number of hours."))
        return None
    if not 0 < hours <= MAX_HOURS:
        errors.setdefault(name, []).append(
            _g("Enter more than 0 and at most %(n)d hours.") % {"n": MAX_HOURS}
        )
        return None
    return datetime.timedelta(minutes=round(hours * 60))


@transaction.atomic
def sla_policy_save(*, actor, data: SlaPolicyInput, policy: SlaPolicy | None = None) -> SlaPolicy:
    require_service_admin(actor)
    errors: dict[str, list] = {}
    if data.record not in SlaPolicy.Record.values:
        errors.setdefault("record", []).append(_g("Choose a record type."))
    if data.severity and data.severity not in Complaint.Severity.values:
        errors.setdefault("severity", []).append(_g("Choose a severity."))
    category = None
    if data.category:
        category = ChoiceOption.objects.filter(
            choice_list=ChoiceList.COMPLAINT_CATEGORY, pk=int(data.category) if data.category.isdigit() else 0
        ).first()
        if category is None:
            errors.setdefault("category", []).append(_g("Choose a category from the list."))
    level = None
    if data.customer_level:
        level = CustomerLevel.objects.filter(
            pk=int(data.customer_level) if data.customer_level.isdigit() else 0
        ).first()
        if level is None:
            errors.setdefault("customer_level", []).append(_g("Choose a level from the list."))
    respond = _hours(data.response_hours, "response_hours", errors)
    resolve = _hours(data.resolution_hours, "resolution_hours", errors)
    if respond and resolve and resolve < respond:
        errors.setdefault("resolution_hours", []).append(
            _g("Resolving cannot be due before the first response.")
        )
    priority = str(data.priority or "").strip()
    if not priority.isdigit() or not 0 <= int(priority) <= 100:
        errors.setdefault("priority", []).append(_g("Enter a whole number from 0 to 100."))
    if not errors:
        same = SlaPolicy.objects.filter(
            record=data.record, severity=data.severity, category=category, customer_level=level, active=True
        )
        if policy is not None:
            same = same.exclude(pk=policy.pk)
        if data.active and same.exists():
            errors.setdefault("severity", []).append(
                _g("An active policy for this record type, severity, category and level exists already.")
            )
    if errors:
        raise ValidationFailed(_("The SLA policy could not be saved."), fields=errors)
    before = snapshot(policy) if policy is not None else {}
    policy = policy or SlaPolicy()
    policy.record = data.record
    policy.severity = data.severity
    policy.category = category
    policy.customer_level = level
    policy.response_time = respond
    policy.resolution_time = resolve
    policy.priority = int(priority)
    policy.business_hours = bool(data.business_hours)
    policy.active = bool(data.active)
    policy.save()
    changes = diff(before, snapshot(policy))
    if changes:
        audit_record(action="change" if before else "create", actor=actor, obj=policy, changes=changes)
    return policy


@transaction.atomic
def working_hours_set(*, actor, hours: dict[int, tuple[str, str]]) -> None:
    """The week's working hours: weekday (0 = Monday) -> ("09:00", "18:00"); a weekday left out or
    with empty times is a day off."""
    require_service_admin(actor)
    errors: dict[str, list] = {}
    wanted: dict[int, tuple[datetime.time, datetime.time]] = {}
    for weekday in range(7):
        start_raw, end_raw = (s.strip() for s in hours.get(weekday, ("", "")))
        if not start_raw and not end_raw:
            continue
        try:
            start = datetime.time.fromisoformat(start_raw)
            end = datetime.time.fromisoformat(end_raw)
        except ValueError:
            errors.setdefault(f"day{weekday}", []).append(_g("Enter both times as HH:MM."))
            continue
        if end <= start:
            errors.setdefault(f"day{weekday}", []).append(_g("The day must end after it starts."))
            continue
        wanted[weekday] = (start, end)
    if errors:
        raise ValidationFailed(_("The working hours could not be saved."), fields=errors)
    before = {str(h.weekday): f"{h.start:%H:%M}-{h.end:%H:%M}" for h in WorkingHours.objects.all()}
    WorkingHours.objects.exclude(weekday__in=wanted).delete()
    for weekday, (start, end) in wanted.items():
        WorkingHours.objects.update_or_create(weekday=weekday, defaults={"start": start, "end": end})
    after = {str(d): f"{s:%H:%M}-{e:%H:%M}" for d, (s, e) in wanted.items()}
    if changes := diff(before, after):
        first = WorkingHours.objects.order_by("weekday").first()
        audit_record(
            action="change",
            actor=actor,
            obj=first,
            changes=changes,
            extra={"what": "working hours"},
        )


@transaction.atomic
def calendar_day_set(*, actor, day: str, working: bool, name: str = "", works_like: str = "") -> CalendarDay:
    """A holiday (not working) or a make-up working day (working, with the hours of `works_like`)."""
    require_service_admin(actor)
    errors: dict[str, list] = {}
    try:
        date = datetime.date.fromisoformat((day or "").strip())
    except ValueError:
        date = None
        errors.setdefault("day", []).append(_g("Enter a date as YYYY-MM-DD."))
    like = 0
    if working:
        if not str(works_like).isdigit() or not 0 <= int(works_like) <= 6:
            errors.setdefault("works_like", []).append(_g("Choose whose hours the day has."))
        else:
            like = int(works_like)
    name = (name or "").strip()
    if len(name) > 100:
        errors.setdefault("name", []).append(_g("At most %(n)d characters.") % {"n": 100})
    if errors:
        raise ValidationFailed(_("The day could not be saved."), fields=errors)
    existing = CalendarDay.objects.filter(day=date).first()
    before = snapshot(existing) if existing else {}
    entry, _created = CalendarDay.objects.update_or_create(
        day=date, defaults={"working": working, "works_like": like, "name": name}
    )
    if changes := diff(before, snapshot(entry)):
        audit_record(action="change" if before else "create", actor=actor, obj=entry, changes=changes)
    return entry


@transaction.atomic
def calendar_day_remove(*, actor, day_id: int) -> None:
    require_service_admin(actor)
    entry = CalendarDay.objects.filter(pk=day_id).first()
    if entry is None:
        raise NotFound(_("No such day."))
    audit_record(action="delete", actor=actor, obj=entry, changes=diff(snapshot(entry), {}))
    entry.delete()
