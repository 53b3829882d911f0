"""Service records, complaints and service requests as records (their processes come from BPMN)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from audit.services import audit_record
from core.errors import ValidationFailed

from ..models import Complaint, Customer, ServiceRecord, ServiceRequest
from ..signals import business_event
from .common import next_code, require_permission, require_row


def _required(errors: dict, **values) -> None:
    for key, value in values.items():
        if not value or not str(value).strip():
            errors.setdefault(key, []).append(_g("This field is required."))


@transaction.atomic
def service_record_create(
    *,
    actor,
    customer: Customer,
    subject: str,
    channel: str = ServiceRecord.Channel.PHONE,
    summary: str = "",
    occurred_at=None,
    duration_minutes: int = 0,
    contact=None,
) -> ServiceRecord:
    require_permission(actor, ServiceRecord, "add")
    require_row(actor, customer, "view")
    errors: dict = {}
    _required(errors, subject=subject)
    if channel not in ServiceRecord.Channel.values:
        errors.setdefault("channel", []).append(_g("Unknown channel."))
    if not isinstance(duration_minutes, int) or duration_minutes < 0:
        errors.setdefault("duration_minutes", []).append(_g("Enter minutes as a whole number."))
    if errors:
        raise ValidationFailed(_("The service record could not be saved."), fields=errors)
    record = ServiceRecord.objects.create(
        customer=customer,
        contact=contact,
        channel=channel,
        subject=subject.strip(),
        summary=summary,
        occurred_at=occurred_at or timezone.now(),
        duration_minutes=duration_minutes,
        handled_by=actor,
        created_by=actor,
    )
    audit_record(action="create", actor=actor, obj=record)
    return record


@transaction.atomic
def complaint_submit(
    *,
    actor,
    customer: Customer,
    subject: str,
    description: str = "",
    severity: str = Complaint.Severity.NORMAL,
    channel: str = Complaint.Channel.STAFF,
    contact=None,
) -> Complaint:
    """Record a complaint and announce `complaint.submitted` (its start binding starts the process)."""
    require_permission(actor, Complaint, "add")
    require_row(actor, customer, "view")
    errors: dict = {}
    _required(errors, subject=subject)
    if severity not in Complaint.Severity.values:
        errors.setdefault("severity", []).append(_g("Unknown severity."))
    if channel not in Complaint.Channel.values:
        errors.setdefault("channel", []).append(_g("Unknown channel."))
    if errors:
        raise ValidationFailed(_("The complaint could not be saved."), fields=errors)
    complaint = Complaint.objects.create(
        code=next_code("complaint", "TS"),
        customer=customer,
        contact=contact,
        subject=subject.strip(),
        description=description,
        severity=severity,
        channel=channel,
        created_by=actor,
    )
    business_event.send(
        sender=Complaint, name="complaint.submitted", obj=complaint, actor=actor, data={"severity": severity}
    )
    audit_record(action="create", actor=actor, obj=complaint)
    return complaint


@transaction.atomic
def service_request_submit(
    *,
    actor,
    customer: Customer,
    subject: str,
    kind: str = ServiceRequest.Kind.REPAIR,
    description: str = "",
    product=None,
    contact=None,
) -> ServiceRequest:
    require_permission(actor, ServiceRequest, "add")
    require_row(actor, customer, "view")
    errors: dict = {}
    _required(errors, subject=subject)
    if kind not in ServiceRequest.Kind.values:
        errors.setdefault("kind", []).append(_g("Unknown kind."))
    if errors:
        raise ValidationFailed(_("The service request could not be saved."), fields=errors)
    request = ServiceRequest.objects.create(
        code=next_code("service_request", "FW"),
        customer=customer,
        contact=contact,
        product=product,
        kind=kind,
        subject=subject.strip(),
        description=description,
        created_by=actor,
    )
    business_event.send(
        sender=ServiceRequest, name="service_request.submitted", obj=request, actor=actor, data={"kind": kind}
    )
    audit_record(action="create", actor=actor, obj=request)
    return request


@transaction.atomic
def service_request_update(*, actor, request: ServiceRequest, **fields) -> ServiceRequest:
    """Dispatch (派工) and work record updates, called by the service process steps."""
    require_row(actor, request, "change")
    allowed = {"status", "technician", "scheduled_at", "work_record", "satisfaction"}
    errors: dict = {}
    for key in set(fields) - allowed:
        errors.setdefault(key, []).append(_g("Unknown field."))
    if "status" in fields and fields["status"] not in ServiceRequest.Status.values:
        errors.setdefault("status", []).append(_g("Unknown status."))
    if fields.get("satisfaction") is not None and fields["satisfaction"] not in range(1, 6):
        errors.setdefault("satisfaction", []).append(_g("Rate from 1 to 5."))
    if errors:
        raise ValidationFailed(_("The service request could not be saved."), fields=errors)
    for key, value in fields.items():
        setattr(request, key, value)
    request.save()
    audit_record(action="change", actor=actor, obj=request, changes={k: str(v) for k, v in fields.items()})
    return request


@transaction.atomic
def complaint_update(*, actor, complaint: Complaint, **fields) -> Complaint:
    require_row(actor, complaint, "change")
    allowed = {"status", "handler", "department", "resolution", "satisfaction", "severity"}
    errors: dict = {}
    for key in set(fields) - allowed:
        errors.setdefault(key, []).append(_g("Unknown field."))
    if "status" in fields and fields["status"] not in Complaint.Status.values:
        errors.setdefault("status", []).append(_g("Unknown status."))
    if fields.get("satisfaction") is not None and fields["satisfaction"] not in range(1, 6):
        errors.setdefault("satisfaction", []).append(_g("Rate from 1 to 5."))
    if errors:
        raise ValidationFailed(_("The complaint could not be saved."), fields=errors)
    for key, value in fields.items():
        setattr(complaint, key, value)
    if fields.get("status") == Complaint.Status.RESOLVED and complaint.resolved_at is None:
        complaint.resolved_at = timezone.now()
    complaint.save()
    audit_record(action="change", actor=actor, obj=complaint, changes={k: str(v) for k, v in fields.items()})
    return complaint
