"""A project task's form (new and edit) and its deletion by the project's managers."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core.errors import DomainError, NotPermitted
from projects import selectors, services
from projects.models import Milestone, Project, ProjectTask

from ..admin import field, general_errors, located, pk_or_none
from .common import (
    _apply,
    _dates,
    _project_or_404,
)


def _task_fields(project: Project, values: dict, errors: dict, *, task: ProjectTask | None) -> list[dict]:
    people = [(u.pk, str(u)) for u in selectors.people(project)]
    others = [
        (t.pk, t.title) for t in project.tasks.order_by("due_on", "pk") if task is None or t.pk != task.pk
    ]
    stones = [(m.pk, f"{m.name} ({m.due_on:%Y-%m-%d})") for m in project.milestones.all()]
    return [
        field(
            "title", _("Title"), value=values.get("title", ""), errors=errors, required=True, maxlength=200
        ),
        field(
            "description",
            _("Description"),
            kind="textarea",
            value=values.get("description", ""),
            errors=errors,
        ),
        field(
            "assignee",
            _("Assignee"),
            kind="select",
            value=values.get("assignee", ""),
            choices=people,
            errors=errors,
        ),
        field("starts_on", _("Start"), kind="date", value=values.get("starts_on", ""), errors=errors),
        field("due_on", _("Due"), kind="date", value=values.get("due_on", ""), errors=errors),
        field(
            "priority",
            _("Priority"),
            kind="select",
            value=values.get("priority", "50"),
            choices=ProjectTask.Priority.choices,
            errors=errors,
            required=True,
        ),
        field(
            "milestone",
            _("Milestone"),
            kind="select",
            value=values.get("milestone", ""),
            choices=stones,
            errors=errors,
        ),
        field(
            "predecessors",
            _("Waits for"),
            kind="multi",
            value=values.get("predecessors", []),
            choices=others,
            errors=errors,
            help=_("The task starts only when these are done."),
        ),
    ]


@login_required
@require_http_methods(["GET", "POST"])
def task_form(request, pk: int, task_id: int | None = None):
    project = _project_or_404(request, pk)
    rights = selectors.rights(request.user, project)
    if not rights.work:
        raise NotPermitted(_("Observers may follow the project but not change its tasks."))
    task = None
    if task_id is not None:
        task = project.tasks.filter(pk=task_id).first()
        if task is None:
            raise Http404(_("No such task, or it is not one of yours."))
    errors: dict = {}
    if task is not None:
        values = {
            "title": task.title,
            "description": task.description,
            "assignee": task.assignee_id or "",
            "starts_on": task.starts_on.isoformat() if task.starts_on else "",
            "due_on": task.due_on.isoformat() if task.due_on else "",
            "priority": task.priority,
            "milestone": task.milestone_id or "",
            "predecessors": [str(p) for p in task.predecessors.values_list("pk", flat=True)],
        }
    else:
        values = {"priority": ProjectTask.Priority.NORMAL, "assignee": request.user.pk, "predecessors": []}
    if request.method == "POST":
        post = request.POST
        values = {
            k: post.get(k, "")
            for k in ("title", "description", "assignee", "starts_on", "due_on", "priority", "milestone")
        }
        values["predecessors"] = [v for v in post.getlist("predecessors") if v.isdigit()]
        dates = _dates(post, ("starts_on", "due_on"), errors)
        assignee = None
        if pk_or_none(values["assignee"]):
            assignee = (
                get_user_model().objects.filter(pk=pk_or_none(values["assignee"]), is_active=True).first()
            )
            if assignee is None:
                errors["assignee"] = [_("Choose an active colleague.")]
        milestone = None
        if pk_or_none(values["milestone"]):
            milestone = Milestone.objects.filter(pk=pk_or_none(values["milestone"])).first()
        priority = int(values["priority"]) if str(values["priority"]).isdigit() else -1
        predecessors = list(ProjectTask.objects.filter(pk__in=values["predecessors"]))
        if not errors:
            arguments = dict(
                actor=request.user,
                title=values["title"],
                description=values["description"],
                assignee=assignee,
                priority=priority,
                milestone=milestone,
                predecessors=predecessors,
                **dates,
            )
            try:
                if task is None:
                    task = services.task_create(project=project, **arguments)
                else:
                    task = services.task_update(task=task, **arguments)
            except DomainError as error:
                errors = located(error)
            else:
                messages.success(request, _("Task “%(task)s” saved.") % {"task": task.title})
                return redirect(reverse("projects:detail", args=[project.pk]) + f"#task-{task.pk}")
    fields = _task_fields(project, values, errors, task=task)
    context = {
        "project": project,
        "task": task,
        "can_delete": rights.manage,
        "fields": fields,
        "errors": errors,
        "general_errors": general_errors(errors, fields),
    }
    return render(request, "tasklist/projects/task_form.html", context)


@login_required
@require_POST
def task_delete(request, pk: int, task_id: int):
    project = _project_or_404(request, pk)
    task = project.tasks.filter(pk=task_id).first()
    if task is None:
        raise Http404(_("No such task, or it is not one of yours."))
    title = task.title
    return _apply(
        request,
        project,
        "board",
        lambda: services.task_delete(actor=request.user, task=task),
        _("Task “%(task)s” deleted.") % {"task": title},
    )
