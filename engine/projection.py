"""The projections a step keeps in line with the workflow: HumanTask rows (with their candidates) for
ready user/manual tasks, Timer and MessageSubscription rows for waiting catch events."""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils import timezone

from core import rows

from . import owners, runtime
from . import signals as engine_signals
from .failures import no_owner_incident
from .models import (
    HumanTask,
    HumanTaskCandidate,
    InstanceEvent,
    MessageSubscription,
    Timer,
)

if TYPE_CHECKING:
    from .step import Step

logger = logging.getLogger(__name__)


def correlation_hash(keys: dict | None) -> str:
    canonical = json.dumps(keys or {}, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


SIGNAL_PREFIX = "signal:"  # signal waits share the subscription table, under this prefix


@dataclass(frozen=True)
class OpenTask:
    """An open human task with the ids of the users and groups it is offered to."""

    task: HumanTask
    user_ids: frozenset[int]
    group_ids: frozenset[int]

    def workable_by(self, user_id: int, group_ids: set[int]) -> bool:
        """Assigned to the user, or unassigned and offered to them or one of `group_ids` (their
        groups, nested included): the rule HumanTaskQuerySet.inbox/queue apply in SQL."""
        if self.task.assignee_id is not None:
            return self.task.assignee_id == user_id
        return user_id in self.user_ids or not group_ids.isdisjoint(self.group_ids)


def spiff_task(step: Step, task_id):
    """The workflow task with this id, or None when compaction or a cancel removed it."""
    if task_id is None:
        return None
    try:
        return step.workflow.get_task_from_id(task_id)
    except Exception:
        logger.debug("task %s is gone from instance %s", task_id, step.instance.pk)
        return None


def sync_human_tasks(step: Step) -> None:
    ready = {t.id: t for t in runtime.ready_human_tasks(step.workflow)}
    if step.new:
        open_rows = {}  # a new instance has no task rows yet
    elif step.open_rows is not None:
        # read with the lock; still open unless this step completed them
        open_rows = {tid: row for tid, row in step.open_rows.items() if row.status == HumanTask.Status.READY}
        step.open_rows = None
    else:
        open_rows = {
            row.task_id: row for row in HumanTask.objects.filter(instance=step.instance, status="ready")
        }
    step.created, step.older_open = [], False
    for task_id, row in open_rows.items():
        if task_id in ready:
            step.older_open = True
            continue
        workflow_task = spiff_task(step, task_id)
        if workflow_task is not None and workflow_task.has_state(runtime.TaskState.ERROR):
            step.older_open = True
            continue  # failed while being completed: stays open for the retry of its incident
        row.status = HumanTask.Status.CANCELLED
        row.save(update_fields=["status"])
        row.candidates.update(open=False)
        step.event(InstanceEvent.Kind.TASK_CANCELLED, element_id=row.element_id, human_task=row)
    for task_id, task in ready.items():
        if task_id not in open_rows:
            _create_human_task(step, task)


def owner_context(step: Step, task) -> dict:
    context = dict(task.data)
    context.pop("data_objects", None)
    return context


def _create_human_task(step: Step, task) -> HumanTask:
    instance = step.instance
    element_id, element_name, _type = runtime.element_of(task)
    meta = dict(step.parsed.metadata.get("user_tasks", {}).get(element_id, {}))
    lane = meta.get("lane") or getattr(task.task_spec, "lane", None) or ""
    meta["lane"] = lane
    context = owner_context(step, task)
    resolution = owners.resolve(meta, context)
    name = (owners.task_name(meta, context) or element_name or meta.get("name") or element_id)[:255]
    human_task = HumanTask(
        instance=instance,
        task_id=task.id,
        definition_key=step.definition.key,
        definition_version=step.definition.version,
        element_id=element_id,
        name=name,
        lane=lane[:255],
        assignee=resolution.assignee,
        claimed_at=timezone.now() if resolution.assignee else None,
        candidate_users=[u.username for u in resolution.users],
        candidate_groups=[g.name for g in resolution.groups],
        priority=resolution.priority,
        due_at=resolution.due_at,
        follow_up_at=resolution.follow_up_at,
        form_key=meta.get("form_key", "")[:255],
        form_schema=owners.form_schema(meta, context),
        business_object_type_id=instance.business_object_type_id,
        business_object_id=instance.business_object_id,
        business_object_label=instance.business_object_label,
        search_text=f"{name} {instance.business_object_label} {instance.key}"[:512],
    )
    if step.task_keys:  # (its key drawn ahead: the row waits for the step's write statement)
        human_task.pk = step.task_keys.pop()
    rows.insert([human_task], defer=human_task.pk is not None)
    set_candidates(human_task, resolution, fresh=True)
    step.created.append(
        OpenTask(
            human_task, frozenset(u.pk for u in resolution.users), frozenset(g.pk for g in resolution.groups)
        )
    )
    step.event(
        InstanceEvent.Kind.TASK_CREATED,
        element_id=element_id,
        human_task=human_task,
        data={
            "assignee": resolution.assignee.username if resolution.assignee else None,
            "candidate_users": human_task.candidate_users,
            "candidate_groups": human_task.candidate_groups,
            "problems": resolution.problems,
        },
    )
    if not resolution.anybody:
        no_owner_incident(step, human_task, resolution.problems)
    step.send(engine_signals.task_created, instance=instance, human_task=human_task)
    return human_task


def set_candidates(human_task: HumanTask, resolution: owners.Resolution, *, fresh: bool = False) -> None:
    if not fresh:
        human_task.candidates.all().delete()
    due_at = human_task.due_at
    candidates = [HumanTaskCandidate(task=human_task, user=u, due_at=due_at) for u in resolution.users]
    candidates += [HumanTaskCandidate(task=human_task, group=g, due_at=due_at) for g in resolution.groups]
    rows.insert(candidates, defer=True)


def sync_waits(step: Step) -> None:
    """Timer and MessageSubscription rows mirror the workflow's waiting catch events."""
    instance, workflow = step.instance, step.workflow
    waiting = runtime.waiting_event_tasks(workflow) if not workflow.is_completed() else []
    # Event subprocesses started by a message or signal wait under their start event (no task yet).
    event_starts = runtime.event_subprocess_starts(workflow)
    if not waiting and not event_starts and not step.had_waits:
        return
    timers = {}
    messages = {}
    for task in waiting:
        definition = runtime.timer_of(task)
        if definition is not None:
            due = runtime.timer_due(task)
            if due is not None:
                timers[task.id] = (task, runtime.timer_kind(definition), due, definition)
        for message in runtime.messages_of(task):
            messages[(task.id, message.name)] = task
        for signal in runtime.signals_of(task):
            messages[(task.id, SIGNAL_PREFIX + signal.name)] = task
    for start, kind, name in event_starts:
        messages[(None, SIGNAL_PREFIX + name if kind == "signal" else name)] = start

    existing = {t.task_id: t for t in Timer.objects.filter(instance=instance, status__in=Timer.PENDING)}
    stale = [t.pk for task_id, t in existing.items() if task_id not in timers]
    if stale:
        Timer.objects.filter(pk__in=stale).delete()
    for task_id, (task, kind, due, definition) in timers.items():
        row = existing.get(task_id)
        if row is None:
            element_id = runtime.element_of(task)[0]
            Timer.objects.create(
                instance=instance,
                task_id=task_id,
                element_id=element_id,
                kind=kind,
                expression=str(getattr(definition, "expression", ""))[:255],
                interrupting=getattr(task.task_spec, "cancel_activity", True),
                due_at=due,
                status=Timer.Status.SUSPENDED if instance.suspended else Timer.Status.WAITING,
            )
        elif row.due_at != due:
            row.due_at = due
            row.save(update_fields=["due_at"])

    subs = {(s.task_id, s.message_name): s for s in MessageSubscription.objects.filter(instance=instance)}
    gone = [s.pk for key, s in subs.items() if key not in messages]
    if gone:
        MessageSubscription.objects.filter(pk__in=gone).delete()
    for (task_id, message_name), task in messages.items():
        if task_id is None:  # `task` is the start event spec of an event subprocess
            element_id = getattr(task, "bpmn_id", None) or task.name
            keys = {} if message_name.startswith(SIGNAL_PREFIX) else _start_keys(step, element_id)
        else:
            element_id = runtime.element_of(task)[0]
            keys = {} if message_name.startswith(SIGNAL_PREFIX) else _subscription_keys(step, task)
        row = subs.get((task_id, message_name))
        digest = correlation_hash(keys)
        if row is None:
            MessageSubscription.objects.create(
                instance=instance,
                task_id=task_id,
                message_name=message_name,
                element_id=element_id,
                correlation=runtime.json_safe(keys),
                correlation_hash=digest,
            )
        elif row.correlation_hash != digest:
            row.correlation = runtime.json_safe(keys)
            row.correlation_hash = digest
            row.save(update_fields=["correlation", "correlation_hash"])


def _start_keys(step: Step, element_id: str) -> dict:
    """The correlation keys of an event subprocess's message start, valued from the process data."""
    for message in step.parsed.metadata.get("messages", []):
        if message["element_id"] == element_id and message["correlation_keys"]:
            data = runtime.variables_snapshot(step.workflow)
            return {key: data.get(key) for key in message["correlation_keys"]}
    return {}


def _subscription_keys(step: Step, task) -> dict:
    element_id = runtime.element_of(task)[0]
    for message in step.parsed.metadata.get("messages", []):
        if message["element_id"] == element_id and message["correlation_keys"]:
            return {key: task.data.get(key) for key in message["correlation_keys"]}
    correlations = step.workflow.correlations or {}
    flat = {}
    for values in correlations.values():
        if isinstance(values, dict):
            flat.update(values)
    return flat
