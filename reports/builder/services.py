"""Writes of saved reports and dashboards, each checked against its actor and audited."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.db import transaction
from django.utils.translation import gettext as _

from audit.services import audit_record, diff
from core.errors import NotPermitted, ValidationFailed

from ..models import Dashboard, DashboardTile, SavedReport
from .selectors import may_edit, reports_for
from .spec import parse_spec

PUBLISH = "reports.publish_dashboard"


def _snapshot(obj, **extra) -> dict:
    data = {"name": obj.name, "shared_with": sorted(g.name for g in obj.shared_with.all())}
    data.update(extra)
    return data


def _named(name: str, description: str = "") -> dict[str, list[str]]:
    errors = {}
    if not name or not name.strip():
        errors["name"] = [_("This field is required.")]
    elif len(name.strip()) > 120:
        errors["name"] = [_("At most %(n)d characters.") % {"n": 120}]
    return errors


def _require_owner(actor, obj) -> None:
    if obj is not None and not may_edit(actor, obj):
        raise NotPermitted(_("Only its owner may change this."))


@transaction.atomic
def saved_report_save(
    *,
    actor,
    report: SavedReport | None = None,
    name: str,
    description: str = "",
    spec: dict,
    shared_with: list[Group] | tuple = (),
) -> SavedReport:
    """Create or change a saved report; the spec must run (parse_spec) for its owner."""
    _require_owner(actor, report)
    errors = _named(name)
    try:
        parse_spec(spec, user=actor)
    except ValidationFailed as error:
        errors.update(error.fields)
    if errors:
        raise ValidationFailed(_("The report could not be saved."), fields=errors)
    creating = report is None
    if creating:
        report, before = SavedReport(owner=actor), {}
    else:
        report = SavedReport.objects.select_for_update().get(pk=report.pk)
        before = _snapshot(report, description=report.description, spec=report.spec)
    report.name, report.description, report.spec = name.strip(), description.strip(), spec
    report.save()
    report.shared_with.set(shared_with)
    changes = diff(before, _snapshot(report, description=report.description, spec=report.spec))
    if creating or changes:
        audit_record(action="create" if creating else "change", actor=actor, obj=report, changes=changes)
    return report


@transaction.atomic
def saved_report_delete(*, actor, report: SavedReport) -> None:
    _require_owner(actor, report)
    audit_record(action="delete", actor=actor, obj=report, changes={"name": [report.name, None]})
    report.delete()


@transaction.atomic
def dashboard_save(
    *,
    actor,
    dashboard: Dashboard | None = None,
    name: str,
    tiles: list[tuple[SavedReport, str]],
    shared_with: list[Group] | tuple = (),
    home_for: list[Group] | tuple | None = None,
) -> Dashboard:
    """Create or change a dashboard: its tiles in order as (report, size). `home_for` (roles whose
    home page shows it) needs reports.publish_dashboard; None leaves it as it is."""
    _require_owner(actor, dashboard)
    errors = _named(name)
    allowed = set(reports_for(actor).values_list("pk", flat=True))
    for index, (report, size) in enumerate(tiles):
        if report.pk not in allowed:
            errors.setdefault(f"tile{index}_report", []).append(_("You may not open this report."))
        if size not in DashboardTile.Size.values:
            errors.setdefault(f"tile{index}_size", []).append(_("Choose one of the listed sizes."))
    if home_for is not None and home_for and not (actor.is_superuser or actor.has_perm(PUBLISH)):
        errors["home_for"] = [_("You may not put dashboards on the home page of a role.")]
    if errors:
        raise ValidationFailed(_("The dashboard could not be saved."), fields=errors)
    creating = dashboard is None
    if creating:
        dashboard, before = Dashboard(owner=actor), {}
    else:
        dashboard = Dashboard.objects.select_for_update().get(pk=dashboard.pk)
        before = _snapshot(dashboard, tiles=_tile_words(dashboard), home_for=_home_words(dashboard))
    dashboard.name = name.strip()
    dashboard.save()
    dashboard.shared_with.set(shared_with)
    if home_for is not None:
        dashboard.home_for.set(home_for)
    DashboardTile.objects.filter(dashboard=dashboard).delete()
    DashboardTile.objects.bulk_create(
        DashboardTile(dashboard=dashboard, report=report, size=size, position=i)
        for i, (report, size) in enumerate(tiles)
    )
    after = _snapshot(dashboard, tiles=_tile_words(dashboard), home_for=_home_words(dashboard))
    changes = diff(before, after)
    if creating or changes:
        audit_record(action="create" if creating else "change", actor=actor, obj=dashboard, changes=changes)
    return dashboard


def _tile_words(dashboard) -> list[str]:
    return [f"{t.report.name} ({t.size})" for t in dashboard.tiles.select_related("report")]


def _home_words(dashboard) -> list[str]:
    return sorted(g.name for g in dashboard.home_for.all())


@transaction.atomic
def dashboard_delete(*, actor, dashboard: Dashboard) -> None:
    _require_owner(actor, dashboard)
    audit_record(action="delete", actor=actor, obj=dashboard, changes={"name": [dashboard.name, None]})
    dashboard.delete()
