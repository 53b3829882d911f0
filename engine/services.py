"""The engine's public API: every write to a process instance goes through these functions.

Each runs in one database transaction and locks the instance row (`SELECT ... FOR UPDATE`), so two
workers never advance one instance at once; a worker dying mid-step rolls the whole step back.
The projections (HumanTask, Timer, MessageSubscription, InstanceEvent, Incident) are written in
the same transaction as the state; signals go out after commit.
"""

from __future__ import annotations

import hashlib
import json
import logging
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from audit.models import AuditEvent
from audit.services import audit_record
from core import rows
from core.errors import DomainError
from core.memo import remembered
from core.pickers import PickerContext, picker_errors

from . import connectors, owners, parsing, runtime, step_reads
from . import signals as engine_signals
from .connectors import ConnectorFailed, register_connector
from .errors import (
    DefinitionInvalid,
    DefinitionNotFound,
    IncidentNotFound,
    IncidentNotOpen,
    InstanceNotFound,
    InstanceNotRunning,
    NotPermitted,
    TaskAlreadyCompleted,
    TaskNotActive,
    TaskNotClaimable,
    TaskNotFound,
    ValidationFailed,
)
from .forms import declared_fields, validate_form_data
from .models import (
    DefinitionVersion,
    HumanTask,
    HumanTaskCandidate,
    Incident,
    InstanceEvent,
    InstanceState,
    MessageSubscription,
    ProcessInstance,
    Timer,
)

logger = logging.getLogger(__name__)

__all__ = [
    "CorrelationResult",
    "add_comment",
    "broadcast_signal",
    "cancel_instance",
    "claim",
    "complete_task",
    "correlate_message",
    "definition_activate",
    "definition_deploy",
    "delegate",
    "fire_due_timers",
    "migrate_instance",
    "register_connector",
    "register_form_validator",
    "retry_due_incidents",
    "retry_incident",
    "set_due",
    "start_process",
    "unclaim",
]

# -- form validation hook --------------------------------------------------------------------------

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


# -- deployment ------------------------------------------------------------------------------------


def definition_deploy(
    *,
    files: dict[str, bytes | str],
    deployed_by=None,
    activate: bool = True,
    attachments: dict[str, str] | None = None,
    task_forms: dict[str, dict] | None = None,
) -> DefinitionVersion:
    """Parse, validate and store a set of BPMN/DMN files under the executable process id.

    The same content again returns the existing version (idempotent); changed content becomes
    version + 1. Running instances stay on their version. `attachments` (JSON form files) are
    stored and hashed with the version but not parsed; `task_forms` (element id → {"schema",
    "ui_schema"}) become each user task's form.
    """
    texts, findings = {}, []
    for name, body in (files or {}).items():
        if isinstance(body, bytes):
            try:
                body = body.decode("utf-8")
            except UnicodeDecodeError as error:
                findings.append(parsing.finding(name, message=f"The file is not UTF-8 text: {error}"))
                continue
        texts[name] = body
    if findings:
        raise DefinitionInvalid(findings)
    texts = with_called_definitions(texts)
    try:
        parsed = parsing.parse_files(texts)
    except parsing.ParseFailed as failure:
        raise DefinitionInvalid(failure.findings) from None
    attachments = dict(attachments or {})
    for element_id, form in (task_forms or {}).items():
        for kind in ("user_tasks", "start_forms"):
            if element_id in parsed.metadata.get(kind, {}):
                parsed.metadata[kind][element_id]["form"] = form
    digest = parsing.content_hash({**texts, **attachments})
    with transaction.atomic():
        versions = DefinitionVersion.objects.select_for_update().filter(key=parsed.key)
        existing = versions.filter(content_hash=digest).first()
        if existing is not None:
            if activate and not existing.active:
                _activate(existing, parsed)
            runtime.remember_parsed(existing, parsed)
            return existing
        latest = versions.aggregate(v=Max("version"))["v"] or 0
        definition = DefinitionVersion.objects.create(
            key=parsed.key,
            version=latest + 1,
            name=parsed.name[:255],
            files={**texts, **attachments},
            content_hash=digest,
            metadata=parsed.metadata,
            deployed_by=deployed_by,
        )
        runtime.remember_parsed(definition, parsed)
        if activate:
            _activate(definition, parsed)
    return definition


def with_called_definitions(texts: dict[str, str]) -> dict[str, str]:
    """Add the files of already deployed processes that call activities name but the upload lacks.

    They are stored with the caller (under called/<key>/), so the caller runs the called version
    that was active when it was deployed, and a later version of the called process needs a new
    deploy of the caller to be picked up: a deliberate, visible step rather than a silent change.
    """
    texts = dict(texts)
    defined, called = parsing.process_references(texts)
    missing = called - defined
    for key in sorted(missing):
        definition = DefinitionVersion.objects.filter(key=key, active=True).first()
        if definition is None:
            continue  # parse_files reports the unresolved call activity, located
        for name, body in parsing.process_files(definition.files).items():
            texts[name if name.startswith("called/") else f"called/{key}/{name}"] = body
    return texts


def definition_activate(*, definition_id: int) -> DefinitionVersion:
    """Make a stored version the one new instances start on (also a rollback to an older one)."""
    with transaction.atomic():
        definition = DefinitionVersion.objects.select_for_update().filter(pk=definition_id).first()
        if definition is None:
            raise DefinitionNotFound(_("Process definition %(id)s does not exist.") % {"id": definition_id})
        if not definition.active:
            _activate(definition, runtime.parsed_definition(definition))
    return definition


def migrate_instance(instance_id: int, *, to_version: int, user, dry_run: bool = False):
    """Move a running instance to another version of its process; see engine.migration."""
    from .migration import migrate_instance as migrate

    return migrate(instance_id, to_version=to_version, user=user, dry_run=dry_run)


def _activate(definition: DefinitionVersion, parsed: parsing.ParsedDefinition) -> None:
    DefinitionVersion.objects.filter(key=definition.key, active=True).exclude(pk=definition.pk).update(
        active=False
    )
    definition.active = True
    definition.save(update_fields=["active"])
    MessageSubscription.objects.filter(definition__key=definition.key, instance__isnull=True).delete()
    Timer.objects.filter(
        definition__key=definition.key, instance__isnull=True, status=Timer.Status.WAITING
    ).delete()
    for message in parsed.metadata.get("messages", []):
        if message["event"] == "startEvent" and message["process"] == parsed.key:
            MessageSubscription.objects.create(
                definition=definition,
                message_name=message["message"],
                element_id=message["element_id"],
                correlation={},
                correlation_hash=correlation_hash({}),
            )
    for signal in parsed.metadata.get("signals", []):
        if signal["event"] == "startEvent" and signal["process"] == parsed.key:
            MessageSubscription.objects.create(
                definition=definition,
                message_name=SIGNAL_PREFIX + signal["signal"],
                element_id=signal["element_id"],
                correlation={},
                correlation_hash=correlation_hash({}),
            )
    for timer in parsed.metadata.get("timers", []):
        if timer["event"] == "startEvent" and timer["process"] == parsed.key:
            first = _start_timer_schedule(timer["kind"], timer["expression"])
            if first is None:
                logger.warning(
                    "start timer %s of %s has no usable expression", timer["element_id"], definition
                )
                continue
            due_at, cycle = first
            Timer.objects.create(
                definition=definition,
                element_id=timer["element_id"],
                kind=timer["kind"],
                expression=timer["expression"][:255],
                due_at=due_at,
                cycle=cycle,
            )


def _literal(expression: str) -> str:
    text = expression.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    return text


def _start_timer_schedule(kind: str, expression: str):
    from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

    text = _literal(expression)
    try:
        if kind == "cycle":
            cycles, start, duration = TimerEventDefinition.parse_iso_recurring_interval(text)
            return start, {"cycles": cycles, "seconds": duration.total_seconds()}
        if kind == "duration":
            return owners.as_datetime(text), {}
        return TimerEventDefinition.get_datetime(text), {}
    except Exception:
        return None


def correlation_hash(keys: dict | None) -> str:
    canonical = json.dumps(keys or {}, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


# -- the step context ------------------------------------------------------------------------------


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


@dataclass
class _Step:
    instance: ProcessInstance
    definition: DefinitionVersion
    parsed: parsing.ParsedDefinition
    workflow: Any
    actor: Any = None
    outcome: runtime.StepOutcome = field(default_factory=runtime.StepOutcome)
    after_commit: list = field(default_factory=list)
    events: list = field(default_factory=list)
    # Whether Timer/MessageSubscription rows may exist for this instance (it waited for an event
    # when loaded); if it neither waited then nor waits now, syncing them needs no query.
    had_waits: bool = False
    new: bool = False
    # The instance's open task rows, when the step already read them under the instance lock
    # (complete_task); None: _sync_human_tasks queries them.
    open_rows: dict | None = None
    # Task rows this step created, with who they are offered to; whether older rows stay open.
    created: list[OpenTask] = field(default_factory=list)
    older_open: bool = False

    def __post_init__(self) -> None:
        connectors.set_step_actor(self.actor)
        connectors.set_step_instance(self.instance)

    def event(self, kind, *, element_id="", human_task=None, data=None, actor=None) -> InstanceEvent:
        """Buffered: the step's history rows are written with one INSERT when it finishes."""
        event = InstanceEvent(
            instance=self.instance,
            kind=kind,
            at=timezone.now(),
            actor=_real_user(actor if actor is not None else self.actor),
            element_id=element_id or "",
            human_task=human_task,
            data=runtime.json_safe(data or {}),
        )
        self.events.append(event)
        return event

    def flush_events(self) -> None:
        if self.events:
            rows.insert(self.events)
            self.events = []

    def send(self, signal, **kwargs) -> None:
        self.after_commit.append((signal, kwargs))


def _real_user(user):
    return user if user is not None and getattr(user, "pk", None) is not None else None


def _send_after_commit(step: _Step) -> None:
    signals = list(step.after_commit)
    step.after_commit.clear()

    def send():
        for signal, kwargs in signals:
            try:
                if callable(signal) and not hasattr(signal, "send"):
                    signal(**kwargs)
                else:
                    signal.send(sender=ProcessInstance, **kwargs)
            except Exception:  # a receiver's failure must not undo or hide a committed step
                logger.exception("engine after-commit action failed")

    transaction.on_commit(send)


def _lock_instance(instance_id: int, *, skip_locked: bool = False) -> ProcessInstance | None:
    # of=("self",): lock the instance row only, not the joined definition (which every instance
    # of the process shares).
    qs = ProcessInstance.objects.select_for_update(
        skip_locked=skip_locked and _skip_locked_supported(), of=("self",)
    )
    try:
        # The state row comes with the lock (one query); _load reads it from there.
        return qs.select_related("definition", "state").get(pk=instance_id)
    except ProcessInstance.DoesNotExist:
        if skip_locked:
            return None
        raise InstanceNotFound(_("Process instance %(id)s does not exist.") % {"id": instance_id}) from None


def _skip_locked_supported() -> bool:
    return connection.features.has_select_for_update_skip_locked


def _spiff_task(step: _Step, task_id):
    """The workflow task with this id, or None when compaction or a cancel removed it."""
    if task_id is None:
        return None
    try:
        return step.workflow.get_task_from_id(task_id)
    except Exception:
        logger.debug("task %s is gone from instance %s", task_id, step.instance.pk)
        return None


def _load(instance: ProcessInstance, actor=None) -> _Step:
    definition = instance.definition
    try:
        parsed = runtime.parsed_definition(definition)
    except parsing.ParseFailed as failure:  # e.g. the engine became stricter since the deploy
        raise DefinitionInvalid(failure.findings) from None
    try:
        state = instance.state  # joined by the lock query
    except InstanceState.DoesNotExist:
        state = InstanceState.objects.get(instance=instance)
    workflow = runtime.load(state.data, parsed)
    step = _Step(instance=instance, definition=definition, parsed=parsed, workflow=workflow, actor=actor)
    step.had_waits = bool(runtime.waiting_event_tasks(workflow))
    return step


def _finish(step: _Step) -> None:
    """Everything after the workflow moved: history, incidents, compaction, projections, state."""
    instance, workflow, outcome = step.instance, step.workflow, step.outcome
    now = timezone.now()
    if outcome.completed:
        elements = [{"id": e, "name": n, "type": t} for e, n, t in outcome.completed]
        step.event(InstanceEvent.Kind.STEP, data={"elements": elements})
        done = list(instance.completed_elements)
        seen = set(done)
        for element_id, _name, _type in outcome.completed:
            if element_id not in seen:
                done.append(element_id)
                seen.add(element_id)
        instance.completed_elements = done
        outcome.completed = []
    if outcome.error is not None:
        _record_failure(step, outcome.error, outcome.error_task)
        outcome.error = None
    _route_thrown_messages(step)
    runtime.compact(workflow)
    _sync_human_tasks(step)
    # Every open task of the instance as this step left it, with who it is offered to (a caller
    # answers "what can I do next" without a query); None when older tasks stay open.
    instance.step_open_tasks = None if step.older_open else list(step.created)
    _sync_waits(step)
    if workflow.is_completed() and instance.status != ProcessInstance.Status.CANCELLED:
        instance.status = ProcessInstance.Status.COMPLETED
        instance.ended_at = now
        step.event(InstanceEvent.Kind.COMPLETED)
        step.send(engine_signals.instance_ended, instance=instance, status=instance.status)
    elif (
        instance.status == ProcessInstance.Status.ERROR
        and not instance.incidents.filter(status=Incident.Status.OPEN).exists()
    ):
        instance.status = ProcessInstance.Status.RUNNING
    _save_state(step)
    instance.variables = runtime.variables_snapshot(workflow)
    instance.step_count += 1
    instance.updated_at = now
    rows.update(instance, _INSTANCE_STEP_FIELDS)
    step.flush_events()
    _send_after_commit(step)


# What a step may change on its instance row (key, starter and business object are fixed at start).
_INSTANCE_STEP_FIELDS = [
    "definition",  # a migration moves the instance to another version
    "status",
    "variables",
    "completed_elements",
    "step_count",
    "updated_at",
    "ended_at",
]

THROWING = ("intermediateThrowEvent", "endEvent", "sendTask")


def _route_thrown_messages(step: _Step) -> None:
    """A message no task of this instance caught goes to other instances, after this step
    commits and in its own transaction (a Celery task; inline in the embedded mode), so two
    instances messaging each other never wait on each other's locks."""
    messages, signals = runtime.thrown_events(step.workflow)
    for name, payload in signals:
        body = runtime.json_safe(payload) if payload is not None else None
        step.event(InstanceEvent.Kind.MESSAGE, data={"direction": "sent", "signal": name, "payload": body})
        step.send(_broadcast_later, name=name, payload=body)
    for name, payload, correlations in messages:
        body = runtime.json_safe(payload if isinstance(payload, dict) else {"payload": payload})
        key_names = next(
            (
                m["correlation_keys"]
                for m in step.parsed.metadata.get("messages", [])
                if m["message"] == name and m["event"] in THROWING and m["correlation_keys"]
            ),
            None,
        )
        keys = {k: body.get(k, correlations.get(k)) for k in key_names} if key_names else correlations
        keys = runtime.json_safe(keys)
        step.event(
            InstanceEvent.Kind.MESSAGE,
            data={"direction": "sent", "message": name, "keys": keys, "payload": body},
        )
        step.send(_deliver_later, name=name, keys=keys, payload=body)


def _broadcast_later(*, name: str, payload) -> None:
    from .tasks import broadcast_signal

    broadcast_signal.delay(name, payload)


def _deliver_later(*, name: str, keys: dict, payload: dict) -> None:
    from .tasks import deliver_message

    deliver_message.delay(name, keys, payload)


def _save_state(step: _Step) -> None:
    data = runtime.dump(step.workflow, step.parsed.dialect)
    values = {
        "serializer_version": runtime.STATE_FORMAT,
        "data": data,
        "size": len(data),
        "task_count": len(step.workflow.tasks),
    }
    if step.new or not rows.update_where(InstanceState, values, instance_id=step.instance.pk):
        rows.insert([InstanceState(instance=step.instance, **values)])
        step.new = False


def _root_error(error: BaseException) -> BaseException:
    seen = set()
    current = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, ConnectorFailed):
            return current
        current = getattr(current, "exception", None) or current.__cause__
    return error


def _user_fixable(error: BaseException) -> DomainError | None:
    """The domain refusal (core.errors) behind a failed step, if there is one: a connector's service
    said the vehicle is booked meanwhile, the stock is gone, the record changed..."""
    seen = set()
    current = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, DomainError):
            return current
        if isinstance(current, ConnectorFailed) and isinstance(current.error, BaseException):
            current = current.error
            continue
        current = getattr(current, "exception", None) or current.__cause__
    return None


def _raise_user_fixable(step: _Step) -> None:
    """A step a person drives (a start, a completion) that failed on something they can fix is
    undone whole (the caller's transaction rolls back) and they are told why; the task stays open.
    Incidents are for failures no input can fix (a script error, a remote system down)."""
    if step.outcome.error is None or _real_user(step.actor) is None:
        return
    refusal = _user_fixable(step.outcome.error)
    if refusal is not None:
        raise refusal


def _record_failure(step: _Step, error: BaseException, task) -> Incident:
    root = _root_error(error)
    element_id, element_name, _type = runtime.element_of(task) if task is not None else ("", "", "")
    is_connector = isinstance(root, ConnectorFailed)
    message = str(root if is_connector else error)
    trace = "".join(traceback.format_exception(error))[-20000:]
    task_id = task.id if task is not None else None
    incident = (
        Incident.objects.filter(instance=step.instance, status=Incident.Status.OPEN, task_id=task_id).first()
        if task_id
        else None
    )
    if incident is not None:
        incident.attempts += 1
        incident.message = message
        incident.traceback = trace
    else:
        incident = Incident(
            instance=step.instance,
            kind=Incident.Kind.CONNECTOR if is_connector else Incident.Kind.SCRIPT,
            element_id=element_id,
            element_name=element_name,
            task_id=task_id,
            message=message,
            traceback=trace,
            connector=root.name if is_connector else "",
        )
    incident.next_retry_at = None
    if is_connector and root.retryable and root.connector and incident.attempts < root.connector.max_attempts:
        delay = root.connector.backoff_seconds * (2 ** (incident.attempts - 1))
        incident.next_retry_at = timezone.now() + timedelta(seconds=delay)
    new = incident.pk is None
    incident.save()
    step.instance.status = ProcessInstance.Status.ERROR
    step.event(
        InstanceEvent.Kind.INCIDENT,
        element_id=element_id,
        data={"incident": incident.pk, "message": message, "attempt": incident.attempts},
    )
    if new:
        step.send(engine_signals.incident_created, instance=step.instance, incident=incident)
    return incident


# -- projections -----------------------------------------------------------------------------------


def _sync_human_tasks(step: _Step) -> None:
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
        spiff_task = _spiff_task(step, task_id)
        if spiff_task is not None and spiff_task.has_state(runtime.TaskState.ERROR):
            step.older_open = True
            continue  # failed while being completed: stays open for the retry of its incident
        row.status = HumanTask.Status.CANCELLED
        row.save(update_fields=["status"])
        row.candidates.update(open=False)
        step.event(InstanceEvent.Kind.TASK_CANCELLED, element_id=row.element_id, human_task=row)
    for task_id, task in ready.items():
        if task_id not in open_rows:
            _create_human_task(step, task)


def _owner_context(step: _Step, task) -> dict:
    context = dict(task.data)
    context.pop("data_objects", None)
    return context


def _create_human_task(step: _Step, task) -> HumanTask:
    instance = step.instance
    element_id, element_name, _type = runtime.element_of(task)
    meta = dict(step.parsed.metadata.get("user_tasks", {}).get(element_id, {}))
    lane = meta.get("lane") or getattr(task.task_spec, "lane", None) or ""
    meta["lane"] = lane
    resolution = owners.resolve(meta, _owner_context(step, task))
    name = (element_name or meta.get("name") or element_id)[:255]
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
        form_schema=owners.form_schema(meta),
        business_object_type_id=instance.business_object_type_id,
        business_object_id=instance.business_object_id,
        business_object_label=instance.business_object_label,
        search_text=f"{name} {instance.business_object_label} {instance.key}"[:512],
    )
    rows.insert([human_task])
    _set_candidates(human_task, resolution, fresh=True)
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
        _no_owner_incident(step, human_task, resolution.problems)
    step.send(engine_signals.task_created, instance=instance, human_task=human_task)
    return human_task


def _set_candidates(human_task: HumanTask, resolution: owners.Resolution, *, fresh: bool = False) -> None:
    if not fresh:
        human_task.candidates.all().delete()
    due_at = human_task.due_at
    candidates = [HumanTaskCandidate(task=human_task, user=u, due_at=due_at) for u in resolution.users]
    candidates += [HumanTaskCandidate(task=human_task, group=g, due_at=due_at) for g in resolution.groups]
    rows.insert(candidates)


def _no_owner_incident(step: _Step, human_task: HumanTask, problems: list[str]) -> Incident:
    detail = "; ".join(problems) or str(_("no assignee, candidate or lane is defined"))
    message = _("Nobody can be found to do “%(task)s”: %(detail)s") % {
        "task": human_task.name,
        "detail": detail,
    }
    incident = Incident.objects.create(
        instance=step.instance,
        kind=Incident.Kind.NO_OWNER,
        element_id=human_task.element_id,
        element_name=human_task.name,
        task_id=human_task.task_id,
        human_task=human_task,
        message=str(message),
    )
    step.instance.status = ProcessInstance.Status.ERROR
    step.event(
        InstanceEvent.Kind.INCIDENT,
        element_id=human_task.element_id,
        human_task=human_task,
        data={"incident": incident.pk, "message": str(message)},
    )
    step.send(engine_signals.incident_created, instance=step.instance, incident=incident)
    return incident


def _sync_waits(step: _Step) -> None:
    """Timer and MessageSubscription rows mirror the workflow's waiting catch events."""
    instance, workflow = step.instance, step.workflow
    waiting = runtime.waiting_event_tasks(workflow) if not workflow.is_completed() else []
    if not waiting and not step.had_waits:
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

    existing = {t.task_id: t for t in Timer.objects.filter(instance=instance, status=Timer.Status.WAITING)}
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
            )
        elif row.due_at != due:
            row.due_at = due
            row.save(update_fields=["due_at"])

    subs = {(s.task_id, s.message_name): s for s in MessageSubscription.objects.filter(instance=instance)}
    gone = [s.pk for key, s in subs.items() if key not in messages]
    if gone:
        MessageSubscription.objects.filter(pk__in=gone).delete()
    for (task_id, message_name), task in messages.items():
        keys = {} if message_name.startswith(SIGNAL_PREFIX) else _subscription_keys(step, task)
        row = subs.get((task_id, message_name))
        digest = correlation_hash(keys)
        if row is None:
            MessageSubscription.objects.create(
                instance=instance,
                task_id=task_id,
                message_name=message_name,
                element_id=runtime.element_of(task)[0],
                correlation=runtime.json_safe(keys),
                correlation_hash=digest,
            )
        elif row.correlation_hash != digest:
            row.correlation = runtime.json_safe(keys)
            row.correlation_hash = digest
            row.save(update_fields=["correlation", "correlation_hash"])


def _subscription_keys(step: _Step, task) -> dict:
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


# -- starting --------------------------------------------------------------------------------------


def _active_definition(key: str) -> DefinitionVersion:
    """Remembered by core.memo (scope "definitions") until a version of any process is saved."""
    definition = remembered(
        ("active", key),
        lambda: DefinitionVersion.objects.filter(key=key, active=True).first(),
        scope="definitions",
    )
    if definition is None:
        raise DefinitionNotFound(_("No active process definition with the key “%(key)s”.") % {"key": key})
    return definition


def _business_fields(business_object) -> dict:
    if business_object is None:
        return {}
    return {
        "business_object_type": ContentType.objects.get_for_model(business_object),
        "business_object_id": str(business_object.pk),
        "business_object_label": str(business_object)[:255],
    }


# The variables a process owns from its start: who started it and what it is about (set by the
# engine only) and whose it is (the engine, or the start binding that knows better). Nobody's form
# data, at the start or at a task, may name them; connectors read the record from the instance row.
ENGINE_VARIABLES = frozenset({"initiator", "business_object"})
OWNED_VARIABLES = ENGINE_VARIABLES | {"owner"}


def _initial_data(started_by, business_object, variables, form_data=None) -> dict:
    """`variables` come from trusted code (a start binding, a service); `form_data` from a person,
    already checked against the start form. The engine's own variables are set last."""
    data = {}
    owner = getattr(business_object, "owner", None) if business_object is not None else None
    if owner is not None and hasattr(owner, "get_username"):
        data["owner"] = owner.get_username()
    trusted = runtime.json_safe(variables or {})
    data.update({k: v for k, v in trusted.items() if k not in ENGINE_VARIABLES})
    data.update(form_data or {})
    if started_by is not None and getattr(started_by, "pk", None) is not None:
        data["initiator"] = started_by.get_username()
    if business_object is not None:
        data["business_object"] = {
            "type": business_object._meta.label_lower,
            "id": str(business_object.pk),
            "label": str(business_object)[:255],
        }
    return data


def start_form_schema(definition: DefinitionVersion) -> dict | None:
    """The JSON Schema of the fields a person may send when starting `definition` (its start
    event's form), or None when the process takes none."""
    parsed = runtime.parsed_definition(definition)
    for meta in (parsed.metadata.get("start_forms") or {}).values():
        schema = owners.form_schema(meta)
        if schema:
            return schema
    return None


def _only_declared(schema: dict | None, data: dict, current: dict, *, start: bool = False) -> dict:
    """Per-field errors for what a person may not send: the process's own variables, fields the
    form does not declare, read-only fields changed. A task without any form (an engine-level
    deployment; the processes app gives every task one) is held to the first rule only."""
    fields = declared_fields(schema)
    if start and fields is None:
        fields = {}
    errors: dict[str, list[str]] = {}
    for name, value in data.items():
        if name in OWNED_VARIABLES:
            errors[name] = [_("This value belongs to the process; it cannot be sent.")]
        elif fields is None:
            continue
        elif name not in fields:
            errors[name] = [
                _("This process takes no start field with this name.")
                if start
                else _("This form has no field with this name.")
            ]
        elif fields[name].get("readOnly") and value != current.get(name):
            errors[name] = [_("This field is read-only.")]
    return errors


def _start(
    definition, *, started_by, business_object=None, variables=None, form_data=None, before_run=None
) -> _Step:
    parsed = runtime.parsed_definition(definition)
    instance = ProcessInstance(
        definition=definition,
        key=definition.key,
        started_by=_real_user(started_by),
        **_business_fields(business_object),
    )
    rows.insert([instance])
    workflow = runtime.new_workflow(parsed)
    data = _initial_data(started_by, business_object, variables, form_data)
    workflow.task_tree.data.update(data)
    for task in workflow.get_tasks(state=runtime.TaskState.READY):
        task.data.update(data)
    step = _Step(instance=instance, definition=definition, parsed=parsed, workflow=workflow, actor=started_by)
    step.new = True
    step.event(InstanceEvent.Kind.STARTED, data={"variables": data, "version": definition.version})
    step.send(engine_signals.instance_started, instance=instance)
    runtime.run_engine(workflow, step.outcome)
    if before_run is not None:
        before_run(step)
        runtime.run_engine(workflow, step.outcome)
    return step


def _validate_start_form(definition: DefinitionVersion, form_data, started_by=None) -> dict:
    """What a person sent to start a process: exactly the fields of its start form."""
    if form_data is None:
        return {}
    if not isinstance(form_data, dict):
        raise ValidationFailed(_("Start data must be an object of field values."))
    try:
        clean = runtime.json_safe(form_data)
    except (TypeError, ValueError) as error:
        raise ValidationFailed(_("Start data cannot be stored: %(error)s") % {"error": error}) from None
    schema = start_form_schema(definition)
    errors = _only_declared(schema, clean, {}, start=True)
    if not errors and schema:
        errors = validate_form_data(schema, clean)
    if not errors and schema:
        errors = picker_errors(schema, clean, PickerContext(viewer=started_by))
    if errors:
        raise ValidationFailed(_("Please correct the highlighted fields."), fields=errors)
    return clean


def start_process(
    key: str,
    *,
    started_by,
    business_object=None,
    variables=None,
    form_data=None,
) -> ProcessInstance:
    """Start the active version of `key` and run it to its first wait (human task, timer, message).

    `variables` are set by trusted code (a start binding, a service); `form_data` is what a person
    sent, held to the process's start form. Neither can set the engine's own variables."""
    definition = _active_definition(key)
    clean = _validate_start_form(definition, form_data, started_by)
    with transaction.atomic():
        step = _start(
            definition,
            started_by=started_by,
            business_object=business_object,
            variables=variables,
            form_data=clean,
        )
        _raise_user_fixable(step)
        _finish(step)
        _audit(
            started_by,
            step.instance,
            "start",
            action=AuditEvent.Action.CREATE,
            changes={k: [None, v] for k, v in clean.items()},
            process=key,
        )
    return step.instance


# -- human tasks -----------------------------------------------------------------------------------


def _lock_task(
    human_task_id: int, *, open_rows: dict | None = None, worker=None
) -> tuple[ProcessInstance, HumanTask]:
    """Lock the task's instance (found through the task, one query), then read the task, and the
    instance's other open tasks, as the lock holder sees them (engine.step_reads). With `open_rows`
    (a dict to fill), the open tasks are put there keyed by workflow task id (what
    _sync_human_tasks compares with), and the instance comes with its starter (a step's answer
    shows them). With `worker` (a signed-in user), the task also says whether it is offered to
    them (`offered`, see _is_candidate)."""
    instance = step_reads.lock_instance_of_task(human_task_id, with_starter=open_rows is not None)
    if instance is None:
        raise TaskNotFound(_("Task %(id)s does not exist.") % {"id": human_task_id})
    signed_in = worker if worker is not None and getattr(worker, "is_authenticated", False) else None
    task = None
    for row in step_reads.task_and_open_tasks(human_task_id, instance.pk, worker=signed_in):
        if row.pk == human_task_id:
            task = row
        if open_rows is not None and row.status == HumanTask.Status.READY:
            open_rows[row.task_id] = row
    if task is None:  # deleted between the two reads (the instance lock keeps it otherwise)
        raise TaskNotFound(_("Task %(id)s does not exist.") % {"id": human_task_id})
    return instance, task


def is_task_admin(user) -> bool:
    """Superusers and holders of the "change human task" permission work any task."""
    return bool(user and (user.is_superuser or user.has_perm("engine.change_humantask")))


def _is_candidate(task: HumanTask, user) -> bool:
    """Named on the task, or in one of its candidate groups (nested groups included). A task read
    by _lock_task(worker=user) already carries the answer."""
    offered = getattr(task, "offered", None)
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


def _require_worker(task: HumanTask, user) -> None:
    """The assignee works the task; an unassigned task can be worked by any candidate."""
    if user is None or not getattr(user, "is_authenticated", False):
        raise NotPermitted(_("You must be signed in to work on tasks."))
    if task.assignee_id == user.pk or is_task_admin(user):
        return
    if task.assignee_id is None and _is_candidate(task, user):
        return
    if task.assignee_id is not None:
        raise NotPermitted(
            _("“%(task)s” is assigned to %(who)s.") % {"task": task.name, "who": task.assignee.get_username()}
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
    errors = _only_declared(task.form_schema, clean, current)
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
    with transaction.atomic():
        open_rows: dict = {}
        instance, task = _lock_task(human_task_id, open_rows=open_rows, worker=user)
        _require_open(task)
        _require_worker(task, user)
        clean = _validate_form(task, data, instance.variables or {}, user)
        step = _load(instance, actor=user)
        step.open_rows = open_rows
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
                _resolve(step, incident, user)
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
            rows.update(task, ["status", "completed_at", "completed_by", "assignee", "claimed_at"])
            if task.candidate_users or task.candidate_groups:
                rows.update_where(HumanTaskCandidate, {"open": False}, task_id=task.pk)
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
            runtime.run_engine(step.workflow, step.outcome)
        _raise_user_fixable(step)
        _finish(step)
        if task.status == HumanTask.Status.COMPLETED:
            _audit(
                user,
                task,
                "complete",
                changes=_changes(before, after),
                process=instance.key,
                fields=sorted(clean),
            )
    return instance


def claim(human_task_id: int, *, user) -> HumanTask:
    """Take an offered task into one's own inbox."""
    with transaction.atomic():
        instance, task = _lock_task(human_task_id)
        _require_open(task)
        if task.assignee_id == getattr(user, "pk", None):
            return task
        if task.assignee_id is not None:
            raise TaskNotClaimable(
                _("“%(task)s” was already claimed by %(who)s.")
                % {"task": task.name, "who": task.assignee.get_username()}
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
        instance, task = _lock_task(human_task_id)
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
        instance, task = _lock_task(human_task_id)
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
    return task


def set_due(human_task_id: int, *, user, due_at) -> HumanTask:
    with transaction.atomic():
        instance, task = _lock_task(human_task_id)
        _require_open(task)
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
        instance, task = _lock_task(human_task_id)
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


def _audit(user, obj, operation: str, *, action=AuditEvent.Action.CHANGE, changes=None, **extra) -> None:
    """The audit row of a person's engine action, in the action's transaction: the engine's actions
    are audited here whichever screen, API call or service drove them (the only audit path)."""
    if _real_user(user) is None:
        return
    audit_record(
        action=action,
        actor=user,
        obj=obj,
        changes=runtime.json_safe(changes or {}),
        extra=runtime.json_safe({"operation": operation, **extra}),
    )


def _history(instance, kind, task, user, data=None) -> InstanceEvent:
    ProcessInstance.objects.filter(pk=instance.pk).update(updated_at=timezone.now())
    if kind in _AUDITED_KINDS:
        extra = {k: v for k, v in (data or {}).items() if k != "text"}  # (a comment stays in the history)
        _audit(user, task, _AUDITED_KINDS[kind], process=instance.key, **extra)
    return InstanceEvent.objects.create(
        instance=instance,
        kind=kind,
        actor=_real_user(user),
        element_id=task.element_id,
        human_task=task,
        data=runtime.json_safe(data or {}),
    )


# -- messages --------------------------------------------------------------------------------------


@dataclass
class CorrelationResult:
    """What a message did: the instances it resumed or started; `matched` False means nobody
    was waiting for it (not an error: the caller decides whether that matters)."""

    message_name: str
    started: list[ProcessInstance] = field(default_factory=list)
    resumed: list[ProcessInstance] = field(default_factory=list)

    @property
    def matched(self) -> bool:
        return bool(self.started or self.resumed)

    @property
    def instances(self) -> list[ProcessInstance]:
        return [*self.resumed, *self.started]

    @property
    def message(self) -> str:
        if self.matched:
            return str(
                _("Message “%(name)s” resumed %(r)d and started %(s)d instance(s).")
                % {"name": self.message_name, "r": len(self.resumed), "s": len(self.started)}
            )
        return str(_("No waiting instance for message “%(name)s”.") % {"name": self.message_name})


def correlate_message(
    name: str, *, keys: dict | None = None, payload: dict | None = None, actor=None
) -> CorrelationResult:
    """Deliver a message to the instances waiting for it with these correlation keys, else start
    the processes whose start event catches it. `actor`: the person (or integration's user) who
    sent it, for the audit log."""
    keys = runtime.json_safe(keys or {})
    payload = runtime.json_safe(payload or {})
    if not isinstance(payload, dict):
        raise ValidationFailed(_("A message payload must be an object."))
    owned = sorted(OWNED_VARIABLES & (set(payload) | set(keys)))
    if owned:
        raise ValidationFailed(
            _("A message cannot set what the process owns."),
            fields={key: [_("This value belongs to the process; it cannot be sent.")] for key in owned},
        )
    result = CorrelationResult(message_name=name)
    with transaction.atomic():
        _correlate(name, keys, payload, result)
        if result.matched:
            instances = result.instances
            _audit(actor, instances[0], "message", message=name, instances=[i.pk for i in instances])
    return result


def _correlate(name: str, keys: dict, payload: dict, result: CorrelationResult) -> CorrelationResult:
    digest = correlation_hash(keys)
    with transaction.atomic():
        instance_ids = sorted(
            set(
                MessageSubscription.objects.filter(
                    message_name=name, correlation_hash=digest, instance__isnull=False
                ).values_list("instance_id", flat=True)
            )
        )
        for instance_id in instance_ids:
            instance = _lock_instance(instance_id)
            subs = list(
                MessageSubscription.objects.filter(
                    instance=instance, message_name=name, correlation_hash=digest
                )
            )
            if not subs or not instance.is_running:
                continue
            step = _load(instance)
            delivered = False
            for sub in subs:
                task = _spiff_task(step, sub.task_id)
                if task is not None and task.has_state(runtime.TaskState.WAITING):
                    runtime.deliver_message(step.workflow, task, payload, step.parsed.dialect, name)
                    step.event(
                        InstanceEvent.Kind.MESSAGE,
                        element_id=sub.element_id,
                        data={"message": name, "keys": keys, "payload": payload},
                    )
                    delivered = True
            if delivered:
                runtime.run_engine(step.workflow, step.outcome)
                _finish(step)
                result.resumed.append(instance)
        if result.resumed:
            return result
        starts = MessageSubscription.objects.filter(
            message_name=name, instance__isnull=True, definition__active=True
        ).select_related("definition")
        for sub in starts:

            def deliver(step, sub=sub):
                task = runtime.start_event_waiting_for(step.workflow, name)
                if task is not None:
                    runtime.deliver_message(step.workflow, task, payload, step.parsed.dialect, name)
                    step.event(
                        InstanceEvent.Kind.MESSAGE,
                        element_id=sub.element_id,
                        data={"message": name, "keys": keys, "payload": payload},
                    )

            step = _start(sub.definition, started_by=None, variables=keys, before_run=deliver)
            _finish(step)
            result.started.append(step.instance)
    return result


# -- signals ---------------------------------------------------------------------------------------

SIGNAL_PREFIX = "signal:"  # signal waits share the subscription table, under this prefix


def broadcast_signal(name: str, *, payload: dict | None = None) -> CorrelationResult:
    """Deliver a BPMN signal to every instance waiting for it and start the processes whose
    start event catches it. Each instance advances in its own transaction: a broadcast to many
    instances never holds many locks at once."""
    result = CorrelationResult(message_name=name)
    topic = SIGNAL_PREFIX + name
    payload = runtime.json_safe(payload) if payload is not None else None
    instance_ids = sorted(
        set(
            MessageSubscription.objects.filter(message_name=topic, instance__isnull=False).values_list(
                "instance_id", flat=True
            )
        )
    )
    for instance_id in instance_ids:
        with transaction.atomic():
            instance = _lock_instance(instance_id)
            subs = list(MessageSubscription.objects.filter(instance=instance, message_name=topic))
            if not subs or not instance.is_running:
                continue
            step = _load(instance)
            delivered = False
            for sub in subs:
                task = _spiff_task(step, sub.task_id)
                if task is not None and task.has_state(runtime.TaskState.WAITING):
                    runtime.deliver_signal(step.workflow, task, name, payload)
                    step.event(InstanceEvent.Kind.MESSAGE, element_id=sub.element_id, data={"signal": name})
                    delivered = True
            if delivered:
                runtime.run_engine(step.workflow, step.outcome)
                _finish(step)
                result.resumed.append(instance)
    starts = MessageSubscription.objects.filter(
        message_name=topic, instance__isnull=True, definition__active=True
    ).select_related("definition")
    for sub in starts:

        def deliver(step, sub=sub):
            task = runtime.start_event_waiting_for_signal(step.workflow, name)
            if task is not None:
                runtime.deliver_signal(step.workflow, task, name, payload)
                step.event(InstanceEvent.Kind.MESSAGE, element_id=sub.element_id, data={"signal": name})

        with transaction.atomic():
            step = _start(sub.definition, started_by=None, before_run=deliver)
            _finish(step)
        result.started.append(step.instance)
    return result


# -- timers ----------------------------------------------------------------------------------------


def fire_due_timers(now=None, *, limit: int = 500) -> int:
    """Fire every timer due at `now`, each exactly once, each in its own transaction.

    Two beat processes may run this at once: rows are taken with SKIP LOCKED and the instance row
    is locked without waiting, so a timer is fired by whoever got it first and the other moves on.
    """
    now = now or timezone.now()
    # Timers created while this run fires others (the next wait of the same process) belong to
    # the next run: a run never chases its own tail, and a simulated `now` stays meaningful.
    cutoff = timezone.now()
    fired = 0
    skipped: set[int] = set()
    while fired + len(skipped) < limit:
        with transaction.atomic():
            qs = Timer.objects.filter(
                status=Timer.Status.WAITING, due_at__lte=now, created_at__lte=cutoff
            ).exclude(pk__in=skipped)
            if _skip_locked_supported():
                qs = qs.select_for_update(skip_locked=True)
            timer = qs.order_by("due_at", "pk").first()
            if timer is None:
                break
            try:
                done = _fire_timer(timer, now)
            except Exception:
                logger.exception("timer %s could not be fired", timer.pk)
                done = False
            if done:
                fired += 1
            else:
                skipped.add(timer.pk)
    return fired


def _fire_timer(timer: Timer, now) -> bool:
    if timer.instance_id is None:
        return _fire_start_timer(timer, now)
    instance = _lock_instance(timer.instance_id, skip_locked=True)
    if instance is None:
        return False  # someone else is advancing this instance; the next tick fires it
    if not instance.is_running:
        timer.status = Timer.Status.CANCELLED
        timer.save(update_fields=["status"])
        return True
    step = _load(instance)
    try:
        task = step.workflow.get_task_from_id(timer.task_id)
    except Exception:
        task = None
    timer.status = Timer.Status.FIRED
    timer.fired_at = now
    timer.save(update_fields=["status", "fired_at"])
    if task is None or not runtime.force_fire_timer(task):
        return True
    step.event(
        InstanceEvent.Kind.TIMER_FIRED,
        element_id=timer.element_id,
        data={"timer": timer.pk, "due_at": timer.due_at.isoformat(), "kind": timer.kind},
    )
    runtime.run_engine(step.workflow, step.outcome)
    _finish(step)
    return True


def _fire_start_timer(timer: Timer, now) -> bool:
    definition = timer.definition
    if definition is None or not definition.active:
        timer.status = Timer.Status.CANCELLED
        timer.save(update_fields=["status"])
        return True

    def fire(step):
        for task in runtime.waiting_event_tasks(step.workflow):
            if runtime.element_of(task)[0] == timer.element_id:
                if runtime.timer_kind(task.task_spec.event_definition) == "cycle":
                    task._set_internal_data(
                        event_value={"cycles": 1, "next": now.isoformat(), "duration": 1.0}
                    )
                runtime.force_fire_timer(task)
        step.event(InstanceEvent.Kind.TIMER_FIRED, element_id=timer.element_id, data={"timer": timer.pk})

    step = _start(definition, started_by=None, before_run=fire)
    _finish(step)
    timer.status = Timer.Status.FIRED
    timer.fired_at = now
    timer.save(update_fields=["status", "fired_at"])
    cycle = timer.cycle or {}
    remaining = cycle.get("cycles", 0)
    if timer.kind == Timer.Kind.CYCLE and remaining != 1 and cycle.get("seconds"):
        next_due = timer.due_at + timedelta(seconds=cycle["seconds"])
        while next_due <= now:
            next_due += timedelta(seconds=cycle["seconds"])
        Timer.objects.create(
            definition=definition,
            element_id=timer.element_id,
            kind=timer.kind,
            expression=timer.expression,
            due_at=next_due,
            cycle={**cycle, "cycles": remaining - 1 if remaining > 0 else remaining},
        )
    return True


# -- incidents and cancellation --------------------------------------------------------------------


def retry_incident(incident_id: int, *, user) -> Incident:
    """Run the failed element again (after its cause was fixed) or re-resolve a task's owners.

    `user` None is the engine's own automatic retry; people need the incident or instance change
    permission (process administrators)."""
    incident_instance = Incident.objects.filter(pk=incident_id).values_list("instance_id", flat=True).first()
    if incident_instance is None:
        raise IncidentNotFound(_("Incident %(id)s does not exist.") % {"id": incident_id})
    if user is not None and not (
        user.is_superuser
        or user.has_perm("engine.change_incident")
        or user.has_perm("engine.change_processinstance")
    ):
        raise NotPermitted(_("Only process administrators may retry incidents."))
    with transaction.atomic():
        instance = _lock_instance(incident_instance)
        incident = Incident.objects.get(pk=incident_id)
        if incident.status != Incident.Status.OPEN:
            raise IncidentNotOpen(_("This incident was already resolved."))
        if not instance.is_running:
            raise InstanceNotRunning(_("The process instance is no longer running."))
        step = _load(instance, actor=user)
        if incident.kind == Incident.Kind.NO_OWNER:
            _retry_owner(step, incident, user)
        else:
            _retry_element(step, incident, user)
        _finish(step)
        incident.refresh_from_db()
        _audit(user, incident, "retry", status=incident.status, process=instance.key)
    return incident


def _resolve(step: _Step, incident: Incident, user) -> None:
    incident.status = Incident.Status.RESOLVED
    incident.resolved_at = timezone.now()
    incident.resolved_by = _real_user(user)
    incident.next_retry_at = None
    incident.save()
    step.event(
        InstanceEvent.Kind.INCIDENT_RESOLVED,
        element_id=incident.element_id,
        actor=user,
        data={"incident": incident.pk},
    )


def _retry_element(step: _Step, incident: Incident, user) -> None:
    try:
        task = step.workflow.get_task_from_id(incident.task_id)
    except Exception:
        task = None
    if task is None or not task.has_state(runtime.TaskState.ERROR):
        _resolve(step, incident, user)
        return
    runtime.retry_task(step.workflow, task)
    runtime.run_engine(step.workflow, step.outcome)
    failed_again = step.outcome.error is not None and step.outcome.error_task is not None
    if failed_again and step.outcome.error_task.id == incident.task_id:
        return  # _finish updates this incident (attempts + 1, new message)
    _resolve(step, incident, user)


def _retry_owner(step: _Step, incident: Incident, user) -> None:
    human_task = incident.human_task
    if human_task is None or not human_task.is_open:
        _resolve(step, incident, user)
        return
    task = step.workflow.get_task_from_id(human_task.task_id)
    meta = dict(step.parsed.metadata.get("user_tasks", {}).get(human_task.element_id, {}))
    meta["lane"] = human_task.lane
    resolution = owners.resolve(meta, _owner_context(step, task))
    if not resolution.anybody:
        incident.attempts += 1
        incident.message = "; ".join(resolution.problems) or incident.message
        incident.save(update_fields=["attempts", "message"])
        return
    human_task.assignee = resolution.assignee
    human_task.candidate_users = [u.username for u in resolution.users]
    human_task.candidate_groups = [g.name for g in resolution.groups]
    human_task.save(update_fields=["assignee", "candidate_users", "candidate_groups"])
    _set_candidates(human_task, resolution)
    _resolve(step, incident, user)


def retry_due_incidents(now=None, *, limit: int = 100) -> int:
    """Automatic retries of retryable connectors whose backoff has elapsed."""
    now = now or timezone.now()
    done = 0
    due = Incident.objects.filter(status=Incident.Status.OPEN, next_retry_at__lte=now).order_by(
        "next_retry_at"
    )
    for incident_id in list(due.values_list("pk", flat=True)[:limit]):
        try:
            retry_incident(incident_id, user=None)
            done += 1
        except (IncidentNotOpen, InstanceNotRunning, IncidentNotFound):
            continue
    return done


def cancel_instance(instance_id: int, *, user, reason: str = "") -> ProcessInstance:
    """Stop a running instance: open tasks are cancelled, waits removed, the reason recorded."""
    with transaction.atomic():
        instance = _lock_instance(instance_id)
        if not (
            is_task_admin(user)
            or (user is not None and instance.started_by_id == user.pk)
            or (user is not None and user.has_perm("engine.change_processinstance"))
        ):
            raise NotPermitted(_("You may not cancel this process instance."))
        if not instance.is_running:
            raise InstanceNotRunning(
                _("The process instance is already %(status)s.") % {"status": instance.get_status_display()}
            )
        step = _load(instance, actor=user)
        step.workflow.cancel()
        now = timezone.now()
        open_tasks = HumanTask.objects.filter(instance=instance, status=HumanTask.Status.READY)
        HumanTaskCandidate.objects.filter(task__in=open_tasks).update(open=False)
        open_tasks.update(status=HumanTask.Status.CANCELLED)
        Timer.objects.filter(instance=instance, status=Timer.Status.WAITING).update(
            status=Timer.Status.CANCELLED
        )
        MessageSubscription.objects.filter(instance=instance).delete()
        Incident.objects.filter(instance=instance, status=Incident.Status.OPEN).update(
            status=Incident.Status.RESOLVED, resolved_at=now, resolved_by=_real_user(user), next_retry_at=None
        )
        instance.status = ProcessInstance.Status.CANCELLED
        instance.ended_at = now
        instance.updated_at = now
        step.event(InstanceEvent.Kind.CANCELLED, data={"reason": reason or ""})
        _save_state(step)
        instance.save()
        step.flush_events()
        _audit(user, instance, "cancel", changes={"status": ["running", "cancelled"]}, reason=reason or "")
        step.send(engine_signals.instance_ended, instance=instance, status=instance.status)
        _send_after_commit(step)
    return instance
