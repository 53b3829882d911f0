"""Writes of the service desk. Each takes `actor`, checks entity x row, validates with located
errors, writes, and records the audit row in the same transaction."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from audit.services import audit_record, diff, snapshot
from core.errors import Conflict, NotPermitted, ValidationFailed
from engine.selectors import ProcessInstance
from engine.selectors import work as engine_work

from ..models import (
    Activity,
    CaseMessage,
    ChoiceList,
    Complaint,
    Consultation,
    Contact,
    Customer,
    Lead,
    Opportunity,
    ServiceRequest,
)
from ..services.common import (
    check_phone,
    clean_text,
    next_code,
    require_permission,
    require_row,
    resolve_option,
)

MESSAGE_LIMIT = 10_000
CASE_MODELS = (Complaint, ServiceRequest)


def _case_field(case) -> str:
    return "complaint" if isinstance(case, Complaint) else "service_request"


def _require_case_worker(actor, case) -> None:
    """Whoever may change this kind of case and sees this one (handlers, the service desk, the
    people working a task on it) may write on it."""
    require_permission(actor, type(case), "change")
    if not type(case).objects.visible_to(actor, "view").filter(pk=case.pk).exists():
        raise NotPermitted(_g("You may not change %(object)s.") % {"object": case})


# --- messages on a case ----------------------------------------------------------------------------


@transaction.atomic
def case_message_add(*, actor, case, text: str, internal: bool = False) -> CaseMessage:
    """A reply to the customer (shown in the portal's history of the case) or, `internal`, a
    comment for staff only."""
    if not isinstance(case, CASE_MODELS):
        raise ValidationFailed(_("Only complaints and service requests take messages."))
    _require_case_worker(actor, case)
    errors: dict = {}
    text = clean_text(text, "text", errors, required=True, limit=MESSAGE_LIMIT)
    if errors:
        raise ValidationFailed(_("The message could not be saved."), fields=errors)
    kind = CaseMessage.Kind.INTERNAL if internal else CaseMessage.Kind.REPLY
    message = CaseMessage.objects.create(**{_case_field(case): case}, kind=kind, text=text, author=actor)
    audit_record(action="change", actor=actor, obj=case, extra={"message": kind, "message_id": message.pk})
    return message


@transaction.atomic
def customer_case_message_add(*, user, case, text: str) -> CaseMessage:
    """A message the customer writes in the portal on their own case while no process runs on it
    (the portal has established that `user` submitted it); staff read it on the timeline."""
    if not isinstance(case, CASE_MODELS) or case.created_by_id != getattr(user, "pk", None):
        raise NotPermitted(_("Only the person who submitted this request can add messages to it."))
    errors: dict = {}
    text = clean_text(text, "text", errors, required=True, limit=MESSAGE_LIMIT)
    if errors:
        raise ValidationFailed(_("The message could not be saved."), fields=errors)
    message = CaseMessage.objects.create(
        **{_case_field(case): case}, kind=CaseMessage.Kind.CUSTOMER, text=text, author=user
    )
    audit_record(
        action="change", actor=user, obj=case, extra={"message": "customer", "message_id": message.pk}
    )
    return message


# --- merging duplicates ------------------------------------------------------------------------------


def _running_instances(case) -> list[ProcessInstance]:
    return engine_work.running_instances_of(case)


@transaction.atomic
def case_merge(*, actor, keep, duplicate, note: str = ""):
    """`duplicate` (a complaint or service request of the same customer about the same thing) is
    absorbed by `keep`: its messages and the customer's attachments move over, its running process
    is cancelled (the complaint process has no way out for a duplicate), it is closed with a link
    to `keep` and a resolution saying so. Both rows are audited. Returns `duplicate`."""
    model = type(keep)
    if model not in CASE_MODELS or type(duplicate) is not model:
        raise ValidationFailed(
            _("Only two complaints or two service requests can be merged."),
            fields={"duplicate": [_g("Choose a record of the same kind.")]},
        )
    _require_case_worker(actor, keep)
    _require_case_worker(actor, duplicate)
    keep = model.objects.select_for_update().get(pk=keep.pk)
    duplicate = model.objects.select_for_update().get(pk=duplicate.pk)
    errors: dict = {}
    if keep.pk == duplicate.pk:
        errors["duplicate"] = [_g("Choose another record; a record cannot absorb itself.")]
    elif keep.customer_id != duplicate.customer_id:
        errors["duplicate"] = [_g("Only records of the same customer can be merged.")]
    elif duplicate.duplicate_of_id is not None:
        errors["duplicate"] = [_g("This record was already merged into another one.")]
    elif keep.duplicate_of_id is not None:
        errors["duplicate"] = [_g("This record was merged into another one; merge into that one.")]
    note = clean_text(note, "note", errors, limit=500)
    if errors:
        raise ValidationFailed(_("The records could not be merged."), fields=errors)

    from engine.services import cancel_instance

    reason = _g("Merged into %(code)s as a duplicate.") % {"code": keep.code}
    # the merge is the case worker's call (checked above); ending the duplicate's process follows
    for instance in _running_instances(duplicate):
        cancel_instance(instance.pk, user=actor, reason=reason, permitted_by_caller=True)
    field = _case_field(keep)
    moved = CaseMessage.objects.filter(**{field: duplicate}).update(**{field: keep})
    # The customer's files (portal.RequestAttachment) follow through their reverse relation: the
    # portal owns that table, the CRM only re-points the rows it is named on.
    files = duplicate.portal_attachments.update(**{field: keep})
    before = snapshot(duplicate)
    duplicate.duplicate_of = keep
    duplicate.status = model.Status.CLOSED
    # filed with the case that absorbed it, so whoever works that one still opens the duplicate
    if model is Complaint:
        duplicate.handler = duplicate.handler or keep.handler
        duplicate.department = duplicate.department or keep.department
    else:
        duplicate.technician = duplicate.technician or keep.technician
    text = reason + (f" {note}" if note else "")
    if model is Complaint:
        duplicate.resolution = text
        duplicate.resolved_at = duplicate.resolved_at or timezone.now()
    else:
        duplicate.work_record = (duplicate.work_record + "\n" + text).strip()
    duplicate.save()
    CaseMessage.objects.create(
        **{field: keep},
        kind=CaseMessage.Kind.INTERNAL,
        text=_g("Absorbed %(code)s (%(subject)s): %(messages)d messages, %(files)d files.")
        % {"code": duplicate.code, "subject": duplicate.subject, "messages": moved, "files": files}
        + (f" {note}" if note else ""),
        author=actor,
    )
    audit_record(action="change", actor=actor, obj=duplicate, changes=diff(before, snapshot(duplicate)))
    audit_record(action="change", actor=actor, obj=keep, extra={"absorbed": duplicate.code})
    return duplicate


# --- consultations -----------------------------------------------------------------------------------


def _clean_consultation(actor, values: dict, errors: dict, *, partial: bool = False) -> dict:
    cleaned: dict = {}
    if "kind" in values or not partial:
        kind = values.get("kind") or Consultation.Kind.PRE_SALE
        if kind not in Consultation.Kind.values:
            errors.setdefault("kind", []).append(_g("Choose pre-sale or after-sale."))
        cleaned["kind"] = kind
    if "channel" in values or not partial:
        channel = values.get("channel") or Consultation.Channel.PHONE
        if channel not in Consultation.Channel.values:
            errors.setdefault("channel", []).append(_g("Unknown channel."))
        cleaned["channel"] = channel
    if "category" in values:
        cleaned["category"] = resolve_option(
            values.get("category"), ChoiceList.CONSULTATION_CATEGORY, "category", errors
        )
    if "customer" in values:
        customer = values.get("customer")
        if customer not in (None, "") and not isinstance(customer, Customer):
            customer = (
                Customer.objects.visible_to(actor, "view").filter(pk=int(customer)).first()
                if str(customer).isdigit()
                else None
            )
            if customer is None:
                errors.setdefault("customer", []).append(_g("Choose a customer from the list."))
        cleaned["customer"] = customer or None
    if "contact" in values:
        contact = values.get("contact")
        if contact not in (None, "") and not isinstance(contact, Contact):
            contact = Contact.objects.filter(pk=int(contact)).first() if str(contact).isdigit() else None
            if contact is None:
                errors.setdefault("contact", []).append(_g("Choose a contact from the list."))
        cleaned["contact"] = contact or None
    for name, limit in (("prospect_name", 100), ("prospect_phone", 50)):
        if name in values:
            cleaned[name] = clean_text(values.get(name), name, errors, limit=limit)
    if cleaned.get("prospect_phone"):
        problem = check_phone(cleaned["prospect_phone"])
        if problem:
            errors.setdefault("prospect_phone", []).append(problem)
    if "question" in values or not partial:
        cleaned["question"] = clean_text(
            values.get("question"), "question", errors, required=True, limit=5000
        )
    if "answer" in values:
        cleaned["answer"] = clean_text(values.get("answer"), "answer", errors, limit=10_000)
    return cleaned


def _check_asker(consultation_fields: dict, errors: dict) -> None:
    customer = consultation_fields.get("customer")
    contact = consultation_fields.get("contact")
    if contact is not None and (customer is None or contact.customer_id != customer.pk):
        errors.setdefault("contact", []).append(_g("The contact works at another customer."))
    if customer is None and not consultation_fields.get("prospect_name"):
        errors.setdefault("customer", []).append(
            _g("Choose the customer, or enter the name of who asked (not a customer yet).")
        )


@transaction.atomic
def consultation_create(*, actor, activity: Activity | None = None, **values) -> Consultation:
    """Log a question (from the customer card, a call, a visit...); an answer given at once
    marks it answered. `activity`: the call or visit it was asked in (its customer is taken)."""
    require_permission(actor, Consultation, "add")
    if activity is not None:
        require_row(actor, activity, "view")
        values.setdefault("customer", activity.customer)
        values.setdefault("contact", activity.contact)
    errors: dict = {}
    fields = _clean_consultation(actor, values, errors)
    fields.setdefault("customer", None)
    fields.setdefault("contact", None)
    _check_asker(fields, errors)
    if errors:
        raise ValidationFailed(_("The consultation could not be saved."), fields=errors)
    consultation = Consultation.objects.create(
        code=next_code("consultation", "ZX"),
        handled_by=actor,
        created_by=actor,
        activity=activity,
        **fields,
    )
    if consultation.answer:
        consultation.status = Consultation.Status.ANSWERED
        consultation.answered_at = timezone.now()
        consultation.save(update_fields=["status", "answered_at"])
    audit_record(action="create", actor=actor, obj=consultation)
    return consultation


@transaction.atomic
def consultation_update(*, actor, consultation: Consultation, **values) -> Consultation:
    """Edit the question's facts or answer it (an answer marks it answered, the editor handles it)."""
    require_row(actor, consultation, "change")
    consultation = Consultation.objects.select_for_update().get(pk=consultation.pk)
    errors: dict = {}
    fields = _clean_consultation(actor, values, errors, partial=True)
    merged = {
        "customer": fields.get("customer", consultation.customer),
        "contact": fields.get("contact", consultation.contact),
        "prospect_name": fields.get("prospect_name", consultation.prospect_name),
    }
    _check_asker(merged, errors)
    if errors:
        raise ValidationFailed(_("The consultation could not be saved."), fields=errors)
    before = snapshot(consultation)
    for key, value in fields.items():
        setattr(consultation, key, value)
    if consultation.answer and consultation.status == Consultation.Status.OPEN:
        consultation.status = Consultation.Status.ANSWERED
        consultation.answered_at = timezone.now()
    if consultation.handled_by_id is None:
        consultation.handled_by = actor
    consultation.save()
    audit_record(action="change", actor=actor, obj=consultation, changes=diff(before, snapshot(consultation)))
    return consultation


@transaction.atomic
def consultation_close(*, actor, consultation: Consultation) -> Consultation:
    require_row(actor, consultation, "change")
    before = snapshot(consultation)
    consultation.status = Consultation.Status.CLOSED
    consultation.save(update_fields=["status", "updated_at"])
    audit_record(action="change", actor=actor, obj=consultation, changes=diff(before, snapshot(consultation)))
    return consultation


def _require_convertible(consultation: Consultation, kind: str) -> None:
    if consultation.lead_id or consultation.opportunity_id or consultation.service_request_id:
        raise Conflict(_("This consultation was already converted."))
    if consultation.kind != kind:
        message = (
            _("Only a pre-sale consultation becomes a lead or an opportunity.")
            if kind == Consultation.Kind.PRE_SALE
            else _("Only an after-sale consultation becomes a service request.")
        )
        raise Conflict(message)


def _mark_converted(actor, consultation: Consultation, **link) -> Consultation:
    before = snapshot(consultation)
    for key, value in link.items():
        setattr(consultation, key, value)
    consultation.status = Consultation.Status.CONVERTED
    if consultation.handled_by_id is None:
        consultation.handled_by = actor
    consultation.save()
    audit_record(action="change", actor=actor, obj=consultation, changes=diff(before, snapshot(consultation)))
    return consultation


def _summary(consultation: Consultation) -> str:
    text = _g("From consultation %(code)s: %(question)s") % {
        "code": consultation.code,
        "question": consultation.question,
    }
    if consultation.answer:
        text += "\n" + _g("Answer: %(answer)s") % {"answer": consultation.answer}
    return text


@transaction.atomic
def consultation_to_lead(*, actor, consultation: Consultation) -> Lead:
    """A pre-sale question from someone not yet (or already) a customer becomes a lead with the
    asker's name and phone; the consultation links to it."""
    from ..sales.services import lead_create

    require_row(actor, consultation, "change")
    consultation = Consultation.objects.select_for_update().get(pk=consultation.pk)
    _require_convertible(consultation, Consultation.Kind.PRE_SALE)
    customer, contact = consultation.customer, consultation.contact
    try:
        lead = lead_create(
            actor=actor,
            company_name=customer.name if customer else consultation.prospect_name,
            contact_name=contact.name if contact else (consultation.prospect_name if not customer else ""),
            phone=(contact.mobile or contact.phone) if contact else consultation.prospect_phone,
            description=_summary(consultation),
            owner=customer.owner if customer and customer.owner_id else actor,
        )
    except ValidationFailed as error:
        raise ValidationFailed(
            error.message, fields={"__all__": [str(error.message)], **error.fields}
        ) from None
    _mark_converted(actor, consultation, lead=lead)
    return lead


@transaction.atomic
def consultation_to_opportunity(*, actor, consultation: Consultation, name: str = "") -> Opportunity:
    """A pre-sale question of a customer becomes an opportunity of that customer (its manager owns
    it); the consultation links to it."""
    from ..sales.services import opportunity_create

    require_row(actor, consultation, "change")
    consultation = Consultation.objects.select_for_update().get(pk=consultation.pk)
    _require_convertible(consultation, Consultation.Kind.PRE_SALE)
    customer = consultation.customer
    if customer is None:
        raise ValidationFailed(
            _("An opportunity needs a customer; make a lead of this prospect instead."),
            fields={"customer": [_g("Choose the customer first, or convert into a lead.")]},
        )
    category = consultation.category.label if consultation.category_id else ""
    opportunity = opportunity_create(
        actor=actor,
        customer=customer,
        name=(name or f"{customer.name[:20]} {category or consultation.question[:30]}").strip()[:200],
        contact=consultation.contact,
        owner=customer.owner if customer.owner_id else actor,
    )
    _mark_converted(actor, consultation, opportunity=opportunity)
    return opportunity


@transaction.atomic
def consultation_to_service_request(*, actor, consultation: Consultation) -> ServiceRequest:
    """An after-sale question that needs work becomes a service request of the customer (the
    service dispatch process starts on it); the consultation links to it."""
    from ..services.service import clean_service_request, create_service_request

    # The authority comes from the consultation: the service desk may open a request for the
    # customer who asked, though its row scope may not reach that customer's card.
    require_permission(actor, ServiceRequest, "add")
    require_row(actor, consultation, "change")
    consultation = Consultation.objects.select_for_update().get(pk=consultation.pk)
    _require_convertible(consultation, Consultation.Kind.AFTER_SALE)
    customer = consultation.customer
    if customer is None:
        raise ValidationFailed(
            _("A service request needs a customer."),
            fields={"customer": [_g("Choose the customer first.")]},
        )
    errors: dict = {}
    fields = clean_service_request(
        errors,
        kind=ServiceRequest.Kind.REPAIR,
        subject=consultation.question.strip().splitlines()[0][:200],
        description=_summary(consultation)[:10_000],
        address=customer.address[:300],
    )
    if errors:
        raise ValidationFailed(_("The service request could not be saved."), fields=errors)
    request = create_service_request(
        actor=actor, customer=customer, contact=consultation.contact, fields=fields, variables={}
    )
    _mark_converted(actor, consultation, service_request=request)
    return request


@transaction.atomic
def customer_consultation_ask(
    *,
    user,
    customer: Customer,
    contact: Contact | None,
    question: str,
    category=None,
    kind: str = Consultation.Kind.PRE_SALE,
) -> Consultation:
    """A question the customer asks in the portal (the portal has established that `user` is a
    portal user of `customer`); it waits unassigned for the service desk, the answer shows in
    the portal."""
    if user is None or not getattr(user, "is_active", False) or not customer.portal_enabled:
        raise NotPermitted(_("Your portal access is not active."))
    errors: dict = {}
    fields = _clean_consultation(
        user,
        {"question": question, "category": category, "kind": kind, "channel": Consultation.Channel.PORTAL},
        errors,
    )
    if errors:
        raise ValidationFailed(_("Your question could not be sent."), fields=errors)
    consultation = Consultation.objects.create(
        code=next_code("consultation", "ZX"),
        customer=customer,
        contact=contact if contact is not None and contact.customer_id == customer.pk else None,
        created_by=user,
        **fields,
    )
    audit_record(action="create", actor=user, obj=consultation, extra={"channel": "portal"})
    return consultation
