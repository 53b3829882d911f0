"""Failures of a step, parked as incidents: a script or service call that failed at an element, a task
nobody can be found to do; and the refusals a person can fix (undone, not parked)."""

from __future__ import annotations

import logging
import traceback
from datetime import timedelta
from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.errors import DomainError

from . import runtime
from . import signals as engine_signals
from .connectors import ConnectorFailed
from .models import (
    HumanTask,
    Incident,
    InstanceEvent,
    ProcessInstance,
)

if TYPE_CHECKING:
    from .step import Step

logger = logging.getLogger(__name__)


def _kind(root: BaseException, is_connector: bool) -> str:
    if is_connector:
        return Incident.Kind.CONNECTOR
    if isinstance(root, runtime.ChainTooLong):
        return Incident.Kind.LIMIT
    return Incident.Kind.SCRIPT


def _root_error(error: BaseException) -> BaseException:
    seen = set()
    current = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, ConnectorFailed | runtime.ChainTooLong):
            return current
        current = getattr(current, "exception", None) or current.__cause__
    return error


def user_fixable(error: BaseException) -> DomainError | None:
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


# The kinds of incident a failed element raises (retrying them runs the element again).
ELEMENT_KINDS = (Incident.Kind.SCRIPT, Incident.Kind.CONNECTOR, Incident.Kind.ENGINE, Incident.Kind.LIMIT)


def record_failure(step: Step, error: BaseException, task) -> Incident:
    root = _root_error(error)
    element_id, element_name, _type = runtime.element_of(task) if task is not None else ("", "", "")
    is_connector = isinstance(root, ConnectorFailed)
    message = str(root if is_connector or isinstance(root, runtime.ChainTooLong) else error)
    trace = "".join(traceback.format_exception(error))[-20000:]
    task_id = task.id if task is not None else None
    # A failure of an element is its own incident: an open "nobody to do it" incident of the same
    # task is about its owners, and retrying that must not stand for re-running the element.
    incident = (
        Incident.objects.filter(
            instance=step.instance, status=Incident.Status.OPEN, task_id=task_id, kind__in=ELEMENT_KINDS
        ).first()
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
            kind=_kind(root, is_connector),
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


def no_owner_incident(step: Step, human_task: HumanTask, problems: list[str]) -> Incident:
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


def _quoted(element_id: str, name: str) -> str:
    return "“%s”" % (name or element_id)


def stuck_incident(step: Step, joins: list, flows: dict) -> Incident | None:
    """The instance has nothing left to wait for but has not ended (e.g. an exclusive split joined
    by a parallel gateway): an incident names the gateway and the flows it still waits for. One
    open incident per instance; `flows` maps (source, target) element ids to flow names."""
    open_stuck = Incident.objects.filter(
        instance=step.instance, status=Incident.Status.OPEN, kind=Incident.Kind.STUCK
    ).first()
    if open_stuck is not None:
        return open_stuck
    parts = []
    for join in joins:
        sources = []
        for source_id, source_name in join.missing_from:
            flow = flows.get((source_id, join.element_id), "")
            if flow:
                sources.append(
                    str(_("the flow “%(flow)s” from %(source)s"))
                    % {"flow": flow, "source": _quoted(source_id, source_name)}
                )
            else:
                sources.append(
                    str(_("the flow from %(source)s")) % {"source": _quoted(source_id, source_name)}
                )
        parts.append(
            str(_("the gateway %(gateway)s waits for %(flows)s, which nothing left in the process can bring"))
            % {"gateway": _quoted(join.element_id, join.name), "flows": ", ".join(sources) or "?"}
        )
    if parts:
        message = str(_("This process is stuck: %(detail)s.")) % {"detail": "; ".join(parts)}
    else:
        message = str(_("This process is stuck: it has not ended, yet nothing is left for it to wait for."))
    first = joins[0] if joins else None
    incident = Incident.objects.create(
        instance=step.instance,
        kind=Incident.Kind.STUCK,
        element_id=first.element_id if first else "",
        element_name=first.name if first else "",
        message=message,
    )
    step.instance.status = ProcessInstance.Status.ERROR
    step.event(
        InstanceEvent.Kind.INCIDENT,
        element_id=incident.element_id,
        data={"incident": incident.pk, "message": message},
    )
    step.send(engine_signals.incident_created, instance=step.instance, incident=incident)
    return incident


def limit_incident(step: Step, message: str, element_id: str = "", element_name: str = "") -> Incident:
    """A chain of processes starting processes went past its bound (settings.ENGINE_MAX_CHAIN_DEPTH):
    what would have gone on is parked here instead of running without end."""
    incident = Incident.objects.create(
        instance=step.instance,
        kind=Incident.Kind.LIMIT,
        element_id=element_id,
        element_name=element_name,
        message=message,
    )
    step.instance.status = ProcessInstance.Status.ERROR
    step.event(
        InstanceEvent.Kind.INCIDENT, element_id=element_id, data={"incident": incident.pk, "message": message}
    )
    step.send(engine_signals.incident_created, instance=step.instance, incident=incident)
    return incident
