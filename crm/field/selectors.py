"""Reads of field service: the dispatch board (technicians x days of a week, the requests waiting
for a technician), a technician's day, the open step of a request's dispatch process, product
issues. Every read is scoped by `visible_to`."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from engine.selectors import HumanTask
from engine.selectors import work as engine_work
from org.selectors import members_of

from ..models import FieldPhoto, ProductIssue, ServiceRequest, TechnicianProfile
from ..selectors.lists import LISTS, Field, ListSpec

DISPATCH_PROCESS = "service_dispatch"
ASSIGN, ACCEPT, WORK = "assign", "accept", "work"
TECHNICIANS = "technicians"


def open_task(request: ServiceRequest, element_id: str) -> HumanTask | None:
    """The open task of the request's dispatch process at `element_id` (assign, accept, work)."""
    return (
        engine_work.open_tasks_about(
            ContentType.objects.get_for_model(ServiceRequest),
            request.pk,
            process=DISPATCH_PROCESS,
            element=element_id,
        )
        .select_related("assignee")
        .order_by("-pk")
        .first()
    )


def task_is_for(user, task: HumanTask) -> bool:
    """The user holds the task, or it is offered to them and nobody holds it."""
    return engine_work.task_is_for(user, task)


def week_of(day: datetime.date) -> list[datetime.date]:
    monday = day - datetime.timedelta(days=day.weekday())
    return [monday + datetime.timedelta(days=i) for i in range(7)]


@dataclass
class DayCell:
    day: datetime.date
    jobs: list[ServiceRequest] = field(default_factory=list)


@dataclass
class TechnicianRow:
    user: object
    label: str
    skills: list[str]
    area: str
    open_jobs: int
    days: list[DayCell]

    @property
    def week_jobs(self) -> int:
        return sum(len(cell.jobs) for cell in self.days)


@dataclass
class WaitingRequest:
    request: ServiceRequest
    task: HumanTask
    may_assign: bool
    # a refused assignment shown back on the card: errors by field, what was posted, the rest
    errors: dict = field(default_factory=dict)
    posted: dict = field(default_factory=dict)
    problems: list = field(default_factory=list)


@dataclass
class Board:
    days: list[datetime.date]
    technicians: list[TechnicianRow]
    waiting: list[WaitingRequest]
    today: datetime.date


def technicians() -> list:
    """The active members of the technicians group, by display name."""
    return list(members_of(TECHNICIANS).order_by("display_name", "username"))


def dispatch_board(*, user, day: datetime.date) -> Board:
    """The week holding `day`: per technician their jobs each day (service requests scheduled that
    day, in time order), skills and open jobs; and the requests whose dispatch task is open."""
    days = week_of(day)
    people = technicians()
    profiles = {p.user_id: p for p in TechnicianProfile.objects.filter(user__in=people)}
    visible = ServiceRequest.objects.visible_to(user, "view")
    start = timezone.make_aware(datetime.datetime.combine(days[0], datetime.time.min))
    end = start + datetime.timedelta(days=7)
    jobs = (
        visible.filter(technician__in=people, scheduled_at__gte=start, scheduled_at__lt=end)
        .exclude(status=ServiceRequest.Status.CANCELLED)
        .select_related("customer", "contact", "product")
        .order_by("scheduled_at", "pk")
    )
    by_cell: dict[tuple[int, datetime.date], list[ServiceRequest]] = {}
    for job in jobs:
        local_day = timezone.localtime(job.scheduled_at).date()
        by_cell.setdefault((job.technician_id, local_day), []).append(job)
    open_counts: dict[int, int] = {}
    for technician_id in ServiceRequest.objects.filter(
        technician__in=people, status=ServiceRequest.Status.DISPATCHED
    ).values_list("technician_id", flat=True):
        open_counts[technician_id] = open_counts.get(technician_id, 0) + 1
    rows = []
    for person in people:
        profile = profiles.get(person.pk)
        rows.append(
            TechnicianRow(
                user=person,
                label=person.get_full_name() or str(person),
                skills=profile.skill_list if profile else [],
                area=profile.area if profile else "",
                open_jobs=open_counts.get(person.pk, 0),
                days=[DayCell(d, by_cell.get((person.pk, d), [])) for d in days],
            )
        )
    return Board(days=days, technicians=rows, waiting=waiting_requests(user=user), today=timezone.localdate())


def waiting_requests(*, user, limit: int = 100) -> list[WaitingRequest]:
    """Requests whose dispatch task is open (waiting for a technician), the most urgent first."""
    tasks = list(
        engine_work.open_tasks_about(
            ContentType.objects.get_for_model(ServiceRequest), process=DISPATCH_PROCESS, element=ASSIGN
        ).order_by("due_at", "pk")[:limit]
    )
    ids = [int(t.business_object_id) for t in tasks if t.business_object_id.isdigit()]
    requests = {
        r.pk: r
        for r in ServiceRequest.objects.visible_to(user, "view")
        .filter(pk__in=ids)
        .select_related("customer", "contact", "product")
    }
    offered = engine_work.open_offers_among(user, tasks)
    waiting = []
    for task in tasks:
        request = requests.get(int(task.business_object_id)) if task.business_object_id.isdigit() else None
        if request is None:
            continue
        may = task.assignee_id == user.pk if task.assignee_id else task.pk in offered
        waiting.append(WaitingRequest(request=request, task=task, may_assign=may))
    return waiting


@dataclass
class Job:
    request: ServiceRequest
    accept_task: HumanTask | None
    work_task: HumanTask | None
    carried_over: bool = False


def technician_day(*, user, day: datetime.date) -> list[Job]:
    """The technician's jobs of `day` in time order; on today also the jobs not yet done that were
    due earlier or have no time set (carried over)."""
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
    end = start + datetime.timedelta(days=1)
    condition = Q(scheduled_at__gte=start, scheduled_at__lt=end)
    if day == timezone.localdate():
        condition |= Q(status=ServiceRequest.Status.DISPATCHED) & (
            Q(scheduled_at__lt=start) | Q(scheduled_at__isnull=True)
        )
    requests = list(
        ServiceRequest.objects.visible_to(user, "view")
        .filter(condition, technician=user)
        .exclude(status=ServiceRequest.Status.CANCELLED)
        .select_related("customer", "contact", "product")
        .order_by("scheduled_at", "pk")
    )
    tasks = engine_work.open_tasks_about(
        ContentType.objects.get_for_model(ServiceRequest),
        object_ids=[r.pk for r in requests],
        process=DISPATCH_PROCESS,
        elements=[ACCEPT, WORK],
    ).filter(assignee=user)
    by_request: dict[tuple[str, str], HumanTask] = {(t.business_object_id, t.element_id): t for t in tasks}
    return [
        Job(
            request=r,
            accept_task=by_request.get((str(r.pk), ACCEPT)),
            work_task=by_request.get((str(r.pk), WORK)),
            carried_over=r.scheduled_at is None or r.scheduled_at < start,
        )
        for r in requests
    ]


def job_photos(request: ServiceRequest) -> list[FieldPhoto]:
    return list(FieldPhoto.objects.filter(service_request=request).order_by("pk"))


# The product-issue list (filters, search, export) on the shared list machinery.
LISTS["product_issue"] = ListSpec(
    model=ProductIssue,
    fields={
        "status": Field("status"),
        "severity": Field("severity"),
        "product": Field("product", "fk"),
        "reported_by": Field("reported_by", "user"),
        "created_at": Field("created_at", "datetime"),
    },
    sorts={
        "-created": (F("id").desc(),),
        "status": (F("status").asc(), F("id").desc()),
    },
    default_sort="-created",
    groups={"status": ("status", "status"), "product": ("product", "product__name")},
    select_related=("product", "reported_by"),
    search_fields=("code", "summary"),
    columns=(
        ("code", _("code")),
        ("summary", _("what is wrong")),
        ("product", _("product")),
        ("severity", _("severity")),
        ("status", _("status")),
        ("reported_by", _("reported by")),
        ("created_at", _("reported")),
    ),
)
