"""Dashboards (/reports/dashboards/): saved reports as tiles, each run for the person looking."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import Group
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.errors import DomainError
from org.selectors import group_choices

from .builder.selectors import dashboard_for, dashboards_for, may_edit, reports_for, tile_results, tiles_of
from .builder.services import PUBLISH, dashboard_delete, dashboard_save
from .models import DashboardTile

MAX_TILES = 12


@login_required
@require_GET
def dashboards(request):
    return render(request, "reports/dashboards.html", {"dashboards": dashboards_for(request.user)})


@login_required
@require_GET
def dashboard(request, pk: int):
    board = dashboard_for(request.user, pk)
    if board is None:
        raise Http404(_("There is no such dashboard."))
    context = {
        "dashboard": board,
        "tiles": tile_results(tiles_of(board, request.user), request.user),
        "can_edit": may_edit(request.user, board),
    }
    return render(request, "reports/dashboard.html", context)


def _tile_rows(post) -> list[dict]:
    rows = []
    for i in range(MAX_TILES):
        report = post.get(f"tile{i}_report", "")
        if not report:
            continue
        position = post.get(f"tile{i}_position", "")
        rows.append(
            {
                "i": i,
                "report": report,
                "size": post.get(f"tile{i}_size", DashboardTile.Size.MEDIUM),
                "position": int(position) if position.isdigit() else 1000 + i,
            }
        )
    return sorted(rows, key=lambda r: (r["position"], r["i"]))


@login_required
@require_http_methods(["GET", "POST"])
def dashboard_form(request, pk: int | None = None):
    board = None
    if pk is not None:
        board = dashboard_for(request.user, pk)
        if board is None or not may_edit(request.user, board):
            raise Http404(_("There is no such dashboard."))
    may_publish = request.user.is_superuser or request.user.has_perm(PUBLISH)
    available = {str(r.pk): r for r in reports_for(request.user)}
    errors: dict = {}
    if request.method == "POST":
        post = request.POST
        rows = _tile_rows(post)
        tiles = []
        for row in rows:
            report = available.get(row["report"])
            if report is None:
                errors.setdefault(f"tile{row['i']}_report", []).append(_("You may not open this report."))
            else:
                tiles.append((report, row["size"]))
        shared = list(Group.objects.filter(pk__in=[v for v in post.getlist("shared_with") if v.isdigit()]))
        home = list(Group.objects.filter(pk__in=[v for v in post.getlist("home_for") if v.isdigit()]))
        if not errors:
            try:
                board = dashboard_save(
                    actor=request.user,
                    dashboard=board,
                    name=post.get("name", ""),
                    tiles=tiles,
                    shared_with=shared,
                    home_for=home if may_publish else None,
                )
            except DomainError as error:
                errors = {k: [str(m) for m in v] for k, v in error.fields.items()} or {
                    "name": [str(error.message)]
                }
            else:
                messages.success(request, _("Dashboard “%(name)s” saved.") % {"name": board.name})
                return redirect("reports:dashboard", board.pk)
        values = {
            "name": post.get("name", ""),
            "rows": rows,
            "shared": post.getlist("shared_with"),
            "home": post.getlist("home_for"),
        }
    elif board is not None:
        values = {
            "name": board.name,
            "rows": [
                {"i": i, "report": str(t.report_id), "size": t.size, "position": i + 1}
                for i, t in enumerate(board.tiles.all())
            ],
            "shared": [str(g.pk) for g in board.shared_with.all()],
            "home": [str(g.pk) for g in board.home_for.all()],
        }
    else:
        values = {"name": "", "rows": [], "shared": [], "home": []}
    slots = [
        {**row, "i": index, "errors": errors.get(f"tile{row['i']}_report", [])}
        for index, row in enumerate(values["rows"])
    ]
    if len(slots) < MAX_TILES:
        blank = {"report": "", "size": "medium", "position": len(slots) + 1, "errors": []}
        slots.append({**blank, "i": len(slots)})
    groups = [(str(c.pk), c.name) for c in group_choices(Group.objects.all())]
    context = {
        "dashboard": board,
        "values": values,
        "slots": slots,
        "reports": [(key, r.name) for key, r in available.items()],
        "sizes": DashboardTile.Size.choices,
        "groups": groups,
        "may_publish": may_publish,
        "errors": errors,
    }
    return render(request, "reports/dashboard_form.html", context, status=400 if errors else 200)


@login_required
@require_POST
def dashboard_remove(request, pk: int):
    board = dashboard_for(request.user, pk)
    if board is None or not may_edit(request.user, board):
        raise Http404(_("There is no such dashboard."))
    dashboard_delete(actor=request.user, dashboard=board)
    messages.success(request, _("Dashboard “%(name)s” deleted.") % {"name": board.name})
    return redirect("reports:dashboards")
