"""Service records, complaints and service requests as records (their processes come from BPMN)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from audit.services import audit_record, diff, snapshot
from core.errors import ValidationFailed
from engine.ownership import require_process_authority

from ..models import ChoiceList, Complaint, Customer, Product, ServiceRecord, ServiceRequest
from ..signals import business_event
from .common import (
    clean_text,
    next_code,
    parse_datetime,
    require_permission,
    require_row,
    resolve_option,
)


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


def clean_complaint(
    errors: dict,
    *,
    category,
    subject: str,
    description: str,
    severity: str = Complaint.Severity.NORMAL,
    channel: str = Complaint.Channel.STAFF,
    category_required: bool = False,
) -> dict:
    """Validated complaint fields (shared by staff and customer-side submission); errors located."""
    option = resolve_option(category, ChoiceList.COMPLAINT_CATEGORY, "category", errors)
    if option is None and category_required:
        errors["category"] = [_g("Choose a category.")]
    if severity not in Complaint.Severity.values:
        errors.setdefault("severity", []).append(_g("Unknown severity."))
    if channel not in Complaint.Channel.values:
        errors.setdefault("channel", []).append(_g("Unknown channel."))
    return {
        "category": option,
        "subject": clean_text(subject, "subject", errors, required=True),
        "description": clean_text(description, "description", errors, limit=10_000),
        "severity": severity,
        "channel": channel,
    }


def create_complaint(*, actor, customer: Customer, contact, fields: dict, variables: dict) -> Complaint:
    """Write a validated complaint, audit it and announce `complaint.submitted` (its start binding
    starts the process in this transaction)."""
    complaint = Complaint.objects.create(
        code=next_code("complaint", "TS"), customer=customer, contact=contact, created_by=actor, **fields
    )
    category = fields["category"]
    business_event.send(
        sender=Complaint,
        name="complaint.submitted",
        obj=complaint,
        actor=actor,
        data={
            "complaint_id": complaint.pk,
            "reference": complaint.code,
            "severity": complaint.severity,
            "category": category.code if category else "",
            **variables,
        },
    )
    audit_record(action="create", actor=actor, obj=complaint, extra={"channel": complaint.channel})
    return complaint


@transaction.atomic
def complaint_submit(
    *,
    actor,
    customer: Customer,
    subject: str,
    description: str = "",
    severity: str = Complaint.Severity.NORMAL,
    channel: str = Complaint.Channel.STAFF,
    category=None,
    contact=None,
) -> Complaint:
    """Record a complaint and announce `complaint.submitted` (its start binding starts the process).
    `category` is an option of the complaint-category list (instance, pk or code)."""
    require_permission(actor, Complaint, "add")
    require_row(actor, customer, "view")
    errors: dict = {}
    fields = clean_complaint(
        errors,
        category=category,
        subject=subject,
        description=description,
        severity=severity,
        channel=channel,
    )
    if contact is not None and contact.customer_id != customer.pk:
        errors.setdefault("contact", []).append(_g("The contact belongs to another customer."))
    if errors:
        raise ValidationFailed(_("The complaint could not be saved."), fields=errors)
    return create_complaint(actor=actor, customer=customer, contact=contact, fields=fields, variables={})


def clean_service_request(
    errors: dict,
    *,
    kind: str,
    subject: str,
    description: str,
    product=None,
    serial_number: str = "",
    preferred_at=None,
    address: str = "",
    subject_required: bool = True,
) -> dict:
    """Validated service-request fields (staff and customer side); `product` is a Product or a pk of
    an active one; `preferred_at` a datetime or ISO text, in the future."""
    if kind not in ServiceRequest.Kind.values:
        errors.setdefault("kind", []).append(_g("Choose the kind of service."))
    if product not in (None, "") and not isinstance(product, Product):
        product = Product.objects.filter(pk=int(product) if str(product).isdigit() else None).first()
        if product is None:
            errors.setdefault("product", []).append(_g("Choose a product from the list."))
    if isinstance(product, Product) and not product.active:
        errors.setdefault("product", []).append(_g("This product is no longer sold."))
    moment = parse_datetime(preferred_at, "preferred_at", errors)
    if moment is not None and moment <= timezone.now():
        errors.setdefault("preferred_at", []).append(_g("Choose a time in the future."))
    return {
        "kind": kind,
        "product": product or None,
        "subject": clean_text(subject, "subject", errors, required=subject_required),
        "description": clean_text(description, "description", errors, limit=10_000),
        "serial_number": clean_text(serial_number, "serial_number", errors, limit=100),
        "preferred_at": moment,
        "address": clean_text(address, "address", errors, limit=300),
    }


def create_service_request(
    *, actor, customer: Customer, contact, fields: dict, variables: dict
) -> ServiceRequest:
    """Write a validated service request, audit it and announce `service_request.submitted`."""
    request = ServiceRequest.objects.create(
        code=next_code("service_request", "FW"),
        customer=customer,
        contact=contact,
        created_by=actor,
        **fields,
    )
    product = request.product
    business_event.send(
        sender=ServiceRequest,
        name="service_request.submitted",
        obj=request,
        actor=actor,
        data={
            "service_request_id": request.pk,
            "reference": request.code,
            "kind": request.kind,
            "product_code": product.code if product else "",
            "product_name": product.name if product else "",
            "serial_number": request.serial_number,
            "preferred_time": request.preferred_at.isoformat() if request.preferred_at else "",
            "address": request.address,
            **variables,
        },
    )
    audit_record(action="create", actor=actor, obj=request)
    return request


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
    serial_number: str = "",
    preferred_at=None,
    address: str = "",
) -> ServiceRequest:
    require_permission(actor, ServiceRequest, "add")
    require_row(actor, customer, "view")
    errors: dict = {}
    fields = clean_service_request(
        errors,
        kind=kind,
        subject=subject,
        description=description,
        product=product,
        serial_number=serial_number,
        preferred_at=preferred_at,
        address=address,
    )
    if contact is not None and contact.customer_id != customer.pk:
        errors.setdefault("contact", []).append(_g("The contact belongs to another customer."))
    if errors:
        raise ValidationFailed(_("The service request could not be saved."), fields=errors)
    return create_service_request(
        actor=actor, customer=customer, contact=contact, fields=fields, variables={}
    )


@transaction.atomic
def service_request_update(*, actor, request: ServiceRequest, **fields) -> ServiceRequest:
    """Dispatch (派工) and work record updates, called by the service process steps."""
    require_row(actor, request, "change")
    allowed = {
        "status",
        "technician",
        "scheduled_at",
        "work_record",
        "satisfaction",
        "serial_number",
        "preferred_at",
        "address",
        "due_at",
    }
    errors: dict = {}
    for key in set(fields) - allowed:
        errors.setdefault(key, []).append(_g("Unknown field."))
    if "status" in fields and fields["status"] not in ServiceRequest.Status.values:
        errors.setdefault("status", []).append(_g("Unknown status."))
    if fields.get("satisfaction") is not None and fields["satisfaction"] not in range(1, 6):
        errors.setdefault("satisfaction", []).append(_g("Rate from 1 to 5."))
    if errors:
        raise ValidationFailed(_("The service request could not be saved."), fields=errors)
    request = ServiceRequest.objects.select_for_update().get(pk=request.pk)
    require_process_authority(actor=actor, obj=request, fields=_changed(request, fields))
    before = snapshot(request)
    for key, value in fields.items():
        setattr(request, key, value)
    request.save()
    audit_record(action="change", actor=actor, obj=request, changes=diff(before, snapshot(request)))
    return request


def _changed(obj, fields: dict) -> list[str]:
    return [key for key, value in fields.items() if getattr(obj, key) != value]


@transaction.atomic
def complaint_update(*, actor, complaint: Complaint, **fields) -> Complaint:
    require_row(actor, complaint, "change")
    allowed = {
        "status",
        "handler",
        "department",
        "resolution",
        "satisfaction",
        "severity",
        "category",
        "due_at",
    }
    errors: dict = {}
    if "category" in fields:
        fields["category"] = resolve_option(
            fields["category"], ChoiceList.COMPLAINT_CATEGORY, "category", errors
        )
    for key in set(fields) - allowed:
        errors.setdefault(key, []).append(_g("Unknown field."))
    if "status" in fields and fields["status"] not in Complaint.Status.values:
        errors.setdefault("status", []).append(_g("Unknown status."))
    if fields.get("satisfaction") is not None and fields["satisfaction"] not in range(1, 6):
        errors.setdefault("satisfaction", []).append(_g("Rate from 1 to 5."))
    if errors:
        raise ValidationFailed(_("The complaint could not be saved."), fields=errors)
    complaint = Complaint.objects.select_for_update().get(pk=complaint.pk)
    require_process_authority(actor=actor, obj=complaint, fields=_changed(complaint, fields))
    before = snapshot(complaint)
    for key, value in fields.items():
        setattr(complaint, key, value)
    if fields.get("status") == Complaint.Status.RESOLVED and complaint.resolved_at is None:
        complaint.resolved_at = timezone.now()
    complaint.save()
    audit_record(action="change", actor=actor, obj=complaint, changes=diff(before, snapshot(complaint)))
    return complaint


@transaction.atomic
def complaint_reopen(*, actor, complaint: Complaint) -> Complaint:
    """The customer was unsatisfied: the complaint is open again (in progress, no longer resolved)
    until its final resolution, so reports never count it resolved meanwhile."""
    require_row(actor, complaint, "change")
    complaint = Complaint.objects.select_for_update().get(pk=complaint.pk)
    require_process_authority(actor=actor, obj=complaint, fields=["status"])
    before = snapshot(complaint)
    complaint.status = Complaint.Status.IN_PROGRESS
    complaint.resolved_at = None
    complaint.save(update_fields=["status", "resolved_at", "updated_at"])
    audit_record(action="change", actor=actor, obj=complaint, changes=diff(before, snapshot(complaint)))
    return complaint


@transaction.atomic
def complaint_mark_overdue(*, actor, complaint: Complaint, due=None) -> Complaint:
    """The complaint passed its SLA (the complaint process's timer); marked once."""
    require_row(actor, complaint, "change")
    complaint = Complaint.objects.select_for_update().get(pk=complaint.pk)
    if complaint.overdue_since is not None:
        return complaint
    before = snapshot(complaint)
    complaint.overdue_since = timezone.now()
    complaint.save(update_fields=["overdue_since", "updated_at"])
    audit_record(
        action="change",
        actor=actor,
        obj=complaint,
        changes=diff(before, snapshot(complaint)),
        extra={"sla": due} if due else None,
    )
    return complaint
