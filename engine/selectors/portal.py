"""Reads behind the customer portal: a customer's processes and tasks. The portal picks the
company's records; these functions take their content type and ids."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q, QuerySet

from ..models import DefinitionVersion, HumanTask, InstanceEvent, ProcessInstance


def user_task_properties(pairs: set[tuple[str, int]]) -> dict[tuple[str, int], dict]:
    """(key, version) -> the version's `user_tasks` metadata (element id -> its properties);
    no query for no pairs."""
    meta = {}
    if pairs:
        condition = Q()
        for key, version in pairs:
            condition |= Q(key=key, version=version)
        for definition in DefinitionVersion.objects.filter(condition).only("key", "version", "metadata"):
            meta[(definition.key, definition.version)] = definition.metadata.get("user_tasks", {})
    return meta


def instances_of_objects(content_type, object_ids: list[str]) -> QuerySet:
    """The instances about these objects (ids as text), oldest first, with what progress needs."""
    return (
        ProcessInstance.objects.filter(business_object_type=content_type, business_object_id__in=object_ids)
        .only("id", "status", "business_object_id", "started_at")
        .order_by("started_at", "id")
    )


def ready_tasks_of(instances: list[ProcessInstance]) -> QuerySet:
    """The ready tasks of these instances, oldest first."""
    return HumanTask.objects.filter(instance__in=instances, status=HumanTask.Status.READY).order_by(
        "created_at", "id"
    )


def events_of(instance_ids: list[int], kinds: list[str]) -> list[InstanceEvent]:
    """The events of these kinds of these instances with their task, in order."""
    return list(
        InstanceEvent.objects.filter(instance_id__in=instance_ids, kind__in=kinds)
        .select_related("human_task")
        .order_by("at", "id")
    )


def inbox_about(user, objects: Iterable[tuple[object, QuerySet]]) -> QuerySet:
    """The user's inbox tasks about no record, or about one of `objects`: (content type, a
    subquery of the record ids as text) pairs."""
    condition = Q(business_object_type__isnull=True)
    for content_type, ids in objects:
        condition |= Q(business_object_type=content_type, business_object_id__in=ids)
    return HumanTask.objects.inbox(user).filter(condition).select_related("instance")


def has_completed_task(instance: ProcessInstance) -> bool:
    """Whether a task of the instance was completed already."""
    return InstanceEvent.objects.filter(instance=instance, kind=InstanceEvent.Kind.TASK_COMPLETED).exists()


def newest_instance_of(content_type, object_id: str) -> ProcessInstance | None:
    return (
        ProcessInstance.objects.filter(business_object_type=content_type, business_object_id=object_id)
        .order_by("-started_at", "-id")
        .first()
    )


def task_to_comment_on(instance: ProcessInstance) -> HumanTask | None:
    """The instance's first ready task, else its newest task."""
    tasks = HumanTask.objects.filter(instance=instance)
    return tasks.filter(status=HumanTask.Status.READY).order_by("id").first() or tasks.order_by("-id").first()
