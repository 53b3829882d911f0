"""Reads of the service desk: SLA states of cases as list conditions, a case's timeline (its
messages, the customer's files, the steps and comments of its processes), the process actions the
reader may take on it, merge candidates, and the portal's view of consultations."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from engine import selectors as engine_selectors
from engine.selectors import HumanTask, InstanceEvent, ProcessInstance
from engine.selectors import work as engine_work

from ..models import CaseMessage, Complaint, Consultation, ServiceRequest

User = get_user_model()

# --- SLA state --------------------------------------------------------------------------------------

SLA_STATES = (
    ("on_time", _("On time")),
    ("due_today", _("Due today")),
    ("breached", _("Breached")),
)
OPEN_STATUSES = {
    Complaint: (Complaint.Status.OPEN, Complaint.Status.IN_PROGRESS),
    ServiceRequest: (ServiceRequest.Status.OPEN, ServiceRequest.Status.DISPATCHED),
}


def _end_of_today(now: datetime.datetime) -> datetime.datetime:
    local = timezone.localtime(now)
    return (local + datetime.timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)


def sla_condition(model, state: str, *, now: datetime.datetime | None = None) -> Q | None:
    """The cases of `model` in an SLA state, among the unresolved ones: `breached` (past due),
    `due_today` (due before midnight, not yet past), `on_time` (due later, or no deadline yet).
    None for an unknown state. Read from `due_at` alone, one range of the partial SLA index (the
    process's overdue mark follows the same deadline)."""
    now = now or timezone.now()
    unresolved = Q(status__in=OPEN_STATUSES[model])
    if state == "breached":
        return unresolved & Q(due_at__lt=now)
    if state == "due_today":
        return unresolved & Q(due_at__gte=now, due_at__lt=_end_of_today(now))
    if state == "on_time":
        return unresolved & (Q(due_at__gte=_end_of_today(now)) | Q(due_at__isnull=True))
    return None


def sla_state_of(case, *, now: datetime.datetime | None = None) -> str:
    """The SLA state of one case ("" when resolved), for its record page."""
    now = now or timezone.now()
    if case.status not in OPEN_STATUSES[type(case)]:
        return ""
    if case.due_at and case.due_at < now:
        return "breached"
    if case.due_at and case.due_at < _end_of_today(now):
        return "due_today"
    return "on_time"


def sla_label(case) -> str:
    return str(dict(SLA_STATES).get(sla_state_of(case), ""))


# --- the timeline ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class TimelineItem:
    at: datetime.datetime
    kind: str  # received, customer, reply, internal, step, task, file, process, merged
    text: str
    author: str = ""
    public: bool = False  # the customer sees it in the portal
    file_id: int | None = None


def _label(user) -> str:
    return (user.get_full_name() or str(user)) if user is not None else ""


def instances_of(case) -> list[ProcessInstance]:
    """The process runs about the case and about the duplicates it absorbed."""
    content_type = ContentType.objects.get_for_model(type(case))
    ids = [str(case.pk), *(str(pk) for pk in case.duplicates.values_list("pk", flat=True))]
    return list(
        engine_work.instances_about(content_type, ids)
        .select_related("definition")
        .order_by("started_at", "pk")
    )


def case_timeline(case, *, limit: int = 300) -> list[TimelineItem]:
    """Everything that happened on a case, oldest first: received, the customer's messages and
    files, replies and internal comments, the process steps (started, done, comments, cancelled,
    ended) of its processes and of the duplicates it absorbed."""
    items = [TimelineItem(case.created_at, "received", _g("Received"), _label(case.created_by), True)]
    for message in case.messages.select_related("author").order_by("created_at", "pk")[:limit]:
        items.append(
            TimelineItem(
                message.created_at, message.kind, message.text, _label(message.author), message.public
            )
        )
    for attachment in case.portal_attachments.order_by("uploaded_at", "pk")[:50]:
        items.append(
            TimelineItem(attachment.uploaded_at, "file", attachment.name, "", True, file_id=attachment.pk)
        )
    for duplicate in case.duplicates.order_by("pk")[:20]:
        items.append(
            TimelineItem(
                duplicate.updated_at,
                "merged",
                _g("Absorbed the duplicate %(code)s %(subject)s")
                % {"code": duplicate.code, "subject": duplicate.subject},
            )
        )
    instances = {i.pk: i for i in instances_of(case)}
    if instances:
        kinds = [
            InstanceEvent.Kind.STARTED,
            InstanceEvent.Kind.TASK_COMPLETED,
            InstanceEvent.Kind.COMMENT,
            InstanceEvent.Kind.CANCELLED,
            InstanceEvent.Kind.COMPLETED,
            InstanceEvent.Kind.TIMER_FIRED,
        ]
        events = list(engine_work.instance_events(instances, kinds).order_by("at", "pk")[:limit])
        customers = set(
            User.objects.filter(
                pk__in={e.actor_id for e in events if e.actor_id}, portal_account__isnull=False
            ).values_list("pk", flat=True)
        )
        for event in events:
            items.append(_event_item(event, instances[event.instance_id], customers))
    items.sort(key=lambda item: item.at)
    return items


def _event_item(event: InstanceEvent, instance: ProcessInstance, customers: set[int]) -> TimelineItem:
    author = _label(event.actor)
    process = instance.definition.name if instance.definition_id else instance.key
    data = event.data or {}
    if event.kind == InstanceEvent.Kind.COMMENT:
        if event.actor_id in customers:
            return TimelineItem(event.at, "customer", str(data.get("text", "")), author, True)
        kind = "reply" if data.get("public") else "internal"
        return TimelineItem(event.at, kind, str(data.get("text", "")), author, bool(data.get("public")))
    if event.kind == InstanceEvent.Kind.TASK_COMPLETED:
        step = event.human_task.name if event.human_task else event.element_id
        return TimelineItem(event.at, "step", _g("Done: %(step)s") % {"step": step}, author)
    if event.kind == InstanceEvent.Kind.STARTED:
        return TimelineItem(
            event.at, "process", _g("Process started: %(process)s") % {"process": process}, author
        )
    if event.kind == InstanceEvent.Kind.TIMER_FIRED:
        return TimelineItem(event.at, "process", _g("Deadline passed: %(process)s") % {"process": process})
    if event.kind == InstanceEvent.Kind.CANCELLED:
        reason = str(data.get("reason") or "")
        text = _g("Process cancelled: %(process)s") % {"process": process}
        return TimelineItem(event.at, "process", f"{text} {reason}".strip(), author)
    return TimelineItem(event.at, "process", _g("Process ended: %(process)s") % {"process": process}, author)


# --- process actions --------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseTask:
    task: HumanTask
    mine: bool  # assigned to the reader: open it
    offered: bool  # in the reader's queue: claim it


def case_tasks(case, user) -> list[CaseTask]:
    """The open tasks about the case (and its duplicates), each with what the reader may do:
    open it (theirs) or claim it (offered to them); others are shown with their holder."""
    content_type = ContentType.objects.get_for_model(type(case))
    tasks = list(
        engine_work.open_tasks_about(content_type, case.pk).select_related("assignee").order_by("pk")[:20]
    )
    if not tasks:
        return []
    offered = set(
        engine_selectors.queue(user).filter(pk__in=[t.pk for t in tasks]).values_list("pk", flat=True)
    )
    return [CaseTask(task=t, mine=t.assignee_id == user.pk, offered=t.pk in offered) for t in tasks]


def merge_candidates(case, user, *, limit: int = 50) -> list:
    """Other unmerged cases of the same customer the user may change: what this one may absorb."""
    model = type(case)
    return list(
        model.objects.visible_to(user, "view")
        .filter(customer_id=case.customer_id, duplicate_of__isnull=True)
        .exclude(pk=case.pk)
        .order_by("-pk")[:limit]
    )


# --- the portal's side ------------------------------------------------------------------------------


def portal_replies(case) -> list[CaseMessage]:
    """The replies the customer may read on their case (never internal comments)."""
    return list(
        case.messages.filter(kind__in=[CaseMessage.Kind.REPLY, CaseMessage.Kind.CUSTOMER]).order_by(
            "created_at", "pk"
        )
    )


def customer_consultations(customer_id: int, *, limit: int = 100) -> list[Consultation]:
    """The company's questions, newest first, with their answers (for the portal)."""
    return list(
        Consultation.objects.filter(customer_id=customer_id)
        .select_related("category")
        .order_by("-pk")[:limit]
    )
