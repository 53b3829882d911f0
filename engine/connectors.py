"""The connector registry: what service tasks call.

Domain apps register connectors at start-up (`register_connector("crm.update_level", fn)`); the
engine never imports them. A connector is `fn(params: dict, data: dict) -> JSON-able result`;
`params` are the service task's evaluated parameters, `data` a copy of the task data. The result
is stored under the task's result variable.
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


def set_step_actor(user) -> None:
    _step_actor.set(user if user is not None and getattr(user, "pk", None) is not None else None)


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


def registered_names() -> list[str]:
    return sorted(_registry)


def call_service(context: dict, *, operation_name: str, operation_params: dict | None = None, **_):
    """The sandbox's service handler: look the connector up and call it (outside the sandbox)."""
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


def acting_user(data: dict):
    """The user a connector acts for: the step's actor, else (timer or message steps) the user who
    started the process (`initiator` in the process data)."""
    actor = step_actor()
    if actor is not None:
        return actor
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(username=data.get("initiator") or "").first()


class WrongBusinessObject(ValueError):
    """The process is not about the kind of record this connector works on."""


def business_object(data: dict, model, *, for_update: bool = True):
    """The record the process is about (`business_object` in its data), checked to be a `model`,
    locked for the rest of the step unless for_update=False."""
    ref = data.get("business_object") or {}
    if ref.get("type") != model._meta.label_lower:
        raise WrongBusinessObject(
            f"this process is not about a {model._meta.verbose_name} (it has {ref or 'none'})"
        )
    manager = model._default_manager
    return (manager.select_for_update() if for_update else manager).get(pk=ref["id"])
