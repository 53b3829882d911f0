"""Test runs of a definition version (a draft, usually) in memory, with sample data.

A test run is replayed from the start on every request: a new workflow of the version's parsed
spec, the sample start data, then each recorded answer (a user task's sample data, or "let this
timer fire"). Nothing is stored — no instance, task, timer, history or audit row — so nothing of
a rehearsal can appear in an inbox, a report or an instance list, and abandoning one leaves
nothing to clean up. Service tasks are rehearsed too: the call is recorded, the connector is not
called (it would change records or send messages). Timers of intermediate events fire at once;
a boundary timer fires only when the designer asks (it would interrupt the task it sits on).
Owners are resolved exactly as a real task's are (engine.owners against the org chart).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from SpiffWorkflow.util.task import TaskState

from . import connectors, owners, runtime
from .forms import validate_form_data
from .models import DefinitionVersion

MAX_ANSWERS = 200
_GATEWAYS = ("ExclusiveGateway", "InclusiveGateway", "ParallelGateway", "EventBasedGateway")


@dataclass
class RehearsedTask:
    """The user task the test run waits at: who would get it and the form they would fill."""

    element_id: str
    name: str
    assignee: str = ""  # username
    users: list[str] = field(default_factory=list)  # usernames
    groups: list[str] = field(default_factory=list)  # group names
    problems: list[str] = field(default_factory=list)
    due_at: Any = None
    priority: int = 50
    form: dict = field(default_factory=dict)  # {"schema": ..., "ui_schema": ...}


@dataclass
class RehearsedWait:
    element_id: str
    name: str
    kind: str  # timer, message, signal
    detail: str = ""  # the timer's expression, the message's name
    boundary: bool = False


@dataclass
class DryRun:
    path: list[tuple[str, str, str]] = field(default_factory=list)  # (element id, name, kind) in order
    decisions: list[dict] = field(default_factory=list)  # {"gateway", "name", "taken": [(id, name)]}
    task: RehearsedTask | None = None
    waits: list[RehearsedWait] = field(default_factory=list)
    service_calls: list[dict] = field(default_factory=list)
    finished: bool = False
    error: str = ""
    error_element: str = ""
    data: dict = field(default_factory=dict)
    answered: int = 0  # how many answers were replayed (a bad one stops the replay)


class SampleRejected(ValueError):
    """The sample data of the current step does not fit its form: messages per field."""

    def __init__(self, fields: dict[str, list[str]]):
        super().__init__("sample data does not fit the form")
        self.fields = fields


def _wait_of(task) -> RehearsedWait:
    element_id, name, kind = runtime.element_of(task)
    boundary = kind == "BoundaryEvent"
    timer = runtime.timer_of(task)
    if timer is not None:
        expression = str(getattr(timer, "expression", "")).strip()
        if len(expression) >= 2 and expression[0] == expression[-1] and expression[0] in "'\"":
            expression = expression[1:-1]  # a literal duration/date, quoted for the expression engine
        return RehearsedWait(element_id, name, "timer", expression, boundary)
    messages = runtime.messages_of(task)
    if messages:
        return RehearsedWait(element_id, name, "message", messages[0].name, boundary)
    signals = runtime.signals_of(task)
    return RehearsedWait(element_id, name, "signal", signals[0].name if signals else "", boundary)


def _fire_intermediate_timers(workflow, outcome, fired: set) -> bool:
    """Fire the waiting timers that are not on a task's boundary; True when one fired."""
    any_fired = False
    for task in runtime.waiting_event_tasks(workflow):
        if task.id in fired or runtime.timer_of(task) is None:
            continue
        if (
            runtime.element_of(task)[2] == "BoundaryEvent"
            or task.task_spec.__class__.__name__ == "StartEvent"
        ):
            continue
        fired.add(task.id)
        if runtime.force_fire_timer(task):
            any_fired = True
    if any_fired:
        runtime.run_engine(workflow, outcome)
    return any_fired


def _advance(workflow, outcome, fired: set) -> None:
    runtime.run_engine(workflow, outcome)
    for _round in range(50):
        if outcome.error is not None or not _fire_intermediate_timers(workflow, outcome, fired):
            break


def _human_task(parsed, task) -> RehearsedTask:
    element_id, name, _kind = runtime.element_of(task)
    meta = dict(parsed.metadata.get("user_tasks", {}).get(element_id, {}))
    meta["lane"] = meta.get("lane") or getattr(task.task_spec, "lane", None) or ""
    context = dict(task.data)
    context.pop("data_objects", None)
    resolution = owners.resolve(meta, context)
    form = meta.get("form") or {}
    if not form.get("schema"):
        form = {"schema": owners.form_schema(meta), "ui_schema": {}}
    return RehearsedTask(
        element_id=element_id,
        name=name or meta.get("name") or element_id,
        assignee=resolution.assignee.get_username() if resolution.assignee else "",
        users=[u.get_username() for u in resolution.users],
        groups=[g.name for g in resolution.groups],
        problems=list(resolution.problems),
        due_at=resolution.due_at,
        priority=resolution.priority,
        form=form,
    )


def _decisions(workflow) -> list[dict]:
    """Each gateway passed, with the elements it sent the run to."""
    found = []
    for task in workflow.get_tasks(state=TaskState.COMPLETED):
        element_id, name, kind = runtime.element_of(task)
        if kind not in _GATEWAYS or len(task.task_spec.outputs) < 2:
            continue
        taken = [
            runtime.element_of(child)[:2]
            for child in task.children
            if not child.has_state(TaskState.CANCELLED | TaskState.PREDICTED_MASK)
        ]
        found.append({"gateway": element_id, "name": name, "taken": taken})
    return found


def _check(schema: dict, data: dict) -> None:
    if schema and schema.get("properties"):
        errors = validate_form_data(schema, runtime.json_safe(data))
        if errors:
            raise SampleRejected(errors)


def dry_run(
    definition: DefinitionVersion,
    *,
    started_by=None,
    start_data: dict | None = None,
    answers: list | None = None,
) -> DryRun:
    """Replay a test run: start with `start_data`, then each answer in order — {"task": element
    id, "data": {...}} completes the waiting user task, {"timer": element id} fires a boundary
    timer. Raises SampleRejected when the LAST answer's data does not fit its form (earlier ones
    were accepted when they were given)."""
    parsed = runtime.parsed_definition(definition)
    result = DryRun()
    calls: list[dict] = []
    token = connectors.rehearse(calls)
    try:
        workflow = runtime.new_workflow(parsed)
        data = dict(start_data or {})
        if started_by is not None and getattr(started_by, "pk", None) is not None:
            data["initiator"] = started_by.get_username()
        workflow.task_tree.data.update(data)
        for task in workflow.get_tasks(state=TaskState.READY):
            task.data.update(data)
        outcome = runtime.StepOutcome()
        fired: set = set()
        _advance(workflow, outcome, fired)
        answers = list(answers or [])[:MAX_ANSWERS]
        for number, answer in enumerate(answers, start=1):
            if outcome.error is not None or not isinstance(answer, dict):
                break
            if answer.get("timer"):
                waiting = [
                    t
                    for t in runtime.waiting_event_tasks(workflow)
                    if runtime.element_of(t)[0] == answer["timer"]
                ]
                if not waiting or not runtime.force_fire_timer(waiting[0]):
                    break
                outcome.completed.append(runtime.element_of(waiting[0]))
            else:
                ready = [
                    t
                    for t in runtime.ready_human_tasks(workflow)
                    if runtime.element_of(t)[0] == answer.get("task")
                ]
                if not ready:
                    break
                sample = answer.get("data") if isinstance(answer.get("data"), dict) else {}
                if number == len(answers):
                    _check(_human_task(parsed, ready[0]).form.get("schema") or {}, sample)
                runtime.complete_human_task(workflow, ready[0], runtime.json_safe(sample))
                outcome.completed.append(runtime.element_of(ready[0]))
            result.answered = number
            _advance(workflow, outcome, fired)
        result.path = list(outcome.completed)
        result.decisions = _decisions(workflow)
        if outcome.error is not None:
            result.error = str(outcome.error)
            if outcome.error_task is not None:
                result.error_element = runtime.element_of(outcome.error_task)[0]
        result.finished = workflow.is_completed()
        ready = runtime.ready_human_tasks(workflow)
        if ready and not result.error:
            result.task = _human_task(parsed, ready[0])
        result.waits = [_wait_of(t) for t in runtime.waiting_event_tasks(workflow)]
        result.data = runtime.variables_snapshot(workflow)
    finally:
        connectors.end_rehearsal(token)
    result.service_calls = calls
    return result
