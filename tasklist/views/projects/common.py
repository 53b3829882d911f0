"""What the project pages share: the tabs, finding a project or task the viewer may see, reading dates,
and applying a small action with its outcome as a message."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from core.errors import DomainError
from projects import selectors
from projects.models import Project, ProjectTask

from ..admin import located

TABS = ("board", "timeline", "team", "files", "discussion")


def _tab_labels() -> dict[str, str]:
    return {
        "board": _("Board"),
        "timeline": _("Timeline"),
        "team": _("Team and milestones"),
        "files": _("Documents"),
        "discussion": _("Discussion"),
    }


def _project_or_404(request, pk: int) -> Project:
    project = selectors.project_for(request.user, pk)
    if project is None:
        raise Http404(_("No such project, or it is not one of yours."))
    return project


def _task_or_404(request, pk: int) -> ProjectTask:
    task = ProjectTask.objects.select_related("project").filter(pk=pk).first()
    if task is None or (
        task.assignee_id != request.user.pk and selectors.project_for(request.user, task.project_id) is None
    ):
        raise Http404(_("No such task, or it is not one of yours."))
    return task


def _date(value: str) -> datetime.date | str | None:
    """A date, None when blank, or "" when unreadable (the caller reports it on the field)."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        return ""


def _dates(post, names: tuple[str, ...], errors: dict) -> dict:
    values = {}
    for name in names:
        value = _date(post.get(name, ""))
        if value == "":
            errors[name] = [_("Enter a date as YYYY-MM-DD.")]
            value = None
        values[name] = value
    return values


def _next_url(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


def _colleagues() -> list[tuple[int, str]]:
    users = get_user_model().objects.filter(is_active=True, is_staff=True).order_by("username")[:500]
    return [(u.pk, str(u)) for u in users]


def _back(project: Project, tab: str) -> str:
    return reverse("projects:detail", args=[project.pk]) + f"?tab={tab}"


def _apply(request, project: Project, tab: str, action, success: str):
    try:
        action()
    except DomainError as error:
        problems = located(error)
        messages.error(request, " ".join(m for ms in problems.values() for m in ms))
    else:
        messages.success(request, success)
    return redirect(_back(project, tab))
