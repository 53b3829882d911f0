"""The domain apps' reads of engine work: the tasks and process runs about their records, who holds
or is offered a task, the tasks a person completed, the open tasks reminders go out for.

A business object is named by its content type (`business_type`) and its id; the engine stores
the id as text, so ids are compared as strings.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, QuerySet

from ..models import HumanTask, HumanTaskCandidate, InstanceEvent, ProcessInstance

# -- tasks about business objects -----------------------------------------------------------------


def open_tasks_about(
    business_type: ContentType,
    object_id=None,
    *,
    object_ids: Iterable | None = None,
    process: str = "",
    element: str = "",
    elements: Iterable[str] | None = None,
) -> QuerySet:
    """The open tasks about objects of `business_type`: of one object (`object_id`) or some
    (`object_ids`), of one process (`process`, its key), at one BPMN element (`element`) or some
    (`elements`). Unordered; the caller orders, slices, joins what it shows."""
    qs = HumanTask.objects.open().filter(business_object_type=business_type)
    if object_id is not None:
        qs = qs.filter(business_object_id=str(object_id))
    if object_ids is not None:
        qs = qs.filter(business_object_id__in=[str(pk) for pk in object_ids])
    if process:
        qs = qs.filter(definition_key=process)
    if element:
        qs = qs.filter(element_id=element)
    if elements is not None:
        qs = qs.filter(element_id__in=list(elements))
    return qs


def tasks_involving_about(user, business_type: ContentType) -> QuerySet:
    """Tasks (open or not) about objects of `business_type` that `user` holds, completed or is
    offered (directly or through a group): the approvers' way to the records they decide on."""
    offered = HumanTaskCandidate.objects.offered_to(user).values("task_id")
    return HumanTask.objects.filter(business_object_type=business_type).filter(
        Q(assignee=user) | Q(completed_by=user) | Q(pk__in=offered)
    )


def task_is_for(user, task: HumanTask) -> bool:
    """The user holds the task, or it is offered to them and nobody holds it."""
    if task.assignee_id is not None:
        return task.assignee_id == user.pk
    return HumanTaskCandidate.objects.filter(task=task, open=True).offered_to(user).exists()


def open_offers_among(user, tasks) -> set[int]:
    """The ids of those of `tasks` (records or ids) an open candidate row offers to `user`."""
    return set(
        HumanTaskCandidate.objects.filter(task__in=tasks, open=True)
        .offered_to(user)
        .values_list("task_id", flat=True)
    )


def offered_group_ids(task: HumanTask) -> QuerySet:
    """The ids of the groups a task is offered to (a flat values list, usable as a subquery)."""
    return HumanTaskCandidate.objects.filter(task=task, group__isnull=False).values_list(
        "group_id", flat=True
    )


def tasks_completed_by(user, start, end) -> QuerySet:
    """Tasks `user` completed between `start` and `end` (inclusive)."""
    return HumanTask.objects.filter(completed_by=user, completed_at__range=(start, end))


def assigned_open_tasks() -> QuerySet:
    """Open tasks somebody holds, with the holder and the process definition (for reminders)."""
    return (
        HumanTask.objects.open()
        .filter(assignee__isnull=False)
        .select_related("assignee", "instance__definition")
    )


# -- process runs about business objects ----------------------------------------------------------


def instances_about(business_type: ContentType, object_ids: Iterable) -> QuerySet:
    """The process instances about objects of `business_type` with the given ids (unordered)."""
    return ProcessInstance.objects.filter(
        business_object_type=business_type, business_object_id__in=[str(pk) for pk in object_ids]
    )


def visible_instances_about(user, business_type: ContentType, object_ids: Iterable) -> QuerySet:
    """instances_about, only those `user` took part in or has in their permission scope (the
    instances whose page opens for them)."""
    base = instances_about(business_type, object_ids)
    return base.involving(user) | base.visible_to(user, "view")


def running_instances_of(obj) -> list[ProcessInstance]:
    """The running process instances about the record `obj`."""
    return list(
        ProcessInstance.objects.filter(
            business_object_type=ContentType.objects.get_for_model(type(obj)),
            business_object_id=str(obj.pk),
            status=ProcessInstance.Status.RUNNING,
        )
    )


def instance_events(instance_ids: Iterable[int], kinds: Iterable[str]) -> QuerySet:
    """The history events of the given kinds of the given instances, with actor and task
    (unordered)."""
    return InstanceEvent.objects.filter(instance_id__in=instance_ids, kind__in=kinds).select_related(
        "actor", "human_task"
    )
