"""Working a human task: complete (runs the process to its next wait), claim, release, delegate,
set the due time, comment. Each locks the task's instance first."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from core import rows
from core.pickers import PickerContext, picker_errors

from . import persistence, runtime
from . import signals as engine_signals
from .errors import (
    InstanceSuspended,
    NotPermitted,
    TaskAlreadyCompleted,
    TaskNotActive,
    TaskNotClaimable,
    TaskNotFound,
    ValidationFailed,
)
from .forms import only_declared, validate_form_data
from .incidents import resolve
from .models import (
    HumanTask,
    HumanTaskCandidate,
    Incident,
    InstanceEvent,
    ProcessInstance,
)
from .step import StepResult, audit, finish, load, raise_user_fixable, real_user

logger = logging.getLogger(__name__)


FormValidator = Callable[[HumanTask, dict], dict[str, list[str]] | None]


_form_validators: list[FormValidator] = []


def register_form_validator(fn: FormValidator) -> FormValidator:
    """Plug a validator into complete_task: `fn(human_task, data)` returns {field: [messages]}
    (empty or None when the data is fine). The processes app registers its JSON Schema check."""
    if fn not in _form_validators:
        _form_validators.append(fn)
    return fn


def unregister_form_validator(fn: FormValidator) -> None:
    if fn in _form_validators:
        _form_validators.remove(fn)


def _schema_validator(task: HumanTask, data: dict) -> dict[str, list[str]]:
    return validate_form_data(task.form_schema, data) if task.form_schema else {}


@dataclass
class LockedTask:
    """A task read under its instance's lock: the instance (definition and state joined), the task,
    whether it is offered to the worker who asked (None: not asked), and the instance's open task
    rows by workflow task id (what sync_human_tasks compares with; filled when asked for)."""

    instance: ProcessInstance
    task: HumanTask
    offered: bool | None = None
    open_rows: dict = field(default_factory=dict)
    task_key: int | None = None  # (drawn for the next task the step creates; see persistence.new_keys)


def lock_task(human_task_id: int, *, with_open_rows: bool = False, worker=None) -> LockedTask:
    """Lock the task's instance and read the task, and the instance's other open tasks, as the
    lock holder sees them: one statement (engine.persistence). With `with_open_rows`, the open
    tasks are kept and the instance comes with its starter (a step's answer shows them). With
    `worker` (a signed-in user), whether the task is offered to them."""
    signed_in = worker if worker is not None and getattr(worker, "is_authenticated", False) else None
    found = persistence.lock_task_rows(human_task_id, worker=signed_in, with_starter=with_open_rows)
    if found is None:
        raise TaskNotFound(_("Task %(id)s does not exist.") % {"id": human_task_id})
    instance, task_rows, task_key = found
    locked = None
    open_rows = {}
    for row in task_rows:
        if row.task.pk == human_task_id:
            locked = LockedTask(instance, row.task, row.offered)
        if with_open_rows and row.task.status == HumanTask.Status.READY:
            open_rows[row.task.task_id] = row.task
    locked.open_rows = open_rows
    locked.task_key = task_key
    return locked


def is_task_admin(user) -> bool:
    """Superusers and holders of the "change human task" permission work any task."""
    return bool(user and (user.is_superuser or user.has_perm("engine.change_humantask")))


def _is_candidate(task: HumanTask, user, offered: bool | None = None) -> bool:
    """Named on the task, or in one of its candidate groups (nested groups included). `offered`:
    the answer lock_task(worker=user) already read."""
    if offered is not None:
        return offered
    return task.candidates.offered_to(user).exists()


def _require_open(task: HumanTask) -> None:
    if task.status == HumanTask.Status.COMPLETED:
        who = str(task.completed_by) if task.completed_by else str(_("the engine"))
        when = (
            date_format(timezone.localtime(task.completed_at), "DATETIME_FORMAT") if task.completed_at else ""
        )
        raise TaskAlreadyCompleted(
            _("“%(task)s” was already completed by %(who)s (%(when)s).")
            % {"task": task.name, "who": who, "when": when}
        )
    if task.status == HumanTask.Status.CANCELLED:
        raise TaskNotActive(_("“%(task)s” is no longer active (it was cancelled).") % {"task": task.name})


def _require_worker(task: HumanTask, user, offered: bool | None = None) -> None:
    """The assignee works the task; an unassigned task can be worked by any candidate."""
    if user is None or not getattr(user, "is_authenticated", False):
        raise NotPermitted(_("You must be signed in to work on tasks."))
    if task.assignee_id == user.pk or is_task_admin(user):
        return
    if task.assignee_id is None and _is_candidate(task, user, offered):
        return
    if task.assignee_id is not None:
        raise NotPermitted(
            _("“%(task)s” is assigned to %(who)s.") % {"task": task.name, "who": str(task.assignee)}
        )
    raise NotPermitted(_("“%(task)s” is not offered to you.") % {"task": task.name})


def _picker_context(task: HumanTask, user, current: dict) -> PickerContext:
    content_type = task.business_object_type
    return PickerContext(
        viewer=user,
        variables=current,
        object_type=f"{content_type.app_label}.{content_type.model}" if content_type else "",
        object_id=str(task.business_object_id or ""),
    )


def _validate_form(task: HumanTask, data, current: dict, user=None) -> dict:
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ValidationFailed(_("Task data must be an object of field values."))
    try:
        clean = runtime.json_safe(data)
    except (TypeError, ValueError) as error:
        raise ValidationFailed(_("Task data cannot be stored: %(error)s") % {"error": error}) from None
    errors = only_declared(task.form_schema, clean, current)
    if errors:
        raise ValidationFailed(_("Please correct the highlighted fields."), fields=errors)
    # Every task's JSON Schema is checked; registered validators add domain rules on top.
    for validator in [_schema_validator, *_form_validators]:
        for name, messages in (validator(task, clean) or {}).items():
            errors.setdefault(name, []).extend(messages)
    # A picked value (a user, a department, a vehicle...) must be one the worker could pick;
    # a field already refused above keeps that one message.
    for name, messages in picker_errors(
        task.form_schema, clean, _picker_context(task, user, current)
    ).items():
        if name not in errors:
            errors[name] = messages
    if errors:
        raise ValidationFailed(_("Please correct the highlighted fields."), fields=errors)
    return clean


def _changes(before: dict, after: dict) -> dict:
    changes = {}
    for key in sorted(set(before) | set(after)):
        if key == "data_objects":
            continue
        old, new = before.get(key), after.get(key)
        if old != new:
            changes[key] = [old, new]
    return runtime.json_safe(changes)


def complete_task(human_task_id: int, *, user, data: dict | None) -> ProcessInstance:
    """Complete a human task with the submitted form data and run the process to its next wait."""
    return complete_task_step(human_task_id, user=user, data=data).instance


def complete_task_step(human_task_id: int, *, user, data: dict | None) -> StepResult:
    """complete_task, answering with what the step left open (StepResult)."""
    with transaction.atomic(), rows.batched():
        locked = lock_task(human_task_id, with_open_rows=True, worker=user)
        instance, task = locked.instance, locked.task
        _require_open(task)
        _require_worker(task, user, locked.offered)
        require_not_suspended(instance)
        clean = _validate_form(task, data, instance.variables or {}, user)
        step = load(instance, actor=user)
        step.open_rows = locked.open_rows
        step.task_keys = [locked.task_key] if locked.task_key is not None else []
        try:
            spiff_task = step.workflow.get_task_from_id(task.task_id)
        except Exception:
            spiff_task = None
        if spiff_task is not None and spiff_task.has_state(runtime.TaskState.ERROR):
            # Its post-script failed on an earlier submission: a corrected one is the fix.
            runtime.retry_task(step.workflow, spiff_task)
            for incident in Incident.objects.filter(
                instance=instance, task_id=task.task_id, status=Incident.Status.OPEN
            ):
                resolve(step, incident, user)
        if spiff_task is None or not spiff_task.has_state(runtime.TaskState.READY):
            raise TaskNotActive(_("“%(task)s” is no longer active.") % {"task": task.name})
        before = runtime.json_safe({k: v for k, v in spiff_task.data.items() if k != "data_objects"})
        try:
            runtime.complete_human_task(step.workflow, spiff_task, clean)
            step.outcome.completed.append(runtime.element_of(spiff_task))
        except Exception as error:  # e.g. a failing post-script: parked as an incident
            step.outcome.error = error
            step.outcome.error_task = spiff_task
        now = timezone.now()
        if spiff_task.has_state(runtime.TaskState.COMPLETED):
            task.status = HumanTask.Status.COMPLETED
            task.completed_at = now
            task.completed_by = user
            if task.assignee_id is None:
                task.assignee = user
                task.claimed_at = now
            completed = ["status", "completed_at", "completed_by", "assignee", "claimed_at"]
            rows.update(task, completed, defer=True)
            if task.candidate_users or task.candidate_groups:
                rows.update_where(HumanTaskCandidate, {"open": False}, task_id=task.pk, defer=True)
            after = runtime.json_safe({k: v for k, v in spiff_task.data.items() if k != "data_objects"})
            step.event(
                InstanceEvent.Kind.TASK_COMPLETED,
                element_id=task.element_id,
                human_task=task,
                data={"data": clean, "changes": _changes(before, after)},
            )
            step.send(
                engine_signals.task_completed, instance=instance, human_task=task, user=user, data=clean
            )
            # Somebody did it: "nobody to do it" no longer holds, whatever follows.
            resolve_no_owner(step, task, user)
            runtime.run_engine(step.workflow, step.outcome)
        raise_user_fixable(step)
        result = finish(step)
        if task.status == HumanTask.Status.COMPLETED:
            audit(
                user,
                task,
                "complete",
                changes=_changes(before, after),
                process=instance.key,
                fields=sorted(clean),
            )
    return result


def require_not_suspended(instance: ProcessInstance) -> None:
    if instance.suspended:
        raise InstanceSuspended(
            _("This process is suspended by an administrator; its tasks wait until it is resumed.")
        )


def resolve_no_owner(step, task: HumanTask, user) -> None:
    """Close the open "nobody to do it" incidents of `task` (it was done or given to someone).
    Only an instance with an open incident is in ERROR: the others are spared the query."""
    if step.instance.status != ProcessInstance.Status.ERROR:
        return
    for incident in Incident.objects.filter(
        human_task=task, kind=Incident.Kind.NO_OWNER, status=Incident.Status.OPEN
    ):
        resolve(step, incident, user)


def claim(human_task_id: int, *, user) -> HumanTask:
    """Take an offered task into one's own inbox."""
    with transaction.atomic():
        locked = lock_task(human_task_id)
        instance, task = locked.instance, locked.task
        _require_open(task)
        require_not_suspended(instance)
        if task.assignee_id == getattr(user, "pk", None):
            return task
        if task.assignee_id is not None:
            raise TaskNotClaimable(
                _("“%(task)s” was already claimed by %(who)s.")
                % {"task": task.name, "who": str(task.assignee)}
            )
        if not (_is_candidate(task, user) or is_task_admin(user)):
            raise NotPermitted(_("“%(task)s” is not offered to you.") % {"task": task.name})
        task.assignee = user
        task.claimed_at = timezone.now()
        task.save(update_fields=["assignee", "claimed_at"])
        _history(instance, InstanceEvent.Kind.TASK_CLAIMED, task, user)
    return task


def unclaim(human_task_id: int, *, user) -> HumanTask:
    """Give a claimed task back to its candidates' queue."""
    with transaction.atomic():
        locked = lock_task(human_task_id)
        instance, task = locked.instance, locked.task
        _require_open(task)
        if task.assignee_id is None:
            return task
        if task.assignee_id != user.pk and not is_task_admin(user):
            raise NotPermitted(_("Only the assignee can release “%(task)s”.") % {"task": task.name})
        if not task.candidates.exists():
            raise TaskNotClaimable(
                _("“%(task)s” was assigned directly and has no queue to return to; delegate it instead.")
                % {"task": task.name}
            )
        task.assignee = None
        task.claimed_at = None
        task.save(update_fields=["assignee", "claimed_at"])
        _history(instance, InstanceEvent.Kind.TASK_UNCLAIMED, task, user)
    return task


def delegate(human_task_id: int, *, user, to_user) -> HumanTask:
    """Hand a task to someone else (the assignee, a candidate of an unclaimed task, or an admin)."""
    with transaction.atomic():
        locked = lock_task(human_task_id)
        instance, task = locked.instance, locked.task
        _require_open(task)
        _require_worker(task, user)
        if to_user is None or not to_user.is_active:
            raise ValidationFailed(_("Tasks can only be delegated to an active user."))
        previous = task.assignee.get_username() if task.assignee else None
        task.assignee = to_user
        task.claimed_at = timezone.now()
        task.save(update_fields=["assignee", "claimed_at"])
        _history(
            instance,
            InstanceEvent.Kind.TASK_DELEGATED,
            task,
            user,
            {"from": previous, "to": to_user.get_username()},
        )
        _close_no_owner(instance, task, user)
    return task


def _close_no_owner(instance: ProcessInstance, task: HumanTask, user) -> None:
    """The task has a holder now: its "nobody to do it" incidents close (outside a step)."""
    now = timezone.now()
    closed = False
    for incident in Incident.objects.filter(
        human_task=task, kind=Incident.Kind.NO_OWNER, status=Incident.Status.OPEN
    ):
        incident.status = Incident.Status.RESOLVED
        incident.resolved_at = now
        incident.resolved_by = real_user(user)
        incident.save(update_fields=["status", "resolved_at", "resolved_by"])
        InstanceEvent.objects.create(
            instance=instance,
            kind=InstanceEvent.Kind.INCIDENT_RESOLVED,
            actor=real_user(user),
            element_id=incident.element_id,
            human_task=task,
            data={"incident": incident.pk},
        )
        closed = True
    if (
        closed
        and instance.status == ProcessInstance.Status.ERROR
        and not instance.incidents.filter(status=Incident.Status.OPEN).exists()
    ):
        ProcessInstance.objects.filter(pk=instance.pk).update(status=ProcessInstance.Status.RUNNING)


def set_due(human_task_id: int, *, user, due_at, admin: bool = False) -> HumanTask:
    """Move a task's due date: its worker, or (`admin`, checked by engine.operations) a process
    administrator."""
    with transaction.atomic():
        locked = lock_task(human_task_id)
        instance, task = locked.instance, locked.task
        _require_open(task)
        if not admin:
            _require_worker(task, user)
        previous = task.due_at
        task.due_at = due_at
        task.save(update_fields=["due_at"])
        task.candidates.update(due_at=due_at)
        _history(
            instance,
            InstanceEvent.Kind.TASK_DUE_CHANGED,
            task,
            user,
            {
                "from": previous.isoformat() if previous else None,
                "to": due_at.isoformat() if due_at else None,
            },
        )
    return task


def add_comment(human_task_id: int, *, user, text: str, public: bool = False) -> InstanceEvent:
    """Write a comment into the instance history. `public` comments are shown to the customer in
    the portal; internal ones (the default) only to staff."""
    with transaction.atomic():
        locked = lock_task(human_task_id)
        instance, task = locked.instance, locked.task
        text = (text or "").strip()
        if not text:
            raise ValidationFailed(_("A comment cannot be empty."), fields={"text": [_("Write something.")]})
        allowed = (
            task.assignee_id == user.pk
            or instance.started_by_id == user.pk
            or task.completed_by_id == user.pk
            or _is_candidate(task, user)
            or is_task_admin(user)
        )
        if not allowed:
            raise NotPermitted(_("You cannot comment on “%(task)s”.") % {"task": task.name})
        data = {"text": text[:10000], "public": bool(public)}
        return _history(instance, InstanceEvent.Kind.COMMENT, task, user, data)


# What a person did to a task, as the audit log names it (the instance history keeps the details).
_AUDITED_KINDS = {
    InstanceEvent.Kind.TASK_CLAIMED: "claim",
    InstanceEvent.Kind.TASK_UNCLAIMED: "unclaim",
    InstanceEvent.Kind.TASK_DELEGATED: "delegate",
    InstanceEvent.Kind.TASK_DUE_CHANGED: "set_due",
    InstanceEvent.Kind.COMMENT: "comment",
}


def _history(instance, kind, task, user, data=None) -> InstanceEvent:
    ProcessInstance.objects.filter(pk=instance.pk).update(updated_at=timezone.now())
    if kind in _AUDITED_KINDS:
        extra = {k: v for k, v in (data or {}).items() if k != "text"}  # (a comment stays in the history)
        audit(user, task, _AUDITED_KINDS[kind], process=instance.key, **extra)
    return InstanceEvent.objects.create(
        instance=instance,
        kind=kind,
        actor=real_user(user),
        element_id=task.element_id,
        human_task=task,
        data=runtime.json_safe(data or {}),
    )
