"""The connector registry: what service tasks call.

Domain apps register connectors at start-up (`register_connector("crm.update_level", fn)`); the
engine never imports them. A connector is `fn(params: dict, data: dict) -> JSON-able result`;
`params` are the service task's evaluated parameters, `data` a copy of the task data. The result
is stored under the task's result variable. The record a connector acts on comes from the running
instance (`business_object`), never from `data`, and it acts as that process (`process_actor`).
"""

from __future__ import annotations

import contextvars
import copy
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Connector:
    name: str
    fn: Callable[[dict, dict], Any]
    retryable: bool = False
    max_attempts: int = 5
    backoff_seconds: int = 30
    required_params: tuple[str, ...] = ()


_registry: dict[str, Connector] = {}

# The user whose action drives the current step (None for timers, messages and other system
# steps). Every step sets it when it loads its instance, so a connector never sees a stale one.
_step_actor: contextvars.ContextVar = contextvars.ContextVar("baton_step_actor", default=None)


# The process instance whose step is running: connectors act on ITS stored business object and
# with its authority, never on what the process data names (callers could forge that).
_step_instance: contextvars.ContextVar = contextvars.ContextVar("baton_step_instance", default=None)


def set_step_actor(user) -> None:
    _step_actor.set(user if user is not None and getattr(user, "pk", None) is not None else None)


def set_step_instance(instance) -> None:
    _step_instance.set(instance)


def step_instance():
    """The process instance whose step a connector runs in (None outside a step)."""
    return _step_instance.get()


@dataclass(frozen=True)
class ProcessActor:
    """A running process instance as the `actor` of a service: what connectors pass. The process
    decided who may act (its potential owners), so services skip the user's row rules for it and
    let it change the fields it owns; `user` is who drove the step (None for timers, messages)."""

    instance: Any
    user: Any = None

    def audit_identity(self) -> tuple[Any, str, dict]:
        """(user, label, extra) for the audit row: "Order approval · 王芳"."""
        name = process_name(self.instance)
        who = self.user.get_username() if self.user is not None else ""
        label = f"{name} · {who}" if who else name
        return self.user, label, {"process_instance": self.instance.pk, "process": self.instance.key}


def process_name(instance) -> str:
    """The process's human name (its definition's name), else its key."""
    definition = getattr(instance, "definition", None)
    return (getattr(definition, "name", "") or instance.key) if instance is not None else ""


def process_actor() -> ProcessActor:
    """The authority a connector acts with: the running step's instance and the user driving it."""
    instance = step_instance()
    if instance is None:
        raise WrongBusinessObject("a connector ran outside a process step")
    return ProcessActor(instance=instance, user=acting_user())


def user_of(actor):
    """The user behind an actor (a ProcessActor's step user), for "who did it" columns."""
    return actor.user if isinstance(actor, ProcessActor) else actor


def is_process_actor(actor) -> bool:
    return isinstance(actor, ProcessActor)


def step_actor():
    """Who is acting in the step a connector runs in: the user completing the task (or starting,
    retrying, ...), or None when the step was driven by a timer or a message."""
    return _step_actor.get()


class ConnectorFailed(Exception):
    """A connector raised; carries whether the engine may retry it on its own."""

    def __init__(self, connector: Connector | None, name: str, error: BaseException | str):
        self.connector = connector
        self.name = name
        self.error = error
        self.retryable = bool(connector and connector.retryable)
        super().__init__(f"{name}: {error}")


def register_connector(
    name: str,
    fn: Callable[[dict, dict], Any],
    *,
    retryable: bool = False,
    max_attempts: int = 5,
    backoff_seconds: int = 30,
    required_params: tuple[str, ...] = (),
) -> Connector:
    """Register (or replace) the connector service tasks call by `name`; `required_params` are
    checked when a process is deployed, so a missing one is a located deploy error."""
    connector = Connector(name, fn, retryable, max_attempts, backoff_seconds, tuple(required_params))
    _registry[name] = connector
    return connector


def unregister_connector(name: str) -> None:
    _registry.pop(name, None)


def get_connector(name: str) -> Connector | None:
    return _registry.get(name)


# A test run of a draft (engine.dryrun) records the calls instead of making them: a connector
# changes records, sends messages, calls other systems — none of which a rehearsal may do.
_rehearsal: contextvars.ContextVar = contextvars.ContextVar("baton_rehearsal", default=None)


def rehearse(calls: list) -> contextvars.Token:
    """From now on in this context, service calls are appended to `calls` and answer null."""
    return _rehearsal.set(calls)


def end_rehearsal(token: contextvars.Token) -> None:
    _rehearsal.reset(token)


def registered_names() -> list[str]:
    return sorted(_registry)


def call_service(context: dict, *, operation_name: str, operation_params: dict | None = None, **_):
    """The sandbox's service handler: look the connector up and call it (outside the sandbox)."""
    rehearsal = _rehearsal.get()
    if rehearsal is not None:
        params = {
            n: (p.get("value") if isinstance(p, dict) else p) for n, p in (operation_params or {}).items()
        }
        rehearsal.append({"connector": operation_name, "params": params})
        return json.dumps(None)
    connector = _registry.get(operation_name)
    if connector is None:
        raise ConnectorFailed(None, operation_name, f"no connector named {operation_name!r} is registered")
    params = {
        name: (p.get("value") if isinstance(p, dict) else p) for name, p in (operation_params or {}).items()
    }
    try:
        result = connector.fn(params, copy.deepcopy(dict(context)))
    except Exception as error:
        raise ConnectorFailed(connector, operation_name, error) from error
    return json.dumps(result, default=str)


def service_calls(parsed) -> list[dict]:
    """Every service task of a parsed deployment: element id and name, the connector it calls and
    the parameter names it passes (for deploy-time checks)."""
    specs = [parsed.spec, *parsed.subprocess_specs.values()]
    calls = []
    for spec in specs:
        for task_spec in spec.task_specs.values():
            name = getattr(task_spec, "operation_name", None)
            if name is None:
                continue
            calls.append(
                {
                    "element_id": getattr(task_spec, "bpmn_id", None) or task_spec.name,
                    "element_name": getattr(task_spec, "bpmn_name", None) or "",
                    "connector": name,
                    "params": sorted((getattr(task_spec, "operation_params", None) or {}).keys()),
                }
            )
    return calls


def acting_user(data: dict | None = None):
    """The user a connector acts for: the step's actor, else (timer or message steps) the user who
    started the process (the instance's `started_by`, never a name in the process data)."""
    actor = step_actor()
    if actor is not None:
        return actor
    instance = step_instance()
    return instance.started_by if instance is not None and instance.started_by_id else None


class WrongBusinessObject(ValueError):
    """The process is not about the kind of record this connector works on."""


def business_object(data: dict | None, model, *, for_update: bool = True):
    """The record the running process is about: the instance's stored link (process data is
    ignored, a caller may have forged it), checked to be a `model`, locked for the rest of the
    step unless for_update=False."""
    instance = step_instance()
    if instance is None:
        raise WrongBusinessObject("a connector ran outside a process step")
    linked = instance.business_object_type
    if linked is None or (linked.app_label, linked.model) != (model._meta.app_label, model._meta.model_name):
        found = f"{linked.app_label}.{linked.model}" if linked is not None else "none"
        raise WrongBusinessObject(f"this process is not about a {model._meta.verbose_name} (it has {found})")
    manager = model._default_manager
    return (manager.select_for_update() if for_update else manager).get(pk=instance.business_object_id)
