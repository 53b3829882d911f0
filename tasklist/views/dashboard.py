"""The dashboard (/): what needs me today — overdue tasks, today's follow-ups, my pipeline by
stage — and, for managers, the task load of the people who report to them."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from crm.selectors.budgets import sales_target_boards
from org.selectors import effective_group_names, group_labels, manager_of
from reports.builder.selectors import home_dashboard, tile_results, tiles_of

from .. import dashboard_selectors as selectors
from ..calendar import todays_follow_ups
from ..selectors import COUNT_CAP


@login_required
@require_GET
def dashboard(request):
    user = request.user
    overdue, overdue_count = selectors.my_overdue_tasks(user)
    # A manager's pipeline is her team's (and her own deals), not her own, usually empty, one.
    team_ids = selectors.team_of(user)
    team = selectors.team_load(user)
    context = {
        "overdue": overdue,
        "overdue_count": overdue_count,
        "overdue_capped": overdue_count >= COUNT_CAP,
        "follow_ups": selectors.todays_follow_ups(user),
        "planned_today": [e for e in todays_follow_ups(user=user) if e.kind == "planned"]
        if user.has_perm("crm.view_activity")
        else [],
        "pipeline": selectors.my_pipeline(user, owners=[user.pk, *team_ids] if team_ids else None),
        "team_pipeline": bool(team_ids),
        "team": team,
        "team_overdue": sum(member.overdue for member in team),
        "employee": getattr(user, "employee", None),
        "manager": manager_of(user),
        "groups": sorted(group_labels(effective_group_names(user)).values()),
        "targets": sales_target_boards(user=user) if user.has_perm("crm.view_budget") else [],
    }
    # a role's dashboard (Reports > Dashboards, "home page of"): its tiles above the rest
    context["home_dashboard"] = home = home_dashboard(user)
    context["home_tiles"] = tile_results(tiles_of(home, user), user) if home else []
    return render(request, "tasklist/dashboard.html", context)
