"""The in-memory side of the engine: specs, the script engine, (de)serialization and compaction.

Nothing here touches the database; `engine.services` loads and saves around these functions.

Why compaction: SpiffWorkflow keeps every task ever executed in one tree, so a loop makes the tree
(and its serialization) grow by a few tasks per iteration, every step re-walks it, and its
`TaskIterator` stops at depth 1000, after which a looping process silently looks completed. After
every step we therefore remove what no rule of SpiffWorkflow can look at again: finished
single-child links of the chain (spliced out, the child re-attached to the grandparent) and
finished dead branches beside a live one. Ancestry among the surviving tasks is preserved, which
is what joins and boundary events rely on; the removed tasks are already recorded as history
(InstanceEvent "step" rows and ProcessInstance.completed_elements). The live tree, and so the
state written per step, stays bounded by the number of tokens, not by the history.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, WorkflowConverter
from SpiffWorkflow.bpmn.specs.event_definitions.item_aware_event import SignalEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    CycleTimerEventDefinition,
    DurationTimerEventDefinition,
    TimeDateEventDefinition,
    TimerEventDefinition,
)
from SpiffWorkflow.bpmn.util.event import BpmnEvent
from SpiffWorkflow.camunda.serializer.config import CAMUNDA_CONFIG
from SpiffWorkflow.specs.Join import Join
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.spiff.specs.defaults import ServiceTask as SpiffServiceTask
from SpiffWorkflow.util.task import TaskState

from . import parsing

STATE_FORMAT = "baton-1"
FINISHED = TaskState.COMPLETED | TaskState.CANCELLED

# -- script engine ---------------------------------------------------------------------------------

_script_engine = None
_script_engine_lock = threading.Lock()


def script_engine():
    """The one script engine every workflow uses: the sandbox, with Baton's helpers injected and
    service tasks routed to the connector registry."""
    global _script_engine
    if _script_engine is None:
        with _script_engine_lock:
            if _script_engine is None:
                from .connectors import call_service
                from .helpers import script_helpers
                from .sandbox import SandboxedScriptEngine

                _script_engine = SandboxedScriptEngine(helpers=script_helpers(), service_handler=call_service)
    return _script_engine


# -- serialization ---------------------------------------------------------------------------------


class SpeclessWorkflowConverter(BpmnWorkflowConverter):
    """Serializes a workflow without its spec: specs are parsed once per definition version."""

    def to_dict(self, workflow):
        dct = WorkflowConverter.to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct, spec=None, subprocess_specs=None):
        workflow = self.target_class(
            spec, subprocess_specs, script_engine=script_engine(), deserializing=True
        )
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


_local = threading.local()


def _serializer(dialect: str) -> BpmnWorkflowSerializer:
    # The registry toggles an "encoder mode" flag while serializing, so each thread gets its own.
    cache = getattr(_local, "serializers", None)
    if cache is None:
        cache = _local.serializers = {}
    if dialect not in cache:
        config = dict(CAMUNDA_CONFIG if dialect == "camunda" else SPIFF_CONFIG)
        # Service tasks are parsed as Spiff's (engine.parsing routes them to connectors) in both
        # dialects: the migration's spec diff must be able to convert them too.
        config.setdefault(SpiffServiceTask, SPIFF_CONFIG[SpiffServiceTask])
        config[BpmnWorkflow] = SpeclessWorkflowConverter
        cache[dialect] = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(config))
    return cache[dialect]


def dump(workflow, dialect: str) -> str:
    return _serializer(dialect).serialize_json(workflow)


def load(state: str, parsed: parsing.ParsedDefinition):
    serializer = _serializer(parsed.dialect)
    dct = json.loads(state)
    serializer.migrate(dct)
    return serializer.from_dict(dct, spec=parsed.spec, subprocess_specs=parsed.subprocess_specs)


def new_workflow(parsed: parsing.ParsedDefinition):
    return BpmnWorkflow(parsed.spec, parsed.subprocess_specs, script_engine=script_engine())


# -- spec cache ------------------------------------------------------------------------------------

_specs: dict[tuple[int, str], parsing.ParsedDefinition] = {}
_specs_lock = threading.Lock()


def parsed_definition(definition) -> parsing.ParsedDefinition:
    """The parsed specs of a stored definition version, parsed once per process."""
    cache_key = (definition.pk, definition.content_hash)
    parsed = _specs.get(cache_key)
    if parsed is None:
        with _specs_lock:
            parsed = _specs.get(cache_key)
            if parsed is None:
                parsed = parsing.parse_files(parsing.process_files(definition.files))
                # The stored metadata carries what the deploy added (task forms, ...).
                parsed.metadata = definition.metadata or parsed.metadata
                _specs[cache_key] = parsed
    return parsed


def serializer_registry(dialect: str):
    """The serializer's converter registry (SpiffWorkflow's spec diff compares specs with it)."""
    return _serializer(dialect).registry


def remember_parsed(definition, parsed: parsing.ParsedDefinition) -> None:
    with _specs_lock:
        _specs[(definition.pk, definition.content_hash)] = parsed


# -- running ---------------------------------------------------------------------------------------


class ChainTooLong(Exception):
    """A step started more subprocesses (call activities) than settings.ENGINE_MAX_SUBPROCESSES
    allows: a process calling itself without end is stopped here, with an incident."""

    def __init__(self, message: str, task=None):
        super().__init__(message)
        self.task = task


def max_subprocesses() -> int:
    from django.conf import settings

    return int(getattr(settings, "ENGINE_MAX_SUBPROCESSES", 200))


@dataclass
class StepOutcome:
    completed: list = field(default_factory=list)  # (element_id, name, type) in order
    error: BaseException | None = None
    error_task: Any = None


def element_of(task) -> tuple[str, str, str]:
    spec = task.task_spec
    return (
        getattr(spec, "bpmn_id", None) or spec.name,
        getattr(spec, "bpmn_name", None) or "",
        spec.__class__.__name__,
    )


def run_engine(workflow, outcome: StepOutcome | None = None, *, max_rounds: int = 1000) -> StepOutcome:
    """Run every READY engine task (gateways, scripts, service calls, events) until only human
    tasks and waiting events are left. A failing task stays at its element (state ERROR)."""
    outcome = outcome or StepOutcome()
    limit = max_subprocesses()

    def did_complete(task):
        if task.task_spec.__class__.__name__ not in _INTERNAL_SPECS:
            outcome.completed.append(element_of(task))
        if len(workflow.subprocesses) > limit:
            from django.utils.translation import gettext

            # named at the call activity that opened the subprocess, not inside it
            sub = task.workflow
            if sub is not workflow and getattr(sub, "parent_task_id", None) is not None:
                task = workflow.get_task_from_id(sub.parent_task_id) or task

            raise ChainTooLong(
                gettext(
                    "More than %(limit)d subprocesses or called processes run in this instance at once "
                    "(does a process call itself without end?); it was stopped here."
                )
                % {"limit": limit},
                task,
            )

    try:
        for _ in range(max_rounds):
            workflow.do_engine_steps(did_complete_task=did_complete)
            if workflow.is_completed() or not any(
                not t.task_spec.manual for t in workflow.get_tasks(state=TaskState.READY)
            ):
                break
    except Exception as error:  # the instance stays at the failing element; the caller records it
        outcome.error = error
        outcome.error_task = _failed_task(workflow, error)
    return outcome


_INTERNAL_SPECS = {
    "BpmnStartTask",
    "StartTask",
    "_EndJoin",
    "SimpleBpmnTask",
    "BoundaryEventSplit",
    "BoundaryEventJoin",
    "StartEventSplit",
    "StartEventJoin",
}


def _failed_task(workflow, error):
    task = getattr(error, "task", None)
    if task is not None:
        return task
    errored = workflow.get_tasks(state=TaskState.ERROR)
    return errored[-1] if errored else None


def ready_human_tasks(workflow) -> list:
    return [t for t in workflow.get_tasks(state=TaskState.READY) if t.task_spec.manual]


def complete_human_task(workflow, task, data: dict) -> None:
    task.data.update(data)
    task.run()


def retry_task(workflow, task) -> None:
    """Put a failed task back to READY so the next engine run executes it again."""
    task._set_state(TaskState.READY)


# -- waiting events --------------------------------------------------------------------------------


def waiting_event_tasks(workflow) -> list:
    return [t for t in workflow.event_manager.tasks.values() if t.has_state(TaskState.WAITING)]


def timer_kind(definition) -> str | None:
    if isinstance(definition, CycleTimerEventDefinition):
        return "cycle"
    if isinstance(definition, DurationTimerEventDefinition):
        return "duration"
    if isinstance(definition, TimeDateEventDefinition):
        return "date"
    return None


def event_definitions(task) -> list:
    """The definitions a waiting task catches (an event-based gateway holds several)."""
    definition = getattr(task.task_spec, "event_definition", None)
    if isinstance(definition, MultipleEventDefinition):
        return list(definition.event_definitions)
    return [definition] if definition is not None else []


def timer_of(task):
    for definition in event_definitions(task):
        if isinstance(definition, TimerEventDefinition):
            return definition
    return None


def messages_of(task) -> list:
    return [d for d in event_definitions(task) if isinstance(d, MessageEventDefinition)]


def timer_due(task) -> datetime | None:
    definition = timer_of(task)
    value = task._get_internal_data("event_value")
    if definition is None or value is None:
        return None
    try:
        if isinstance(definition, CycleTimerEventDefinition):
            if value.get("cycles", 0) == 0:
                return None
            return datetime.fromisoformat(value["next"])
        if isinstance(definition, DurationTimerEventDefinition):
            return TimerEventDefinition.get_datetime(value)
        parsed = TimerEventDefinition.parse_time_or_duration(value)
        return parsed if isinstance(parsed, datetime) else None
    except (ValueError, TypeError, KeyError, AttributeError):
        return None


def force_fire_timer(task) -> bool:
    """Fire a waiting timer now (our Timer table decided it is due; SpiffWorkflow checks the wall
    clock, which a test's or a late beat's `now` need not match). False if it no longer waits."""
    definition = timer_of(task)
    if definition is None or not task.has_state(TaskState.WAITING):
        return False
    if isinstance(definition, CycleTimerEventDefinition):
        value = task._get_internal_data("event_value")
        if value is None or value.get("cycles", 0) == 0:
            return False
        value["next"] = (datetime.now(UTC) - timedelta(microseconds=1)).isoformat()
        task._set_internal_data(event_value=value)
    else:
        task._set_internal_data(event_fired=True)
    task.task_spec._update(task)
    return True


def is_message_wait(task) -> bool:
    return bool(messages_of(task))


def deliver_message(workflow, task, payload: dict, dialect: str, message_name: str | None = None) -> None:
    candidates = messages_of(task)
    definition = next(
        (d for d in candidates if d.name == message_name), candidates[0] if candidates else None
    )
    body = {"payload": payload, "result_var": None} if dialect == "camunda" else dict(payload)
    event = BpmnEvent(definition, payload=body)
    # Without a message variable the payload's fields become process data (what a designer
    # expects from "the message carries the order"); with one, SpiffWorkflow also stores it there.
    task.data.update(payload)
    task.task_spec.catch(task, event)
    task.task_spec._update(task)


def start_event_waiting_for(workflow, message_name: str):
    for task in waiting_event_tasks(workflow):
        if any(d.name == message_name for d in messages_of(task)):
            return task
    return None


def thrown_events(workflow) -> tuple[list[tuple[str, Any, dict]], list[tuple[str, Any]]]:
    """Messages (name, payload, correlations) and signals (name, payload) thrown in this step that
    no task of this workflow caught. Reading them also clears SpiffWorkflow's list of uncaught
    events, which would otherwise grow with every throw."""
    messages, signals = [], []
    for event in workflow.get_events():
        definition = event.event_definition
        if isinstance(definition, MessageEventDefinition):
            payload = event.payload
            if isinstance(payload, dict) and set(payload) == {"payload", "result_var"}:
                payload = payload["payload"]  # the Camunda dialect wraps it
            flat: dict = {}
            for values in (event.correlations or {}).values():
                if isinstance(values, dict):
                    flat.update(values)
            messages.append((definition.name, payload, flat))
        elif isinstance(definition, SignalEventDefinition):
            # Only a payload the designer wrote (a Spiff payload expression) travels to other
            # instances; SpiffWorkflow's default, the thrower's whole data, stays home.
            payload = event.payload if getattr(definition, "expression", None) else None
            signals.append((definition.name, payload))
    return messages, signals


def thrown_messages(workflow) -> list[tuple[str, Any, dict]]:
    return thrown_events(workflow)[0]


def signals_of(task) -> list:
    return [d for d in event_definitions(task) if isinstance(d, SignalEventDefinition)]


def deliver_signal(workflow, task, name: str, payload) -> None:
    definition = next(d for d in signals_of(task) if d.name == name)
    task.task_spec.catch(task, BpmnEvent(definition, payload=payload))
    task.task_spec._update(task)


def start_event_waiting_for_signal(workflow, name: str):
    for task in waiting_event_tasks(workflow):
        if any(d.name == name for d in signals_of(task)):
            return task
    return None


# -- data ------------------------------------------------------------------------------------------


_PLAIN = (str, int, float, bool, type(None))


class _NotPlain(Exception):
    pass


def _plain_copy(value, depth: int = 0):
    """A deep copy of JSON data made only of dicts with string keys, lists, tuples (as lists) and
    scalars; anything else (a date, a Decimal, a non-string key, a float that JSON cannot hold
    exactly) raises _NotPlain and json_safe takes the JSON round trip."""
    kind = type(value)
    if kind in _PLAIN:
        if kind is float and (value != value or value in (float("inf"), float("-inf"))):
            raise _NotPlain
        return value
    if depth > 50:
        raise _NotPlain
    if kind is dict:
        copy = {}
        for key, item in value.items():
            if type(key) is not str:
                raise _NotPlain
            copy[key] = _plain_copy(item, depth + 1)
        return copy
    if kind is list or kind is tuple:
        return [_plain_copy(item, depth + 1) for item in value]
    raise _NotPlain


def json_safe(value):
    """`value` as it reads back from JSON (a fresh copy: dates and other objects as their str,
    tuples as lists, keys as strings). Plain data, the usual case, is copied without the round
    trip (a third of the cost; tests/engine/test_runtime_json.py checks they agree)."""
    try:
        return _plain_copy(value)
    except _NotPlain:
        return json.loads(json.dumps(value, default=str))


def variables_snapshot(workflow) -> dict:
    """What a person would call the process data now: the data of the newest open tasks, or the
    final data once the process has ended."""
    if workflow.is_completed():
        data = dict(workflow.data)
    else:
        data = {}
        if workflow.last_task is not None:
            data.update(workflow.last_task.data)
        open_tasks = workflow.get_tasks(state=TaskState.READY | TaskState.WAITING | TaskState.STARTED)
        for task in sorted(open_tasks, key=lambda t: t.last_state_change):
            data.update(task.data)
    data.pop("data_objects", None)
    return json_safe({k: v for k, v in data.items() if not callable(v)})


# -- compaction ------------------------------------------------------------------------------------


def compact(workflow) -> int:
    """Remove finished history from the live task tree (see the module docstring). Returns the
    number of tasks removed."""
    if workflow.is_completed():
        return 0
    removed = _drop_finished_subprocesses(workflow)
    for wf in [workflow, *workflow.subprocesses.values()]:
        removed += _compact_tree(wf, workflow)
    return removed


def _drop_finished_subprocesses(top) -> int:
    removed = 0
    for task_id in list(top.subprocesses):
        subprocess = top.subprocesses.get(task_id)
        if subprocess is None:
            continue
        try:
            owner = top.get_task_from_id(task_id)
        except Exception:
            owner = None
        if owner is not None and owner.has_state(FINISHED) and subprocess.completed:
            removed += len(top.delete_subprocess(owner))
    return removed


def _compact_tree(wf, top) -> int:
    tasks = wf.tasks
    root = wf.task_tree
    pinned = {root.id}
    if wf.last_task is not None:
        pinned.add(wf.last_task.id)
    pinned.update(tid for tid in top.subprocesses if tid in tasks)
    waiting_joins = set()
    for task in list(tasks.values()):
        spec = task.task_spec
        if not task.has_state(FINISHED) and isinstance(spec, Join) and getattr(spec, "split_task", None):
            split = task.find_ancestor(spec.split_task)
            if split is not None:
                pinned.add(split.id)
        if isinstance(spec, Join) and task.has_state(TaskState.WAITING | TaskState.READY):
            waiting_joins.add(spec)
    # While a join waits, the tokens that already reached it (finished join tasks of the same
    # spec) and the tasks they came from are what its threshold counts: keep them.
    for task in list(tasks.values()):
        if task.task_spec in waiting_joins and task.has_state(FINISHED):
            pinned.add(task.id)
            if task._parent is not None:
                pinned.add(task._parent)

    # Which subtrees hold something alive (unfinished, errored or pinned)?
    alive: dict[UUID, bool] = {}
    order: list = []
    stack = [root]
    while stack:
        task = stack.pop()
        order.append(task)
        stack.extend(tasks[c] for c in task._children if c in tasks)
    for task in reversed(order):
        alive[task.id] = (
            not task.has_state(FINISHED)
            or task.id in pinned
            or any(alive.get(c, False) for c in task._children)
        )

    removed = 0
    # 1. dead finished branches beside a live one, under a completed task
    for task in order:
        if task.id not in tasks or not task.has_state(TaskState.COMPLETED) or len(task._children) < 2:
            continue
        if not alive[task.id]:
            continue
        for child_id in list(task._children):
            if not alive.get(child_id, True):
                removed += _remove_subtree(wf, top, tasks[child_id])
    # 2. finished single-child links spliced out of the chain
    for task in order:
        if task.id not in tasks or task.id in pinned or task.triggered:
            continue
        if not task.has_state(FINISHED) or len(task._children) != 1:
            continue
        parent = tasks.get(task._parent) if task._parent is not None else None
        if parent is None or parent is root:
            continue
        child = tasks.get(task._children[0])
        if child is None or child.triggered or isinstance(child.task_spec, Join):
            continue
        position = parent._children.index(task.id)
        parent._children[position] = child.id
        child._parent = parent.id
        del tasks[task.id]
        top.event_manager.remove_task(task)
        removed += 1
    return removed


def _remove_subtree(wf, top, task) -> int:
    count = 0
    stack = [task]
    while stack:
        node = stack.pop()
        stack.extend(wf.tasks[c] for c in node._children if c in wf.tasks)
        wf.tasks.pop(node.id, None)
        top.event_manager.remove_task(node)
        count += 1
    parent = wf.tasks.get(task._parent)
    if parent is not None and task.id in parent._children:
        parent._children.remove(task.id)
    return count


# -- event subprocesses ----------------------------------------------------------------------------


def event_subprocess_starts(workflow) -> list:
    """The signal and message start events of the top process's event subprocesses, as
    (start event spec, "signal" | "message", name): what a running instance can still be woken by
    besides its waiting tasks. (Timer starts of event subprocesses wait as tasks of their own.)"""
    if workflow.is_completed():
        return []
    found = []
    for name in getattr(workflow.spec.start, "trigger_specs", None) or []:
        spec = workflow.subprocess_specs.get(name)
        for start in getattr(spec, "bpmn_start_events", None) or []:
            definition = getattr(start, "event_definition", None)
            if isinstance(definition, MessageEventDefinition):
                found.append((start, "message", definition.name))
            elif isinstance(definition, SignalEventDefinition):
                found.append((start, "signal", definition.name))
    return found


def catch_in_event_subprocess(workflow, kind: str, name: str, payload, dialect: str) -> bool:
    """Start the event subprocess whose start event catches this message or signal (SpiffWorkflow
    creates it and lets it catch the event). False when none does."""
    for start, start_kind, start_name in event_subprocess_starts(workflow):
        if start_kind != kind or start_name != name:
            continue
        definition = start.event_definition
        if kind == "message":
            data = payload if isinstance(payload, dict) else {}
            body = {"payload": data, "result_var": None} if dialect == "camunda" else dict(data)
        else:
            body = payload
        caught = workflow.event_manager.catch(BpmnEvent(definition, payload=body), internal=False)
        if caught and kind == "message" and isinstance(payload, dict):
            # as deliver_message: the message's fields become process data of the subprocess
            for task in workflow.get_tasks(spec_name=start.name, state=TaskState.READY | TaskState.COMPLETED):
                task.data.update(payload)
        return bool(caught)
    return False


# -- stuck instances -------------------------------------------------------------------------------


@dataclass(frozen=True)
class StuckJoin:
    """A gateway waiting for tokens that nothing left in the instance can bring."""

    element_id: str
    name: str
    missing_from: tuple[tuple[str, str], ...]  # (element id, name) of the sources still awaited


def stuck_joins(workflow) -> list[StuckJoin] | None:
    """None while the instance can still move (a ready, failed or waiting task, or an event
    subprocess that may start); else the joins it is stuck at (empty when it ends nowhere known)."""
    if workflow.is_completed():
        return None
    if workflow.get_tasks(state=TaskState.READY | TaskState.ERROR):
        return None
    if waiting_event_tasks(workflow) or event_subprocess_starts(workflow):
        return None
    stuck = []
    for task in workflow.get_tasks(state=TaskState.WAITING):
        spec = task.task_spec
        if not isinstance(spec, Join):
            continue
        arrived = {
            t.parent.task_spec
            for t in task.workflow.get_tasks(spec_name=spec.name)
            if t.parent is not None and t.parent.has_state(TaskState.COMPLETED)
        }
        missing = tuple(
            (getattr(s, "bpmn_id", None) or s.name, getattr(s, "bpmn_name", None) or "")
            for s in spec.inputs
            if s not in arrived
        )
        element_id, name, _type = element_of(task)
        stuck.append(StuckJoin(element_id, name, missing))
    return stuck
