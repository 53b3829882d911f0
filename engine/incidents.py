"""Incidents: retried by an administrator (or automatically, for retryable service calls)."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import owners, runtime
from .errors import (
    IncidentNotFound,
    IncidentNotOpen,
    InstanceNotRunning,
    NotPermitted,
)
from .models import (
    Incident,
    InstanceEvent,
)
from .projection import owner_context, set_candidates
from .step import Step, audit, finish, load, lock_instance, real_user

logger = logging.getLogger(__name__)


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
        instance = lock_instance(incident_instance)
        incident = Incident.objects.get(pk=incident_id)
        if incident.status != Incident.Status.OPEN:
            raise IncidentNotOpen(_("This incident was already resolved."))
        if not instance.is_running:
            raise InstanceNotRunning(_("The process instance is no longer running."))
        step = load(instance, actor=user)
        if incident.kind == Incident.Kind.NO_OWNER:
            _retry_owner(step, incident, user)
        elif incident.kind == Incident.Kind.STUCK:
            # nothing to run again: the end of the step looks once more (a migration or a message
            # may have freed it); still stuck, the same incident stays open
            incident.attempts += 1
            incident.save(update_fields=["attempts"])
        elif incident.kind == Incident.Kind.LIMIT and incident.task_id is None:
            resolve(step, incident, user)  # what was not delivered is gone; acknowledged
        else:
            _retry_element(step, incident, user)
        finish(step)
        incident.refresh_from_db()
        audit(user, incident, "retry", status=incident.status, process=instance.key)
    return incident


def resolve(step: Step, incident: Incident, user) -> None:
    incident.status = Incident.Status.RESOLVED
    incident.resolved_at = timezone.now()
    incident.resolved_by = real_user(user)
    incident.next_retry_at = None
    incident.save()
    step.event(
        InstanceEvent.Kind.INCIDENT_RESOLVED,
        element_id=incident.element_id,
        actor=user,
        data={"incident": incident.pk},
    )


def _retry_element(step: Step, incident: Incident, user) -> None:
    try:
        task = step.workflow.get_task_from_id(incident.task_id)
    except Exception:
        task = None
    if task is None or not task.has_state(runtime.TaskState.ERROR):
        resolve(step, incident, user)
        return
    runtime.retry_task(step.workflow, task)
    runtime.run_engine(step.workflow, step.outcome)
    failed_again = step.outcome.error is not None and step.outcome.error_task is not None
    if failed_again and step.outcome.error_task.id == incident.task_id:
        return  # finish updates this incident (attempts + 1, new message)
    resolve(step, incident, user)


def _retry_owner(step: Step, incident: Incident, user) -> None:
    human_task = incident.human_task
    if human_task is None or not human_task.is_open:
        resolve(step, incident, user)
        return
    task = step.workflow.get_task_from_id(human_task.task_id)
    meta = dict(step.parsed.metadata.get("user_tasks", {}).get(human_task.element_id, {}))
    meta["lane"] = human_task.lane
    resolution = owners.resolve(meta, owner_context(step, task))
    if not resolution.anybody:
        incident.attempts += 1
        incident.message = "; ".join(resolution.problems) or incident.message
        incident.save(update_fields=["attempts", "message"])
        return
    human_task.assignee = resolution.assignee
    human_task.candidate_users = [u.username for u in resolution.users]
    human_task.candidate_groups = [g.name for g in resolution.groups]
    human_task.save(update_fields=["assignee", "candidate_users", "candidate_groups"])
    set_candidates(human_task, resolution)
    resolve(step, incident, user)


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
