"""Writes of field service. Dispatching and recording the work complete the steps of the service
dispatch process (engine.services.complete_task), so the BPMN decides who may and what follows;
the work step's connector books the parts out of stock in the same transaction. Product issues
start their own hand-off process (product_issue.reported)."""

from __future__ import annotations

import base64
import binascii
import datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from audit.services import audit_record, diff, snapshot
from core.errors import Conflict, ValidationFailed
from engine.ownership import require_process_authority
from engine.services import complete_task

from ..files import check_upload
from ..models import Complaint, FieldPhoto, Product, ProductIssue, ServiceRequest, TechnicianProfile
from ..services.commerce import stock_available
from ..services.common import clean_text, next_code, parse_decimal, require_permission, require_row
from ..signals import business_event
from .selectors import ACCEPT, ASSIGN, WORK, open_task

PHOTO_TYPES = (".jpg", ".jpeg", ".png", ".gif")
PHOTO_MAX_BYTES = 10 * 2**20
MAX_PHOTOS = 10
SIGNATURE_MAX_BYTES = 512 * 1024
PNG = b"\x89PNG\r\n\x1a\n"


def _step(request: ServiceRequest, element_id: str, field: str = "__all__"):
    task = open_task(request, element_id)
    if task is None:
        messages = {
            ASSIGN: _g("%(request)s is not waiting for a technician."),
            ACCEPT: _g("%(request)s is not waiting to be accepted."),
            WORK: _g("%(request)s is not waiting for its work record."),
        }
        message = messages[element_id] % {"request": request.code}
        raise ValidationFailed(message, fields={field: [message]})
    return task


# --- technicians ----------------------------------------------------------------------------------


@transaction.atomic
def technician_profile_set(*, actor, user, skills: str = "", area: str = "") -> TechnicianProfile:
    require_permission(actor, TechnicianProfile, "change")
    errors: dict = {}
    skills = clean_text(skills, "skills", errors, limit=300)
    area = clean_text(area, "area", errors, limit=100)
    if errors:
        raise ValidationFailed(_("The technician's profile could not be saved."), fields=errors)
    profile, created = TechnicianProfile.objects.get_or_create(user=user)
    before = snapshot(profile)
    profile.skills, profile.area = skills, area
    profile.save()
    audit_record(
        action="create" if created else "change",
        actor=actor,
        obj=profile,
        changes=diff(before, snapshot(profile)),
    )
    return profile


# --- dispatch (派工) ------------------------------------------------------------------------------


def _scheduled(day, time, errors: dict) -> datetime.datetime | None:
    try:
        date = day if isinstance(day, datetime.date) else datetime.date.fromisoformat(str(day or "")[:10])
    except ValueError:
        errors.setdefault("day", []).append(_g("Choose a day."))
        return None
    try:
        clock = (
            time if isinstance(time, datetime.time) else datetime.time.fromisoformat(str(time or "09:00")[:5])
        )
    except ValueError:
        errors.setdefault("time", []).append(_g("Enter a time such as 09:30."))
        return None
    if date < timezone.localdate():
        errors.setdefault("day", []).append(_g("Choose today or a later day."))
        return None
    return timezone.make_aware(datetime.datetime.combine(date, clock))


def dispatch_assign(
    *, actor, request: ServiceRequest, technician: str, day, time="09:00", instructions: str = ""
) -> ServiceRequest:
    """Assign the request to a technician for a day (and time): completes the request's dispatch
    task (`assign`), so only whoever holds or is offered it may, and the process sends the job to
    the technician. Errors are located on technician / day / time."""
    require_row(actor, request, "view")
    task = _step(request, ASSIGN, "request")
    errors: dict = {}
    User = get_user_model()
    person = User.objects.filter(username=str(technician or ""), is_active=True).first()
    if person is None:
        errors.setdefault("technician", []).append(_g("Choose a technician."))
    scheduled = _scheduled(day, time, errors)
    instructions = clean_text(instructions, "instructions", errors, limit=2000)
    if errors:
        raise ValidationFailed(_("The job could not be assigned."), fields=errors)
    data = {
        "technician": person.get_username(),
        "scheduled_at": timezone.localtime(scheduled).isoformat(),
    }
    if instructions:
        data["instructions"] = instructions
    try:
        complete_task(task.pk, user=actor, data=data)
    except ValidationFailed as error:
        fields = dict(error.fields)
        if "scheduled_at" in fields:
            fields["day"] = fields.pop("scheduled_at")
        raise ValidationFailed(error.message, fields=fields) from error
    request.refresh_from_db()
    return request


def job_accept(*, actor, request: ServiceRequest, accepted: bool = True, note: str = "") -> ServiceRequest:
    """The technician takes (or declines, back to the dispatcher) the job: its `accept` step."""
    task = _step(request, ACCEPT)
    errors: dict = {}
    note = clean_text(note, "note", errors, limit=1000)
    if not accepted and not note:
        errors.setdefault("note", []).append(_g("Say why you cannot take this job."))
    if errors:
        raise ValidationFailed(_("The job could not be answered."), fields=errors)
    complete_task(task.pk, user=actor, data={"accepted": bool(accepted), **({"note": note} if note else {})})
    request.refresh_from_db()
    return request


# --- the work record (工单) ------------------------------------------------------------------------


def _clean_parts(lines, errors: dict) -> list[tuple[Product, Decimal]]:
    """(product, quantity) per filled line; a line naming an unknown product, a bad quantity, or
    more than is in stock (over all lines of that product) gets its error on the line."""
    parts: list[tuple[int, Product, Decimal]] = []
    for index, line in enumerate(lines or []):
        code = str((line or {}).get("product") or "").strip()
        raw = str((line or {}).get("quantity") or "").strip()
        if not code and not raw:
            continue
        product = Product.objects.filter(code=code, active=True).first() if code else None
        if product is None:
            errors.setdefault(f"parts.{index}.product", []).append(_g("Choose a part from the catalogue."))
        quantity = parse_decimal(raw, f"parts.{index}.quantity", errors)
        if quantity is None or quantity <= 0:
            if f"parts.{index}.quantity" not in errors:
                errors[f"parts.{index}.quantity"] = [_g("Enter a quantity above 0.")]
            continue
        if product is not None:
            parts.append((index, product, quantity))
    wanted: dict[int, Decimal] = {}
    for index, product, quantity in parts:
        wanted[product.pk] = wanted.get(product.pk, Decimal(0)) + quantity
        available = stock_available(product=product)
        if wanted[product.pk] > available:
            errors.setdefault(f"parts.{index}.quantity", []).append(
                _g("Only %(n)s of %(product)s in stock.")
                % {"n": available.normalize() if available else 0, "product": product.name}
            )
    return [(product, quantity) for _index, product, quantity in parts]


def _signature_png(data_url: str, errors: dict) -> bytes | None:
    """The signature canvas's PNG (a data: URL), or None when none was drawn."""
    if not data_url:
        return None
    prefix = "data:image/png;base64,"
    if not data_url.startswith(prefix):
        errors.setdefault("signature", []).append(_g("The signature could not be read; sign again."))
        return None
    try:
        content = base64.b64decode(data_url[len(prefix) :], validate=True)
    except (binascii.Error, ValueError):
        content = b""
    if not content.startswith(PNG) or len(content) > SIGNATURE_MAX_BYTES:
        errors.setdefault("signature", []).append(_g("The signature could not be read; sign again."))
        return None
    return content


def _number(value, field: str, errors: dict, *, high: int) -> Decimal | None:
    number = parse_decimal(value, field, errors)
    if number is None and field not in errors:
        errors[field] = [_g("This field is required.")]
    elif number is not None and not 0 <= number <= high:
        errors.setdefault(field, []).append(_g("Enter a number from 0 to %(n)d.") % {"n": high})
    return number


def work_record_submit(
    *,
    actor,
    request: ServiceRequest,
    hours,
    result: str,
    parts=(),
    photos=(),
    signature: str = "",
    confirmed_by: str = "",
) -> ServiceRequest:
    """The technician's work record: completes the job's `work` step with hours, result and the
    parts used (the process's connector books them out of stock in this transaction), keeps the
    photos and the customer's signature. The customer confirms by signing or by giving their name.
    Any error (located on its field or parts line) leaves nothing saved and nothing booked."""
    task = _step(request, WORK)
    errors: dict = {}
    hours_value = _number(hours, "hours", errors, high=100)
    result = clean_text(result, "result", errors, required=True, limit=5000)
    confirmed_by = clean_text(confirmed_by, "confirmed_by", errors, limit=100)
    used = _clean_parts(parts, errors)
    png = _signature_png(signature, errors)
    if png is None and not confirmed_by and "signature" not in errors:
        errors["confirmed_by"] = [_g("Have the customer sign, or write the name of who confirmed the work.")]
    photos = list(photos or [])
    if len(photos) > MAX_PHOTOS:
        errors.setdefault("photos", []).append(_g("At most %(n)d photos.") % {"n": MAX_PHOTOS})
    checked = [
        check_upload(p, allowed=PHOTO_TYPES, max_bytes=PHOTO_MAX_BYTES, field="photos", errors=errors)
        for p in photos[:MAX_PHOTOS]
    ]
    if errors:
        raise ValidationFailed(_("The work record could not be saved."), fields=errors)
    data = {
        "hours": float(hours_value),
        "result": result,
        "parts": [{"product": p.code, "quantity": float(q)} for p, q in used],
        "confirmed_by": confirmed_by or _g("signed on the technician's phone"),
    }
    kept: list[FieldPhoto] = []
    try:
        with transaction.atomic():
            for upload in checked:
                file, name, content_type = upload.upload, upload.name, upload.content_type
                kept.append(_keep(actor, request, FieldPhoto.Kind.PHOTO, file, name, content_type))
            if png is not None:
                name = f"{request.code}-signature.png"
                content = ContentFile(png, name=name)
                kept.append(_keep(actor, request, FieldPhoto.Kind.SIGNATURE, content, name, "image/png"))
            try:
                complete_task(task.pk, user=actor, data=data)
            except Conflict as error:  # stock taken meanwhile: the connector refused, all rolled back
                raise ValidationFailed(error.message, fields={"parts": [str(error.message)]}) from error
    except Exception:
        for photo in kept:  # the rows rolled back; their files must not stay behind
            photo.file.delete(save=False)
        raise
    request.refresh_from_db()
    return request


def _keep(actor, request, kind: str, content, name: str, content_type: str) -> FieldPhoto:
    photo = FieldPhoto(
        service_request=request if isinstance(request, ServiceRequest) else None,
        product_issue=request if isinstance(request, ProductIssue) else None,
        kind=kind,
        name=name,
        content_type=content_type,
        uploaded_by=actor,
    )
    photo.file.save(name, content, save=False)
    photo.save()
    audit_record(action="create", actor=actor, obj=photo, extra={"kind": kind})
    return photo


# --- product issues (产品问题) ---------------------------------------------------------------------


@transaction.atomic
def product_issue_report(
    *,
    actor,
    product,
    summary: str,
    details: str = "",
    severity: str = ProductIssue.Severity.NORMAL,
    complaint: Complaint | None = None,
    service_request: ServiceRequest | None = None,
    photos=(),
) -> ProductIssue:
    """Pass a product problem found in a complaint or on a job to product development: the issue
    is recorded and `product_issue.reported` starts its hand-off process."""
    require_permission(actor, ProductIssue, "add")
    for record in (complaint, service_request):
        if record is not None:
            require_row(actor, record, "view")
    errors: dict = {}
    if not isinstance(product, Product):
        product = (
            Product.objects.filter(pk=int(product), active=True).first()
            if str(product or "").isdigit()
            else None
        )
    if product is None:
        errors.setdefault("product", []).append(_g("Choose a product from the list."))
    summary = clean_text(summary, "summary", errors, required=True)
    details = clean_text(details, "details", errors, limit=10_000)
    if severity not in ProductIssue.Severity.values:
        errors.setdefault("severity", []).append(_g("Unknown severity."))
    photos = list(photos or [])
    if len(photos) > MAX_PHOTOS:
        errors.setdefault("photos", []).append(_g("At most %(n)d photos.") % {"n": MAX_PHOTOS})
    checked = [
        check_upload(p, allowed=PHOTO_TYPES, max_bytes=PHOTO_MAX_BYTES, field="photos", errors=errors)
        for p in photos[:MAX_PHOTOS]
    ]
    if errors:
        raise ValidationFailed(_("The product issue could not be saved."), fields=errors)
    issue = ProductIssue.objects.create(
        code=next_code("product_issue", "PI"),
        product=product,
        complaint=complaint,
        service_request=service_request,
        summary=summary,
        details=details,
        severity=severity,
        reported_by=actor,
        created_by=actor,
    )
    for upload in checked:
        _keep(actor, issue, FieldPhoto.Kind.PHOTO, upload.upload, upload.name, upload.content_type)
    audit_record(action="create", actor=actor, obj=issue)
    business_event.send(
        sender=ProductIssue,
        name="product_issue.reported",
        obj=issue,
        actor=actor,
        data={
            "product_issue_id": issue.pk,
            "reference": issue.code,
            "product_code": product.code,
            "product_name": product.name,
            "severity": severity,
        },
    )
    return issue


@transaction.atomic
def product_issue_update(*, actor, issue: ProductIssue, **fields) -> ProductIssue:
    """Triage and fix, set by the product-issue process's steps."""
    require_row(actor, issue, "change")
    errors: dict = {}
    for key in set(fields) - {"status", "decision_reason", "fix"}:
        errors.setdefault(key, []).append(_g("Unknown field."))
    if "status" in fields and fields["status"] not in ProductIssue.Status.values:
        errors.setdefault("status", []).append(_g("Unknown status."))
    if errors:
        raise ValidationFailed(_("The product issue could not be saved."), fields=errors)
    issue = ProductIssue.objects.select_for_update().get(pk=issue.pk)
    changed = [k for k, v in fields.items() if getattr(issue, k) != v]
    require_process_authority(actor=actor, obj=issue, fields=changed)
    before = snapshot(issue)
    for key, value in fields.items():
        setattr(issue, key, value)
    if fields.get("status") == ProductIssue.Status.FIXED and issue.fixed_at is None:
        issue.fixed_at = timezone.now()
    issue.save()
    audit_record(action="change", actor=actor, obj=issue, changes=diff(before, snapshot(issue)))
    return issue
