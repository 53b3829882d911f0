"""Reads of the customer portal. Every function takes the portal account and filters by its
customer company; an object of another company is "not found" (404), never "forbidden".

Nothing here returns staff-only data: no handler or owner, no internal comments, no costs; the
process is shown by its current step in the customer's words (`customer_label` on the task, else
the step's name), never by element ids.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, QuerySet
from django.db.models.functions import Cast
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from core.errors import NotFound
from crm.models import ChoiceList, ChoiceOption, Complaint, Contract, Order, Payment, Product, ServiceRequest
from crm.selectors.documents import document_shared_get, documents_shared_with
from crm.selectors.receivables import owed_contracts, owed_orders, paid_by_contract, paid_by_order
from crm.service.selectors import customer_consultations, portal_replies
from engine.selectors import HumanTask, InstanceEvent, ProcessInstance, worklist
from engine.selectors import portal as engine_portal

from .models import PortalAccount, RequestAttachment

REQUEST_MODELS = {"complaint": Complaint, "service": ServiceRequest}
# Set in the session at sign-in when the user is a portal user (see portal.receivers).
PORTAL_SESSION_KEY = "_portal_account"


def account_for(user) -> PortalAccount | None:
    """The user's portal account (None for staff and anonymous visitors)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    # one account per user (no ORDER BY needed); the user is the one asked about, not joined again
    account = next(iter(PortalAccount.objects.select_related("customer", "contact").filter(user=user)), None)
    if account is not None:
        account.user = user
    return account


def _get(queryset: QuerySet, pk):
    try:
        return queryset.get(pk=int(pk))
    except (queryset.model.DoesNotExist, ValueError, TypeError):
        raise Http404(_("Not found.")) from None


def documents(account: PortalAccount) -> QuerySet:
    """Documents (proposals, manuals...) staff shared with the account's company."""
    return documents_shared_with(customer_id=account.customer_id)


def document_get(account: PortalAccount, pk):
    try:
        return document_shared_get(customer_id=account.customer_id, pk=pk)
    except NotFound:
        raise Http404(_("Not found.")) from None


def complaint_categories() -> list[tuple[str, str]]:
    """The complaint-category list the CRM administrators manage, as (code, label)."""
    return list(ChoiceOption.objects.of(ChoiceList.COMPLAINT_CATEGORY).values_list("code", "label"))


# --- the company's records -----------------------------------------------------------------


def consultations(account: PortalAccount) -> list:
    """The company's questions with their answers (asked in the portal or logged by staff)."""
    return customer_consultations(account.customer_id)


def consultation_categories() -> list[tuple[str, str]]:
    return [
        (o.code, o.label)
        for o in ChoiceOption.objects.filter(
            choice_list=ChoiceList.CONSULTATION_CATEGORY, active=True
        ).order_by("sort_order", "code")
    ]


def complaints(account: PortalAccount) -> QuerySet:
    return Complaint.objects.filter(customer_id=account.customer_id).select_related("category")


def service_requests(account: PortalAccount) -> QuerySet:
    return ServiceRequest.objects.filter(customer_id=account.customer_id).select_related("product")


def request_get(account: PortalAccount, kind: str, pk):
    if kind == "complaint":
        return _get(complaints(account), pk)
    if kind == "service":
        return _get(service_requests(account), pk)
    raise Http404(_("Not found."))


def orders(account: PortalAccount) -> QuerySet:
    return Order.objects.filter(customer_id=account.customer_id).exclude(status=Order.Status.DRAFT)


def order_get(account: PortalAccount, pk) -> Order:
    return _get(orders(account).prefetch_related("lines__product"), pk)


def contracts(account: PortalAccount) -> QuerySet:
    # Drafts are internal until signed.
    return Contract.objects.filter(customer_id=account.customer_id).exclude(status=Contract.Status.DRAFT)


def contract_get(account: PortalAccount, pk) -> Contract:
    return _get(contracts(account), pk)


def payments(account: PortalAccount) -> QuerySet:
    return Payment.objects.filter(customer_id=account.customer_id).select_related("order", "contract")


def attachment_get(account: PortalAccount, pk) -> RequestAttachment:
    return _get(RequestAttachment.objects.filter(customer_id=account.customer_id), pk)


def attachments_of(account: PortalAccount, obj) -> list[RequestAttachment]:
    qs = RequestAttachment.objects.filter(customer_id=account.customer_id)
    if isinstance(obj, Complaint):
        return list(qs.filter(complaint=obj))
    return list(qs.filter(service_request=obj))


def colleagues(account: PortalAccount) -> QuerySet:
    return (
        PortalAccount.objects.filter(customer_id=account.customer_id)
        .select_related("user", "contact")
        .order_by("user__username")
    )


# --- the catalogue (the same for every customer) -------------------------------------------


def catalogue() -> QuerySet:
    return Product.objects.filter(active=True).order_by("name", "code")


def product_get(pk) -> Product:
    return _get(catalogue(), pk)


# --- receivables ---------------------------------------------------------------------------


@dataclass
class Receivable:
    kind: str  # "contract" / "order"
    document: Contract | Order
    amount: Decimal
    paid: Decimal
    outstanding: Decimal


def receivables(account: PortalAccount) -> list[Receivable]:
    """Signed contracts and the orders outside them, with what was paid against each and what is
    still due (the CRM's one rule, crm.selectors.receivables)."""
    contract_rows = list(owed_contracts(contracts(account)).order_by("-signed_on", "-id"))
    order_rows = list(owed_orders(orders(account)).order_by("-ordered_on", "-id"))
    paid_contract = paid_by_contract(c.pk for c in contract_rows)
    paid_order = paid_by_order(o.pk for o in order_rows)
    result = []
    for contract in contract_rows:
        paid = paid_contract.get(contract.pk, Decimal(0))
        result.append(
            Receivable("contract", contract, contract.amount, paid, max(contract.amount - paid, Decimal(0)))
        )
    for order in order_rows:
        paid = paid_order.get(order.pk, Decimal(0))
        result.append(
            Receivable("order", order, order.total_amount, paid, max(order.total_amount - paid, Decimal(0)))
        )
    return result


# --- progress of requests ------------------------------------------------------------------


@dataclass
class Progress:
    """Where a request stands, in words for the customer."""

    step: str
    waiting_for_you: bool = False
    closed: bool = False
    expected: datetime | None = None
    task_id: int | None = None


@dataclass
class RequestRow:
    kind: str  # complaint / service / order
    obj: object
    progress: Progress
    kind_label: str = ""
    attachments: list = field(default_factory=list)


def _labels(tasks: list[HumanTask]) -> dict[int, str]:
    """Each open task's customer-facing label: the `customer_label` property, else its name
    (a nameless step, whose name is its element id, is shown as "being handled")."""
    meta = engine_portal.user_task_properties({(t.definition_key, t.definition_version) for t in tasks})
    labels = {}
    for task in tasks:
        props = meta.get((task.definition_key, task.definition_version), {}).get(task.element_id, {})
        label = (props.get("properties") or {}).get("customer_label", "")
        if not label and task.name and task.name != task.element_id:
            label = task.name
        labels[task.pk] = label or str(_("Being handled"))
    return labels


def task_label(task: HumanTask) -> str:
    return _labels([task])[task.pk]


def _progress_of(account: PortalAccount, model, objects: list) -> dict[int, Progress]:
    """Progress per object, from its newest process instance: 3 queries for a whole page."""
    if not objects:
        return {}
    content_type = ContentType.objects.get_for_model(model)
    instances = list(engine_portal.instances_of_objects(content_type, [str(o.pk) for o in objects]))
    newest = {}
    for instance in instances:
        newest[instance.business_object_id] = instance  # later rows win
    tasks = list(engine_portal.ready_tasks_of(list(newest.values())))
    labels = _labels(tasks)
    own_users = set(colleagues(account).values_list("user_id", flat=True))
    by_instance: dict[int, list[HumanTask]] = {}
    for task in tasks:
        by_instance.setdefault(task.instance_id, []).append(task)
    result = {}
    for obj in objects:
        instance = newest.get(str(obj.pk))
        if instance is None:
            result[obj.pk] = Progress(step=str(_("Received")))
            continue
        open_tasks = by_instance.get(instance.pk, [])
        if open_tasks:
            mine = [t for t in open_tasks if t.assignee_id in own_users]
            task = mine[0] if mine else open_tasks[0]
            dues = [t.due_at for t in open_tasks if t.due_at]
            # the date the customer was promised (the SLA's resolution due), else the open step's
            expected = getattr(obj, "due_at", None) or (min(dues) if dues else None)
            result[obj.pk] = Progress(
                step=labels[task.pk],
                waiting_for_you=bool(mine),
                expected=expected,
                task_id=task.pk if mine else None,
            )
        elif instance.status == ProcessInstance.Status.COMPLETED:
            result[obj.pk] = Progress(step=str(_("Closed")), closed=True)
        elif instance.status == ProcessInstance.Status.CANCELLED:
            result[obj.pk] = Progress(step=str(_("Withdrawn")), closed=True)
        else:
            result[obj.pk] = Progress(step=str(_("Being handled")))
    return result


def my_requests(account: PortalAccount, *, limit: int = 200) -> list[RequestRow]:
    """The company's complaints and service requests, newest first, each with its current step."""
    complaint_list = list(complaints(account).order_by("-created_at")[:limit])
    service_list = list(service_requests(account).order_by("-created_at")[:limit])
    progress_c = _progress_of(account, Complaint, complaint_list)
    progress_s = _progress_of(account, ServiceRequest, service_list)
    rows = [RequestRow("complaint", c, progress_c[c.pk], str(_("Complaint"))) for c in complaint_list]
    rows += [RequestRow("service", s, progress_s[s.pk], s.get_kind_display()) for s in service_list]
    rows.sort(key=lambda r: r.obj.created_at, reverse=True)
    return rows[:limit]


def order_rows(account: PortalAccount) -> list[RequestRow]:
    order_list = list(orders(account).order_by("-ordered_on", "-id")[:200])
    progress = _progress_of(account, Order, order_list)
    return [RequestRow("order", o, progress[o.pk], str(_("Order"))) for o in order_list]


def progress_of(account: PortalAccount, obj) -> Progress:
    return _progress_of(account, type(obj), [obj])[obj.pk]


@dataclass
class HistoryItem:
    at: datetime
    text: str
    comment: str = ""
    author: str = ""


def history(account: PortalAccount, obj) -> list[HistoryItem]:
    """What the customer may see of a record's process: received, each completed step, comments
    marked public (or written by the company's own people), closed. No data, no staff names."""
    content_type = ContentType.objects.get_for_model(type(obj))
    instance_ids = list(worklist.instances_of_object(content_type, str(obj.pk)).values_list("id", flat=True))
    items = [HistoryItem(at=obj.created_at, text=str(_("Received")))]
    own_users = {a.user_id: str(a.user) for a in colleagues(account)}
    if isinstance(obj, Complaint | ServiceRequest):
        # replies the service desk wrote from the record (never its internal comments), and what
        # the company's own people wrote while no process ran
        for message in portal_replies(obj):
            ours = message.kind == "reply"
            items.append(
                HistoryItem(
                    at=message.created_at,
                    text=str(_("Reply") if ours else _("Comment")),
                    comment=message.text,
                    author=str(_("Our service team")) if ours else own_users.get(message.author_id, ""),
                )
            )
        items.sort(key=lambda item: item.at)
    if not instance_ids:
        return items
    kinds = [
        InstanceEvent.Kind.TASK_COMPLETED,
        InstanceEvent.Kind.COMMENT,
        InstanceEvent.Kind.COMPLETED,
        InstanceEvent.Kind.CANCELLED,
    ]
    events = engine_portal.events_of(instance_ids, kinds)
    labels = _labels([e.human_task for e in events if e.human_task is not None])
    for event in events:
        if event.kind == InstanceEvent.Kind.TASK_COMPLETED and event.human_task is not None:
            items.append(
                HistoryItem(
                    at=event.at, text=str(_("Done: %(step)s") % {"step": labels[event.human_task.pk]})
                )
            )
        elif event.kind == InstanceEvent.Kind.COMMENT:
            public = bool((event.data or {}).get("public")) or event.actor_id in own_users
            if public:
                items.append(
                    HistoryItem(
                        at=event.at,
                        text=str(_("Comment")),
                        comment=str((event.data or {}).get("text", "")),
                        author=own_users.get(event.actor_id, str(_("Our service team"))),
                    )
                )
        elif event.kind == InstanceEvent.Kind.COMPLETED:
            items.append(HistoryItem(at=event.at, text=str(_("Closed"))))
        elif event.kind == InstanceEvent.Kind.CANCELLED:
            items.append(HistoryItem(at=event.at, text=str(_("Withdrawn"))))
    items.sort(key=lambda item: item.at)
    return items


# --- tasks addressed to the customer -------------------------------------------------------


def _company_objects() -> dict:
    return {model: ContentType.objects.get_for_model(model) for model in (Complaint, ServiceRequest, Order)}


def customer_tasks(account: PortalAccount) -> QuerySet:
    """Open tasks assigned to this portal user, about their own company's records (or about no
    record at all); a task about another company's record never shows, whoever it is assigned to."""
    # business_object_id is text: compare with the ids cast to text, inside one query
    objects = [
        (
            content_type,
            model.objects.filter(customer_id=account.customer_id)
            .annotate(pk_text=Cast("pk", CharField()))
            .values("pk_text"),
        )
        for model, content_type in _company_objects().items()
    ]
    return engine_portal.inbox_about(account.user, objects)


def customer_task_get(account: PortalAccount, pk) -> HumanTask:
    return _get(customer_tasks(account), pk)


def task_record(account: PortalAccount, task: HumanTask):
    """(kind, record) the task is about, if it is one of the company's records."""
    types = _company_objects()
    for model, content_type in types.items():
        if task.business_object_type_id == content_type.pk:
            obj = model.objects.filter(customer_id=account.customer_id, pk=task.business_object_id).first()
            kind = {Complaint: "complaint", ServiceRequest: "service", Order: "order"}[model]
            return (kind, obj) if obj is not None else (None, None)
    return None, None


def resolution_of(kind: str | None, record) -> str:
    """What was done about a complaint or service request, in the staff's words, for the customer
    to read (before being asked to rate it); empty while nothing is recorded."""
    if record is None:
        return ""
    if kind == "complaint":
        return record.resolution or ""
    if kind == "service":
        return record.work_record or ""
    return ""
