"""Office supplies (办公用品): the catalogue's stock, staff requests (each starts the bound process,
bpmn/office_supplies.bpmn), and the process's outcomes: issued from stock (never below zero: a
located error per line) or rejected."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_record
from core.errors import Conflict, NotPermitted, ValidationFailed
from core.events import emit_business_event
from engine.connectors import is_process_actor, user_of
from engine.ownership import require_process_authority
from org.permissions import user_can

from .models import SupplyItem, SupplyRequest, SupplyRequestLine

MAX_LINES = 20
MAX_QUANTITY = 1000


def _require_process(actor) -> None:
    """A request is decided and issued by its approval process only (no side door)."""
    if not is_process_actor(actor):
        raise NotPermitted(_("Supplies requests are decided through their approval process."))


def _line_label(index: int, item) -> str:
    return _("Line %(n)d (%(item)s)") % {"n": index + 1, "item": item}


@transaction.atomic
def supply_request_submit(*, actor, lines: list[dict], purpose: str = "") -> SupplyRequest:
    """`lines`: [{"item": SupplyItem | None, "quantity": int}], errors located as lines.N.field."""
    errors: dict[str, list[str]] = {}
    lines = [line for line in lines if line.get("item") is not None or line.get("quantity")]
    if not lines:
        errors["lines"] = [_("Ask for at least one item.")]
    if len(lines) > MAX_LINES:
        errors["lines"] = [_("At most %(n)d lines per request.") % {"n": MAX_LINES}]
    seen = set()
    for index, line in enumerate(lines):
        item, quantity = line.get("item"), line.get("quantity")
        if item is None or not item.active:
            errors[f"lines.{index}.item"] = [_("Choose an item from the catalogue.")]
        elif item.pk in seen:
            errors[f"lines.{index}.item"] = [_("This item is already on an earlier line.")]
        else:
            seen.add(item.pk)
        if not isinstance(quantity, int) or quantity < 1:
            errors[f"lines.{index}.quantity"] = [_("At least 1.")]
        elif quantity > MAX_QUANTITY:
            errors[f"lines.{index}.quantity"] = [_("At most %(n)d.") % {"n": MAX_QUANTITY}]
    if errors:
        raise ValidationFailed(_("The supplies request could not be saved."), fields=errors)
    request = SupplyRequest.objects.create(user=actor, purpose=(purpose or "").strip())
    SupplyRequestLine.objects.bulk_create(
        SupplyRequestLine(request=request, item=line["item"], quantity=line["quantity"]) for line in lines
    )
    audit_record(action="create", actor=actor, obj=request)
    emit_business_event(
        "supplies.requested",
        business_object=request,
        actor=actor,
        variables={
            "lines": [{"item": line["item"].name, "quantity": line["quantity"]} for line in lines],
            "purpose": request.purpose,
        },
    )
    return request


def shortages(request: SupplyRequest) -> dict[str, list[str]]:
    """What the shelf cannot cover, per line (`lines.N.quantity`), from the current stock."""
    errors = {}
    for index, line in enumerate(request.lines.select_related("item").order_by("pk")):
        if line.item.stock < line.quantity:
            errors[f"lines.{index}.quantity"] = [
                _("%(line)s: %(asked)d %(unit)s asked, only %(stock)d in stock.")
                % {
                    "line": _line_label(index, line.item),
                    "asked": line.quantity,
                    "unit": line.item.unit,
                    "stock": line.item.stock,
                }
            ]
    return errors


@transaction.atomic
def supply_request_issue(*, actor, request: SupplyRequest) -> SupplyRequest:
    """Take every line off the shelf at once, or nothing: a line the stock cannot cover is a
    located error and no stock moves."""
    _require_process(actor)
    request = SupplyRequest.objects.select_for_update().get(pk=request.pk)
    require_process_authority(actor=actor, obj=request, fields=["status"])
    if request.status not in (SupplyRequest.Status.PENDING, SupplyRequest.Status.APPROVED):
        raise Conflict(_("This supplies request has already been decided."))
    lines = list(request.lines.order_by("pk"))
    items = SupplyItem.objects.select_for_update().in_bulk([line.item_id for line in lines])
    for line in lines:
        line.item = items[line.item_id]
    problems = shortages(request)
    if problems:
        raise ValidationFailed(" ".join(m for ms in problems.values() for m in ms), fields=problems)
    for line in lines:
        SupplyItem.objects.filter(pk=line.item_id).update(stock=F("stock") - line.quantity)
        audit_record(
            action="change",
            actor=actor,
            obj=line.item,
            changes={"stock": [line.item.stock, line.item.stock - line.quantity]},
        )
    old = request.status
    request.status = SupplyRequest.Status.ISSUED
    request.issued_at = timezone.now()
    request.issued_by = user_of(actor)
    request.save(update_fields=["status", "issued_at", "issued_by"])
    audit_record(action="change", actor=actor, obj=request, changes={"status": [old, request.status]})
    return request


@transaction.atomic
def supply_request_reject(*, actor, request: SupplyRequest) -> SupplyRequest:
    _require_process(actor)
    request = SupplyRequest.objects.select_for_update().get(pk=request.pk)
    require_process_authority(actor=actor, obj=request, fields=["status"])
    if request.status != SupplyRequest.Status.PENDING:
        raise Conflict(_("This supplies request has already been decided."))
    request.status = SupplyRequest.Status.REJECTED
    request.save(update_fields=["status"])
    audit_record(action="change", actor=actor, obj=request, changes={"status": ["pending", "rejected"]})
    return request


@transaction.atomic
def supply_request_withdraw(*, actor, request: SupplyRequest, reason: str = "") -> SupplyRequest:
    """The requester takes back a request not yet handed out (after its process was cancelled:
    nothing left the shelf, so nothing goes back)."""
    request = SupplyRequest.objects.select_for_update().get(pk=request.pk)
    if request.user_id != getattr(actor, "pk", None):
        raise NotPermitted(_("Only the person who made a request may withdraw it."))
    require_process_authority(actor=actor, obj=request, fields=["status"])
    if request.status != SupplyRequest.Status.PENDING:
        raise Conflict(_("This supplies request has already been decided."))
    request.status = SupplyRequest.Status.CANCELLED
    request.save(update_fields=["status"])
    audit_record(
        action="change",
        actor=actor,
        obj=request,
        changes={"status": ["pending", "cancelled"]},
        extra={"reason": reason},
    )
    return request


@transaction.atomic
def supply_item_restock(*, actor, item: SupplyItem, quantity: int) -> SupplyItem:
    """Goods received onto the shelf (or, negative, a count correction down to zero at most)."""
    if not user_can(actor, SupplyItem, "change"):
        raise NotPermitted(_("You may not change the office supplies' stock."))
    item = SupplyItem.objects.select_for_update().get(pk=item.pk)
    if not isinstance(quantity, int) or quantity == 0:
        message = _("Enter how many came in (or a negative number to correct a count).")
        raise ValidationFailed(message, fields={"quantity": [message]})
    if item.stock + quantity < 0:
        message = _("Only %(stock)d %(unit)s are in stock.") % {"stock": item.stock, "unit": item.unit}
        raise ValidationFailed(message, fields={"quantity": [message]})
    old = item.stock
    item.stock += quantity
    item.save(update_fields=["stock"])
    audit_record(action="change", actor=actor, obj=item, changes={"stock": [old, item.stock]})
    return item
