"""The service desk as generic object views: complaint and service-request lists (SLA state,
handler, department filters; shared "breaching today" views), their record pages with the
timeline, replies to the customer, internal comments, merging duplicates and the process tasks
as buttons; consultations (list, record, convert into a lead, an opportunity or a service
request)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from core.errors import DomainError, ValidationFailed
from crm.models import Activity, ChoiceList, Complaint, Consultation, Contact, Product, ServiceRequest
from crm.selectors.custom_fields import custom_rows
from crm.service.selectors import (
    SLA_STATES,
    case_tasks,
    case_timeline,
    instances_of,
    merge_candidates,
    sla_state_of,
)
from crm.service.services import (
    case_merge,
    case_message_add,
    consultation_close,
    consultation_create,
    consultation_to_lead,
    consultation_to_opportunity,
    consultation_to_service_request,
    consultation_update,
)
from crm.services.service import complaint_submit, service_request_submit
from engine import services as engine
from engine.selectors import worklist
from org.models import Department
from org.permissions import user_can

from ..objects import (
    BulkAction,
    Column,
    Filter,
    FormField,
    ObjectType,
    allowed,
    attribute,
    fact_value,
    located,
)
from .common import viewable
from .sales import _customer, _customer_initial, customers, model_choices, options, people


def _departments(_user) -> list[tuple[str, str]]:
    return [(str(pk), name) for pk, name in Department.objects.order_by("name").values_list("pk", "name")]


def _sla_states(_user) -> list[tuple[str, str]]:
    return [(value, str(label)) for value, label in SLA_STATES]


def _claim_tasks(actor, cases) -> int:
    """Take into one's own inbox the open tasks on the ticked cases that are offered to one."""
    if not cases:
        return 0
    from django.contrib.contenttypes.models import ContentType

    content_type = ContentType.objects.get_for_model(type(cases[0]))
    tasks = worklist.offered_tasks_about(actor, content_type, [str(c.pk) for c in cases])
    done = 0
    for task in tasks[:200]:
        engine.claim(task.pk, user=actor)
        done += 1
    return done


# --- complaints -------------------------------------------------------------------------------------

STAFF_CHANNELS = [
    (value, label) for value, label in Complaint.Channel.choices if value != Complaint.Channel.PORTAL
]


def _complaint_create(actor, values, request):
    values = dict(values)
    customer = _customer(actor, values.pop("customer", ""))
    return complaint_submit(
        actor=actor,
        customer=customer,
        subject=values["subject"],
        description=values["description"],
        severity=values["severity"] or Complaint.Severity.NORMAL,
        channel=values["channel"] or Complaint.Channel.STAFF,
        category=values["category"] or None,
    )


COMPLAINTS = ObjectType(
    key="complaint",
    model=Complaint,
    list_entity="complaint",
    url_prefix="complaints",
    title=_("complaint"),
    title_plural=_("Complaints"),
    columns=(
        Column("code", _("code"), link=True),
        Column("subject", _("subject"), link=True),
        Column("customer.name", _("customer")),
        Column("severity", _("severity")),
        Column("status", _("status")),
        Column("handler", _("handler")),
        Column("due_at", _("resolve by"), kind="datetime"),
        Column("sla_label", _("SLA")),
    ),
    filters=(
        Filter("sla", _("SLA"), _sla_states),
        Filter("status", _("Status"), model_choices(Complaint.Status)),
        Filter("severity", _("Severity"), model_choices(Complaint.Severity)),
        Filter("category", _("Category"), options(ChoiceList.COMPLAINT_CATEGORY)),
        Filter("handler", _("Handler"), people),
        Filter("department", _("Department"), _departments),
        Filter("customer", _("Customer"), customers),
    ),
    sorts=(("-created", _("Newest")), ("due_at", _("Due first")), ("created", _("Oldest"))),
    groups=(
        ("status", _("Status")),
        ("severity", _("Severity")),
        ("handler", _("Handler")),
        ("department", _("Department")),
        ("category", _("Category")),
        ("customer", _("Customer")),
    ),
    search_label=_("Code starts with"),
    form_fields=(
        FormField("customer", _("customer"), kind="select", required=True, choices=customers),
        FormField("category", kind="select", choices=options(ChoiceList.COMPLAINT_CATEGORY)),
        FormField("subject", required=True, maxlength=200),
        FormField("description", kind="textarea"),
        FormField("severity", kind="select", required=True, choices=model_choices(Complaint.Severity)),
        FormField("channel", kind="select", required=True, choices=lambda _user: STAFF_CHANNELS),
    ),
    create=_complaint_create,
    select_related=("customer", "contact", "department", "handler", "category", "duplicate_of"),
    initial=lambda user, get: {
        **_customer_initial(user, get),
        "severity": Complaint.Severity.NORMAL,
        "channel": Complaint.Channel.PHONE,
    },
    own_pages=("detail",),
    bulk_actions=(BulkAction("claim", _("Take their open tasks"), "change", _claim_tasks),),
)

COMPLAINT_FACTS = (
    "status",
    "severity",
    "category",
    "due_at",
    "overdue_since",
    "channel",
    "contact",
    "department",
    "handler",
    "description",
    "resolution",
    "resolved_at",
    "satisfaction",
    "duplicate_of",
)


# --- service requests ----------------------------------------------------------------------------


def _products(_user) -> list[tuple[str, str]]:
    rows = Product.objects.filter(active=True).order_by("code").values_list("pk", "code", "name")[:500]
    return [(str(pk), f"{code} {name}") for pk, code, name in rows]


def _service_request_create(actor, values, request):
    values = dict(values)
    customer = _customer(actor, values.pop("customer", ""))
    return service_request_submit(actor=actor, customer=customer, **values)


SERVICE_REQUESTS = ObjectType(
    key="service_request",
    model=ServiceRequest,
    list_entity="service_request",
    url_prefix="service-requests",
    title=_("service request"),
    title_plural=_("Service requests"),
    columns=(
        Column("code", _("code"), link=True),
        Column("subject", _("subject"), link=True),
        Column("customer.name", _("customer")),
        Column("kind", _("kind")),
        Column("status", _("status")),
        Column("technician", _("technician")),
        Column("due_at", _("done by"), kind="datetime"),
        Column("sla_label", _("SLA")),
    ),
    filters=(
        Filter("sla", _("SLA"), _sla_states),
        Filter("status", _("Status"), model_choices(ServiceRequest.Status)),
        Filter("kind", _("Kind"), model_choices(ServiceRequest.Kind)),
        Filter("technician", _("Technician"), people),
        Filter("customer", _("Customer"), customers),
    ),
    sorts=(("-created", _("Newest")), ("due_at", _("Due first")), ("preferred_at", _("Preferred time"))),
    groups=(
        ("status", _("Status")),
        ("kind", _("Kind")),
        ("technician", _("Technician")),
        ("customer", _("Customer")),
    ),
    search_label=_("Code starts with"),
    form_fields=(
        FormField("customer", _("customer"), kind="select", required=True, choices=customers),
        FormField("kind", kind="select", required=True, choices=model_choices(ServiceRequest.Kind)),
        FormField("subject", required=True, maxlength=200),
        FormField("description", kind="textarea"),
        FormField("product", _("product"), kind="select", choices=_products),
        FormField("serial_number", maxlength=100),
        FormField("preferred_at", kind="datetime"),
        FormField("address", maxlength=300),
    ),
    create=_service_request_create,
    select_related=("customer", "contact", "product", "technician", "duplicate_of"),
    initial=lambda user, get: {**_customer_initial(user, get), "kind": ServiceRequest.Kind.REPAIR},
    own_pages=("detail",),
    bulk_actions=(BulkAction("claim", _("Take their open tasks"), "change", _claim_tasks),),
)

SERVICE_REQUEST_FACTS = (
    "kind",
    "status",
    "due_at",
    "contact",
    "product",
    "serial_number",
    "address",
    "preferred_at",
    "technician",
    "scheduled_at",
    "description",
    "work_record",
    "satisfaction",
    "duplicate_of",
)
# fields declared without a label of their own
FACT_LABELS = {
    "contact": _("contact"),
    "product": _("product"),
    "technician": _("technician"),
}


def _facts(obj, names) -> list[tuple[str, object]]:
    rows = []
    for name in names:
        label = FACT_LABELS.get(name) or type(obj)._meta.get_field(name).verbose_name
        rows.append((label, fact_value(attribute(obj, name))))
    return rows


# --- the record page of a case -----------------------------------------------------------------

CASE_TYPES = {
    Complaint: (COMPLAINTS, COMPLAINT_FACTS),
    ServiceRequest: (SERVICE_REQUESTS, SERVICE_REQUEST_FACTS),
}


def _case_or_404(user, model, pk, action: str = "view"):
    otype = CASE_TYPES[model][0]
    obj = model.objects.visible_to(user, action).select_related(*otype.select_related).filter(pk=pk).first()
    if obj is None:
        raise Http404(_g("Not found, or not yours to see."))
    return obj


def _case_page(request, model, pk: int, *, errors: dict | None = None, status: int = 200, posted=None):
    user = request.user
    otype, fact_names = CASE_TYPES[model]
    case = _case_or_404(user, model, pk)
    may_write = user_can(user, model, "change")
    context = {
        "otype": otype,
        "obj": case,
        "customer": case.customer,
        "facts": _facts(case, fact_names) + custom_rows(user, case),
        "sla": sla_state_of(case),
        "sla_label": dict(SLA_STATES).get(sla_state_of(case), ""),
        "timeline": case_timeline(case),
        "tasks": case_tasks(case, user),
        "processes": instances_of(case),
        "may_write": may_write,
        "merge_candidates": merge_candidates(case, user)
        if may_write and case.duplicate_of_id is None
        else [],
        "errors": errors or {},
        "general_errors": (errors or {}).get("__all__", []),
        "posted": posted or {},
        "attachment_kind": "complaints" if model is Complaint else "service-requests",
    }
    return render(request, "tasklist/crm/case_detail.html", context, status=status)


@viewable(Complaint)
@require_GET
def complaint_detail(request, pk: int):
    return _case_page(request, Complaint, pk)


@viewable(ServiceRequest)
@require_GET
def service_request_detail(request, pk: int):
    return _case_page(request, ServiceRequest, pk)


CASE_MODELS = {"complaints": Complaint, "service-requests": ServiceRequest}


@login_required
@require_POST
def case_message(request, kind: str, pk: int):
    """Reply to the customer, or an internal comment (`internal=1`)."""
    model = CASE_MODELS.get(kind)
    if model is None:
        raise Http404
    case = _case_or_404(request.user, model, pk)
    internal = request.POST.get("internal") == "1"
    try:
        case_message_add(actor=request.user, case=case, text=request.POST.get("text", ""), internal=internal)
    except ValidationFailed as error:
        return _case_page(request, model, pk, errors=located(error), status=400, posted=request.POST)
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(
            request,
            _g("Internal comment saved.")
            if internal
            else _g("Reply sent; the customer sees it in the portal."),
        )
    return redirect(CASE_TYPES[model][0].url("detail", case))


@login_required
@require_POST
def case_merge_view(request, kind: str, pk: int):
    """This case absorbs the ticked duplicate."""
    model = CASE_MODELS.get(kind)
    if model is None:
        raise Http404
    keep = _case_or_404(request.user, model, pk)
    value = request.POST.get("duplicate", "")
    duplicate = (
        model.objects.visible_to(request.user).filter(pk=int(value)).first() if value.isdigit() else None
    )
    try:
        if duplicate is None:
            raise ValidationFailed(
                _("Choose the duplicate."), fields={"duplicate": [_g("Choose the duplicate.")]}
            )
        case_merge(actor=request.user, keep=keep, duplicate=duplicate, note=request.POST.get("note", ""))
    except ValidationFailed as error:
        return _case_page(request, model, pk, errors=located(error), status=400, posted=request.POST)
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _g("%(code)s was merged into this record.") % {"code": duplicate.code})
    return redirect(CASE_TYPES[model][0].url("detail", keep))


# --- consultations -----------------------------------------------------------------------------------

CONSULTATION_FIELDS = (
    FormField("kind", kind="select", required=True, choices=model_choices(Consultation.Kind)),
    FormField("category", kind="select", choices=options(ChoiceList.CONSULTATION_CATEGORY)),
    FormField("channel", kind="select", required=True, choices=model_choices(Consultation.Channel)),
    FormField("customer", _("customer"), kind="select", choices=customers),
    FormField("prospect_name", maxlength=100, help=_("When the person is not a customer yet.")),
    FormField("prospect_phone", kind="tel", maxlength=50),
    FormField("question", kind="textarea", required=True),
    FormField("answer", kind="textarea"),
)


def _consultation_create(actor, values, request):
    values = dict(values)
    activity = None
    raw = request.POST.get("activity") or request.GET.get("activity") or ""
    if raw.isdigit():
        activity = Activity.objects.visible_to(actor).filter(pk=int(raw)).first()
    contact = request.GET.get("contact", "")
    if contact.isdigit() and values.get("customer"):
        values["contact"] = Contact.objects.visible_to(actor).filter(pk=int(contact)).first()
    return consultation_create(actor=actor, activity=activity, **values)


def _consultation_initial(user, get) -> dict:
    values = {
        "kind": Consultation.Kind.PRE_SALE,
        "channel": Consultation.Channel.PHONE,
        **_customer_initial(user, get),
    }
    if get.get("activity", "").isdigit():
        activity = Activity.objects.visible_to(user).filter(pk=int(get["activity"])).first()
        if activity is not None:
            values["customer"] = str(activity.customer_id)
            values["channel"] = (
                Consultation.Channel.VISIT
                if activity.kind == Activity.Kind.VISIT
                else Consultation.Channel.PHONE
            )
    if get.get("kind") in Consultation.Kind.values:
        values["kind"] = get["kind"]
    return values


def _close_consultations(actor, rows) -> int:
    done = 0
    for consultation in rows:
        if consultation.status in (Consultation.Status.OPEN, Consultation.Status.ANSWERED):
            consultation_close(actor=actor, consultation=consultation)
            done += 1
    return done


def _consultation_panels(request, consultation) -> dict:
    return {
        "can_convert": allowed(request.user, CONSULTATIONS, "change", consultation)
        and consultation.status != Consultation.Status.CONVERTED,
        "may_lead": request.user.has_perm("crm.add_lead"),
        "may_opportunity": request.user.has_perm("crm.add_opportunity"),
        "may_service_request": request.user.has_perm("crm.add_servicerequest"),
    }


CONSULTATIONS = ObjectType(
    key="consultation",
    model=Consultation,
    list_entity="consultation",
    url_prefix="consultations",
    title=_("consultation"),
    title_plural=_("Consultations"),
    columns=(
        Column("code", _("code"), link=True),
        Column("kind", _("kind")),
        Column("category", _("category")),
        Column("asked_by", _("asked by")),
        Column("question", _("question"), link=True),
        Column("channel", _("channel")),
        Column("status", _("status")),
        Column("handled_by", _("handled by")),
        Column("created_at", _("asked"), kind="datetime"),
    ),
    filters=(
        Filter("kind", _("Kind"), model_choices(Consultation.Kind)),
        Filter("status", _("Status"), model_choices(Consultation.Status)),
        Filter("category", _("Category"), options(ChoiceList.CONSULTATION_CATEGORY)),
        Filter("channel", _("Channel"), model_choices(Consultation.Channel)),
        Filter("handled_by", _("Handled by"), people),
        Filter("customer", _("Customer"), customers),
    ),
    sorts=(("-created", _("Newest")), ("created", _("Oldest"))),
    groups=(
        ("kind", _("Kind")),
        ("category", _("Category")),
        ("status", _("Status")),
        ("channel", _("Channel")),
        ("handled_by", _("Handled by")),
    ),
    search_label=_("Code or name starts with"),
    detail_fields=(
        "kind",
        "category",
        "status",
        "customer",
        "contact",
        "prospect_name",
        "prospect_phone",
        "channel",
        "question",
        "answer",
        "handled_by",
        "answered_at",
        "activity",
        "lead",
        "opportunity",
        "service_request",
        "created_at",
    ),
    form_fields=CONSULTATION_FIELDS,
    create=_consultation_create,
    update=lambda actor, obj, values: consultation_update(actor=actor, consultation=obj, **values),
    select_related=(
        "customer",
        "contact",
        "category",
        "handled_by",
        "activity",
        "lead",
        "opportunity",
        "service_request",
    ),
    initial=_consultation_initial,
    detail_panels="tasklist/crm/_consultation_panels.html",
    detail_context=_consultation_panels,
    bulk_actions=(BulkAction("close", _("Close"), "change", _close_consultations),),
)

CONVERSIONS = {
    "lead": (consultation_to_lead, "crm:lead_detail", _("Lead %(name)s created from the consultation.")),
    "opportunity": (
        consultation_to_opportunity,
        "crm:opportunity_detail",
        _("Opportunity %(name)s created from the consultation."),
    ),
    "service-request": (
        consultation_to_service_request,
        "crm:service_request_detail",
        _("Service request %(name)s created from the consultation."),
    ),
}


@login_required
@require_POST
def consultation_convert(request, pk: int, target: str):
    """One click: a pre-sale consultation becomes a lead or an opportunity, an after-sale one a
    service request; the values are carried over and the two records link to each other."""
    from django.urls import reverse

    from ..objects import get_or_404

    if target not in CONVERSIONS:
        raise Http404
    consultation = get_or_404(request.user, CONSULTATIONS, pk, "change")
    convert, url_name, success = CONVERSIONS[target]
    try:
        created = convert(actor=request.user, consultation=consultation)
    except PermissionDenied:
        raise
    except DomainError as error:
        messages.error(
            request, " ".join([str(error.message), *(str(m) for ms in error.fields.values() for m in ms)])
        )
        return redirect(CONSULTATIONS.url("detail", consultation))
    messages.success(request, success % {"name": created})
    return redirect(reverse(url_name, args=[created.pk]))


SERVICE_TYPES = (COMPLAINTS, SERVICE_REQUESTS, CONSULTATIONS)
