"""Reads behind the dashboard (/): my overdue tasks, today's follow-ups, my pipeline by stage and,
for managers, the task load of the people who report to them.

Every block costs a fixed number of queries whatever the number of rows (tests hold that line), and
each reads through the owning app's permission-aware selectors or `visible_to`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q
from django.utils import timezone

from engine.selectors import HumanTask, worklist
from org.permissions import user_can

from .selectors import COUNT_CAP, capped_count

OVERDUE_SHOWN = 10
FOLLOW_UPS_SHOWN = 10
TEAM_SHOWN = 50


@dataclass
class TeamMember:
    user: object
    open: int
    overdue: int


def my_overdue_tasks(user, *, now: datetime | None = None) -> tuple[list[HumanTask], int]:
    """The first overdue tasks assigned to `user` (most overdue first) and their capped count."""
    now = now or timezone.now()
    qs = worklist.assigned_tasks(user).filter(due_at__lt=now)
    rows = list(qs.select_related("instance__definition")[:OVERDUE_SHOWN])
    count = len(rows) if len(rows) < OVERDUE_SHOWN else capped_count(qs)
    return rows, count


def todays_follow_ups(user) -> list | None:
    """The user's activities whose next follow-up is today; None when CRM activities are not theirs."""
    from crm.models import Activity
    from crm.selectors.lists import list_page

    if not user_can(user, Activity, "view"):
        return None
    page = list_page(
        user=user,
        entity="activity",
        params={"filters": {"owner": "me", "next_follow_up": timezone.localdate().isoformat()}},
        page_size=FOLLOW_UPS_SHOWN,
        with_count=False,
    )
    return page["rows"]


def my_pipeline(user, *, owners: list[int] | None = None) -> list[dict] | None:
    """My open opportunities per stage (in the sales process's order) with count and amount, or
    those of `owners` (a manager's team with herself); None when the user may not see
    opportunities."""
    from crm.models import Opportunity
    from crm.selectors.lists import list_groups

    if not user_can(user, Opportunity, "view"):
        return None
    groups = {
        row["key"]: row
        for row in list_groups(
            user=user,
            entity="opportunity",
            params={"filters": {"owner": owners or "me", "status": Opportunity.Status.OPEN}},
            group_by="stage",
        )
    }
    from crm.sales.selectors import default_process, funnel_stages, process_stages

    always = {s.key for s in process_stages(default_process())}
    stages = []
    for value, label in funnel_stages():
        row = groups.get(value, {})
        if value not in always and not row:
            continue  # another process's stage none of these deals is at
        stages.append(
            {"stage": value, "label": label, "count": row.get("count", 0), "amount": row.get("sum_amount", 0)}
        )
    top = max((s["amount"] for s in stages), default=0) or 1
    for stage in stages:
        stage["share"] = round(100 * stage["amount"] / top)
    return stages


def reports_of(user):
    """Active users who report to `user`: their explicit manager is `user`, or they have none and
    work in a department `user` heads (the org chart's reading of "manager")."""
    from org.models import User

    direct = Q(employee__manager__user=user)
    by_department = Q(employee__manager__isnull=True, employee__department__head=user)
    return User.objects.filter(direct | by_department, is_active=True).exclude(pk=user.pk)


TEAM_DEPTH = 6


def team_of(user) -> list[int]:
    """Everyone below `user` in the org chart (her reports, their reports...), as user ids; one
    query per level."""
    team: list[int] = []
    level = [user.pk]
    for _depth in range(TEAM_DEPTH):
        below = [
            pk
            for pk in reports_of_any(level).values_list("pk", flat=True)
            if pk not in team and pk != user.pk
        ]
        if not below:
            break
        team.extend(below)
        level = below
    return team


def reports_of_any(manager_ids: list[int]):
    """Active users reporting to any of `manager_ids` (the reading of reports_of)."""
    from org.models import User

    direct = Q(employee__manager__user__in=manager_ids)
    by_department = Q(employee__manager__isnull=True, employee__department__head__in=manager_ids)
    return User.objects.filter(direct | by_department, is_active=True).distinct()


def team_load(user, *, now: datetime | None = None) -> list[TeamMember]:
    """Open and overdue tasks held by each person reporting to `user` (two queries in all); empty
    for someone nobody reports to."""
    now = now or timezone.now()
    members = list(reports_of(user).order_by("display_name", "username")[:TEAM_SHOWN])
    if not members:
        return []
    loads = worklist.open_task_load([m.pk for m in members], now=now)
    return [
        TeamMember(
            user=member,
            open=min(loads.get(member.pk, {}).get("open", 0), COUNT_CAP),
            overdue=min(loads.get(member.pk, {}).get("overdue", 0), COUNT_CAP),
        )
        for member in members
    ]
