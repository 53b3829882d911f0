"""Project reads: the projects a person sees, one project's board and timeline, and a person's open
project tasks for the inbox (sorted like process tasks: soonest due first, undated last)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, F, Prefetch, Q, QuerySet

from .models import Milestone, Project, ProjectMember, ProjectTask, is_project_admin


def projects_for(user, *, status: str = "", text: str = "") -> QuerySet[Project]:
    qs = Project.objects.visible_to(user, "view").select_related("owner", "customer")
    if status:
        qs = qs.filter(status=status)
    if text:
        qs = qs.filter(Q(name__icontains=text) | Q(goal__icontains=text))
    return qs.annotate(
        task_count=Count("tasks", distinct=True),
        done_count=Count("tasks", filter=Q(tasks__status=ProjectTask.Status.DONE), distinct=True),
        member_count=Count("members", distinct=True),
    ).order_by("status", "-starts_on", "-pk")


def project_for(user, project_id: int) -> Project | None:
    return (
        Project.objects.visible_to(user, "view")
        .select_related("owner", "customer")
        .filter(pk=project_id)
        .first()
    )


@dataclass(frozen=True)
class ProjectRights:
    view: bool
    work: bool
    manage: bool


def rights(user, project: Project) -> ProjectRights:
    if is_project_admin(user) or project.owner_id == user.pk:
        return ProjectRights(True, True, True)
    role = ProjectMember.objects.filter(project=project, user=user).values_list("role", flat=True).first()
    return ProjectRights(
        view=role is not None,
        work=role in (ProjectMember.Role.MANAGER, ProjectMember.Role.MEMBER),
        manage=role == ProjectMember.Role.MANAGER,
    )


def project_tasks(project: Project) -> list[ProjectTask]:
    """Every task of the project with its assignee, milestone and predecessors (3 queries)."""
    return list(
        project.tasks.select_related("assignee", "milestone")
        .prefetch_related(
            Prefetch("predecessors", queryset=ProjectTask.objects.only("pk", "title", "status"))
        )
        .order_by(F("due_on").asc(nulls_last=True), "-priority", "pk")
    )


def members(project: Project) -> list[ProjectMember]:
    return list(project.members.select_related("user").order_by("role", "user__username"))


def people(project: Project) -> list:
    """The owner and the members: who may hold a task."""
    return [project.owner, *(m.user for m in members(project) if m.role != ProjectMember.Role.OBSERVER)]


@dataclass
class Column:
    status: str
    label: str
    tasks: list[ProjectTask]


def board(tasks: list[ProjectTask]) -> list[Column]:
    return [
        Column(status=value, label=label, tasks=[t for t in tasks if t.status == value])
        for value, label in ProjectTask.Status.choices
    ]


# -- the timeline: bars per task across days, milestones as diamonds, arrows for dependencies -------


@dataclass
class Bar:
    task: ProjectTask
    row: int
    x: int
    y: int
    width: int
    undated: bool


@dataclass
class Timeline:
    days: int
    day_width: int
    width: int
    height: int
    label_width: int
    row_height: int
    ticks: list[tuple[int, str, bool]]  # (x, label, month start)
    bars: list[Bar]
    milestones: list[tuple[int, Milestone]]
    arrows: list[str]  # SVG path data
    today_x: int | None = None
    first: datetime.date | None = None
    extra: dict = field(default_factory=dict)


LABEL_WIDTH = 8  # the task names sit in an HTML column beside the chart (it scrolls, they stay)
ROW_HEIGHT = 28
HEADER = 36
MAX_DAYS = 370
TICK_SPACING = 46  # pixels between two date labels, so they never overlap


def timeline(
    project: Project, tasks: list[ProjectTask], milestones: list[Milestone], *, today=None
) -> Timeline:
    """Coordinates for the server-rendered SVG timeline. A task without dates shows as a one-day
    bar at the project's start (marked undated); the span is the project's, widened to its tasks."""
    today = today or datetime.date.today()
    dates = [project.starts_on, project.ends_on]
    for t in tasks:
        dates += [d for d in (t.starts_on, t.due_on) if d]
    dates += [m.due_on for m in milestones]
    first, last = min(dates), max(dates)
    days = min((last - first).days + 1, MAX_DAYS)
    last = first + datetime.timedelta(days=days - 1)
    day_width = 28 if days <= 45 else 14 if days <= 120 else 5
    ticks: list[tuple[int, str, bool]] = []
    for offset in range(days):
        day = first + datetime.timedelta(days=offset)
        if day.day == 1 or offset == 0 or (day_width >= 14 and day.weekday() == 0):
            x, month = LABEL_WIDTH + offset * day_width, day.day == 1
            tick = (x, f"{day:%Y-%m}" if month else f"{day:%m-%d}", month)
            if ticks and x - ticks[-1][0] < TICK_SPACING:
                if month:  # a month's start wins over the week's tick beside it
                    ticks[-1] = tick
                continue
            ticks.append(tick)

    def x_of(day: datetime.date) -> int:
        clamped = min(max(day, first), last)
        return LABEL_WIDTH + (clamped - first).days * day_width

    bars, where = [], {}
    for row, t in enumerate(tasks):
        start = t.starts_on or t.due_on or project.starts_on
        end = t.due_on or start
        y = HEADER + row * ROW_HEIGHT
        bar = Bar(
            task=t,
            row=row,
            x=x_of(start),
            y=y + 6,
            width=x_of(end) - x_of(start) + day_width,
            undated=not t.due_on,
        )
        bars.append(bar)
        where[t.pk] = bar
    arrows = []
    for bar in bars:
        for p in bar.task.predecessors.all():
            source = where.get(p.pk)
            if source is None:
                continue
            x1, y1 = source.x + source.width, source.y + 8
            x2, y2 = bar.x, bar.y + 8
            if x2 >= x1 + 12:  # room between the bars: across, down, across
                arrows.append(f"M{x1},{y1} H{x1 + 6} V{y2} H{x2 - 2}")
            else:  # the successor starts earlier: round it through the gap above its row
                gap = bar.y - 4 if bar.y > source.y else bar.y + 20
                arrows.append(f"M{x1},{y1} H{x1 + 6} V{gap} H{x2 - 8} V{y2} H{x2 - 2}")
    height = HEADER + max(len(tasks), 1) * ROW_HEIGHT + 24
    stones = [(x_of(m.due_on) + day_width // 2, m) for m in milestones]
    today_x = x_of(today) + day_width // 2 if first <= today <= last else None
    return Timeline(
        days=days,
        day_width=day_width,
        width=LABEL_WIDTH + days * day_width + 40,
        height=height,
        label_width=LABEL_WIDTH,
        row_height=ROW_HEIGHT,
        ticks=ticks,
        bars=bars,
        milestones=stones,
        arrows=arrows,
        today_x=today_x,
        first=first,
    )


# -- the inbox ------------------------------------------------------------------------------------


def open_tasks_of(user) -> QuerySet[ProjectTask]:
    """The project tasks `user` holds and has not finished, in projects still running (the one rule
    behind the inbox rows and its counts)."""
    return ProjectTask.objects.filter(
        assignee=user,
        status__in=(ProjectTask.Status.TODO, ProjectTask.Status.DOING),
        project__status__in=(Project.Status.PLANNED, Project.Status.ACTIVE),
    )


def _inbox_filter(
    user,
    *,
    due_before: datetime.date | None = None,
    due_from: datetime.date | None = None,
    min_priority: int | None = None,
    max_priority: int | None = None,
    words: list[str] = (),
) -> QuerySet[ProjectTask]:
    qs = open_tasks_of(user)
    if due_before is not None:
        qs = qs.filter(due_on__lt=due_before)
    if due_from is not None:
        qs = qs.filter(due_on__gte=due_from)
    if min_priority is not None:
        qs = qs.filter(priority__gte=min_priority)
    if max_priority is not None:
        qs = qs.filter(priority__lte=max_priority)
    for word in words:
        qs = qs.filter(Q(title__icontains=word) | Q(project__name__icontains=word))
    return qs


def inbox_tasks(user, *, sort: str = "due", limit: int = 50, **filters) -> list[ProjectTask]:
    """My open project tasks as the inbox lists them (filters: see _inbox_filter)."""
    qs = _inbox_filter(user, **filters).select_related("project", "milestone")
    if sort == "priority":
        qs = qs.order_by("-priority", F("due_on").asc(nulls_last=True), "pk")
    elif sort == "created":
        qs = qs.order_by("-created_at", "-pk")
    else:
        qs = qs.order_by(F("due_on").asc(nulls_last=True), "-priority", "pk")
    return list(qs[:limit])


def inbox_tasks_count(user, **filters) -> int:
    return _inbox_filter(user, **filters).count()
