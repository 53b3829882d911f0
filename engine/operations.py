"""What a process administrator does to running instances: suspend and resume, reassign a task,
change its due date, read the process data (secrets masked), and move instances to another version
after a dry run. Each checks the administrator, locks the instance, writes the history row and
the audit row in one transaction (cancel and retry live in engine.instances / engine.incidents)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import runtime
from .errors import InstanceNotRunning, NotPermitted, ValidationFailed
from .human_tasks import lock_task, resolve_no_owner
from .migration import MigrationNotPossible, MigrationReport, migrate_instance
from .models import DefinitionVersion, HumanTask, InstanceEvent, ProcessInstance, Timer
from .step import audit, finish, load, lock_instance, real_user


def is_process_admin(user) -> bool:
    """Superusers and holders of "change process instance" (the process designers' role)."""
    return bool(
        user is not None
        and getattr(user, "is_authenticated", False)
        and (user.is_superuser or user.has_perm("engine.change_processinstance"))
    )


def _require_admin(user) -> None:
    if not is_process_admin(user):
        raise NotPermitted(_("Only process administrators may do this."))


def _running(instance: ProcessInstance) -> None:
    if not instance.is_running:
        raise InstanceNotRunning(
            _("The process instance is already %(status)s.") % {"status": instance.get_status_display()}
        )


def instance_suspend(instance_id: int, *, user, reason: str = "") -> ProcessInstance:
    """Pause a running instance: its tasks cannot be completed or claimed, its timers and messages
    wait (a timer due meanwhile fires on resume)."""
    return _set_suspended(instance_id, user=user, suspended=True, reason=reason)


def instance_resume(instance_id: int, *, user) -> ProcessInstance:
    return _set_suspended(instance_id, user=user, suspended=False, reason="")


def _set_suspended(instance_id: int, *, user, suspended: bool, reason: str) -> ProcessInstance:
    _require_admin(user)
    with transaction.atomic():
        instance = lock_instance(instance_id)
        _running(instance)
        if instance.suspended == suspended:
            return instance
        instance.suspended = suspended
        instance.updated_at = timezone.now()
        instance.save(update_fields=["suspended", "updated_at"])
        held, free = Timer.Status.SUSPENDED, Timer.Status.WAITING
        Timer.objects.filter(instance=instance, status=free if suspended else held).update(
            status=held if suspended else free
        )
        kind = InstanceEvent.Kind.SUSPENDED if suspended else InstanceEvent.Kind.RESUMED
        InstanceEvent.objects.create(
            instance=instance, kind=kind, actor=real_user(user), data={"reason": (reason or "")[:500]}
        )
        audit(
            user,
            instance,
            "suspend" if suspended else "resume",
            changes={"suspended": [not suspended, suspended]},
            reason=reason or "",
        )
    return instance


def task_reassign(human_task_id: int, *, user, to_user) -> HumanTask:
    """Give an open task to a person, whoever held it or was offered it (also a task nobody could
    be found for: its "nobody to do it" incident closes)."""
    _require_admin(user)
    if to_user is None or not getattr(to_user, "is_active", False):
        raise ValidationFailed(
            _("Choose an active person."), fields={"assignee": [_("Choose an active person.")]}
        )
    with transaction.atomic():
        locked = lock_task(human_task_id)
        instance, task = locked.instance, locked.task
        if not task.is_open:
            raise InstanceNotRunning(_("“%(task)s” is no longer open.") % {"task": task.name})
        previous = task.assignee.get_username() if task.assignee else None
        task.assignee = to_user
        task.claimed_at = timezone.now()
        task.save(update_fields=["assignee", "claimed_at"])
        step = load(instance, actor=user)
        step.event(
            InstanceEvent.Kind.TASK_DELEGATED,
            element_id=task.element_id,
            human_task=task,
            data={"from": previous, "to": to_user.get_username(), "reassigned": True},
        )
        resolve_no_owner(step, task, user)
        finish(step)
        audit(
            user, task, "reassign", process=instance.key, **{"from": previous, "to": to_user.get_username()}
        )
    return task


def tasks_hand_over(*, from_user, to_user, by=None, reason: str = "") -> list[HumanTask]:
    """A person leaves: every open task they hold, or that is offered to them by name, goes to
    `to_user` (their successor), with a history row on each instance. The caller (HR's departure
    process, through its connector) has checked its own authority; `by` is who the history names
    (a user, a process actor or None). A task only offered to the leaver's groups stays there."""
    from audit.services import audit_record

    from .models import HumanTaskCandidate

    if to_user is None or not getattr(to_user, "is_active", False):
        raise ValidationFailed(
            _("Choose an active person."), fields={"successor": [_("Choose an active person.")]}
        )
    by_user = real_user(getattr(by, "user", by))
    ids = sorted(
        set(
            HumanTask.objects.filter(status=HumanTask.Status.READY, assignee=from_user).values_list(
                "pk", flat=True
            )
        )
        | set(HumanTaskCandidate.objects.filter(user=from_user, open=True).values_list("task_id", flat=True))
    )
    moved = []
    with transaction.atomic():
        for task_id in ids:
            locked = lock_task(task_id)
            task = locked.task
            if not task.is_open:
                continue
            previous = task.assignee.get_username() if task.assignee else None
            task.assignee = to_user
            task.claimed_at = timezone.now()
            task.save(update_fields=["assignee", "claimed_at"])
            HumanTaskCandidate.objects.filter(task=task, user=from_user).update(user=to_user)
            InstanceEvent.objects.create(
                instance=locked.instance,
                kind=InstanceEvent.Kind.TASK_DELEGATED,
                actor=by_user,
                element_id=task.element_id,
                human_task=task,
                data={
                    "from": previous or from_user.get_username(),
                    "to": to_user.get_username(),
                    "reassigned": True,
                    "reason": reason,
                },
            )
            audit_record(
                action="change",
                actor=by,
                obj=task,
                extra={
                    "operation": "hand_over",
                    "process": locked.instance.key,
                    "from": from_user.get_username(),
                    "to": to_user.get_username(),
                },
            )
            moved.append(task)
    return moved


def task_set_due(human_task_id: int, *, user, due_at) -> HumanTask:
    """An administrator moves an open task's due date (None: no due date)."""
    from .human_tasks import set_due

    _require_admin(user)
    if due_at is not None and timezone.is_naive(due_at):
        due_at = timezone.make_aware(due_at)
    return set_due(human_task_id, user=user, due_at=due_at, admin=True)


# -- process data ----------------------------------------------------------------------------------

SECRET = re.compile(r"pass(word)?|secret|token|api[_-]?key|credential|private|iban|card|cvv", re.I)
MASK = "••••••"


def masked(value, key: str = ""):
    """The process data as an administrator may read it: values under secret-looking names masked,
    in nested objects and lists too."""
    if key and SECRET.search(key):
        return MASK
    if isinstance(value, dict):
        return {k: masked(v, str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [masked(v) for v in value]
    return value


def instance_variables(instance: ProcessInstance, *, user) -> dict:
    _require_admin(user)
    return masked(runtime.json_safe(instance.variables or {}))


# -- migration -------------------------------------------------------------------------------------


@dataclass
class MigrationLine:
    """One instance in a migration plan: whether it can move, and why not in words."""

    instance: ProcessInstance
    possible: bool
    reason: str
    report: MigrationReport | None = None

    def as_dict(self) -> dict:
        return {
            "instance": self.instance.pk,
            "label": self.instance.business_object_label or "",
            "from_version": self.instance.definition.version,
            "possible": self.possible,
            "reason": self.reason,
        }


def _reason(report: MigrationReport) -> str:
    if report.possible:
        if report.changed:
            return _("Can move; the steps it waits in changed: %(names)s.") % {
                "names": ", ".join(report.changed)
            }
        return _("Can move.")
    names = []
    for entry in report.unmapped:
        label = f"“{entry['name']}”" if entry.get("name") else entry["element_id"]
        if entry.get("similar"):
            label += " " + _("(maybe now %(other)s)") % {"other": entry["similar"]}
        names.append(label)
    return _("Cannot move: it waits in steps the new version no longer has: %(names)s.") % {
        "names": ", ".join(names)
    }


def migration_candidates(key: str, to_version: int):
    return (
        ProcessInstance.objects.filter(
            key=key, status__in=[ProcessInstance.Status.RUNNING, ProcessInstance.Status.ERROR]
        )
        .exclude(definition__version=to_version)
        .select_related("definition")
        .order_by("pk")
    )


def migration_plan(
    key: str, *, to_version: int, user, instance_ids=None, limit: int = 200
) -> list[MigrationLine]:
    """The dry run: for each running instance of `key` not on `to_version` (or those listed), whether
    it can move and why not. Nothing changes."""
    _require_admin(user)
    if not DefinitionVersion.objects.filter(key=key, version=to_version).exists():
        raise ValidationFailed(
            _("Process %(key)s has no version %(version)s.") % {"key": key, "version": to_version},
            fields={"to_version": [_("Choose a deployed version.")]},
        )
    qs = migration_candidates(key, to_version)
    if instance_ids is not None:
        qs = qs.filter(pk__in=list(instance_ids))
    lines = []
    for instance in qs[:limit]:
        try:
            report = migrate_instance(instance.pk, to_version=to_version, user=user, dry_run=True)
        except InstanceNotRunning:
            lines.append(MigrationLine(instance, False, _("Cannot move: it is no longer running.")))
            continue
        except Exception:  # a state the planner cannot read: said in words, never a 500
            lines.append(
                MigrationLine(
                    instance, False, _("Cannot move: its state could not be compared with the new version.")
                )
            )
            continue
        lines.append(MigrationLine(instance, report.possible, _reason(report), report))
    return lines


def migrate_instances(
    key: str, *, to_version: int, user, instance_ids
) -> tuple[list[int], list[MigrationLine]]:
    """Move the listed instances (each in its own transaction, re-checked); answers the ids moved
    and the lines of those that could not."""
    _require_admin(user)
    moved, refused = [], []
    for line in migration_plan(key, to_version=to_version, user=user, instance_ids=instance_ids):
        if not line.possible:
            refused.append(line)
            continue
        try:
            migrate_instance(line.instance.pk, to_version=to_version, user=user)
        except MigrationNotPossible as error:
            refused.append(MigrationLine(line.instance, False, _reason(error.report), error.report))
            continue
        moved.append(line.instance.pk)
    return moved, refused
