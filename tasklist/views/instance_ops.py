"""What a process administrator does to a running instance from its page (suspend/resume, give a
task to a person, move a due date) and, from the designer, moving running instances to another
version after a dry run. Thin: the engine's services check, write and audit."""

from __future__ import annotations

from datetime import datetime, time

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import DomainError
from engine import services
from engine.selectors import HumanTask, designer, worklist

from .instances import _instance_or_404

User = get_user_model()


def _admin_or_403(request) -> None:
    if not services.is_process_admin(request.user):
        raise PermissionDenied(_("Only process administrators may do this."))


def _back(instance_id: int):
    return redirect(reverse("tasklist:instance", args=[instance_id]))


def reassign_choices(limit: int = 500) -> list[tuple[int, str]]:
    """Active people by display name (the picker never shows a login)."""
    people = User.objects.filter(is_active=True).only("username", "display_name", "first_name", "last_name")
    return sorted(((u.pk, str(u)) for u in people[:limit]), key=lambda choice: choice[1])


@login_required
@require_POST
def instance_suspend(request, instance_id: int):
    instance = _instance_or_404(request, instance_id)
    _admin_or_403(request)
    try:
        if request.POST.get("resume"):
            services.instance_resume(instance.pk, user=request.user)
            messages.success(request, _("The process goes on."))
        else:
            services.instance_suspend(
                instance.pk, user=request.user, reason=request.POST.get("reason", "")[:500]
            )
            messages.success(request, _("The process is suspended: its tasks and timers wait."))
    except DomainError as error:
        messages.error(request, str(error.message))
    return _back(instance.pk)


def _open_task_of(instance, task_id: int) -> HumanTask:
    task = worklist.instance_task(instance, task_id)
    if task is None:
        raise Http404(_("No such task on this process."))
    return task


@login_required
@require_POST
def task_reassign(request, instance_id: int, task_id: int):
    instance = _instance_or_404(request, instance_id)
    _admin_or_403(request)
    task = _open_task_of(instance, task_id)
    raw = request.POST.get("assignee", "")
    to_user = User.objects.filter(pk=int(raw), is_active=True).first() if raw.isdigit() else None
    try:
        services.task_reassign(task.pk, user=request.user, to_user=to_user)
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(
            request, _("“%(task)s” is now with %(who)s.") % {"task": task.name, "who": str(to_user)}
        )
    return _back(instance.pk)


def _parse_due(raw: str):
    raw = (raw or "").strip()
    if not raw:
        return None, True
    value = parse_datetime(raw)
    if value is None:
        day = parse_date(raw)
        value = datetime.combine(day, time(18, 0)) if day else None
    if value is None:
        return None, False
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value, True


@login_required
@require_POST
def task_due(request, instance_id: int, task_id: int):
    instance = _instance_or_404(request, instance_id)
    _admin_or_403(request)
    task = _open_task_of(instance, task_id)
    due_at, ok = _parse_due(request.POST.get("due_at", ""))
    if not ok:
        messages.error(request, _("Enter the due date as a date and time, e.g. 2026-12-31 18:00."))
        return _back(instance.pk)
    try:
        services.task_set_due(task.pk, user=request.user, due_at=due_at)
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("The due date of “%(task)s” was changed.") % {"task": task.name})
    return _back(instance.pk)


# -- migration (from the designer's process page) ---------------------------------------------------


@login_required
def migrate(request, key: str):
    """Choose a version, see the dry run (each running instance: can move or why not), then move
    the chosen ones."""
    _admin_or_403(request)
    versions = list(designer.versions_of(key).only("version", "active", "name"))
    if not versions:
        raise Http404(_("No process with this key is deployed."))
    wanted = request.POST.get("to_version") or request.GET.get("to_version") or ""
    target = next((v for v in versions if str(v.version) == wanted), None)
    target = target or next((v for v in versions if v.active), versions[0])
    status = 200
    if request.method == "POST":
        ids = [int(i) for i in request.POST.getlist("instances") if i.isdigit()]
        if not ids:
            messages.error(request, _("Choose at least one instance to move."))
            status = 400
        else:
            try:
                moved, refused = services.migrate_instances(
                    key, to_version=target.version, user=request.user, instance_ids=ids
                )
            except DomainError as error:
                messages.error(request, str(error.message))
                status = 400
            else:
                if moved:
                    messages.success(
                        request,
                        _("%(n)d instance(s) moved to v%(version)d.")
                        % {"n": len(moved), "version": target.version},
                    )
                for line in refused:
                    messages.warning(request, f"#{line.instance.pk}: {line.reason}")
                return redirect(f"{reverse('designer:migrate', args=[key])}?to_version={target.version}")
    try:
        plan = services.migration_plan(key, to_version=target.version, user=request.user)
    except DomainError as error:
        messages.error(request, str(error.message))
        plan = []
    context = {
        "key": key,
        "name": next((v.name for v in versions if v.name), key),
        "versions": versions,
        "target": target,
        "plan": plan,
        "movable": sum(1 for line in plan if line.possible),
    }
    return render(request, "tasklist/designer/migrate.html", context, status=status)
