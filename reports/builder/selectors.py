"""Reads of saved reports and dashboards: which ones a user may open (theirs, or shared with one
of their groups, nested groups included) and which dashboard tiles their home page shows."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from org.selectors import effective_group_ids

from ..models import Dashboard, DashboardTile, SavedReport


def _shared(user) -> Q:
    if user.is_superuser:
        return Q()
    return Q(owner=user) | Q(shared_with__in=effective_group_ids(user))


def reports_for(user) -> QuerySet:
    """Saved reports `user` may open (theirs first, then shared ones, by name)."""
    ids = SavedReport.objects.filter(_shared(user)).values("pk")
    return SavedReport.objects.filter(pk__in=ids).select_related("owner").order_by("name", "pk")


def report_for(user, pk: int) -> SavedReport | None:
    return reports_for(user).filter(pk=pk).first()


def dashboards_for(user) -> QuerySet:
    ids = Dashboard.objects.filter(_shared(user)).values("pk")
    return Dashboard.objects.filter(pk__in=ids).select_related("owner").order_by("name", "pk")


def dashboard_for(user, pk: int) -> Dashboard | None:
    return dashboards_for(user).filter(pk=pk).first()


def may_edit(user, obj) -> bool:
    return user.is_superuser or obj.owner_id == user.pk


def tiles_of(dashboard: Dashboard, user) -> list[DashboardTile]:
    """The tiles in order, leaving out reports `user` may no longer open."""
    allowed = set(reports_for(user).values_list("pk", flat=True))
    tiles = DashboardTile.objects.filter(dashboard=dashboard).select_related("report")
    return [tile for tile in tiles if tile.report_id in allowed]


def home_dashboard(user) -> Dashboard | None:
    """The dashboard a role of `user` has on its home page (the first by name), if any."""
    groups = effective_group_ids(user)
    if not groups:
        return None
    return Dashboard.objects.filter(home_for__in=groups).order_by("name", "pk").first()


def tile_results(tiles, user) -> list[dict]:
    """Each tile with its report run for `user` (or the reason it cannot run)."""
    from django.utils.translation import gettext as _

    from .run import run_spec

    shown = []
    for tile in tiles:
        result, _spec, _errors = run_spec(user, tile.report.spec)
        shown.append(
            {
                "tile": tile,
                "chart_id": f"tile-chart-{tile.pk}",
                "result": result,
                "problem": "" if result else _("You may not see the records this report is about."),
            }
        )
    return shown
