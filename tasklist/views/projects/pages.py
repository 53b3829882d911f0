"""The project list, the project form, the project page (board, timeline, team, documents, discussion
tabs) and moving a task (a board drag, its buttons, or "Complete" in the inbox)."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.errors import DomainError, NotPermitted
from projects import selectors, services
from projects.models import Project, ProjectMember, ProjectTask

from ..admin import field, general_errors, located
from .common import (
    TABS,
    _colleagues,
    _dates,
    _next_url,
    _project_or_404,
    _tab_labels,
    _task_or_404,
)

# -- list and project form ------------------------------------------------------------------------


@login_required
@require_GET
def project_list(request):
    status = request.GET.get("status", "")
    status = status if status in Project.Status.values else ""
    text = request.GET.get("q", "").strip()[:100]
    projects = list(selectors.projects_for(request.user, status=status, text=text)[:200])
    for p in projects:
        p.progress = round(100 * p.done_count / p.task_count) if p.task_count else 0
    context = {
        "projects": projects,
        "statuses": Project.Status.choices,
        "status": status,
        "q": text,
        "my_tasks": selectors.inbox_tasks(request.user, limit=10),
    }
    return render(request, "tasklist/projects/list.html", context)


def _project_fields(values: dict, errors: dict, *, editing: bool) -> list[dict]:
    fields = [
        field("name", _("Name"), value=values.get("name", ""), errors=errors, required=True, maxlength=200),
        field("goal", _("Goal"), kind="textarea", value=values.get("goal", ""), errors=errors),
        field(
            "starts_on",
            _("Start"),
            kind="date",
            value=values.get("starts_on", ""),
            errors=errors,
            required=True,
        ),
        field(
            "ends_on", _("End"), kind="date", value=values.get("ends_on", ""), errors=errors, required=True
        ),
    ]
    if editing:
        fields.append(
            field(
                "status",
                _("Status"),
                kind="select",
                value=values.get("status", ""),
                choices=Project.Status.choices,
                errors=errors,
                required=True,
            )
        )
    fields.append(
        field(
            "customer",
            _("Customer (code)"),
            value=values.get("customer", ""),
            errors=errors,
            maxlength=20,
            help=_("Optional: the customer this project is for."),
        )
    )
    if not editing:
        fields.append(
            field(
                "members",
                _("Members"),
                kind="multi",
                value=values.get("members", []),
                choices=values["colleagues"],
                errors=errors,
                help=_("They join as members; roles can be changed on the project's team page."),
            )
        )
    return fields


def _customer(user, code: str, errors: dict):
    from crm.models import Customer

    code = (code or "").strip().upper()
    if not code:
        return None
    customer = Customer.objects.visible_to(user, "view").filter(code=code).first()
    if customer is None:
        errors["customer"] = [_("No customer of yours has this code.")]
    return customer


@login_required
@require_http_methods(["GET", "POST"])
def project_new(request):
    colleagues = _colleagues()
    values: dict = {"colleagues": colleagues, "members": []}
    errors: dict = {}
    if request.method == "POST":
        post = request.POST
        values.update(name=post.get("name", ""), goal=post.get("goal", ""), customer=post.get("customer", ""))
        values.update(starts_on=post.get("starts_on", ""), ends_on=post.get("ends_on", ""))
        values["members"] = [v for v in post.getlist("members") if v.isdigit()]
        dates = _dates(post, ("starts_on", "ends_on"), errors)
        customer = _customer(request.user, values["customer"], errors)
        users = get_user_model().objects.filter(pk__in=values["members"], is_active=True)
        if not errors:
            try:
                project = services.project_create(
                    actor=request.user,
                    name=values["name"],
                    goal=values["goal"],
                    customer=customer,
                    members=[(u, ProjectMember.Role.MEMBER) for u in users],
                    **dates,
                )
            except DomainError as error:
                errors = located(error)
            else:
                messages.success(request, _("Project “%(name)s” created.") % {"name": project.name})
                return redirect("projects:detail", project.pk)
    else:
        today = datetime.date.today()
        values.update(starts_on=today.isoformat(), ends_on=(today + datetime.timedelta(days=30)).isoformat())
    fields = _project_fields(values, errors, editing=False)
    context = {
        "fields": fields,
        "errors": errors,
        "general_errors": general_errors(errors, fields),
        "project": None,
    }
    return render(request, "tasklist/projects/project_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def project_edit(request, pk: int):
    project = _project_or_404(request, pk)
    if not selectors.rights(request.user, project).manage:
        raise NotPermitted(_("Only the project's owner and managers may do this."))
    errors: dict = {}
    values = {
        "name": project.name,
        "goal": project.goal,
        "starts_on": project.starts_on.isoformat(),
        "ends_on": project.ends_on.isoformat(),
        "status": project.status,
        "customer": project.customer.code if project.customer else "",
    }
    if request.method == "POST":
        post = request.POST
        values.update(
            {k: post.get(k, "") for k in ("name", "goal", "starts_on", "ends_on", "status", "customer")}
        )
        dates = _dates(post, ("starts_on", "ends_on"), errors)
        customer = _customer(request.user, values["customer"], errors)
        if not errors:
            try:
                services.project_update(
                    actor=request.user,
                    project=project,
                    name=values["name"],
                    goal=values["goal"],
                    status=values["status"],
                    customer=customer,
                    **dates,
                )
            except DomainError as error:
                errors = located(error)
            else:
                messages.success(request, _("Saved."))
                return redirect("projects:detail", project.pk)
    fields = _project_fields(values, errors, editing=True)
    context = {
        "fields": fields,
        "errors": errors,
        "general_errors": general_errors(errors, fields),
        "project": project,
    }
    return render(request, "tasklist/projects/project_form.html", context)


# -- the project page -----------------------------------------------------------------------------


def _detail_context(request, project: Project, tab: str) -> dict:
    tasks = selectors.project_tasks(project)
    milestones = list(project.milestones.all())
    rights = selectors.rights(request.user, project)
    done = sum(1 for t in tasks if t.status == ProjectTask.Status.DONE)
    today = datetime.date.today()
    for t in tasks:
        t.overdue = bool(t.is_open and t.due_on and t.due_on < today)
        t.blocked_by = [p for p in t.predecessors.all() if p.status != ProjectTask.Status.DONE]
    labels = _tab_labels()
    context = {
        "project": project,
        "tab": tab,
        "tabs": [(key, labels[key]) for key in TABS],
        "rights": rights,
        "tasks": tasks,
        "milestones": milestones,
        "progress": round(100 * done / len(tasks)) if tasks else 0,
        "done_count": done,
        "statuses": ProjectTask.Status.choices,
        "members": selectors.members(project),
    }
    if tab == "board":
        context["columns"] = selectors.board(tasks)
    elif tab == "timeline":
        context["timeline"] = selectors.timeline(project, tasks, milestones, today=today)
    elif tab == "team":
        context["roles"] = ProjectMember.Role.choices
        context["colleagues"] = _colleagues()
    elif tab == "files":
        context["documents"] = list(project.documents.select_related("uploaded_by"))
    elif tab == "discussion":
        context["comments"] = list(project.comments.select_related("author"))
    return context


@login_required
@require_GET
def project_detail(request, pk: int):
    project = _project_or_404(request, pk)
    tab = request.GET.get("tab") if request.GET.get("tab") in TABS else "board"
    return render(request, "tasklist/projects/detail.html", _detail_context(request, project, tab))


@login_required
@require_POST
def task_move(request, pk: int):
    """A card dropped on a column or a status button: board fragment for htmx, else a redirect
    (to `next`, e.g. back to the inbox) with the outcome as a message."""
    task = _task_or_404(request, pk)
    status = request.POST.get("status", "")
    problem = ""
    try:
        services.task_move(actor=request.user, task=task, status=status)
    except DomainError as error:
        problem = str(error.message)
    if request.htmx:
        context = _detail_context(request, task.project, "board")
        context.update(problem=problem, problem_task=task.pk)
        return render(request, "tasklist/projects/_board.html", context)
    if problem:
        messages.error(request, problem)
    elif status == ProjectTask.Status.DONE:
        messages.success(request, _("“%(task)s” is done.") % {"task": task.title})
    return redirect(_next_url(request, reverse("projects:detail", args=[task.project_id])))
