"""Projects (/projects/): the list, a project's page (board, timeline, team and milestones,
documents, discussion), the project and task forms, and moving a task (board drag, its buttons, or
"Complete" in the inbox). Rules live in projects.services; this module only reads the request."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.errors import DomainError, NotPermitted
from projects import selectors, services
from projects.models import Milestone, Project, ProjectDocument, ProjectMember, ProjectTask

from .admin import field, general_errors, located, pk_or_none

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


# -- team, milestones, documents, discussion ------------------------------------------------------


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


@login_required
@require_POST
def member_add(request, pk: int):
    project = _project_or_404(request, pk)
    user = get_user_model().objects.filter(pk=pk_or_none(request.POST.get("user"))).first()
    role = request.POST.get("role", "")
    return _apply(
        request,
        project,
        "team",
        lambda: services.member_set(actor=request.user, project=project, user=user, role=role),
        _("Team updated."),
    )


@login_required
@require_POST
def member_remove(request, pk: int, user_id: int):
    project = _project_or_404(request, pk)
    user = get_user_model().objects.filter(pk=user_id).first()
    if user is None:
        raise Http404
    return _apply(
        request,
        project,
        "team",
        lambda: services.member_remove(actor=request.user, project=project, user=user),
        _("Team updated."),
    )


@login_required
@require_POST
def milestone_add(request, pk: int):
    project = _project_or_404(request, pk)
    due = _date(request.POST.get("due_on", ""))

    def add():
        services.milestone_add(
            actor=request.user, project=project, name=request.POST.get("name", ""), due_on=due or None
        )

    return _apply(request, project, "team", add, _("Milestone added."))


@login_required
@require_POST
def milestone_mark(request, pk: int, milestone_id: int):
    project = _project_or_404(request, pk)
    milestone = project.milestones.filter(pk=milestone_id).first()
    if milestone is None:
        raise Http404
    reached = request.POST.get("reached") == "1"
    return _apply(
        request,
        project,
        "team",
        lambda: services.milestone_mark(actor=request.user, milestone=milestone, reached=reached),
        _("Milestone updated."),
    )


@login_required
@require_POST
def comment_add(request, pk: int):
    project = _project_or_404(request, pk)
    return _apply(
        request,
        project,
        "discussion",
        lambda: services.comment_add(actor=request.user, project=project, text=request.POST.get("text", "")),
        _("Comment posted."),
    )


@login_required
@require_POST
def document_upload(request, pk: int):
    project = _project_or_404(request, pk)
    return _apply(
        request,
        project,
        "files",
        lambda: services.document_add(actor=request.user, project=project, upload=request.FILES.get("file")),
        _("Document shared with the project."),
    )


@login_required
@require_GET
def document_download(request, pk: int, document_id: int):
    project = _project_or_404(request, pk)
    document = ProjectDocument.objects.filter(pk=document_id, project=project).first()
    if document is None:
        raise Http404(_("No such document."))
    return FileResponse(document.file.open("rb"), as_attachment=True, filename=document.name)
