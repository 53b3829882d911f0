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


def _root_error(error: BaseException) -> BaseException:
    seen = set()
    current = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, ConnectorFailed):
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


def record_failure(step: Step, error: BaseException, task) -> Incident:
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
