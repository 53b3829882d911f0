"""Reads of the sales workspace: the pipeline board, an opportunity's stage task, the win/loss
reasons report, duplicates of a lead. All start from `visible_to(user, …)`."""

from __future__ import annotations

import datetime
import itertools
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Q, Sum

from engine.selectors import HumanTask
from engine.selectors import work as engine_work
from org.models import Employee

from ..models import Customer, Lead, Opportunity, SalesProcess, SalesStage
from ..models.sales_processes import ensure_standard_process
from ..selectors.dedup import customer_find_duplicates

STAGE_PROCESS = "opportunity_stages"
# Cards shown per board column; the column's count and total cover all its deals.
CARDS_PER_COLUMN = 50


# --- sales processes and their stages ------------------------------------------------------------


def find_stage(value) -> SalesStage | None:
    """A stage given as itself or by its key."""
    if isinstance(value, SalesStage):
        return value
    if not isinstance(value, str) or not value:
        return None
    ensure_standard_process()
    return SalesStage.objects.select_related("process").filter(key=value).first()


def default_process() -> SalesProcess | None:
    ensure_standard_process()
    return SalesProcess.objects.filter(active=True).order_by("-is_default", "sort_order", "pk").first()


def sales_process_for(*, customer: Customer, owner) -> SalesProcess | None:
    """The process a new opportunity follows: the first active one naming the customer's type,
    else one naming the owner's department, else the default."""
    active = SalesProcess.objects.filter(active=True).order_by("-is_default", "sort_order", "pk")
    if customer.customer_type_id:
        found = active.filter(customer_types=customer.customer_type_id).first()
        if found:
            return found
    employees = Employee.objects.filter(user_id=getattr(owner, "pk", None))
    department_id = employees.values_list("department_id", flat=True).first()
    if department_id:
        found = active.filter(departments=department_id).first()
        if found:
            return found
    return default_process()


def process_stages(process: SalesProcess | None, *, open_only: bool = True) -> list[SalesStage]:
    if process is None:
        return []
    stages = SalesStage.objects.filter(process=process).order_by("position", "pk")
    if open_only:
        stages = stages.filter(kind=SalesStage.Kind.OPEN)
    return list(stages)


def first_stage(process: SalesProcess) -> SalesStage | None:
    stages = process_stages(process)
    return stages[0] if stages else None


def stage_after(stage: SalesStage) -> SalesStage | None:
    """The next open stage of the same process (None after the last)."""
    return (
        SalesStage.objects.filter(process_id=stage.process_id, kind=SalesStage.Kind.OPEN)
        .filter(Q(position__gt=stage.position) | Q(position=stage.position, pk__gt=stage.pk))
        .order_by("position", "pk")
        .first()
    )


def stage_before(stage: SalesStage) -> SalesStage | None:
    return (
        SalesStage.objects.filter(process_id=stage.process_id, kind=SalesStage.Kind.OPEN)
        .filter(Q(position__lt=stage.position) | Q(position=stage.position, pk__lt=stage.pk))
        .order_by("-position", "-pk")
        .first()
    )


def terminal_stage(process_id: int, kind: str) -> SalesStage | None:
    return SalesStage.objects.filter(process_id=process_id, kind=kind).order_by("position", "pk").first()


def funnel_stages() -> list[tuple[str, str]]:
    """(key, label) of every open stage of the active processes, each process's in its order;
    labels name the process as well when there are several."""
    stages = list(
        SalesStage.objects.filter(process__active=True, kind=SalesStage.Kind.OPEN)
        .select_related("process")
        .order_by("-process__is_default", "process__sort_order", "process__name", "position", "pk")
    )
    several = len({s.process_id for s in stages}) > 1
    return [(s.key, f"{s.process.label} · {s.label}" if several else s.label) for s in stages]


@dataclass
class BoardColumn:
    stage: str
    label: str
    count: int = 0
    total: Decimal = Decimal(0)
    cards: list = field(default_factory=list)
    next: str | None = None


@dataclass(frozen=True)
class BoardFilters:
    owner_id: int | None = None
    department_id: int | None = None
    close_from: datetime.date | None = None
    close_to: datetime.date | None = None


def next_stage(stage: str) -> str | None:
    """The key of the stage after the stage with this key (None after the last or if unknown)."""
    current = find_stage(stage)
    after = stage_after(current) if current else None
    return after.key if after else None


def _board_queryset(user, filters: BoardFilters, process: SalesProcess | None):
    qs = Opportunity.objects.visible_to(user).filter(status=Opportunity.Status.OPEN, stage__process=process)
    if filters.owner_id:
        qs = qs.filter(owner_id=filters.owner_id)
    if filters.department_id:
        qs = qs.filter(
            owner_id__in=Employee.objects.filter(department_id=filters.department_id).values("user_id")
        )
    if filters.close_from:
        qs = qs.filter(expected_close__gte=filters.close_from)
    if filters.close_to:
        qs = qs.filter(expected_close__lte=filters.close_to)
    return qs


def pipeline_board(
    *, user, filters: BoardFilters = BoardFilters(), process: SalesProcess | None = None
) -> list[BoardColumn]:
    """Open deals of one sales process (the default one unless named) by stage: per column the
    count and amount of all its deals and the first CARDS_PER_COLUMN cards (largest first). A
    fixed number of queries per column, whatever the data."""
    process = process or default_process()
    qs = _board_queryset(user, filters, process)
    stages = process_stages(process)
    columns = {s.key: BoardColumn(s.key, s.label) for s in stages}
    for current, after in itertools.pairwise(stages):
        columns[current.key].next = after.key
    for row in qs.order_by().values("stage").annotate(n=Count("pk"), total=Sum("amount")):
        if row["stage"] in columns:
            columns[row["stage"]].count = row["n"]
            columns[row["stage"]].total = row["total"] or Decimal(0)
    for stage, column in columns.items():
        if column.count:
            column.cards = list(
                qs.filter(stage=stage)
                .select_related("customer", "owner")
                .order_by("-amount", "-pk")[:CARDS_PER_COLUMN]
            )
    return list(columns.values())


def stage_task(*, opportunity: Opportunity) -> HumanTask | None:
    """The open task of the opportunity's stage process (the one that moves it on), if any."""
    content_type = ContentType.objects.get_for_model(Opportunity)
    return (
        engine_work.open_tasks_about(
            content_type, opportunity.pk, process=STAGE_PROCESS, element="work_stage"
        )
        .select_related("assignee")
        .order_by("-pk")
        .first()
    )


def task_is_for(user, task: HumanTask) -> bool:
    """The user holds the task or it is offered to them (and nobody holds it)."""
    return engine_work.task_is_for(user, task)


@dataclass(frozen=True)
class ReasonRow:
    status: str
    reason: str
    count: int
    amount: Decimal


def close_reasons(*, user, since: datetime.date | None = None, until: datetime.date | None = None):
    """Won and lost deals by reason category (the win/loss reasons report)."""
    qs = Opportunity.objects.visible_to(user).exclude(status=Opportunity.Status.OPEN)
    if since:
        qs = qs.filter(closed_at__date__gte=since)
    if until:
        qs = qs.filter(closed_at__date__lte=until)
    rows = (
        qs.order_by()
        .values("status", "close_reason")
        .annotate(n=Count("pk"), amount=Sum("amount"))
        .order_by("status", "-n")
    )
    return [ReasonRow(r["status"], r["close_reason"], r["n"], r["amount"] or Decimal(0)) for r in rows]


def recent_close_notes(*, user, limit: int = 20):
    return list(
        Opportunity.objects.visible_to(user)
        .exclude(status=Opportunity.Status.OPEN)
        .exclude(win_loss_reason="")
        .select_related("customer")
        .order_by("-closed_at", "-pk")[:limit]
    )


@dataclass
class LeadDuplicates:
    customers: list = field(default_factory=list)  # DuplicateMatch, with `visible`
    leads: list = field(default_factory=list)


def lead_duplicates(*, user, lead: Lead) -> LeadDuplicates:
    """Customers and other open leads that look like this lead's company (same phone, e-mail or
    a similar name). Customers the user may not open are named without a link."""
    matches = customer_find_duplicates(name=lead.company_name, phone=lead.phone, email=lead.email, limit=10)
    visible = set(
        Customer.objects.visible_to(user)
        .filter(pk__in=[m.customer_id for m in matches])
        .values_list("pk", flat=True)
    )
    condition = Q(company_name__iexact=lead.company_name)
    if lead.phone:
        condition |= Q(phone=lead.phone)
    if lead.email:
        condition |= Q(email__iexact=lead.email)
    leads = list(
        Lead.objects.visible_to(user)
        .filter(condition)
        .exclude(pk=lead.pk)
        .exclude(status=Lead.Status.DISQUALIFIED)
        .order_by("-pk")[:10]
    )
    return LeadDuplicates(
        customers=[dict(m.as_dict(), visible=m.customer_id in visible) for m in matches], leads=leads
    )
