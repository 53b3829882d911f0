"""Reads behind the REST API (api.views.engine): the base querysets of its viewsets and the rows
its actions show. The viewsets scope them (row rules, permissions) as before."""

from __future__ import annotations

from django.db.models import QuerySet

from ..models import DefinitionVersion, HumanTask, Incident, InstanceEvent, ProcessInstance


def definition_versions() -> QuerySet:
    """Every deployed version, without its files, by key then newest version first."""
    return (
        DefinitionVersion.objects.select_related("deployed_by")
        .defer("files", "metadata")
        .order_by("key", "-version")
    )


def definition_files(definition_id: int) -> dict:
    """The version's files (name -> text)."""
    return DefinitionVersion.objects.values_list("files", flat=True).get(pk=definition_id) or {}


def process_instances() -> QuerySet:
    """Every instance with its starter and version (without the BPMN), newest first."""
    return (
        ProcessInstance.objects.select_related("started_by", "definition")
        .defer(
            "definition__files",
            "definition__metadata",  # (the list shows the version, not the BPMN)
        )
        .order_by("-started_at", "-id")
    )


def instance_events(instance: ProcessInstance) -> QuerySet:
    """The instance's history, oldest first, with who acted."""
    return InstanceEvent.objects.filter(instance=instance).select_related("actor").order_by("id")


def instance_incidents(instance: ProcessInstance) -> QuerySet:
    return Incident.objects.filter(instance=instance).order_by("-id")


def instance_task(instance: ProcessInstance, task_id: int) -> HumanTask | None:
    """The task `task_id` if it belongs to the instance."""
    return HumanTask.objects.filter(instance=instance, pk=task_id).first()


def incidents() -> QuerySet:
    return Incident.objects.all()


def visible_instance_ids(user) -> QuerySet:
    """The ids of the instances `user` may view (a subquery)."""
    return ProcessInstance.objects.visible_to(user, "view").values("pk")


def tasks() -> QuerySet:
    """Every task, newest first (the viewset scopes it)."""
    return HumanTask.objects.order_by("-id")


def no_tasks() -> QuerySet:
    return HumanTask.objects.none()


def task_with_offered(user, task_id: int) -> HumanTask | None:
    """The task with its assignee and `offered` (to `user`) annotation; pk is unique: no ORDER BY
    or LIMIT."""
    rows = HumanTask.objects.select_related("assignee").with_offered(user).filter(pk=task_id)
    return next(iter(rows), None)
