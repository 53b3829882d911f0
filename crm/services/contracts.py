"""Contracts (合同) through their life: edit a draft, submit it for approval (the
`contract_approval` process, bound to `contract.submitted`), record the signing; payment plans
(回款计划) and invoices (发票) against contracts and orders."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from audit.services import audit_record, diff, snapshot
from core.errors import Conflict, ValidationFailed
from engine.connectors import user_of
from engine.ownership import require_process_authority

from ..models import Contract, Customer, Instalment, Invoice, Order
from ..signals import business_event
from .common import (
    check_fits,
    clean_text,
    parse_date,
    parse_decimal,
    require_permission,
    require_row,
)

EDITABLE = (Contract.Status.DRAFT, Contract.Status.REJECTED)


@transaction.atomic
def contract_update(*, actor, contract: Contract, **fields) -> Contract:
    """Title, amount, dates and terms of a draft (or rejected) contract; the signers any time
    before it is signed."""
    require_row(actor, contract, "change")
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    errors: dict = {}
    allowed = {"title", "amount", "starts_on", "ends_on", "terms", "customer_signer"}
    for key in set(fields) - allowed:
        errors.setdefault(key, []).append(_g("Unknown field."))
    money_fields = set(fields) & {"title", "amount", "starts_on", "ends_on", "terms"}
    if money_fields and contract.status not in EDITABLE:
        raise Conflict(
            _g("Contract %(code)s is %(status)s; only a draft can be changed.")
            % {"code": contract.code, "status": contract.get_status_display()}
        )
    cleaned: dict = {}
    if "title" in fields:
        cleaned["title"] = clean_text(fields["title"], "title", errors, required=True)
    if "terms" in fields:
        cleaned["terms"] = clean_text(fields["terms"], "terms", errors, limit=20_000)
    if "customer_signer" in fields:
        cleaned["customer_signer"] = clean_text(
            fields["customer_signer"], "customer_signer", errors, limit=100
        )
    if "amount" in fields:
        value = parse_decimal(fields["amount"], "amount", errors, Contract._meta.get_field("amount"))
        if value is None or value < 0:
            errors.setdefault("amount", []).append(_g("Enter an amount of at least 0."))
        cleaned["amount"] = value
    for key in ("starts_on", "ends_on"):
        if key in fields:
            cleaned[key] = parse_date(fields[key], key, errors)
    starts = cleaned.get("starts_on", contract.starts_on)
    ends = cleaned.get("ends_on", contract.ends_on)
    if starts and ends and ends < starts:
        errors.setdefault("ends_on", []).append(_g("The end comes before the start."))
    if errors:
        raise ValidationFailed(_("The contract could not be saved."), fields=errors)
    before = snapshot(contract)
    for key, value in cleaned.items():
        setattr(contract, key, value)
    contract.save()
    changes = diff(before, snapshot(contract))
    if changes:
        audit_record(action="change", actor=actor, obj=contract, changes=changes)
    return contract


CONTRACT_TRANSITIONS = {
    Contract.Status.DRAFT: {Contract.Status.SUBMITTED, Contract.Status.CANCELLED},
    Contract.Status.SUBMITTED: {Contract.Status.APPROVED, Contract.Status.REJECTED},
    Contract.Status.REJECTED: {Contract.Status.SUBMITTED, Contract.Status.CANCELLED},
    Contract.Status.APPROVED: {Contract.Status.SIGNED, Contract.Status.CANCELLED},
    Contract.Status.SIGNED: {Contract.Status.ACTIVE, Contract.Status.CLOSED},
    Contract.Status.ACTIVE: {Contract.Status.CLOSED},
    Contract.Status.CLOSED: set(),
    Contract.Status.CANCELLED: set(),
}


@transaction.atomic
def contract_set_status(*, actor, contract: Contract, status: str, note: str = "", **signing) -> Contract:
    """Move a contract along its life. Submitting starts the approval process; while it runs, only
    that process (its connectors) approves or rejects. Signing records the date and the signers."""
    require_row(actor, contract, "change")
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    require_process_authority(actor=actor, obj=contract, fields=["status"])
    if status not in CONTRACT_TRANSITIONS.get(contract.status, set()):
        raise Conflict(
            _g("A contract cannot go from %(old)s to %(new)s.")
            % {"old": contract.get_status_display(), "new": status}
        )
    if status in (Contract.Status.APPROVED, Contract.Status.REJECTED) and contract.status == "submitted":
        # decided by the approval process; without one running (not deployed), a manager decides
        from engine.connectors import is_process_actor

        if not is_process_actor(actor):
            require_permission(actor, Contract, "delete")
    errors: dict = {}
    update = ["status", "updated_at"]
    if status == Contract.Status.SUBMITTED and contract.amount <= 0:
        errors.setdefault("amount", []).append(_g("Enter the contract's amount before submitting it."))
    if status == Contract.Status.SIGNED:
        contract.signed_on = parse_date(signing.get("signed_on"), "signed_on", errors) or timezone.localdate()
        signer = clean_text(
            signing.get("customer_signer", contract.customer_signer), "customer_signer", errors
        )
        if not signer:
            errors.setdefault("customer_signer", []).append(_g("Who signed for the customer?"))
        contract.customer_signer = signer[:100]
        contract.signer = user_of(actor)
        update += ["signed_on", "customer_signer", "signer"]
    if errors:
        raise ValidationFailed(_("The contract could not be saved."), fields=errors)
    old = contract.status
    contract.status = status
    contract.save(update_fields=update)
    if status == Contract.Status.SUBMITTED:
        business_event.send(
            sender=Contract,
            name="contract.submitted",
            obj=contract,
            actor=actor,
            data={"amount": str(contract.amount)},
        )
    audit_record(
        action="change", actor=actor, obj=contract, changes={"status": [old, status]}, extra={"note": note}
    )
    return contract


# --- payment plans ---------------------------------------------------------------------------


def _plan_total(contract: Contract, exclude=None) -> Decimal:
    qs = Instalment.objects.filter(contract=contract)
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    return qs.aggregate(total=Sum("amount"))["total"] or Decimal(0)


@transaction.atomic
def instalment_add(*, actor, contract: Contract, due_on, amount, note: str = "") -> Instalment:
    """One more instalment of the contract's payment plan; the plan cannot exceed the contract."""
    require_permission(actor, Instalment, "add")
    require_row(actor, contract, "change")
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    errors: dict = {}
    day = parse_date(due_on, "due_on", errors)
    if day is None and "due_on" not in errors:
        errors.setdefault("due_on", []).append(_g("This field is required."))
    value = parse_decimal(amount, "amount", errors, Instalment._meta.get_field("amount"))
    if value is None or value <= 0:
        errors.setdefault("amount", []).append(_g("Enter an amount greater than 0."))
    elif _plan_total(contract) + value > contract.amount:
        errors.setdefault("amount", []).append(
            _g("The plan would come to more than the contract's %(amount)s.")
            % {"amount": f"{contract.amount:,.2f}"}
        )
    text = clean_text(note, "note", errors)
    if errors:
        raise ValidationFailed(_("The instalment could not be saved."), fields=errors)
    last = (
        Instalment.objects.filter(contract=contract).order_by("-sequence").values_list("sequence", flat=True)
    )
    instalment = Instalment.objects.create(
        contract=contract,
        customer_id=contract.customer_id,
        sequence=(next(iter(last), 0) or 0) + 1,
        due_on=day,
        amount=value,
        note=text,
        created_by=user_of(actor),
    )
    audit_record(action="create", actor=actor, obj=instalment)
    return instalment


@transaction.atomic
def instalment_delete(*, actor, instalment: Instalment) -> None:
    require_row(actor, instalment, "delete")
    if instalment.payments.exists():
        raise Conflict(_g("Payments were recorded against this instalment; it stays in the plan."))
    audit_record(action="delete", actor=actor, obj=instalment)
    instalment.delete()


# --- invoices --------------------------------------------------------------------------------


@transaction.atomic
def invoice_create(
    *,
    actor,
    customer: Customer,
    number: str,
    amount,
    issued_on=None,
    contract: Contract | None = None,
    order: Order | None = None,
    kind: str = Invoice.Kind.VAT_SPECIAL,
    status: str = Invoice.Status.ISSUED,
) -> Invoice:
    """An invoice (发票) issued to the customer against a contract or an order; never more than
    what the contract or order is worth across its invoices that are not void."""
    require_permission(actor, Invoice, "add")
    require_row(actor, customer, "view")
    errors: dict = {}
    number = clean_text(number, "number", errors, required=True, limit=40)
    if number and Invoice.objects.filter(number=number).exists():
        errors.setdefault("number", []).append(_g("An invoice with this number exists."))
    value = parse_decimal(amount, "amount", errors, Invoice._meta.get_field("amount"))
    if value is None or value <= 0:
        errors.setdefault("amount", []).append(_g("Enter an amount greater than 0."))
    day = parse_date(issued_on, "issued_on", errors) or timezone.localdate()
    if kind not in Invoice.Kind.values:
        errors.setdefault("kind", []).append(_g("Unknown choice."))
    if status not in Invoice.Status.values:
        errors.setdefault("status", []).append(_g("Unknown choice."))
    for key, obj in (("contract", contract), ("order", order)):
        if obj is not None and obj.customer_id != customer.pk:
            errors.setdefault(key, []).append(_g("It belongs to another customer."))
    if order is not None and contract is None:
        contract = order.contract
    if value and value > 0 and "amount" not in errors:
        target = order if order is not None else contract
        if target is not None:
            worth = order.total_amount if order is not None else contract.amount
            invoiced = Invoice.objects.filter(
                **{"order" if order is not None else "contract": target}
            ).exclude(status=Invoice.Status.VOID).aggregate(total=Sum("amount"))["total"] or Decimal(0)
            check_fits(value, Invoice._meta.get_field("amount"), "amount", errors)
            if invoiced + value > worth:
                errors.setdefault("amount", []).append(
                    _g("%(target)s was invoiced %(invoiced)s of %(worth)s; this would be more.")
                    % {"target": target, "invoiced": f"{invoiced:,.2f}", "worth": f"{worth:,.2f}"}
                )
    if errors:
        raise ValidationFailed(_("The invoice could not be saved."), fields=errors)
    invoice = Invoice.objects.create(
        number=number,
        kind=kind,
        customer=customer,
        contract=contract,
        order=order,
        amount=value,
        issued_on=day,
        status=status,
        owner=user_of(actor),
        created_by=user_of(actor),
    )
    audit_record(action="create", actor=actor, obj=invoice)
    return invoice


INVOICE_TRANSITIONS = {
    Invoice.Status.REQUESTED: {Invoice.Status.ISSUED, Invoice.Status.VOID},
    Invoice.Status.ISSUED: {Invoice.Status.SENT, Invoice.Status.VOID},
    Invoice.Status.SENT: {Invoice.Status.VOID},
    Invoice.Status.VOID: set(),
}


@transaction.atomic
def invoice_set_status(*, actor, invoice: Invoice, status: str) -> Invoice:
    require_row(actor, invoice, "change")
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if status not in INVOICE_TRANSITIONS.get(invoice.status, set()):
        raise Conflict(
            _g("An invoice cannot go from %(old)s to %(new)s.")
            % {"old": invoice.get_status_display(), "new": status}
        )
    old = invoice.status
    invoice.status = status
    invoice.save(update_fields=["status", "updated_at"])
    audit_record(action="change", actor=actor, obj=invoice, changes={"status": [old, status]})
    return invoice
