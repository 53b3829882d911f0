"""One step of an instance: load (lock, state, parsed definition), run the workflow, collect what
changed, flush it (history, incidents, projections, state, the instance row) in the caller's
transaction; signals after commit. Every service that moves an instance goes through here."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.models import AuditEvent
from audit.services import audit_record
from core import rows

from . import connectors, parsing, persistence, runtime, summaries
from . import signals as engine_signals
from .errors import (
    DefinitionInvalid,
    InstanceNotFound,
)
from .failures import limit_incident, record_failure, stuck_incident, user_fixable
from .forms import ENGINE_VARIABLES
from .models import (
    DefinitionVersion,
    HumanTask,
    Incident,
    InstanceEvent,
    InstanceState,
    ProcessInstance,
)
from .projection import OpenTask, sync_human_tasks, sync_waits

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class StepResult:
    """What a step left behind: the instance (committed values, definition and starter loaded) and,
    when the step knows them all, every open task of it with who it is offered to (a caller answers
    "what can I do next" without a query; None when tasks older than the step stay open)."""

    instance: ProcessInstance
    open_tasks: tuple[OpenTask, ...] | None = None


@dataclass
class Step:
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
    # How many instances handed this step on (a message or signal thrown by one instance that
    # reached this one, and so on): bounded by settings.ENGINE_MAX_CHAIN_DEPTH.
    depth: int = 0
    # The instance's open task rows, when the step already read them under the instance lock
    # (complete_task); None: sync_human_tasks queries them.
    open_rows: dict | None = None
    # Task rows this step created, with who they are offered to; whether older rows stay open.
    created: list[OpenTask] = field(default_factory=list)
    older_open: bool = False
    # Primary keys drawn ahead for the human tasks this step creates (engine.persistence.new_keys):
    # a task with one is written with the step's other writes, one without costs a round trip.
    task_keys: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        connectors.set_step_actor(self.actor)
        connectors.set_step_instance(self.instance)

    def event(self, kind, *, element_id="", human_task=None, data=None, actor=None) -> InstanceEvent:
        """Buffered: the step's history rows are written with one INSERT when it finishes."""
        who = real_user(actor if actor is not None else self.actor)
        event = InstanceEvent(  # (by keys: the related objects are not needed again)
            instance_id=self.instance.pk,
            kind=kind,
            at=timezone.now(),
            actor_id=who.pk if who is not None else None,
            element_id=element_id or "",
            human_task_id=human_task.pk if human_task is not None else None,
            data=runtime.json_safe(data or {}),
        )
        self.events.append(event)
        return event

    def flush_events(self) -> None:
        if self.events:
            rows.insert(self.events, defer=True)  # (nobody needs their keys)
            self.events = []

    def send(self, signal, **kwargs) -> None:
        self.after_commit.append((signal, kwargs))


def real_user(user):
    return user if user is not None and getattr(user, "pk", None) is not None else None


def send_after_commit(step: Step) -> None:
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


def lock_instance(instance_id: int, *, skip_locked: bool = False) -> ProcessInstance | None:
    # of=("self",): lock the instance row only, not the joined definition (which every instance
    # of the process shares).
    qs = ProcessInstance.objects.select_for_update(
        skip_locked=skip_locked and skip_locked_supported(), of=("self",)
    ).select_related("definition", "state")
    if connection.vendor == "postgresql":
        # Waiting for the lock, PostgreSQL re-reads the locked row but not the state joined to it
        # (engine.persistence explains): a newer row version than the snapshot's means read again.
        table = connection.ops.quote_name(ProcessInstance._meta.db_table)
        fresh = f"{table}.xmin = (SELECT x.xmin FROM {table} x WHERE x.id = {table}.id)"  # noqa: S608 (model names)
        qs = qs.annotate(fresh=RawSQL(fresh, ()))  # noqa: S611 (no parameters)
    for _attempt in range(2):
        try:
            # The state row comes with the lock (one query); load reads it from there.
            instance = qs.get(pk=instance_id)
        except ProcessInstance.DoesNotExist:
            if skip_locked:
                return None
            raise InstanceNotFound(
                _("Process instance %(id)s does not exist.") % {"id": instance_id}
            ) from None
        if getattr(instance, "fresh", True):
            break
    return instance


def skip_locked_supported() -> bool:
    return connection.features.has_select_for_update_skip_locked


def load(instance: ProcessInstance, actor=None) -> Step:
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
    step = Step(instance=instance, definition=definition, parsed=parsed, workflow=workflow, actor=actor)
    step.had_waits = bool(runtime.waiting_event_tasks(workflow) or runtime.event_subprocess_starts(workflow))
    return step


def finish(step: Step) -> StepResult:
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
        record_failure(step, outcome.error, outcome.error_task)
        outcome.error = None
    _route_thrown_messages(step)
    runtime.compact(workflow)
    sync_human_tasks(step)
    sync_waits(step)
    if instance.status != ProcessInstance.Status.CANCELLED:
        check_stuck(step)
    if workflow.is_completed() and instance.status != ProcessInstance.Status.CANCELLED:
        if instance.status == ProcessInstance.Status.ERROR:  # (open incidents make it ERROR)
            # what was about its tasks or its standstill is over with it
            Incident.objects.filter(
                instance=instance,
                status=Incident.Status.OPEN,
                kind__in=[Incident.Kind.NO_OWNER, Incident.Kind.STUCK],
            ).update(status=Incident.Status.RESOLVED, resolved_at=now, resolved_by=real_user(step.actor))
        instance.status = ProcessInstance.Status.COMPLETED
        instance.ended_at = now
        step.event(InstanceEvent.Kind.COMPLETED)
        step.send(engine_signals.instance_ended, instance=instance, status=instance.status)
    elif (
        instance.status == ProcessInstance.Status.ERROR
        and not instance.incidents.filter(status=Incident.Status.OPEN).exists()
    ):
        instance.status = ProcessInstance.Status.RUNNING
    save_state(step)
    instance.variables = runtime.variables_snapshot(workflow)
    instance.step_count += 1
    instance.updated_at = now
    rows.update(instance, _INSTANCE_STEP_FIELDS, defer=True)
    step.flush_events()
    send_after_commit(step)
    return StepResult(instance, None if step.older_open else tuple(step.created))


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


def max_chain_depth() -> int:
    return int(getattr(settings, "ENGINE_MAX_CHAIN_DEPTH", 20))


def check_stuck(step: Step) -> None:
    """An instance that has not ended but has nothing left to wait for gets a "stuck" incident
    naming the gateway and the flows it waits for; one that moves again has it resolved."""
    joins = runtime.stuck_joins(step.workflow)
    if joins is not None:
        flows = {
            (e["source"], e["target"]): e.get("name", "")
            for e in (step.parsed.metadata.get("elements") or {}).values()
            if e.get("type") == "sequenceFlow" and e.get("source")
        }
        stuck_incident(step, joins, flows)
        return
    if step.instance.status == ProcessInstance.Status.ERROR:
        for incident in Incident.objects.filter(
            instance=step.instance, status=Incident.Status.OPEN, kind=Incident.Kind.STUCK
        ):
            incident.status = Incident.Status.RESOLVED
            incident.resolved_at = timezone.now()
            incident.resolved_by = real_user(step.actor)
            incident.save(update_fields=["status", "resolved_at", "resolved_by"])
            step.event(
                InstanceEvent.Kind.INCIDENT_RESOLVED,
                element_id=incident.element_id,
                data={"incident": incident.pk},
            )


def _route_thrown_messages(step: Step) -> None:
    """A message no task of this instance caught goes to other instances, after this step
    commits and in its own transaction (engine.tasks receives the signal and queues a Celery task;
    inline in the embedded mode), so two instances messaging each other never wait on each
    other's locks."""
    messages, signals = runtime.thrown_events(step.workflow)
    depth = step.depth + 1
    if (messages or signals) and depth > max_chain_depth():
        names = [name for name, _payload in signals] + [name for name, _payload, _keys in messages]
        limit_incident(
            step,
            str(
                _(
                    "This process was started or woken by a chain of %(depth)d processes handing on "
                    "messages or signals; to stop a chain without end, what it sent now (%(names)s) "
                    "was not delivered."
                )
            )
            % {"depth": step.depth, "names": ", ".join(f"“{n}”" for n in names)},
        )
        return
    for name, payload in signals:
        body = runtime.json_safe(payload) if payload is not None else None
        step.event(InstanceEvent.Kind.MESSAGE, data={"direction": "sent", "signal": name, "payload": body})
        step.send(engine_signals.signal_thrown, name=name, payload=body, depth=depth)
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
        step.send(engine_signals.message_thrown, name=name, keys=keys, payload=body, depth=depth)


def save_state(step: Step) -> None:
    data = runtime.dump(step.workflow, step.parsed.dialect)
    values = {
        "serializer_version": runtime.STATE_FORMAT,
        "data": data,
        "size": len(data),
        "task_count": len(step.workflow.tasks),
    }
    if step.new:
        rows.insert([InstanceState(instance=step.instance, **values)], defer=True)
        step.new = False
    else:  # (load() read the row, or refused an instance without one)
        rows.update_where(InstanceState, values, instance_id=step.instance.pk, defer=True)


def raise_user_fixable(step: Step) -> None:
    """A step a person drives (a start, a completion) that failed on something they can fix is
    undone whole (the caller's transaction rolls back) and they are told why; the task stays open.
    Incidents are for failures no input can fix (a script error, a remote system down)."""
    if step.outcome.error is None or real_user(step.actor) is None:
        return
    refusal = user_fixable(step.outcome.error)
    if refusal is not None:
        raise refusal


def audit(user, obj, operation: str, *, action=AuditEvent.Action.CHANGE, changes=None, **extra) -> None:
    """The audit row of a person's engine action, in the action's transaction: the engine's actions
    are audited here whichever screen, API call or service drove them (the only audit path)."""
    if real_user(user) is None:
        return
    audit_record(
        action=action,
        actor=user,
        obj=obj,
        changes=runtime.json_safe(changes or {}),
        extra=runtime.json_safe({"operation": operation, **extra}),
        defer=True,
    )


def _business_fields(business_object) -> dict:
    if business_object is None:
        return {}
    return {
        "business_object_type": ContentType.objects.get_for_model(business_object),
        "business_object_id": str(business_object.pk),
        "business_object_label": summaries.object_label(business_object),
    }


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
            "label": summaries.object_label(business_object),
        }
    return data


def start(
    definition,
    *,
    started_by,
    business_object=None,
    variables=None,
    form_data=None,
    before_run=None,
    depth: int = 0,
) -> Step:
    parsed = runtime.parsed_definition(definition)
    instance = ProcessInstance(
        definition=definition,
        key=definition.key,
        started_by=real_user(started_by),
        **_business_fields(business_object),
    )
    # The instance's key and one for its first human task, drawn together: the instance row then
    # waits for the step's one write statement (persistence.new_keys; elsewhere it is inserted now).
    keys = persistence.new_keys(ProcessInstance, *([HumanTask] if parsed.metadata.get("user_tasks") else []))
    if keys:
        instance.pk = keys[0]
    rows.insert([instance], defer=keys is not None)
    workflow = runtime.new_workflow(parsed)
    data = _initial_data(started_by, business_object, variables, form_data)
    for name in parsed.metadata.get("initiator_variables", ()):
        # `camunda:initiator` / `flowable:initiator`: the file names the variable holding the starter
        if "initiator" in data and name not in ENGINE_VARIABLES:
            data[name] = data["initiator"]
    workflow.task_tree.data.update(data)
    for task in workflow.get_tasks(state=runtime.TaskState.READY):
        task.data.update(data)
    step = Step(instance=instance, definition=definition, parsed=parsed, workflow=workflow, actor=started_by)
    step.new = True
    step.task_keys = (keys or [])[1:]
    step.depth = depth
    step.event(InstanceEvent.Kind.STARTED, data={"variables": data, "version": definition.version})
    step.send(engine_signals.instance_started, instance=instance)
    runtime.run_engine(workflow, step.outcome)
    if before_run is not None:
        before_run(step)
        runtime.run_engine(workflow, step.outcome)
    return step
