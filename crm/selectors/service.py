"""Reads for the service side: which SLA policy applies to a complaint or a service request, and the
deadlines it sets."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Q

from ..models import SlaPolicy

# Used when an administrator has deactivated every matching row: the shipped defaults.
FALLBACK = {
    "critical": (datetime.timedelta(hours=1), datetime.timedelta(hours=4), 90),
    "high": (datetime.timedelta(hours=4), datetime.timedelta(hours=24), 80),
    "normal": (datetime.timedelta(hours=8), datetime.timedelta(hours=72), 50),
    "low": (datetime.timedelta(hours=24), datetime.timedelta(hours=120), 30),
    "": (datetime.timedelta(hours=4), datetime.timedelta(hours=48), 50),
}


@dataclass(frozen=True)
class SlaDeadlines:
    respond_by: datetime.datetime
    resolve_by: datetime.datetime
    priority: int


def sla_policy_for(
    *, record: str, severity: str = "", category_id=None, customer_level_id=None
) -> SlaPolicy | None:
    """The most specific active policy: a named severity beats "any", then a named category, then a
    named customer level."""
    rows = SlaPolicy.objects.filter(
        Q(severity=severity) | Q(severity=""),
        Q(category_id=category_id) | Q(category__isnull=True),
        Q(customer_level_id=customer_level_id) | Q(customer_level__isnull=True),
        record=record,
        active=True,
    )
    return max(
        rows,
        key=lambda r: (bool(r.severity), r.category_id is not None, r.customer_level_id is not None, -r.pk),
        default=None,
    )


def sla_deadlines(
    *, record: str, start: datetime.datetime, severity: str = "", category_id=None, customer_level_id=None
) -> SlaDeadlines:
    policy = sla_policy_for(
        record=record, severity=severity, category_id=category_id, customer_level_id=customer_level_id
    )
    if policy is not None:
        respond, resolve, priority = policy.response_time, policy.resolution_time, policy.priority
    else:
        respond, resolve, priority = FALLBACK.get(severity, FALLBACK[""])
    if policy is not None and policy.business_hours:
        # counted in the company calendar's working hours (crm.service.calendar)
        from ..service.calendar import add_business_time, business_calendar

        calendar = business_calendar(year=start.year)
        return SlaDeadlines(
            respond_by=add_business_time(start, respond, calendar),
            resolve_by=add_business_time(start, resolve, calendar),
            priority=priority,
        )
    return SlaDeadlines(respond_by=start + respond, resolve_by=start + resolve, priority=priority)
