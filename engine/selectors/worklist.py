"""Reads behind the task list: the inbox, the calendar, the dashboard, the instance page and "my
requests", and the processes shown beside a business record. Querysets may be narrowed further
by the caller (filters, order, slices); they stay the engine's queries."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count, Prefetch, Q, QuerySet

from ..models import DefinitionVersion, HumanTask, InstanceEvent, ProcessInstance

# -- tasks ----------------------------------------------------------------------------------------


def assigned_tasks(user) -> QuerySet:
    """Open tasks assigned to `user` (HumanTaskQuerySet.inbox), without joins."""
    return HumanTask.objects.inbox(user)


def offered_tasks(user) -> QuerySet:
    """Open, unassigned tasks offered to `user` or their groups (HumanTaskQuerySet.queue)."""
    return HumanTask.objects.queue(user)


def claimable_tasks() -> QuerySet:
    """Every open, unassigned task (the caller narrows it to a candidate path)."""
    return HumanTask.objects.open().filter(assignee__isnull=True)


def offered_tasks_about(user, content_type, object_ids: Iterable[str]) -> QuerySet:
    """The tasks offered to `user` (offered_tasks) about the objects `object_ids` of one type."""
    return HumanTask.objects.queue(user).filter(
        business_object_type=content_type, business_object_id__in=object_ids
    )


def tasks_by_ids(ids: Iterable[int]) -> QuerySet:
    return HumanTask.objects.filter(pk__in=ids)


def instance_task(instance: ProcessInstance, task_id: int) -> HumanTask | None:
    """A task of the instance (any status), None when the instance has no such task."""
    return HumanTask.objects.filter(instance=instance, pk=task_id).first()


def open_tasks_of(instance: ProcessInstance) -> list[HumanTask]:
    """The instance's open tasks with their assignee, oldest first."""
    return list(
        HumanTask.objects.open()
        .filter(instance=instance)
        .select_related("assignee")
        .order_by("created_at", "pk")
    )


def open_task_load(assignee_ids: list[int], *, now) -> dict[int, dict]:
    """assignee id -> {"open": n, "overdue": n} of the open tasks they hold (one query)."""
    return {
        row["assignee"]: row
        for row in HumanTask.objects.open()
        .filter(assignee__in=assignee_ids)
        .order_by()
        .values("assignee")
        .annotate(open=Count("pk"), overdue=Count("pk", filter=Q(due_at__lt=now)))
    }


# -- process definitions, for the inbox's filters ---------------------------------------------------


def process_names() -> QuerySet:
    """(key, name) of every deployed version, by key then newest version first."""
    return DefinitionVersion.objects.order_by("key", "-version").values_list("key", "name")


def active_user_tasks() -> QuerySet:
    """The `user_tasks` metadata of each active process version."""
    return DefinitionVersion.objects.filter(active=True).values_list("metadata__user_tasks", flat=True)


# -- instances ----------------------------------------------------------------------------------


def decisions_and_cancellations(instance_ids: list[int], decision_key: str) -> QuerySet:
    """The instances' cancellations and completed tasks whose form carried `decision_key`, with
    their actor, oldest first."""
    return (
        InstanceEvent.objects.filter(instance_id__in=instance_ids)
        .filter(
            Q(kind=InstanceEvent.Kind.CANCELLED)
            | Q(kind=InstanceEvent.Kind.TASK_COMPLETED, data__data__has_key=decision_key)
        )
        .select_related("actor")
        .order_by("id")
    )


def started_by(user, statuses: list[str]) -> QuerySet:
    """Instances `user` started in one of `statuses`, newest first, with their definition and their
    open tasks (with assignee) prefetched as `open_tasks`."""
    return (
        ProcessInstance.objects.filter(started_by=user, status__in=statuses)
        .select_related("definition")
        .prefetch_related(
            Prefetch(
                "human_tasks",
                queryset=HumanTask.objects.open().select_related("assignee").order_by("pk"),
                to_attr="open_tasks",
            )
        )
        .order_by("-started_at", "-pk")
    )


def finished_request(user, instance_id: int) -> ProcessInstance | None:
    """A completed or cancelled instance `user` started, with its business object type."""
    return (
        ProcessInstance.objects.filter(pk=instance_id, started_by=user, status__in=["completed", "cancelled"])
        .select_related("business_object_type")
        .first()
    )


def last_instance_id() -> int:
    return ProcessInstance.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def instance_started_since(user, after_id: int) -> ProcessInstance | None:
    """The newest instance `user` started after the instance `after_id`."""
    return ProcessInstance.objects.filter(started_by=user, pk__gt=after_id).order_by("-pk").first()


# -- instances about business records -------------------------------------------------------------


def instances_about_any(objects: Iterable[tuple[object, object]]) -> QuerySet:
    """Instances about any of `objects`: (content type, object id as a string, or a queryset of
    ids as strings, e.g. a subquery over the caller's own table)."""
    condition = Q(pk__in=[])
    for number, (content_type, ids) in enumerate(objects):
        lookup = "business_object_id" if isinstance(ids, str) else "business_object_id__in"
        part = Q(business_object_type=content_type, **{lookup: ids})
        condition = part if number == 0 else condition | part
    return ProcessInstance.objects.filter(condition)


def instances_of_object(content_type, object_id: str) -> QuerySet:
    """Instances about one object."""
    return ProcessInstance.objects.filter(business_object_type=content_type, business_object_id=object_id)


def latest_instance_of(app_label: str, model: str, object_id: str) -> ProcessInstance | None:
    """The newest instance about one object, named by its model's app label and name."""
    return (
        ProcessInstance.objects.filter(
            business_object_type__app_label=app_label,
            business_object_type__model=model,
            business_object_id=object_id,
        )
        .order_by("-pk")
        .first()
    )
