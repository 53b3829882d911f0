"""What the shipped CRM processes (bpmn/) call: service-task connectors and the bridge from CRM
business events to process start bindings.

The process decides *who* may act (the BPMN's potential owners); these connectors apply the outcome
to the process's business object (the instance's stored link, never a record named in process
data) through the CRM services, with the process's authority (`engine.connectors.process_actor`):
the services check, write and audit, as for any other caller. They react to process data (form
fields), never to element ids, so a designer's edited BPMN keeps working as long as it calls the
same connectors.

Wired by `crm.processes` (its AppConfig's ready() calls `wire()`), listed in INSTALLED_APPS after crm.
"""

from __future__ import annotations

import logging
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _g

from engine.connectors import business_object as _business_object
from engine.connectors import is_process_actor, process_actor, user_of

logger = logging.getLogger(__name__)


class ConnectorRefused(Exception):
    """The connector cannot apply the step's outcome; the engine parks it as an incident."""


# -- helpers ---------------------------------------------------------------------------------------


def _decimal(value, default="0") -> Decimal:
    try:
        return Decimal(str(value if value not in (None, "") else default))
    except (InvalidOperation, ValueError):
        raise ConnectorRefused(f"not a number: {value!r}") from None


def _username(user) -> str | None:
    return user.get_username() if user is not None else None


def _refused(error) -> ConnectorRefused:
    """A service's validation error as the incident's message."""
    messages = [str(m) for ms in getattr(error, "fields", {}).values() for m in ms]
    return ConnectorRefused("; ".join(messages) or str(getattr(error, "message", error)))


def portal_user(user) -> str | None:
    """The submitter's user name when a customer (a user without an employee record) submitted."""
    if user is None or not getattr(user, "pk", None):
        return None
    from org.models import Employee

    return None if Employee.objects.filter(user=user).exists() else user.get_username()


# -- opportunities ---------------------------------------------------------------------------------


def enter_opportunity_stage(params: dict, data: dict) -> dict:
    """At the top of the stage loop: the current stage's task name, form and approval rule, read
    from its row (SalesStage), as process data (`stage_info`)."""
    from .models import Opportunity
    from .sales.stage_forms import stage_info

    opportunity = _business_object(data, Opportunity, for_update=False)
    return stage_info(opportunity).as_data()


def leave_opportunity_stage(params: dict, data: dict) -> dict:
    """The owner chose to move on: the stage's required fields they filled in are written to the
    opportunity, then the stage's rule says whether the manager approves the move first."""
    from core.errors import DomainError

    from .models import Opportunity
    from .sales.services import opportunity_update
    from .sales.stage_forms import needs_approval, stage_values

    opportunity = _business_object(data, Opportunity)
    if opportunity.status != Opportunity.Status.OPEN:
        return {"needs_approval": False, "status": opportunity.status}
    stage = opportunity.stage
    fields, custom = stage_values(stage, data)
    if "contact" in fields:  # picked from the customer's contacts on the form
        fields["contact"] = opportunity.customer.contacts.filter(pk=fields["contact"]).first()
        if fields["contact"] is None:
            raise ConnectorRefused("the contact is not one of the customer's")
    if fields or custom:
        try:
            opportunity = opportunity_update(
                actor=process_actor(), opportunity=opportunity, custom=custom or None, **fields
            )
        except DomainError as error:
            raise _refused(error) from None
    return {"needs_approval": needs_approval(stage, amount=opportunity.amount, data=data)}


def set_opportunity_stage(params: dict, data: dict) -> dict:
    """Moves the deal to the next (`move`: next) or previous (`move`: back) stage of its process,
    or to the stage with the key `stage`. Answers `done` when there is no stage after the last
    (the process then wins the deal)."""
    from .models import Opportunity
    from .sales.selectors import find_stage, stage_after, stage_before
    from .sales.services import opportunity_update

    opportunity = _business_object(data, Opportunity)
    if opportunity.status != Opportunity.Status.OPEN:
        return {"status": opportunity.status, "done": False}  # closed meanwhile (the process is being ended)
    current = opportunity.stage
    move = params.get("move")
    if move == "next":
        target = stage_after(current)
        if target is None:
            return {"done": True}
    elif move == "back":
        target = stage_before(current) or current
    else:
        target = find_stage(params.get("stage"))
        if target is None or target.process_id != current.process_id:
            raise ConnectorRefused(f"unknown stage {params.get('stage')!r}")
    fields = {"stage": target}
    # the shipped process before stages were data: the contract's amount becomes the deal's
    if target.key == "receivables" and data.get("contract_amount") not in (None, ""):
        fields["amount"] = _decimal(data["contract_amount"])
    before = {name: getattr(opportunity, name) for name in ("stage", "probability", "amount")}
    opportunity = opportunity_update(actor=process_actor(), opportunity=opportunity, **fields)
    return {
        "done": False,
        "stage": opportunity.stage_id,
        "changed": sorted(k for k, v in before.items() if getattr(opportunity, k) != v),
    }


def close_opportunity(params: dict, data: dict) -> dict:
    from .models import Opportunity
    from .sales.services import opportunity_close

    opportunity = _business_object(data, Opportunity)
    won = str(params.get("won", "yes")).lower() in {"yes", "true", "1"}
    if opportunity.status != Opportunity.Status.OPEN:
        return {"status": opportunity.status}
    reason = (data.get("lost_reason") if not won else data.get("note")) or ("won" if won else "lost")
    opportunity = opportunity_close(
        actor=process_actor(), opportunity=opportunity, won=won, reason=str(reason)[:2000]
    )
    return {"status": opportunity.status}


# -- customer levels -------------------------------------------------------------------------------


def level_change_info(params: dict, data: dict) -> dict:
    from .models import CustomerLevel, LevelChangeRequest

    request = _business_object(data, LevelChangeRequest)
    ranks = {
        pk: rank
        for rank, pk in enumerate(
            CustomerLevel.objects.order_by("sort_order", "code").values_list("pk", flat=True)
        )
    }
    jump = (
        abs(ranks.get(request.to_level_id, 0) - ranks[request.from_level_id]) if request.from_level_id else 1
    )
    return {
        "jump": jump,
        "from": str(request.from_level or ""),
        "to": str(request.to_level),
        "requested_by": _username(request.requested_by),
    }


def decide_level_change(params: dict, data: dict) -> dict:
    from .models import LevelChangeRequest
    from .services.levels import customer_level_decide

    request = _business_object(data, LevelChangeRequest)
    approved = params.get("outcome") == "approved"
    request = customer_level_decide(
        actor=process_actor(), request=request, approved=approved, note=str(data.get("comment") or "")
    )
    return {"status": request.status}


# -- complaints ------------------------------------------------------------------------------------


def _sla(record: str, obj, severity: str = "") -> tuple[dict, object]:
    """The SLA policy's deadlines for the record, counted from its arrival, as process data: the
    first task's `respond_by`, the resolution's `due_at` (ISO date-times, for `camunda:dueDate`),
    the time left until it as an ISO duration `due` (for the breach timer), `due_label` to show and
    the tasks' priority."""
    from django.utils import formats, timezone

    from .selectors.service import sla_deadlines

    deadlines = sla_deadlines(
        record=record,
        start=obj.created_at,
        severity=severity,
        category_id=getattr(obj, "category_id", None),
        customer_level_id=obj.customer.level_id,
    )
    left = max(int((deadlines.resolve_by - timezone.now()).total_seconds()), 1)
    sla = {
        "severity": severity,
        "respond_by": deadlines.respond_by.isoformat(),
        "due_at": deadlines.resolve_by.isoformat(),
        "due": f"PT{left}S",
        # for people (the escalation message): the date-time, not a duration
        "due_label": formats.date_format(timezone.localtime(deadlines.resolve_by), "SHORT_DATETIME_FORMAT"),
        "priority": deadlines.priority,
    }
    return sla, deadlines


def complaint_sla(params: dict, data: dict) -> dict:
    """On arrival: the complaint's deadlines by its severity (as submitted), stored on the complaint."""
    from .models import Complaint
    from .services.service import complaint_update

    complaint = _business_object(data, Complaint)
    sla, deadlines = _sla("complaint", complaint, complaint.severity)
    complaint_update(actor=process_actor(), complaint=complaint, due_at=deadlines.resolve_by)
    return sla


def complaint_triaged(params: dict, data: dict) -> dict:
    from django.contrib.auth import get_user_model

    from org.models import Department

    from .models import Complaint
    from .services.service import complaint_update

    complaint = _business_object(data, Complaint)
    handler = get_user_model().objects.filter(username=data.get("handler"), is_active=True).first()
    department = Department.objects.filter(code=data.get("department")).first()
    if handler is None or department is None:
        raise ConnectorRefused("unknown handler or department")
    severity = data.get("severity") or complaint.severity
    complaint_update(
        actor=process_actor(),
        complaint=complaint,
        handler=handler,
        department=department,
        severity=severity,
        status=Complaint.Status.IN_PROGRESS,
    )
    complaint.refresh_from_db()
    sla, deadlines = _sla("complaint", complaint, severity)
    complaint_update(actor=process_actor(), complaint=complaint, due_at=deadlines.resolve_by)
    return sla


def complaint_overdue(params: dict, data: dict) -> dict:
    from .models import Complaint
    from .services.service import complaint_mark_overdue

    complaint = _business_object(data, Complaint)
    complaint_mark_overdue(actor=process_actor(), complaint=complaint, due=(data.get("sla") or {}).get("due"))
    return {"overdue": True}


def complaint_resolved(params: dict, data: dict) -> dict:
    from .models import Complaint
    from .services.service import complaint_update

    complaint = _business_object(data, Complaint)
    complaint = complaint_update(
        actor=process_actor(),
        complaint=complaint,
        resolution=str(data.get("resolution") or ""),
        status=Complaint.Status.RESOLVED,
    )
    return {"status": complaint.status}


def complaint_reopened(params: dict, data: dict) -> dict:
    from .models import Complaint
    from .services.service import complaint_reopen

    complaint = complaint_reopen(actor=process_actor(), complaint=_business_object(data, Complaint))
    return {"status": complaint.status}


def complaint_rated(params: dict, data: dict) -> dict:
    from .models import Complaint
    from .services.service import complaint_update

    complaint = _business_object(data, Complaint)
    complaint = complaint_update(
        actor=process_actor(), complaint=complaint, satisfaction=int(data.get("rating"))
    )
    return {"rating": complaint.satisfaction}


def complaint_closed(params: dict, data: dict) -> dict:
    from .models import Complaint
    from .services.service import complaint_update

    complaint = _business_object(data, Complaint)
    complaint = complaint_update(actor=process_actor(), complaint=complaint, status=Complaint.Status.CLOSED)
    return {"status": complaint.status}


# -- service requests (派工) ------------------------------------------------------------------------


def technician_workload(params: dict, data: dict) -> list[dict]:
    """The technicians with their open jobs, fewest first (shown to the dispatcher)."""
    from django.contrib.auth.models import Group
    from django.db.models import Count, Q

    from org.selectors import members_of

    from .models import ServiceRequest

    group = Group.objects.filter(name="technicians").first()
    if group is None:
        return []
    open_statuses = [ServiceRequest.Status.OPEN, ServiceRequest.Status.DISPATCHED]
    counts = dict(
        ServiceRequest.objects.filter(technician__isnull=False)
        .values_list("technician__username")
        .annotate(n=Count("pk", filter=Q(status__in=open_statuses)))
    )
    people = [(u.get_username(), counts.get(u.get_username(), 0)) for u in members_of(group)]
    return [{"username": name, "open": n} for name, n in sorted(people, key=lambda p: (p[1], p[0]))]


def service_sla(params: dict, data: dict) -> dict:
    """On arrival: the service request's deadlines (dispatch, work done), stored on the request."""
    from .models import ServiceRequest
    from .services.service import service_request_update

    request = _business_object(data, ServiceRequest)
    sla, deadlines = _sla("service_request", request)
    service_request_update(actor=process_actor(), request=request, due_at=deadlines.resolve_by)
    return sla


def service_dispatched(params: dict, data: dict) -> dict:
    from django.contrib.auth import get_user_model
    from django.utils.dateparse import parse_datetime

    from .models import ServiceRequest
    from .services.service import service_request_update

    request = _business_object(data, ServiceRequest)
    technician = get_user_model().objects.filter(username=data.get("technician"), is_active=True).first()
    if technician is None:
        raise ConnectorRefused(f"no active user named {data.get('technician')!r}")
    scheduled = parse_datetime(data["scheduled_at"]) if data.get("scheduled_at") else request.scheduled_at
    service_request_update(
        actor=process_actor(),
        request=request,
        technician=technician,
        scheduled_at=scheduled,
        status=ServiceRequest.Status.DISPATCHED,
    )
    return {"technician": technician.get_username()}


def service_work_recorded(params: dict, data: dict) -> dict:
    from .models import Product, ServiceRequest
    from .selectors.custom_fields import plain_number
    from .services.commerce import stock_out_anywhere
    from .services.service import service_request_update

    request = _business_object(data, ServiceRequest)
    actor = process_actor()
    # (the record is written in the language of the technician who recorded the work)
    lines = [_g("%(hours)s h: %(result)s") % {"hours": data.get("hours"), "result": data.get("result", "")}]
    for part in data.get("parts") or []:
        product = Product.objects.filter(code=part.get("product")).first()
        if product is None:
            raise ConnectorRefused(f"unknown product {part.get('product')!r}")
        quantity = _decimal(part.get("quantity"))
        stock_out_anywhere(actor=actor, product=product, quantity=quantity, reference=request.code)
        lines.append(f"{product.code} {product.name} \u00d7 {plain_number(quantity)} {product.unit}".strip())
    request = service_request_update(
        actor=actor, request=request, work_record="\n".join(lines), status=ServiceRequest.Status.DONE
    )
    return {"status": request.status}


def service_closed(params: dict, data: dict) -> dict:
    from .models import ServiceRequest
    from .services.service import service_request_update

    request = _business_object(data, ServiceRequest)
    fields = {"status": ServiceRequest.Status.CLOSED}
    if data.get("rating") is not None:
        fields["satisfaction"] = int(data["rating"])
    request = service_request_update(actor=process_actor(), request=request, **fields)
    return {"status": request.status}


# -- orders ----------------------------------------------------------------------------------------


def order_facts(params: dict, data: dict) -> dict:
    from django.conf import settings

    from .models import Order

    order = _business_object(data, Order)
    discounts = [line.discount_percent for line in order.lines.all()]
    return {
        "code": order.code,
        "total": float(order.total_amount),
        "max_discount": float(max(discounts, default=0)),
        "remind_cycle": getattr(settings, "BATON_ORDER_REMINDER_CYCLE", "R3/P1D"),
    }


def stock_check(params: dict, data: dict) -> dict:
    from .models import Order
    from .services.commerce import stock_available

    order = _business_object(data, Order)
    short = []
    for line in order.lines.select_related("product"):
        available = stock_available(product=line.product)
        if available < line.quantity:
            short.append(
                {"product": line.product.code, "wanted": str(line.quantity), "available": str(available)}
            )
    return {"ok": not short, "short": short}


ORDER_STEPS = {"approved", "rejected", "shipped", "paid"}


def order_status(params: dict, data: dict) -> dict:
    from core.errors import ValidationFailed

    from .models import Order
    from .services.commerce import order_set_status

    order = _business_object(data, Order)
    status = params.get("status")
    if status not in ORDER_STEPS:
        raise ConnectorRefused(f"a process may not set an order to {status!r}")
    if order.status == status:
        return {"status": order.status}  # a retried step: the order is already there
    try:
        order = order_set_status(actor=process_actor(), order=order, status=status)
    except ValidationFailed as error:
        raise _refused(error) from None
    return {"status": order.status}


def order_shipped(params: dict, data: dict) -> dict:
    from .models import Order
    from .services.commerce import order_set_status

    order = _business_object(data, Order)
    if order.status != Order.Status.SHIPPED:
        order = order_set_status(actor=process_actor(), order=order, status=Order.Status.SHIPPED)
    return {"status": order.status, "tracking_number": data.get("tracking_number", "")}


def order_payment(params: dict, data: dict) -> dict:
    from django.db.models import Sum

    from core.errors import ValidationFailed

    from .models import Order, Payment
    from .services.commerce import order_set_status, payment_record

    order = _business_object(data, Order)
    actor = process_actor()
    method = data.get("method") or Payment.Method.TRANSFER
    if method not in Payment.Method.values:
        method = Payment.Method.OTHER
    try:
        payment_record(
            actor=actor,
            customer=order.customer,
            order=order,
            amount=data.get("amount"),
            paid_on=data.get("paid_on") or None,
            method=method,
            reference=str(data.get("reference") or ""),
        )
    except ValidationFailed as error:
        raise _refused(error) from None
    paid = order.payments.aggregate(total=Sum("amount"))["total"] or Decimal(0)
    outstanding = max(order.total_amount - paid, Decimal(0))
    if outstanding == 0 and order.status != Order.Status.PAID:
        order_set_status(actor=actor, order=order, status=Order.Status.PAID)
    return {"paid_total": float(paid), "outstanding": float(outstanding), "paid": outstanding == 0}


# -- contracts -------------------------------------------------------------------------------------


def contract_facts(params: dict, data: dict) -> dict:
    from .models import Contract

    contract = _business_object(data, Contract)
    return {"code": contract.code, "amount": float(contract.amount), "customer": contract.customer.name}


CONTRACT_STEPS = {"approved", "rejected"}


def contract_status(params: dict, data: dict) -> dict:
    from core.errors import ValidationFailed

    from .models import Contract
    from .services.contracts import contract_set_status

    contract = _business_object(data, Contract)
    status = params.get("status")
    if status not in CONTRACT_STEPS:
        raise ConnectorRefused(f"a process may not set a contract to {status!r}")
    if contract.status == status:
        return {"status": contract.status}  # a retried step
    try:
        contract = contract_set_status(
            actor=process_actor(), contract=contract, status=status, note=str(data.get("comment") or "")
        )
    except ValidationFailed as error:
        raise _refused(error) from None
    return {"status": contract.status}


# -- expenses --------------------------------------------------------------------------------------


def expense_facts(params: dict, data: dict) -> dict:
    """What the approval routes on: the amount (finance approves above a limit) and the claimant."""
    from .models import Expense

    expense = _business_object(data, Expense)
    return {
        "amount": float(expense.amount),
        "category": expense.category.name,
        "claimant": _username(expense.owner),
    }


EXPENSE_STEPS = {"approved", "rejected", "submitted", "withdrawn"}


def expense_status(params: dict, data: dict) -> dict:
    """Apply the approval's outcome to the expense: approved / rejected (with the approver's comment),
    resubmitted or withdrawn by the claimant after a rejection."""
    from core.errors import Conflict, ValidationFailed

    from .marketing.services import expense_set_status
    from .models import Expense

    expense = _business_object(data, Expense)
    status = params.get("status")
    if status not in EXPENSE_STEPS:
        raise ConnectorRefused(f"a process may not set an expense to {status!r}")
    if expense.status == status:
        return {"status": expense.status}  # a retried step
    try:
        expense = expense_set_status(
            actor=process_actor(), expense=expense, status=status, note=str(data.get("comment") or "")
        )
    except (ValidationFailed, Conflict) as error:
        raise _refused(error) from None
    return {"status": expense.status}


CONNECTORS = {
    "crm.set_opportunity_stage": set_opportunity_stage,
    "crm.enter_opportunity_stage": enter_opportunity_stage,
    "crm.leave_opportunity_stage": leave_opportunity_stage,
    "crm.close_opportunity": close_opportunity,
    "crm.level_change_info": level_change_info,
    "crm.decide_level_change": decide_level_change,
    "crm.complaint_sla": complaint_sla,
    "crm.complaint_triaged": complaint_triaged,
    "crm.complaint_reopened": complaint_reopened,
    "crm.complaint_overdue": complaint_overdue,
    "crm.complaint_resolved": complaint_resolved,
    "crm.complaint_rated": complaint_rated,
    "crm.complaint_closed": complaint_closed,
    "crm.service_sla": service_sla,
    "crm.technician_workload": technician_workload,
    "crm.service_dispatched": service_dispatched,
    "crm.service_work_recorded": service_work_recorded,
    "crm.service_closed": service_closed,
    "crm.order_facts": order_facts,
    "crm.stock_check": stock_check,
    "crm.order_status": order_status,
    "crm.order_shipped": order_shipped,
    "crm.order_payment": order_payment,
    "crm.contract_facts": contract_facts,
    "crm.contract_status": contract_status,
    "crm.expense_facts": expense_facts,
    "crm.expense_status": expense_status,
}


# -- form checks that need the database ------------------------------------------------------------


def validate_people(task, data: dict) -> dict[str, list[str]]:
    """A triage/dispatch form naming a handler or technician must name an active user (and a
    technician must be in the technicians group); a department must exist."""
    from django.contrib.auth import get_user_model
    from django.utils.translation import gettext as _

    from org.models import Department

    errors: dict[str, list[str]] = {}
    User = get_user_model()
    for field in ("handler", "technician"):
        name = data.get(field)
        if not isinstance(name, str) or not name:
            continue
        user = User.objects.filter(username=name, is_active=True).first()
        if user is None:
            errors.setdefault(field, []).append(
                _("There is no active user named “%(name)s”.") % {"name": name}
            )
        elif field == "technician" and not user.groups.filter(name="technicians").exists():
            errors.setdefault(field, []).append(_("%(name)s is not a technician.") % {"name": name})
    department = data.get("department")
    known = Department.objects.filter(code=department).exists() if isinstance(department, str) else True
    if department and "handler" in data and not known:
        errors.setdefault("department", []).append(
            _("There is no department with the code “%(code)s”.") % {"code": department}
        )
    return errors


# -- business events -------------------------------------------------------------------------------


def _event_variables(name: str, obj, actor, data: dict) -> dict:
    variables = dict(data or {})
    if name in {"complaint.submitted", "service_request.submitted"}:
        variables["customer_user"] = portal_user(getattr(obj, "created_by", None))
    return variables


def _end_stage_processes(opportunity, actor, name: str) -> None:
    """An opportunity won or lost outside its stage process (opportunity_close) ends that process."""
    from core.errors import NotPermitted
    from engine.selectors.work import running_instances_of
    from engine.services import cancel_instance

    for instance in running_instances_of(opportunity):
        try:
            cancel_instance(instance.pk, user=actor, reason=name)
        except NotPermitted:
            logger.info(
                "opportunity %s closed by %s; its process %s stays open", opportunity.pk, actor, instance.pk
            )


def bridge_business_event(sender, name, obj=None, actor=None, data=None, **kwargs):
    """CRM services announce their events on crm.signals; start bindings listen on core.events."""
    from core.events import emit_business_event

    if name in {"opportunity.won", "opportunity.lost"} and obj is not None and not is_process_actor(actor):
        # closed by its own stage process (a connector): that process is ending by itself
        _end_stage_processes(obj, actor, name)
    user = user_of(actor)
    return emit_business_event(
        name, business_object=obj, actor=user, variables=_event_variables(name, obj, user, data or {})
    )


def opportunity_created(sender, instance, created, raw=False, **kwargs):
    """crm.sales.services.opportunity_create announces nothing; a new opportunity starts its stages."""
    if not created or raw:
        return
    from core.events import emit_business_event

    emit_business_event(
        "opportunity.created",
        business_object=instance,
        actor=instance.created_by if instance.created_by_id else instance.owner,
        variables={"stage": instance.stage_id},
    )


def wire() -> None:
    """Register the connectors and the form check; listen to CRM events (CrmProcessesConfig.ready)."""
    from django.db.models.signals import post_save

    from engine.services import register_connector, register_form_validator

    from . import signals
    from .field.connectors import CONNECTORS as FIELD_CONNECTORS
    from .models import Opportunity

    for connector_name, fn in {**CONNECTORS, **FIELD_CONNECTORS}.items():
        register_connector(connector_name, fn)
    register_form_validator(validate_people)
    signals.business_event.connect(bridge_business_event, dispatch_uid="crm_processes_bridge")
    post_save.connect(opportunity_created, sender=Opportunity, dispatch_uid="crm_processes_opportunity")
