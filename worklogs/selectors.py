"""Work-log reads: the period a date falls in, what a person did in it (CRM activities and
completed tasks, pulled in when writing), the team a manager sees, and who has or has not
reported for a day or a week, department by department."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from crm.models import Activity
from engine.selectors.work import tasks_completed_by
from org.models import Department, Employee
from org.pickers import person_name
from org.selectors import department_ids_below

from .models import WorkReport


def period_start(period: str, day: datetime.date) -> datetime.date:
    """The day itself, or the Monday of its week."""
    return day - datetime.timedelta(days=day.weekday()) if period == WorkReport.Period.WEEK else day


def period_end(period: str, starts_on: datetime.date) -> datetime.date:
    return starts_on + datetime.timedelta(days=6 if period == WorkReport.Period.WEEK else 0)


def _bounds(period: str, starts_on: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    zone = timezone.get_current_timezone()
    start = datetime.datetime.combine(starts_on, datetime.time.min, tzinfo=zone)
    end = datetime.datetime.combine(period_end(period, starts_on), datetime.time.max, tzinfo=zone)
    return start, end


def _when(value: datetime.datetime, period: str) -> str:
    local = timezone.localtime(value)
    if period == WorkReport.Period.WEEK:
        return formats.date_format(local, "D H:i")
    return formats.time_format(local, "H:i")


def pulled_items(user, *, period: str, starts_on: datetime.date) -> list[dict]:
    """The period's CRM activities by `user` and the tasks they completed, in time order, as
    plain dicts (kept with the report as they stood when it was saved)."""
    start, end = _bounds(period, starts_on)
    items = []
    activities = (
        Activity.objects.filter(owner=user, occurred_at__range=(start, end))
        .select_related("customer")
        .order_by("occurred_at")[:200]
    )
    for a in activities:
        items.append(
            {
                "kind": "activity",
                "at": a.occurred_at.isoformat(),
                "when": _when(a.occurred_at, period),
                "what": str(a.get_kind_display()),
                "text": " · ".join(p for p in (a.subject, a.customer.name, a.outcome[:120]) if p),
                "activity": a.pk,
                "customer": a.customer_id,
            }
        )
    tasks = (
        tasks_completed_by(user, start, end)
        .order_by("completed_at")
        .only("pk", "name", "business_object_label", "completed_at")[:200]
    )
    for t in tasks:
        items.append(
            {
                "kind": "task",
                "at": t.completed_at.isoformat(),
                "when": _when(t.completed_at, period),
                "what": _("Task completed"),
                "text": " · ".join(p for p in (t.name, t.business_object_label) if p),
                "task": t.pk,
            }
        )
    items.sort(key=lambda item: item["at"])
    return items


def _employee_pairs() -> list[tuple[int, int | None]]:
    return list(Employee.objects.values_list("id", "manager_id"))


def team_employees(user):
    """Active employees a manager looks after: everyone in the departments they head (and below)
    and everyone who reports to them, directly or further down; never themselves."""
    headed = list(Department.objects.filter(head=user).values_list("pk", flat=True))
    departments = department_ids_below(headed) if headed else set()
    mine = Employee.objects.filter(user=user).values_list("pk", flat=True).first()
    reports: set[int] = set()
    if mine is not None:
        children = defaultdict(list)
        for pk, manager in _employee_pairs():
            children[manager].append(pk)
        stack = list(children.get(mine, ()))
        while stack:
            pk = stack.pop()
            if pk not in reports:
                reports.add(pk)
                stack.extend(children.get(pk, ()))
    if not departments and not reports:
        return Employee.objects.none()
    from django.db.models import Q

    return (
        Employee.objects.filter(
            Q(department_id__in=departments) | Q(pk__in=reports), active=True, user__is_active=True
        )
        .exclude(user=user)
        .select_related("department", "user", "position")
    )


def team_user_ids(user) -> list[int]:
    return list(team_employees(user).values_list("user_id", flat=True))


def is_manager(user) -> bool:
    return team_employees(user).exists()


def report_for_user(user, pk: int) -> WorkReport | None:
    return WorkReport.objects.visible_to(user).select_related("author__employee").filter(pk=pk).first()


def my_reports(user, *, limit: int = 30) -> list[WorkReport]:
    return list(WorkReport.objects.filter(author=user).order_by("-starts_on", "-id")[:limit])


def own_report(user, *, period: str, starts_on: datetime.date) -> WorkReport | None:
    return WorkReport.objects.filter(author=user, period=period, starts_on=starts_on).first()


@dataclass(frozen=True)
class TeamRow:
    employee: Employee
    report: WorkReport | None
    comments: int


@dataclass(frozen=True)
class TeamDepartment:
    department: Department
    depth: int
    rows: list[TeamRow]

    @property
    def missing(self) -> int:
        return sum(1 for r in self.rows if r.report is None)


def team_status(user, *, period: str, starts_on: datetime.date) -> list[TeamDepartment]:
    """Per department (in the tree's order, indented), the team's people with their report for
    the period, or None where they have not reported (3 queries)."""
    from django.db.models import Count

    employees = list(team_employees(user).order_by("name"))
    reports = {
        r.author_id: r
        for r in WorkReport.objects.filter(
            period=period, starts_on=starts_on, author_id__in=[e.user_id for e in employees]
        ).annotate(n_comments=Count("comments"))
    }
    by_department: dict[int, list[TeamRow]] = defaultdict(list)
    for e in employees:
        report = reports.get(e.user_id)
        by_department[e.department_id].append(
            TeamRow(employee=e, report=report, comments=getattr(report, "n_comments", 0))
        )
    departments = {d.pk: d for d in Department.objects.all()}
    children: dict[int | None, list[Department]] = defaultdict(list)
    for d in departments.values():
        children[d.parent_id].append(d)
    for siblings in children.values():
        siblings.sort(key=lambda d: (d.sort_order, d.code))
    result: list[TeamDepartment] = []

    def walk(parent: int | None, depth: int) -> None:
        for d in children.get(parent, []):
            if d.pk in by_department:
                result.append(TeamDepartment(department=d, depth=depth, rows=by_department[d.pk]))
            walk(d.pk, depth + 1)

    walk(None, 0)
    return result


def people_names(user_ids) -> dict[int, str]:
    return {
        u.pk: person_name(u)
        for u in get_user_model().objects.filter(pk__in=list(user_ids)).select_related("employee")
    }
