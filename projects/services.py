"""Project writes: projects and their members, milestones, tasks (dependencies without cycles; a
task starts only once its predecessors are done), the discussion and shared documents. Each checks
the actor's role on the project, writes, audits; the assignee hears of a new task after commit."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_record
from core.errors import NotPermitted, ValidationFailed
from crm.files import check_upload

from .models import Milestone, Project, ProjectComment, ProjectDocument, ProjectMember, ProjectTask

DOCUMENT_TYPES = (
    ".pdf",
    ".png",
    ".jpg",
    ".jpeg",
    ".txt",
    ".csv",
    ".docx",
    ".xlsx",
    ".pptx",
    ".doc",
    ".xls",
    ".ppt",
)
DOCUMENT_MAX_BYTES = 20 * 2**20
EARLIEST = datetime.date(1900, 1, 1)
LATEST = datetime.date(2100, 12, 31)


def _require(actor, project: Project, action: str) -> None:
    if not Project.objects.visible_to(actor, action).filter(pk=project.pk).exists():
        raise NotPermitted(
            {
                "view": _("You are not a member of this project."),
                "work": _("Observers may follow the project but not change its tasks."),
                "change": _("Only the project's owner and managers may do this."),
            }[action]
        )


def _date_errors(errors: dict, field: str, value) -> None:
    if value is not None and not (EARLIEST <= value <= LATEST):
        errors.setdefault(field, []).append(_("Enter a date between 1900-01-01 and 2100-12-31."))


def _clean_project(errors: dict, *, name: str, starts_on, ends_on) -> str:
    name = (name or "").strip()
    if not name:
        errors["name"] = [_("This field is required.")]
    if starts_on is None:
        errors["starts_on"] = [_("This field is required.")]
    if ends_on is None:
        errors["ends_on"] = [_("This field is required.")]
    _date_errors(errors, "starts_on", starts_on)
    _date_errors(errors, "ends_on", ends_on)
    if starts_on and ends_on and ends_on < starts_on and "ends_on" not in errors:
        errors["ends_on"] = [_("The end must not come before the start.")]
    return name


@transaction.atomic
def project_create(
    *,
    actor,
    name: str,
    starts_on: datetime.date,
    ends_on: datetime.date,
    goal: str = "",
    customer=None,
    members: list[tuple] = (),
) -> Project:
    """A new project owned by `actor`; `members` as (user, role) pairs."""
    errors: dict[str, list[str]] = {}
    name = _clean_project(errors, name=name, starts_on=starts_on, ends_on=ends_on)
    if errors:
        raise ValidationFailed(_("The project could not be saved."), fields=errors)
    project = Project.objects.create(
        name=name, goal=goal or "", owner=actor, customer=customer, starts_on=starts_on, ends_on=ends_on
    )
    audit_record(action="create", actor=actor, obj=project)
    for user, role in members:
        if user.pk != actor.pk:
            ProjectMember.objects.create(project=project, user=user, role=role)
    return project


@transaction.atomic
def project_update(
    *, actor, project: Project, name: str, starts_on, ends_on, goal: str, status: str, customer=None
) -> Project:
    _require(actor, project, "change")
    errors: dict[str, list[str]] = {}
    name = _clean_project(errors, name=name, starts_on=starts_on, ends_on=ends_on)
    if status not in Project.Status.values:
        errors["status"] = [_("Choose a status from the list.")]
    if errors:
        raise ValidationFailed(_("The project could not be saved."), fields=errors)
    project = Project.objects.select_for_update().get(pk=project.pk)
    changes = {}
    for field, value in (
        ("name", name),
        ("starts_on", starts_on),
        ("ends_on", ends_on),
        ("goal", goal or ""),
        ("status", status),
        ("customer_id", customer.pk if customer else None),
    ):
        old = getattr(project, field)
        if old != value:
            changes[field] = [
                str(old) if old is not None else None,
                str(value) if value is not None else None,
            ]
            setattr(project, field, value)
    if changes:
        project.save()
        audit_record(action="change", actor=actor, obj=project, changes=changes)
    return project


@transaction.atomic
def member_set(*, actor, project: Project, user, role: str) -> ProjectMember | None:
    """Add `user` with `role`, or change their role. The owner is always in, as the owner."""
    _require(actor, project, "change")
    if role not in ProjectMember.Role.values:
        raise ValidationFailed(
            _("Choose a role from the list."), fields={"role": [_("Choose a role from the list.")]}
        )
    if user is None or not user.is_active:
        message = _("Choose an active colleague.")
        raise ValidationFailed(message, fields={"user": [message]})
    if user.pk == project.owner_id:
        message = _("%(name)s owns this project already.") % {"name": user}
        raise ValidationFailed(message, fields={"user": [message]})
    member, _created = ProjectMember.objects.update_or_create(
        project=project, user=user, defaults={"role": role}
    )
    audit_record(
        action="change", actor=actor, obj=project, changes={"members": [None, f"{user.username}:{role}"]}
    )
    return member


@transaction.atomic
def member_remove(*, actor, project: Project, user) -> None:
    _require(actor, project, "change")
    if (
        ProjectTask.objects.filter(project=project, assignee=user)
        .exclude(status=ProjectTask.Status.DONE)
        .exists()
    ):
        message = _("%(name)s still holds open tasks here: hand them over first.") % {"name": user}
        raise ValidationFailed(message, fields={"user": [message]})
    ProjectMember.objects.filter(project=project, user=user).delete()
    audit_record(action="change", actor=actor, obj=project, changes={"members": [user.username, None]})


@transaction.atomic
def milestone_add(*, actor, project: Project, name: str, due_on) -> Milestone:
    _require(actor, project, "change")
    errors: dict[str, list[str]] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = [_("This field is required.")]
    if due_on is None:
        errors["due_on"] = [_("This field is required.")]
    _date_errors(errors, "due_on", due_on)
    if errors:
        raise ValidationFailed(_("The milestone could not be saved."), fields=errors)
    milestone = Milestone.objects.create(project=project, name=name, due_on=due_on)
    audit_record(action="create", actor=actor, obj=milestone)
    return milestone


@transaction.atomic
def milestone_mark(*, actor, milestone: Milestone, reached: bool) -> Milestone:
    _require(actor, milestone.project, "change")
    if milestone.reached != reached:
        milestone.reached = reached
        milestone.save(update_fields=["reached"])
        audit_record(action="change", actor=actor, obj=milestone, changes={"reached": [not reached, reached]})
    return milestone


# -- tasks -----------------------------------------------------------------------------------------


def _is_member(project: Project, user) -> bool:
    return user.pk == project.owner_id or ProjectMember.objects.filter(project=project, user=user).exists()


def _cycle_through(task: ProjectTask | None, predecessors: list[ProjectTask]) -> ProjectTask | None:
    """The chosen predecessor that (directly or through others) already waits for `task`: making
    `task` wait for it would close a loop. None when there is none (or `task` is new)."""
    if task is None or task.pk is None:
        return None
    edges: dict[int, set[int]] = {}  # task -> the tasks it waits for
    for successor, predecessor in ProjectTask.predecessors.through.objects.filter(
        from_projecttask__project_id=task.project_id
    ).values_list("from_projecttask_id", "to_projecttask_id"):
        edges.setdefault(successor, set()).add(predecessor)
    for candidate in predecessors:
        seen, stack = set(), [candidate.pk]
        while stack:
            current = stack.pop()
            if current == task.pk:
                return candidate
            if current in seen:
                continue
            seen.add(current)
            stack.extend(edges.get(current, ()))
    return None


def _clean_task(
    errors: dict, *, project, task, title, assignee, starts_on, due_on, priority, milestone, predecessors
) -> str:
    title = (title or "").strip()
    if not title:
        errors["title"] = [_("This field is required.")]
    if assignee is not None and not _is_member(project, assignee):
        errors["assignee"] = [_("%(name)s is not a member of this project.") % {"name": assignee}]
    _date_errors(errors, "starts_on", starts_on)
    _date_errors(errors, "due_on", due_on)
    if starts_on and due_on and due_on < starts_on and "due_on" not in errors:
        errors["due_on"] = [_("The due date must not come before the start.")]
    if priority not in ProjectTask.Priority.values:
        errors["priority"] = [_("Choose a priority from the list.")]
    if milestone is not None and milestone.project_id != project.pk:
        errors["milestone"] = [_("Choose a milestone of this project.")]
    for other in predecessors:
        if other.project_id != project.pk:
            errors.setdefault("predecessors", []).append(
                _("“%(task)s” belongs to another project.") % {"task": other}
            )
        elif task is not None and other.pk == task.pk:
            errors.setdefault("predecessors", []).append(_("A task cannot wait for itself."))
    if "predecessors" not in errors:
        loop = _cycle_through(task, predecessors)
        if loop is not None:
            errors["predecessors"] = [
                _("“%(other)s” already waits for “%(task)s”: this would be a loop.")
                % {"other": loop, "task": task}
            ]
    return title


def _notify_assignee(task: ProjectTask, actor) -> None:
    from integrations.services import notify

    if task.assignee_id is None or task.assignee_id == getattr(actor, "pk", None):
        return
    assignee = task.assignee
    due = task.due_on.isoformat() if task.due_on else "—"

    def send():
        notify(
            recipients=[assignee],
            template="project_task_assigned",
            context={"task": task.title, "project": task.project.name, "due": due},
            url=f"/projects/{task.project_id}/#task-{task.pk}",
        )

    transaction.on_commit(send)


@transaction.atomic
def task_create(
    *,
    actor,
    project: Project,
    title: str,
    description: str = "",
    assignee=None,
    starts_on=None,
    due_on=None,
    priority: int = ProjectTask.Priority.NORMAL,
    milestone: Milestone | None = None,
    predecessors: list[ProjectTask] = (),
) -> ProjectTask:
    _require(actor, project, "work")
    predecessors = list(predecessors)
    errors: dict[str, list[str]] = {}
    title = _clean_task(
        errors,
        project=project,
        task=None,
        title=title,
        assignee=assignee,
        starts_on=starts_on,
        due_on=due_on,
        priority=priority,
        milestone=milestone,
        predecessors=predecessors,
    )
    if errors:
        raise ValidationFailed(_("The task could not be saved."), fields=errors)
    task = ProjectTask.objects.create(
        project=project,
        title=title,
        description=description or "",
        assignee=assignee,
        starts_on=starts_on,
        due_on=due_on,
        priority=priority,
        milestone=milestone,
        created_by=actor,
    )
    task.predecessors.set(predecessors)
    audit_record(action="create", actor=actor, obj=task)
    _notify_assignee(task, actor)
    return task


@transaction.atomic
def task_update(
    *,
    actor,
    task: ProjectTask,
    title: str,
    description: str,
    assignee,
    starts_on,
    due_on,
    priority: int,
    milestone: Milestone | None,
    predecessors: list[ProjectTask],
) -> ProjectTask:
    project = task.project
    _require(actor, project, "work")
    predecessors = list(predecessors)
    errors: dict[str, list[str]] = {}
    title = _clean_task(
        errors,
        project=project,
        task=task,
        title=title,
        assignee=assignee,
        starts_on=starts_on,
        due_on=due_on,
        priority=priority,
        milestone=milestone,
        predecessors=predecessors,
    )
    if errors:
        raise ValidationFailed(_("The task could not be saved."), fields=errors)
    task = ProjectTask.objects.select_for_update().select_related("project").get(pk=task.pk)
    reassigned = assignee is not None and assignee.pk != task.assignee_id
    changes = {}
    for field, value in (
        ("title", title),
        ("description", description or ""),
        ("assignee_id", assignee.pk if assignee else None),
        ("starts_on", starts_on),
        ("due_on", due_on),
        ("priority", priority),
        ("milestone_id", milestone.pk if milestone else None),
    ):
        old = getattr(task, field)
        if old != value:
            changes[field] = [None if old is None else str(old), None if value is None else str(value)]
            setattr(task, field, value)
    old_predecessors = sorted(task.predecessors.values_list("pk", flat=True))
    new_predecessors = sorted(p.pk for p in predecessors)
    if old_predecessors != new_predecessors:
        changes["predecessors"] = [old_predecessors, new_predecessors]
        task.predecessors.set(predecessors)
    if changes:
        task.save()
        audit_record(action="change", actor=actor, obj=task, changes=changes)
    if reassigned:
        _notify_assignee(task, actor)
    return task


def waiting_for(task: ProjectTask) -> list[ProjectTask]:
    return list(task.predecessors.exclude(status=ProjectTask.Status.DONE).order_by("due_on", "pk"))


@transaction.atomic
def task_move(*, actor, task: ProjectTask, status: str) -> ProjectTask:
    """To do / in progress / done. Starting or finishing waits for the predecessors: a located error
    names the ones still open."""
    task = ProjectTask.objects.select_for_update().select_related("project").get(pk=task.pk)
    project = task.project
    if task.assignee_id != actor.pk:
        _require(actor, project, "work")
    if status not in ProjectTask.Status.values:
        message = _("Choose a status from the list.")
        raise ValidationFailed(message, fields={"status": [message]})
    if status == task.status:
        return task
    if status != ProjectTask.Status.TODO:
        open_ones = waiting_for(task)
        if open_ones:
            names = "、".join(f"“{t.title}”" for t in open_ones)
            message = _("“%(task)s” cannot start before %(names)s is done.") % {
                "task": task.title,
                "names": names,
            }
            raise ValidationFailed(message, fields={"status": [message]}, location={"task": task.pk})
    old = task.status
    task.status = status
    if status == ProjectTask.Status.DONE:
        task.completed_at, task.completed_by = timezone.now(), actor
    else:
        task.completed_at, task.completed_by = None, None
    task.save(update_fields=["status", "completed_at", "completed_by"])
    audit_record(action="change", actor=actor, obj=task, changes={"status": [old, status]})
    return task


def task_complete(*, actor, task: ProjectTask) -> ProjectTask:
    return task_move(actor=actor, task=task, status=ProjectTask.Status.DONE)


@transaction.atomic
def task_delete(*, actor, task: ProjectTask) -> None:
    _require(actor, task.project, "change")
    audit_record(action="delete", actor=actor, obj=task)
    task.delete()


# -- discussion and documents ---------------------------------------------------------------------


@transaction.atomic
def comment_add(*, actor, project: Project, text: str) -> ProjectComment:
    _require(actor, project, "view")
    text = (text or "").strip()
    if not text:
        message = _("Write something first.")
        raise ValidationFailed(message, fields={"text": [message]})
    if len(text) > 10000:
        message = _("At most 10,000 characters.")
        raise ValidationFailed(message, fields={"text": [message]})
    comment = ProjectComment.objects.create(project=project, author=actor, text=text)
    audit_record(action="create", actor=actor, obj=comment)
    _notify_team(project, actor, text)
    return comment


def _notify_team(project: Project, actor, text: str) -> None:
    """Everyone on the project but the author hears of a new post (in-app: a discussion is not
    worth an e-mail each)."""
    from integrations.services import notify

    team = [project.owner, *(m.user for m in project.members.select_related("user"))]
    recipients = [u for u in team if u.pk != actor.pk]
    if not recipients:
        return
    context = {"author": str(actor), "project": project.name, "text": text[:200]}
    url = f"/projects/{project.pk}/?tab=discussion"
    transaction.on_commit(
        lambda: notify(recipients=recipients, template="project_comment", context=context, url=url)
    )


@transaction.atomic
def document_add(*, actor, project: Project, upload) -> ProjectDocument:
    _require(actor, project, "work")
    errors: dict[str, list[str]] = {}
    if upload is None:
        errors["file"] = [_("Choose a file.")]
        checked = None
    else:
        checked = check_upload(
            upload, allowed=DOCUMENT_TYPES, max_bytes=DOCUMENT_MAX_BYTES, field="file", errors=errors
        )
    if errors or checked is None:
        raise ValidationFailed(_("The file was not kept."), fields=errors)
    document = ProjectDocument.objects.create(
        project=project,
        file=checked.upload,
        name=checked.name,
        content_type=checked.content_type,
        size=checked.size,
        uploaded_by=actor,
    )
    audit_record(action="create", actor=actor, obj=document)
    return document
