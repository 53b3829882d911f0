"""The engine's domain errors: typed, each with a stable code and a message for people.

They subclass core.errors so views and the API turn them into 4xx answers, never a 500.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core.errors import Conflict, DomainError, NotFound, NotPermitted, ValidationFailed

__all__ = [
    "DefinitionInvalid",
    "DefinitionNotFound",
    "IncidentNotFound",
    "IncidentNotOpen",
    "InstanceNotFound",
    "InstanceNotRunning",
    "NotPermitted",
    "TaskAlreadyCompleted",
    "TaskNotActive",
    "TaskNotClaimable",
    "TaskNotFound",
    "ValidationFailed",
]


class DefinitionNotFound(NotFound):
    code = "definition_not_found"


class DefinitionInvalid(ValidationFailed):
    """A BPMN/DMN upload that cannot be deployed; `findings` locate every problem."""

    code = "definition_invalid"

    def __init__(self, findings: list[dict], message: str | None = None):
        self.findings = findings
        first = findings[0]["message"] if findings else ""
        super().__init__(
            message or _("The process definition is not valid: %(first)s") % {"first": first},
            location={"findings": findings},
        )

    def as_dict(self) -> dict:
        data = super().as_dict()
        data["findings"] = self.findings
        return data


class InstanceNotFound(NotFound):
    code = "instance_not_found"


class InstanceNotRunning(Conflict):
    code = "instance_not_running"


class TaskNotFound(NotFound):
    code = "task_not_found"


class TaskAlreadyCompleted(Conflict):
    code = "task_already_completed"


class TaskNotActive(Conflict):
    """The task was cancelled (e.g. by a boundary event or an instance cancel)."""

    code = "task_not_active"


class TaskNotClaimable(Conflict):
    code = "task_not_claimable"


class IncidentNotFound(NotFound):
    code = "incident_not_found"


class IncidentNotOpen(Conflict):
    code = "incident_not_open"


class ConnectorNotFound(DomainError):
    code = "connector_not_found"


class InstanceSuspended(Conflict):
    """An administrator suspended the instance: its tasks wait until it is resumed."""

    code = "instance_suspended"
