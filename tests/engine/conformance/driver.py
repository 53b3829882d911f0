"""A small driver that plays a conformance case through Baton's engine services.

Every step is a service call (deploy, start, complete a human task, correlate a message, fire the
timers due at a fake `now`), so the instance is loaded from and saved to the database between
any two steps, exactly as in production.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone

from engine import services
from engine.connectors import unregister_connector
from engine.models import HumanTask, Incident, ProcessInstance

DATA = Path(__file__).parent / "data"

# What our engine adds to the process data by itself (SpiffWorkflow's own tests know none of it).
ENGINE_KEYS = {"initiator", "owner", "business_object"}


@dataclass
class Case:
    """One model run: the files to deploy, the steps, and what SpiffWorkflow's test asserts."""

    id: str
    files: list[str]
    steps: list[Any]
    origin: str  # the SpiffWorkflow test this reproduces
    status: str = "completed"
    data: dict | None = None  # exact final data (engine-added keys ignored)
    data_has: dict = field(default_factory=dict)  # final data contains these
    data_lacks: list[str] = field(default_factory=list)  # final data does not contain these
    path: list[str] = field(default_factory=list)  # elements that completed
    not_path: list[str] = field(default_factory=list)  # elements that did not
    connectors: dict = field(default_factory=dict)  # name -> fn(params, data), registered for the run
    xfail: str = ""


class Run:
    """The state of one case being played."""

    def __init__(self, case: Case):
        self.case = case
        self.user = get_user_model().objects.create_superuser("conformance", "c@example.com", "x")
        self.definition = services.definition_deploy(
            files={Path(name).name: (DATA / name).read_bytes() for name in case.files}, deployed_by=self.user
        )
        self.instance: ProcessInstance | None = None
        self.clock = timedelta()

    def refresh(self) -> ProcessInstance:
        if self.instance is None:
            self.instance = ProcessInstance.objects.filter(definition=self.definition).order_by("pk").first()
            assert self.instance is not None, "no instance was started"
        self.instance.refresh_from_db()
        return self.instance

    def open_tasks(self) -> list[HumanTask]:
        return list(HumanTask.objects.filter(instance=self.refresh(), status="ready").order_by("pk"))

    def failures(self) -> list[Incident]:
        return list(
            Incident.objects.filter(instance=self.refresh(), status=Incident.Status.OPEN).exclude(
                kind=Incident.Kind.NO_OWNER
            )
        )


# -- steps ------------------------------------------------------------------------------------------


@dataclass
class Start:
    variables: dict = field(default_factory=dict)

    def __call__(self, run: Run):
        run.instance = services.start_process(
            run.definition.key, started_by=run.user, variables=self.variables
        )


@dataclass
class Complete:
    """Complete the oldest open human task at `element` (an element id or name; None: any)."""

    element: str | None
    data: dict = field(default_factory=dict)

    def __call__(self, run: Run):
        tasks = [t for t in run.open_tasks() if self.element in (None, t.element_id, t.name)]
        open_now = sorted(t.element_id for t in run.open_tasks())
        assert tasks, f"no open task at {self.element}; open: {open_now}; failures: {_messages(run)}"
        services.complete_task(tasks[0].pk, user=run.user, data=self.data)


@dataclass
class CompleteAll:
    """Complete every open human task, again and again, until none is left."""

    data: dict = field(default_factory=dict)

    def __call__(self, run: Run):
        for _ in range(50):
            tasks = run.open_tasks()
            if not tasks:
                return
            services.complete_task(tasks[0].pk, user=run.user, data=self.data)
        raise AssertionError("tasks keep coming")


@dataclass
class Message:
    name: str
    payload: dict = field(default_factory=dict)
    keys: dict = field(default_factory=dict)
    matched: bool = True

    def __call__(self, run: Run):
        result = services.correlate_message(self.name, keys=self.keys, payload=self.payload)
        assert result.matched == self.matched, result.message
        if run.instance is None and result.instances:
            run.instance = result.instances[0]


@dataclass
class Signal:
    """Broadcast a BPMN signal to every instance waiting for it."""

    name: str
    payload: dict | None = None

    def __call__(self, run: Run):
        services.broadcast_signal(self.name, payload=self.payload)


@dataclass
class Wait:
    """Let `seconds` pass on a fake clock and fire the timers due by then."""

    seconds: float

    def __call__(self, run: Run):
        run.clock += timedelta(seconds=self.seconds)
        services.fire_due_timers(now=timezone.now() + run.clock)


@dataclass
class ExpectOpen:
    """The open human tasks are exactly at these elements (a sorted multiset)."""

    elements: list[str]

    def __call__(self, run: Run):
        open_now = sorted(t.element_id for t in run.open_tasks())
        assert open_now == sorted(self.elements), f"open: {open_now}; failures: {_messages(run)}"


@dataclass
class ExpectFailure:
    """The instance is parked at `element` with an incident (as SpiffWorkflow raises there)."""

    element: str
    text: str = ""

    def __call__(self, run: Run):
        failures = run.failures()
        assert [f.element_id for f in failures] == [self.element], _messages(run)
        assert self.text in failures[0].message
        assert run.refresh().status == ProcessInstance.Status.ERROR


@dataclass
class ExpectData:
    """The instance's current process data contains these values."""

    values: dict

    def __call__(self, run: Run):
        variables = run.refresh().variables
        assert {k: variables.get(k) for k in self.values} == self.values, variables


def _messages(run: Run) -> str:
    return "; ".join(f"{f.element_id}: {f.message}" for f in run.failures())


def play(case: Case) -> Run:
    for name, fn in case.connectors.items():
        services.register_connector(name, fn)
    try:
        run = Run(case)
        for step in case.steps:
            step(run)
    finally:
        for name in case.connectors:
            unregister_connector(name)
    instance = run.refresh()
    failures = _messages(run)
    if case.status != "error":
        assert not failures, failures
    assert instance.status == case.status, (
        f"status {instance.status}; failures: {failures}; open: {[t.element_id for t in run.open_tasks()]}"
    )
    data = {k: v for k, v in instance.variables.items() if k not in ENGINE_KEYS}
    if case.data is not None:
        assert data == case.data
    assert {k: data.get(k) for k in case.data_has} == case.data_has, data
    assert not set(case.data_lacks) & set(data), data
    completed = set(instance.completed_elements)
    assert set(case.path) <= completed, f"missing from path: {set(case.path) - completed}"
    assert not set(case.not_path) & completed, f"unexpected on path: {set(case.not_path) & completed}"
    return run
