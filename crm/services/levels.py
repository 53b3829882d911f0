"""Customer levels (客户级别): changed through the level-change process or by an administrator."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from audit.services import audit_record
from core.errors import Conflict, NotPermitted, ValidationFailed
from engine.connectors import user_of
from engine.ownership import owned_by_process_error, require_process_authority, running_instance
from org.permissions import user_can

from ..models import Customer, CustomerChange, CustomerLevel, LevelChangeRequest
from ..signals import business_event
from .common import require_permission, require_row


def _check_level(level: CustomerLevel | None) -> None:
    if level is None or not level.active:
        raise ValidationFailed(
            _("Choose an active level."), fields={"level": [_g("Choose an active level.")]}
        )


def require_no_level_process(customer: Customer) -> None:
    """A customer whose level change waits in its process keeps its level until that decides."""
    for request in LevelChangeRequest.objects.filter(
        customer=customer, status=LevelChangeRequest.Status.PENDING
    ):
        instance = running_instance(request, [Customer.PROCESS_OWNED_FIELDS["level"]])
        if instance is not None:
            raise owned_by_process_error(customer, instance, ["level"])


def _apply_level(*, actor, customer: Customer, level: CustomerLevel, note: str) -> Customer:
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    old = customer.level
    customer.level = level
    customer.save(update_fields=["level", "updated_at"])
    CustomerChange.objects.create(
        customer=customer,
        kind=CustomerChange.Kind.LEVEL,
        field="level",
        old_value=str(old or ""),
        new_value=str(level),
        note=note[:300],
        changed_by=user_of(actor),
    )
    audit_record(action="change", actor=actor, obj=customer, changes={"level": [str(old or ""), str(level)]})
    return customer


@transaction.atomic
def customer_level_change_request(
    *, actor, customer: Customer, to_level: CustomerLevel, reason: str = ""
) -> LevelChangeRequest:
    """The salesperson asks for a new level; the level-change process takes it from here."""
    require_row(actor, customer, "change")
    _check_level(to_level)
    if customer.level_id == to_level.pk:
        raise ValidationFailed(
            _("The customer already has this level."), fields={"to_level": [_g("Same level.")]}
        )
    if LevelChangeRequest.objects.filter(
        customer=customer, status=LevelChangeRequest.Status.PENDING
    ).exists():
        raise Conflict(_("A level change for this customer is already waiting for a decision."))
    request = LevelChangeRequest.objects.create(
        customer=customer, from_level=customer.level, to_level=to_level, reason=reason, requested_by=actor
    )
    audit_record(action="create", actor=actor, obj=request)
    business_event.send(
        sender=LevelChangeRequest,
        name="customer.level_change_requested",
        obj=request,
        actor=actor,
        data={
            "customer_id": customer.pk,
            "from_level": customer.level.code if customer.level else None,
            "to_level": to_level.code,
            "reason": reason,
            "owner": customer.owner.get_username() if customer.owner else None,
        },
    )
    return request


@transaction.atomic
def level_change_request_attach_process(*, request: LevelChangeRequest, process_instance_id: str) -> None:
    """Called by the start binding once the process runs, so the card can link to it."""
    LevelChangeRequest.objects.filter(pk=request.pk).update(process_instance_id=str(process_instance_id)[:64])


@transaction.atomic
def customer_level_decide(
    *, actor, request: LevelChangeRequest, approved: bool, note: str = ""
) -> LevelChangeRequest:
    """The approver's decision (the process's approval step, or an administrator)."""
    require_permission(actor, LevelChangeRequest, "change")
    request = (
        LevelChangeRequest.objects.select_for_update()
        .select_related("customer", "to_level")
        .get(pk=request.pk)
    )
    if request.status != LevelChangeRequest.Status.PENDING:
        raise Conflict(_("This level change has already been decided."))
    require_process_authority(actor=actor, obj=request, fields=["status"])
    user = user_of(actor)
    if user is not None and request.requested_by_id == user.pk and not user.is_superuser:
        raise NotPermitted(_("You cannot approve your own level change."))
    request.status = LevelChangeRequest.Status.APPROVED if approved else LevelChangeRequest.Status.REJECTED
    request.decided_by = user
    request.decided_at = timezone.now()
    request.decision_note = note
    request.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    if approved:
        _apply_level(
            actor=actor,
            customer=request.customer,
            level=request.to_level,
            note=_g("level change request #%(id)s") % {"id": request.pk},
        )
    return request


@transaction.atomic
def customer_level_change_withdraw(
    *, actor, request: LevelChangeRequest, reason: str = ""
) -> LevelChangeRequest:
    """The requester takes back a level change still waiting (after its process was cancelled):
    the customer keeps the level and may be asked about again."""
    request = LevelChangeRequest.objects.select_for_update().get(pk=request.pk)
    user = user_of(actor)
    if user is None or request.requested_by_id != user.pk:
        raise NotPermitted(_g("Only the person who asked may withdraw this request."))
    if request.status != LevelChangeRequest.Status.PENDING:
        raise Conflict(_("This level change has already been decided."))
    require_process_authority(actor=actor, obj=request, fields=["status"])
    request.status = LevelChangeRequest.Status.WITHDRAWN
    request.decision_note = reason
    request.save(update_fields=["status", "decision_note"])
    audit_record(action="change", actor=actor, obj=request, changes={"status": ["pending", request.status]})
    return request


@transaction.atomic
def customer_level_set(*, actor, customer: Customer, level: CustomerLevel, reason: str = "") -> Customer:
    """An administrator sets the level directly (no process); not while a level change for the
    customer waits in its process (Conflict naming the process and its task)."""
    if not (actor.is_superuser or user_can(actor, CustomerLevel, "change")):
        raise NotPermitted(_("Only an administrator can set a level directly; request a level change."))
    _check_level(level)
    require_no_level_process(customer)
    return _apply_level(
        actor=actor, customer=customer, level=level, note=reason or _g("set by an administrator")
    )


@transaction.atomic
def customer_level_define(
    *, actor, code: str, name: str, sort_order: int = 0, criteria: str = "", active: bool = True
) -> CustomerLevel:
    require_permission(actor, CustomerLevel, "add")
    if not code.strip() or not name.strip():
        raise ValidationFailed(_("Code and name are required."))
    level, _created = CustomerLevel.objects.update_or_create(
        code=code.strip(),
        defaults={"name": name.strip(), "sort_order": sort_order, "criteria": criteria, "active": active},
    )
    audit_record(action="change", actor=actor, obj=level)
    return level


@transaction.atomic
def customer_level_criteria_update(
    *, actor, level: CustomerLevel, criteria: str, min_yearly_amount, min_yearly_orders
) -> CustomerLevel:
    """Sales operations sets a level's criteria: words, and the yearly order amount / number of
    orders from which a customer qualifies (empty: not a criterion). Audited with the diff."""
    from decimal import Decimal, InvalidOperation

    from audit.services import diff, snapshot

    if actor is None or not (actor.is_superuser or actor.has_perm("crm.manage_sales")):
        raise NotPermitted(_("You may not change the customer levels."))
    level = CustomerLevel.objects.select_for_update().get(pk=level.pk)
    before = snapshot(level)
    errors: dict[str, list[str]] = {}
    amount = None
    if str(min_yearly_amount or "").strip():
        try:
            amount = Decimal(str(min_yearly_amount).strip().replace(",", ""))
        except InvalidOperation:
            errors["min_yearly_amount"] = [_g("Enter an amount in yuan, e.g. 200000.")]
        else:
            if not Decimal(0) <= amount < Decimal("1e14"):
                errors["min_yearly_amount"] = [_g("Enter an amount in yuan, e.g. 200000.")]
    orders = None
    if str(min_yearly_orders or "").strip():
        raw = str(min_yearly_orders).strip()
        if not raw.isdigit() or int(raw) > 100000:
            errors["min_yearly_orders"] = [_g("Enter a whole number of orders.")]
        else:
            orders = int(raw)
    if errors:
        raise ValidationFailed(
            _g("The criteria of level “%(level)s” could not be saved.") % {"level": level.name}, fields=errors
        )
    level.criteria = (criteria or "").strip()[:2000]
    level.min_yearly_amount = amount
    level.min_yearly_orders = orders
    level.save()
    changes = diff(before, snapshot(level))
    if changes:
        audit_record(action="change", actor=actor, obj=level, changes=changes)
    return level
